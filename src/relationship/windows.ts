import type { RelationshipEvent } from '../events/types.js';
import type { Policy } from '../policy/policy.js';
import type { RelationshipContext, RelationshipState, Stamped } from './context.js';

/*
 * One convention for every window: a use at time `t` counts while `at < t + window` and frees
 * its slot at exactly `t + window`. A grant is live while `at < expiresAt`.
 */

/**
 * R1/R2: request times that count toward a window of `windowMs` at `at`: sent at or after the last
 * reset (G3; a request at the very millisecond of the reset is counted, the side that never lets out more).
 */
export function countedRequestTimes(ctx: RelationshipContext, windowMs: number, at: number): number[] {
  const times: number[] = [];
  for (const [, sentAt] of ctx.requests) {
    if ((ctx.limitsResetAt === null || sentAt >= ctx.limitsResetAt) && at < sentAt + windowMs) times.push(sentAt);
  }
  return times;
}

/** R1/R2: how many requests count toward a window of `windowMs` at `at` (`countedRequestTimes(…).length`, without the array). */
export function countRequests(ctx: RelationshipContext, windowMs: number, at: number): number {
  const { requests, limitsResetAt } = ctx;
  let count = 0;
  for (let i = 0; i < requests.length; i++) {
    const sentAt = requests[i]![1];
    if ((limitsResetAt === null || sentAt >= limitsResetAt) && at < sentAt + windowMs) count++;
  }
  return count;
}

/**
 * R1/R2: the time a request counts from: its event's time, or a reconstructed one's own (`countedFrom`,
 * docs/semantics.md "Reconstructed uses"), never before the last reset (G3).
 */
export function requestCountedFrom(ctx: RelationshipContext, event: { readonly at: number; readonly countedFrom?: number }): number {
  if (event.countedFrom === undefined) return event.at;
  return ctx.limitsResetAt !== null && event.countedFrom < ctx.limitsResetAt ? ctx.limitsResetAt : event.countedFrom;
}

/**
 * Whether one more use at `t` keeps every window of `windowMs` that holds it within `max`, among the
 * uses `times` (those still counted at the event's time: the only ones any later decision meets). A
 * window ending at `y` holds the uses in (y − W, y]; those holding `t` end in [t, t + W), and the
 * count only grows where a use enters, so the ends worth looking at are `t` and every later use's time.
 */
export function roomAround(times: readonly number[], windowMs: number, max: number, t: number): boolean {
  const held = (y: number) => {
    let n = 0;
    for (const u of times) if (u <= y && y < u + windowMs) n++;
    return n;
  };
  if (held(t) >= max) return false;
  for (const u of times) if (u > t && u < t + windowMs && held(u) >= max) return false;
  return true;
}

/** R1/R2: times of the requests the long window still counts at `at` (since the last reset). */
export function requestsStillCounted(ctx: RelationshipContext, policy: Policy, at: number): number[] {
  return countedRequestTimes(ctx, policy.requestLongWindowMs, at);
}

/** G2: start times of the call slots still held at `at` (connected and in flight). */
export function slotsStillHeld(ctx: RelationshipContext, policy: Policy, at: number): number[] {
  return callSlotReleaseTimes(ctx, policy, at).map((free) => free - policy.callWindowMs);
}

/** G2: release times of the call slots in use at `at`: connected calls and calls in flight. */
export function callSlotReleaseTimes(ctx: RelationshipContext, policy: Policy, at: number): number[] {
  const releases: number[] = [];
  for (const t of ctx.connectedCalls) if (at < t + policy.callWindowMs) releases.push(t + policy.callWindowMs);
  for (const [, t] of ctx.callsInFlight) if (at < t + policy.callWindowMs) releases.push(t + policy.callWindowMs);
  return releases;
}

/** G2: how many call slots are in use at `at` (`callSlotReleaseTimes(…).length`, without the array). */
export function countCallSlots(ctx: RelationshipContext, policy: Policy, at: number): number {
  const { connectedCalls, callsInFlight } = ctx;
  const window = policy.callWindowMs;
  let count = 0;
  for (let i = 0; i < connectedCalls.length; i++) if (at < connectedCalls[i]! + window) count++;
  for (let i = 0; i < callsInFlight.length; i++) if (at < callsInFlight[i]![1] + window) count++;
  return count;
}

/**
 * The earliest time at which fewer than `max` of the given release times are still pending,
 * i.e. when the next use would be allowed. `undefined` when a use is allowed now.
 */
export function nextFreeSlot(releaseTimes: readonly number[], max: number): number | undefined {
  if (releaseTimes.length < max) return undefined;
  const sorted = [...releaseTimes].sort((a, b) => a - b);
  return sorted[sorted.length - max];
}

/** G1: does a grant exist at `at`? */
export function grantLive(state: RelationshipState, ctx: RelationshipContext, at: number): boolean {
  return (state === 'granted' || state === 'prompted') && (ctx.grantExpiresAt === null || at < ctx.grantExpiresAt);
}

/** R5: is there a permanent grant? */
export function permanentGrant(state: RelationshipState, ctx: RelationshipContext): boolean {
  return (state === 'granted' || state === 'prompted') && ctx.grantExpiresAt === null;
}

