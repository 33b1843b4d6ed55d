import { POLICY_PRESETS, type Policy } from '../policy/policy.js';
import { DAY_MS, HOUR_MS } from '../time.js';
import { SENDER_RULE_SUMMARIES } from '../sender/summaries.js';

/** A window as the legend reads it: `24 h`, `7 days`, `30 min`. */
function span(ms: number): string {
  if (ms % DAY_MS === 0 && ms > DAY_MS) return `${ms / DAY_MS} days`;
  return ms % HOUR_MS === 0 ? `${ms / HOUR_MS} h` : `${ms / 60_000} min`;
}

/**
 * One line per rule of [docs/rules.md](../../docs/rules.md), for a policy's numbers: every number in
 * a summary is that policy's setting, never a copy of it.
 */
export function ruleSummaries(policy: Policy): Readonly<Record<string, string>> {
  return Object.freeze({
    R1: `at most ${policy.requestsPerShortWindow} permission request${policy.requestsPerShortWindow === 1 ? '' : 's'} in any rolling ${span(policy.requestShortWindowMs)}`,
    R2: `at most ${policy.requestsPerLongWindow} permission requests in any rolling ${span(policy.requestLongWindowMs)}`,
    R3: 'a request goes out interactive inside the customer-service window, else as a template',
    R4: `a request stays answerable for ${span(policy.requestAnswerableMs)}, until answered or superseded`,
    R5: 'no request while a permanent permission exists',
    G1: `a temporary grant lasts ${span(policy.temporaryGrantMs)} (or until the expiry the reply carries)`,
    G2: `at most ${policy.connectedCallsPerWindow} connected calls in any rolling ${span(policy.callWindowMs)} (the platform’s number once learned; calls in flight hold a slot)`,
    G3: 'a connected call (either direction) resets the request limits',
    G4: 'no business-initiated call without a live grant',
    G5: 'any accept is honoured; with callback permission a user’s call grants one',
    M1: `${policy.unansweredBeforePrompt} consecutive unanswered calls → prompted`,
    M2: `${policy.unansweredBeforeRevoke} consecutive unanswered calls → revoked (the platform’s automatic reject is not counted again)`,
    M3: 'a connected call resets the unanswered count (prompted → granted)',
    M4: 'a call that failed technically neither counts nor resets',
    U1: 'the user may revoke (→ revoked) or accept (→ granted) at any time',
    U2: 'from revoked or noPermission a new request may be sent, subject to R1–R5',
    W1: `a message, a call from the user or an answered call (re)opens the ${span(policy.sessionWindowMs)} window`,
  });
}

/** The relationship's rule summaries under the default preset (`infobip`), for the diagram's legend. */
export const RELATIONSHIP_RULE_SUMMARIES: Readonly<Record<string, string>> = ruleSummaries(POLICY_PRESETS.infobip);

/**
 * Every rule's summary under the default preset (`infobip`): the relationship's (R, G, M, U, W) and
 * the sender's (S1–S4, G6), one line each, for an inspector's text.
 */
export const RULE_SUMMARIES: Readonly<Record<string, string>> = Object.freeze({ ...RELATIONSHIP_RULE_SUMMARIES, ...SENDER_RULE_SUMMARIES });
