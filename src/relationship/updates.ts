import type {
  CallConnectedEvent,
  CallIdAssignedEvent,
  PermissionAcceptedEvent,
  PermissionRejectedEvent,
  RelationshipEvent,
  RequestFailedEvent,
  RequestSentEvent,
} from '../events/types.js';
import type { Policy } from '../policy/policy.js';
import type { RelationshipContext, Stamped } from './context.js';
import { isOpenRequest } from './windows.js';

/** An action of the statechart: the next context from the current one and the event. */
export type Update = (context: RelationshipContext, event: RelationshipEvent) => RelationshipContext;

/**
 * The statechart's named actions, bound to one policy. Each first moves the relationship's clock
 * to the event's time and prunes what no window can count any more, then records the fact.
 */
export function relationshipUpdates(policy: Policy) {
  const requestHorizon = Math.max(policy.requestLongWindowMs, policy.requestAnswerableMs);

  /** The clock moves to `at`; uses that no window can count any more are dropped. */
  const advance = (ctx: RelationshipContext, at: number): RelationshipContext => {
    const requests = ctx.requests.filter(
      (r) => at < r[1] + requestHorizon && (((ctx.limitsResetAt === null || r[1] > ctx.limitsResetAt) && at < r[1] + policy.requestLongWindowMs) || isOpenRequest(ctx, policy, r, at)),
    );
    const connectedCalls = ctx.connectedCalls.filter((t) => at < t + policy.callWindowMs);
    const callsInFlight = ctx.callsInFlight.filter((c) => at < c[1] + policy.callWindowMs);
    if (at === ctx.now && requests.length === ctx.requests.length && connectedCalls.length === ctx.connectedCalls.length && callsInFlight.length === ctx.callsInFlight.length)
      return ctx;
    return {
      ...ctx,
      now: at,
      requests: requests.length === ctx.requests.length ? ctx.requests : requests,
      connectedCalls: connectedCalls.length === ctx.connectedCalls.length ? ctx.connectedCalls : connectedCalls,
      callsInFlight: callsInFlight.length === ctx.callsInFlight.length ? ctx.callsInFlight : callsInFlight,
    };
  };
  const withoutId = (calls: readonly Stamped[], callId: string) => {
    const i = calls.findIndex(([id]) => id === callId);
    return i < 0 ? calls : [...calls.slice(0, i), ...calls.slice(i + 1)];
  };
  const callId = (event: RelationshipEvent) => (event as CallConnectedEvent).callId;
  /** M1/M2: one more consecutive miss; the call's slot is given back (it never connected). */
  const countMiss: Update = (c, e) => {
    const ctx = advance(c, e.at);
    return { ...ctx, callsInFlight: withoutId(ctx.callsInFlight, callId(e)), unanswered: ctx.unanswered + 1 };
  };

  return {
    /** Time passed: nothing but the clock and the windows. */
    advanceClock: (c, e) => advance(c, e.at),
    /** W1: the user made contact; the 24 h window (re)opens. */
    openSessionWindow: (c, e) => ({ ...advance(c, e.at), lastUserContactAt: e.at }),
    /** R1/R2: a request is counted (and reserved) from the moment it is sent. */
    recordRequest: (c, e) => {
      const ctx = advance(c, e.at);
      return { ...ctx, requests: [...ctx.requests, [(e as RequestSentEvent).requestId, e.at] as const] };
    },
    /** The request never left: its count is given back. */
    releaseRequest: (c, e) => {
      const ctx = advance(c, e.at);
      return { ...ctx, requests: withoutId(ctx.requests, (e as RequestFailedEvent).requestId) };
    },
    /** G1/G5/U1: a grant, temporary until `expiresAt` or permanent; a reply also answers requests (R4). */
    grantPermission: (c, e) => {
      const ctx = advance(c, e.at);
      const accept = e as PermissionAcceptedEvent;
      return {
        ...ctx,
        grantExpiresAt: accept.expiresAt,
        unanswered: 0,
        revokedAt: null,
        answeredAt: accept.source === 'user' ? e.at : ctx.answeredAt,
      };
    },
    /** G5: callback permission: the user's call grants a temporary permission. */
    grantFromUserCall: (c, e) => ({ ...advance(c, e.at), grantExpiresAt: e.at + policy.temporaryGrantMs, unanswered: 0, revokedAt: null }),
    /** R4: the user declined; their requests are answered. */
    declineRequest: (c, e) => ({ ...advance(c, e.at), answeredAt: e.at, revokedAt: null }),
    /** R4: a reply that changes nothing else still answers open requests. */
    recordAnswer: (c, e) => {
      const ctx = advance(c, e.at);
      return (e as PermissionRejectedEvent).source === 'user' ? { ...ctx, answeredAt: e.at } : ctx;
    },
    /** U1: the user revoked (or rejected a live grant). */
    revokePermission: (c, e) => {
      const ctx = advance(c, e.at);
      const answeredAt = e.type === 'PERMISSION_REJECTED' && e.source === 'user' ? e.at : ctx.answeredAt;
      return { ...ctx, grantExpiresAt: null, revokedAt: e.at, answeredAt };
    },
    /** G1: the temporary grant ran out. */
    expireGrant: (c, e) => ({ ...advance(c, e.at), grantExpiresAt: null, unanswered: 0 }),
    /** G2: a call slot is held from the moment the call is placed. */
    reserveCall: (c, e) => {
      const ctx = advance(c, e.at);
      return { ...ctx, callsInFlight: [...ctx.callsInFlight, [callId(e), e.at] as const] };
    },
    /** The placed call is known by the platform's id from now on. */
    assignCallId: (c, e) => {
      const ctx = advance(c, e.at);
      const { callId: ours, platformCallId } = e as CallIdAssignedEvent;
      const i = ctx.callsInFlight.findIndex(([id]) => id === ours);
      if (i < 0) return ctx;
      const callsInFlight = [...ctx.callsInFlight];
      callsInFlight[i] = [platformCallId, callsInFlight[i]![1]] as const;
      return { ...ctx, callsInFlight };
    },
    /** M4: a call that never rang neither counts nor resets; only its slot is given back. */
    releaseCall: (c, e) => {
      const ctx = advance(c, e.at);
      const callsInFlight = withoutId(ctx.callsInFlight, callId(e));
      return callsInFlight === ctx.callsInFlight ? ctx : { ...ctx, callsInFlight };
    },
    countMiss,
    /** M2: the miss that revokes. */
    revokeAfterMisses: (c, e) => ({ ...countMiss(c, e), grantExpiresAt: null, revokedAt: e.at }),
    /** G2 + G3 + M3 + W1: a business call connected: it counts, request limits reset, misses reset, window opens. */
    recordCallConnected: (c, e) => {
      const ctx = advance(c, e.at);
      return {
        ...ctx,
        callsInFlight: withoutId(ctx.callsInFlight, callId(e)),
        connectedCalls: [...ctx.connectedCalls, e.at],
        limitsResetAt: e.at,
        unanswered: 0,
        lastUserContactAt: e.at,
      };
    },
    /** G3 + M3 + W1: a call from the user connected: request limits and misses reset, window opens. */
    recordUserCallConnected: (c, e) => ({ ...advance(c, e.at), limitsResetAt: e.at, unanswered: 0, lastUserContactAt: e.at }),
  } satisfies Record<string, Update>;
}

export type RelationshipUpdates = ReturnType<typeof relationshipUpdates>;
export type UpdateName = keyof RelationshipUpdates;
