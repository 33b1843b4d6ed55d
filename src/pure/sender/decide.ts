import type { Refusal } from '../decide.js';
import { isoTime } from '../../time.js';
import { countryOfNumber } from '../../policy/countries.js';
import type { SenderSnapshot } from './snapshot.js';
import { nextAttemptFreeAt, nextConcurrentFreeAt, ongoingCallTo, restrictedAt } from '../../sender/windows.js';

/** What the sender side says about a command: allowed, or a refusal citing S1–S4 or G6. */
export type SenderDecision = { readonly allowed: true } | Refusal;

const ALLOWED: SenderDecision = Object.freeze({ allowed: true });

/** S3: is business-initiated calling available for this sender's number under the policy? */
export function senderCountryRefusal(sender: string, snapshot: Pick<SenderSnapshot, 'limits'>): Refusal | undefined {
  const country = countryOfNumber(sender);
  if (country === undefined || !snapshot.limits.policy.unavailableSenderCountries.includes(country)) return undefined;
  return {
    allowed: false,
    rule: 'S3',
    reason: `Business-initiated calling is unavailable for senders registered in ${country} (policy.unavailableSenderCountries; the platform would answer 138013).`,
  };
}

/** S4: the restriction in force at `at`, as a refusal. */
function restrictionRefusal(snapshot: SenderSnapshot, at: number, what: string): Refusal | undefined {
  if (!restrictedAt(snapshot.value, snapshot.context, at)) return undefined;
  const until = snapshot.context.restrictedUntil!;
  return {
    allowed: false,
    rule: 'S4',
    reason: `The sender is restricted from business-initiated calling until ${isoTime(until)}: no ${what} until then (the platform would answer 138014).`,
    retryAt: until,
  };
}

/**
 * May the sender place a business-initiated call to `user` at `at`? Refusals cite S3 (the sender's
 * country), S4 (a restriction, `retryAt` its expiry), G6 (a call with this user is going on), S1
 * (attempts in 24 h, `retryAt` when the oldest counted minute leaves the window) or S2 (concurrent
 * calls; a slot frees when any call ends, so no `retryAt`).
 */
export function canSenderCall(snapshot: SenderSnapshot, sender: string | undefined, user: string, at: number): SenderDecision {
  // Without the sender's number (a one-relationship timeline) S3 is not known here.
  const country = sender === undefined ? undefined : senderCountryRefusal(sender, snapshot);
  if (country) return country;
  const restricted = restrictionRefusal(snapshot, at, 'call');
  if (restricted) return restricted;
  const { context, limits } = snapshot;
  const ongoing = ongoingCallTo(context, limits, user, at);
  if (ongoing)
    return {
      allowed: false,
      rule: 'G6',
      reason: `A call with this user is already going on (call ${ongoing[0]}, placed ${isoTime(ongoing[2])}): one call at a time per business↔user pair (the platform would answer 138003). Retry once it ends.`,
    };
  const attemptsFree = nextAttemptFreeAt(context, limits, at);
  if (attemptsFree !== undefined)
    return {
      allowed: false,
      rule: 'S1',
      reason: `${limits.attemptsPerDay} business-initiated call attempt(s) in the last 24 h${share(snapshot)}; the next is allowed at ${isoTime(attemptsFree)} (the platform would answer 138005).`,
      retryAt: attemptsFree,
    };
  const concurrentFree = nextConcurrentFreeAt(context, limits, at);
  if (concurrentFree !== undefined)
    return {
      allowed: false,
      rule: 'S2',
      reason: `${limits.concurrentCalls} call(s) going on at once${share(snapshot)}: a slot frees when one ends (at the latest ${isoTime(concurrentFree)}, when an end never reported is assumed; the platform would answer 138002).`,
    };
  return ALLOWED;
}

/** May the sender send a call permission request at `at`? Refusals cite S3 or S4 (requests are not counted by S1/S2). */
export function canSenderRequest(snapshot: SenderSnapshot, sender: string, at: number): SenderDecision {
  return senderCountryRefusal(sender, snapshot) ?? restrictionRefusal(snapshot, at, 'call permission request') ?? ALLOWED;
}

function share(snapshot: SenderSnapshot): string {
  const { limits } = snapshot;
  return limits.attemptsPerDay === limits.policy.senderCallAttemptsPerDay && limits.concurrentCalls === limits.policy.senderConcurrentCalls
    ? ''
    : ` (this user's shard of the sender; the sender's ${limits.policy.senderCallAttemptsPerDay} / ${limits.policy.senderConcurrentCalls} are split across shards)`;
}