/** R4: requests still awaiting an answer at `at`: sent after the last reply and not yet lapsed. */
export function isOpenRequest(ctx: RelationshipContext, policy: Policy, request: Stamped, at: number): boolean {
  const sentAt = request[1];
  return (ctx.answeredAt === null || sentAt > ctx.answeredAt) && at < sentAt + policy.requestAnswerableMs;
}

/** R4: when the last open request lapses (`undefined` when none is open at `at`). */
export function openRequestsLapseAt(ctx: RelationshipContext, policy: Policy, at: number): number | undefined {
  let lapse: number | undefined;
  const { requests } = ctx;
  for (let i = 0; i < requests.length; i++) {
    const request = requests[i]!;
    if (isOpenRequest(ctx, policy, request, at)) {
      const end = request[1] + policy.requestAnswerableMs;
      if (lapse === undefined || end > lapse) lapse = end;
    }
  }
  return lapse;
}

/** W1: is the customer-service window open at `at`? */
export function sessionWindowOpen(ctx: RelationshipContext, policy: Policy, at: number): boolean {
  return ctx.lastUserContactAt !== null && at < ctx.lastUserContactAt + policy.sessionWindowMs;
}

/**
 * The next time the state changes by the clock alone (G1 expiry, R4 lapse), or `undefined`.
 * The pure API applies a `CLOCK` at that time before any later event.
 */
export function nextStateChangeAt(state: RelationshipState, ctx: RelationshipContext, policy: Policy): number | undefined {
  if (state === 'granted' || state === 'prompted') return ctx.grantExpiresAt ?? undefined;
  if (state === 'requested') return openRequestsLapseAt(ctx, policy, ctx.now) ?? ctx.now;
  return undefined;
}

/** The state as it is at `at`, with a due expiry (G1) or lapse (R4) taken into account. */
export function stateAt(state: RelationshipState, ctx: RelationshipContext, policy: Policy, at: number): RelationshipState {
  if ((state === 'granted' || state === 'prompted') && ctx.grantExpiresAt !== null && at >= ctx.grantExpiresAt) return 'noPermission';
  if (state === 'requested' && openRequestsLapseAt(ctx, policy, at) === undefined) return ctx.revokedAt !== null ? 'revoked' : 'noPermission';
  return state;
}

/**
 * The next time anything a host can see changes by the clock alone: a state change (above), a
 * counted use leaving its window, or the customer-service window closing. Stores index it so a
 * sweep finds relationships that are due without scanning them all.
 */
export function nextChangeAt(state: RelationshipState, ctx: RelationshipContext, policy: Policy): number | undefined {
  // Runs on every engine write (stores index it): plain loops, no closures or arrays.
  const now = ctx.now;
  let next = nextStateChangeAt(state, ctx, policy);
  let t: number;
  const { requests, limitsResetAt, connectedCalls, callsInFlight, lastUserContactAt } = ctx;
  for (let i = 0; i < requests.length; i++) {
    const sentAt = requests[i]![1];
    if (limitsResetAt !== null && sentAt < limitsResetAt) continue;
    t = sentAt + policy.requestShortWindowMs;
    if (t > now && (next === undefined || t < next)) next = t;
    t = sentAt + policy.requestLongWindowMs;
    if (t > now && (next === undefined || t < next)) next = t;
  }
  for (let i = 0; i < connectedCalls.length; i++) {
    t = connectedCalls[i]! + policy.callWindowMs;
    if (t > now && (next === undefined || t < next)) next = t;
  }
  for (let i = 0; i < callsInFlight.length; i++) {
    t = callsInFlight[i]![1] + policy.callWindowMs;
    if (t > now && (next === undefined || t < next)) next = t;
  }
  if (lastUserContactAt !== null) {
    t = lastUserContactAt + policy.sessionWindowMs;
    if (t > now && (next === undefined || t < next)) next = t;
  }
  return next;
}

/** Where the latest entry with this id is (a host may reuse an id), or -1. */
export function lastIndexOfId(entries: readonly Stamped[], id: string): number {
  for (let i = entries.length - 1; i >= 0; i--) if (entries[i]![0] === id) return i;
  return -1;
}

/**
 * M1/M2: the recorded misses a grant (an accept, the platform's view) dated `event.at` would count
 * in time order: those dated after it and before its expiry. Zero for a grant in order (every miss
 * recorded is at or before it); late, the misses that came after it.
 */
export function missesAfterGrant(ctx: RelationshipContext, event: RelationshipEvent): number {
  const expiresAt = (event as { expiresAt?: number | null }).expiresAt ?? null;
  let n = 0;
  for (const t of ctx.missedAt) if (t > event.at && (expiresAt === null || t < expiresAt)) n++;
  return n;
}

/** The time of the `n`th (1-based) miss a late grant dated `event.at` counts, see {@link missesAfterGrant}. */
export function nthMissAfterGrant(ctx: RelationshipContext, event: RelationshipEvent, n: number): number | undefined {
  const expiresAt = (event as { expiresAt?: number | null }).expiresAt ?? null;
  let seen = 0;
  for (const t of ctx.missedAt) if (t > event.at && (expiresAt === null || t < expiresAt) && ++seen === n) return t;
  return undefined;
}
