import { canRequestPermission, canStartCall, type CallDecision, type RequestDecision } from '../pure/decide.js';
import { nextChangeDueAt, type RelationshipSnapshot } from '../pure/snapshot.js';
import { getPermissions, type PermissionsView } from '../pure/view.js';
import { countRequests, sessionWindowOpen, stateAt } from '../relationship/windows.js';
import type { RelationshipState } from '../relationship/context.js';
import { isoTime } from '../time.js';

/**
 * What a relationship counts, at one moment. The window names are the `infobip` preset's; under
 * another policy they are its short request window, long request window and call window.
 */
export interface RelationshipCounters {
  /** R1: requests counted in the short window (sent after the last G3 reset). */
  readonly requestsIn24h: number;
  /** R2: requests counted in the long window. */
  readonly requestsIn7d: number;
  /** G2: business calls that connected inside the call window. */
  readonly connectedCallsIn24h: number;
  /** G2: business calls placed whose outcome is not known yet (each holds a call slot). */
  readonly callsInFlight: number;
  /** M1/M2: consecutive unanswered business calls. */
  readonly consecutiveUnanswered: number;
  /** G1: when the grant ends (ISO), `null` without a grant or for a permanent one. */
  readonly grantExpiresAt: string | null;
  /** W1: whether the customer-service window is open (R3: requests go out interactive). */
  readonly sessionWindowOpen: boolean;
}

/** A decision with its `retryAt` as an ISO time, as the timeline and the service show it. */
export type ShownDecision<D> = D extends { readonly retryAt?: number } ? Omit<D, 'retryAt'> & { readonly retryAt?: string } : D;

export interface Decisions {
  /** `canRequestPermission` at that moment (R1–R5, the channel by R3). */
  readonly request: ShownDecision<RequestDecision>;
  /** `canStartCall` at that moment (G2, G4). */
  readonly call: ShownDecision<CallDecision>;
}

/** One relationship at one moment: its state, counters, permissions view and the two decisions. */
export interface RelationshipInspection {
  /** When (ISO). */
  readonly at: string;
  /** The stored state. */
  readonly state: RelationshipState;
  /** The state at `at`: differs from `state` when an expiry or a lapse is due and not yet recorded. */
  readonly stateNow: RelationshipState;
  readonly counters: RelationshipCounters;
  readonly view: PermissionsView;
  readonly decisions: Decisions;
  /** The next time anything here changes by the clock alone (ISO), if any. */
  readonly nextChangeAt: string | null;
}

export function relationshipCounters(snapshot: RelationshipSnapshot, at: number): RelationshipCounters {
  const { context, policy, value } = snapshot;
  const granted = stateAt(value, context, policy, at);
  let connected = 0;
  for (const t of context.connectedCalls) if (at < t + policy.callWindowMs) connected++;
  let inFlight = 0;
  for (const [, t] of context.callsInFlight) if (at < t + policy.callWindowMs) inFlight++;
  return {
    requestsIn24h: countRequests(context, policy.requestShortWindowMs, at),
    requestsIn7d: countRequests(context, policy.requestLongWindowMs, at),
    connectedCallsIn24h: connected,
    callsInFlight: inFlight,
    consecutiveUnanswered: context.unanswered,
    grantExpiresAt: (granted === 'granted' || granted === 'prompted') && context.grantExpiresAt !== null ? isoTime(context.grantExpiresAt) : null,
    sessionWindowOpen: sessionWindowOpen(context, policy, at),
  };
}

export function shownDecision<D extends RequestDecision | CallDecision>(decision: D): ShownDecision<D> {
  if (decision.allowed || decision.retryAt === undefined) return decision as ShownDecision<D>;
  return { ...decision, retryAt: isoTime(decision.retryAt) } as ShownDecision<D>;
}

export function decisionsAt(snapshot: RelationshipSnapshot, at: number): Decisions {
  return { request: shownDecision(canRequestPermission(snapshot, at)), call: shownDecision(canStartCall(snapshot, at)) };
}

/** Everything a person asks about a relationship at `at` (default: its own clock), computed, nothing applied. */
export function inspectRelationship(snapshot: RelationshipSnapshot, at: number = snapshot.context.now): RelationshipInspection {
  const when = Math.max(at, snapshot.context.now);
  const due = nextChangeDueAt(snapshot);
  return {
    at: isoTime(when),
    state: snapshot.value,
    stateNow: stateAt(snapshot.value, snapshot.context, snapshot.policy, when),
    counters: relationshipCounters(snapshot, when),
    view: getPermissions(snapshot, when),
    decisions: decisionsAt(snapshot, when),
    nextChangeAt: due === undefined ? null : isoTime(due),
  };
}
