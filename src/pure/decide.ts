import { parseTime } from '../events/parse.js';
import type { RequestChannel, TimeInput } from '../events/types.js';
import { isoTime } from '../time.js';
import { callSlotReleaseTimes, countedRequestTimes, grantLive, nextFreeSlot, permanentGrant, sessionWindowOpen, stateAt } from '../relationship/windows.js';
import type { RelationshipSnapshot } from './snapshot.js';
import type { RuleId } from '../rules.js';

/** The rules a command can be refused by: a subset of {@link RuleId} (S1–S4 and G6 are the sender's, see `src/sender`). */
export type RefusalRule = Extract<RuleId, 'R1' | 'R2' | 'R5' | 'G2' | 'G4' | 'G6' | 'S1' | 'S2' | 'S3' | 'S4'>;

/** A command the rules refuse: which rule, in words, and the earliest time it would be allowed. */
export interface Refusal {
  readonly allowed: false;
  readonly rule: RefusalRule;
  readonly reason: string;
  /** Epoch ms at which the same command would be allowed, when waiting is enough. */
  readonly retryAt?: number;
}

export type RequestDecision = { readonly allowed: true; readonly via: RequestChannel } | Refusal;
export type CallDecision = { readonly allowed: true } | Refusal;


/**
 * May a permission request go out at `at`, and how (R3)? Refusals cite R5 (a permanent grant
 * exists), R1 (the 24 h limit) or R2 (the 7-day limit), with `retryAt` when waiting is enough;
 * when both limits bind, the one that frees later is cited and its time given.
 */
export function canRequestPermission(snapshot: RelationshipSnapshot, atInput: TimeInput): RequestDecision {
  const at = parseTime(atInput, 'at');
  const { context, policy } = snapshot;
  const state = stateAt(snapshot.value, context, policy, at);
  if (permanentGrant(state, context) && grantLive(state, context, at))
    return { allowed: false, rule: 'R5', reason: 'A permanent call permission exists; a new request would be refused by the platform (138017).' };
  const shortFree = nextFreeSlot(
    countedRequestTimes(context, policy.requestShortWindowMs, at).map((t) => t + policy.requestShortWindowMs),
    policy.requestsPerShortWindow,
  );
  const longFree = nextFreeSlot(
    countedRequestTimes(context, policy.requestLongWindowMs, at).map((t) => t + policy.requestLongWindowMs),
    policy.requestsPerLongWindow,
  );
  if (longFree !== undefined && (shortFree === undefined || longFree >= shortFree))
    return {
      allowed: false,
      rule: 'R2',
      reason: `${policy.requestsPerLongWindow} permission request(s) were already sent in the last ${days(policy.requestLongWindowMs)}; the next is allowed at ${isoTime(longFree)}.`,
      retryAt: longFree,
    };
  if (shortFree !== undefined)
    return {
      allowed: false,
      rule: 'R1',
      reason: `${policy.requestsPerShortWindow} permission request(s) were already sent in the last ${days(policy.requestShortWindowMs)}; the next is allowed at ${isoTime(shortFree)}.`,
      retryAt: shortFree,
    };
  return { allowed: true, via: sessionWindowOpen(context, policy, at) ? 'interactive' : 'template' };
}

/**
 * May a business-initiated call start at `at`? Refusals cite G4 (no live permission) or G2 (the
 * connected-call limit, counting calls still in flight), with `retryAt` when a slot frees before
 * the grant ends.
 */
export function canStartCall(snapshot: RelationshipSnapshot, atInput: TimeInput): CallDecision {
  const at = parseTime(atInput, 'at');
  const { context, policy } = snapshot;
  const state = stateAt(snapshot.value, context, policy, at);
  if (!grantLive(state, context, at)) {
    const why =
      state === 'noPermission' && (snapshot.value === 'granted' || snapshot.value === 'prompted')
        ? `the temporary permission expired at ${isoTime(context.grantExpiresAt!)}`
        : state === 'requested'
          ? 'a permission request is awaiting the user’s answer'
          : state === 'revoked'
            ? 'the user’s permission was revoked'
            : 'the user has not granted call permission';
    return { allowed: false, rule: 'G4', reason: `No business-initiated call: ${why} (the platform would answer 138006).` };
  }
  const free = nextFreeSlot(callSlotReleaseTimes(context, policy, at), policy.connectedCallsPerWindow);
  if (free !== undefined) {
    const withinGrant = context.grantExpiresAt === null || free < context.grantExpiresAt;
    return {
      allowed: false,
      rule: 'G2',
      reason: `${policy.connectedCallsPerWindow} connected call(s) (or calls in flight) in the last ${days(policy.callWindowMs)}; ${
        withinGrant ? `the next is allowed at ${isoTime(free)}` : 'the permission ends before a slot frees'
      }.`,
      ...(withinGrant ? { retryAt: free } : {}),
    };
  }
  return { allowed: true };
}

function days(ms: number): string {
  return ms % 86_400_000 === 0 && ms > 86_400_000 ? `${ms / 86_400_000} days` : `${ms / 3_600_000} h`;
}
