import type {
  CallConnectedEvent,
  CallStartedEvent,
  CallIdAssignedEvent,
  PermissionAcceptedEvent,
  PermissionRejectedEvent,
  PermissionSyncedEvent,
  RelationshipEvent,
  RequestFailedEvent,
  RequestSentEvent,
} from '../events/types.js';
import type { Policy } from '../policy/policy.js';
import type { RelationshipContext, Stamped } from './context.js';
import { isOpenRequest, lastIndexOfId, missesAfterGrant, nthMissAfterGrant, requestCountedFrom } from './windows.js';

/** An action of the statechart: the next context from the current one and the event. */
export type Update = (context: RelationshipContext, event: RelationshipEvent) => RelationshipContext;

/**
 * The statechart's named actions, bound to one policy. Each first moves the relationship's clock
 * to the event's time and prunes what no window can count any more, then records the fact.
 */
export function relationshipUpdates(policy: Policy) {
  // Uses are kept `maxClockSkewMs` past their window: a command is decided at the engine's clock, which
  // may lie up to that much behind the relationship's (docs/semantics.md "Trusted time"), and must still count them.
  const slack = policy.maxClockSkewMs;
  const requestHorizon = Math.max(policy.requestLongWindowMs + slack, policy.requestAnswerableMs);
  const longWindow = policy.requestLongWindowMs + slack;
  const callWindow = policy.callWindowMs + slack;

  // Pruning runs on every event: each list is scanned without allocating, and copied only when
  // something actually leaves it (the common case keeps every entry).
  const keepRequest = (ctx: RelationshipContext, r: Stamped, at: number) =>
    at < r[1] + requestHorizon && (((ctx.limitsResetAt === null || r[1] >= ctx.limitsResetAt) && at < r[1] + longWindow) || isOpenRequest(ctx, policy, r, at));
  const keptRequests = (ctx: RelationshipContext, at: number): readonly Stamped[] => {
    const all = ctx.requests;
    let i = 0;
    while (i < all.length && keepRequest(ctx, all[i]!, at)) i++;
    if (i === all.length) return all;
    const kept = all.slice(0, i);
    for (i++; i < all.length; i++) if (keepRequest(ctx, all[i]!, at)) kept.push(all[i]!);
    return kept;
  };
  const keptTimes = (all: readonly number[], at: number): readonly number[] => {
    let i = 0;
    while (i < all.length && at < all[i]! + callWindow) i++;
    if (i === all.length) return all;
    const kept = all.slice(0, i);
    for (i++; i < all.length; i++) if (at < all[i]! + callWindow) kept.push(all[i]!);
    return kept;
  };
  const keptCalls = (all: readonly Stamped[], at: number): readonly Stamped[] => {
    let i = 0;
    while (i < all.length && at < all[i]![1] + callWindow) i++;
    if (i === all.length) return all;
    const kept = all.slice(0, i);
    for (i++; i < all.length; i++) if (at < all[i]![1] + callWindow) kept.push(all[i]!);
    return kept;
  };
  /**
   * A new context with its clock moved to `at` (never back: a late fact keeps the clock where it is)
   * and what no window can count any more dropped, for the update to fill in before it returns it
   * (nobody else has seen it yet). Fields in `initialContext` order.
   */
  const draft = (ctx: RelationshipContext, eventAt: number): Draft => {
    const at = eventAt > ctx.now ? eventAt : ctx.now;
    return {
    now: at,
    requests: keptRequests(ctx, at),
    limitsResetAt: ctx.limitsResetAt,
    answeredAt: ctx.answeredAt,
    connectedCalls: keptTimes(ctx.connectedCalls, at),
    callsInFlight: keptCalls(ctx.callsInFlight, at),
    unanswered: ctx.unanswered,
    unansweredSince: ctx.unansweredSince,
    unansweredBeforeReset: ctx.unansweredBeforeReset,
    unansweredBeforeResetSince: ctx.unansweredBeforeResetSince,
    missedAt: ctx.missedAt,
    grantExpiresAt: ctx.grantExpiresAt,
    lastUserContactAt: ctx.lastUserContactAt,
    revokedAt: ctx.revokedAt,
    decidedAt: ctx.decidedAt,
    callbackGrantedAt: ctx.callbackGrantedAt,
    };
  };
  /** The clock moves to `at` (never back); uses that no window can count any more are dropped. The same context when nothing changes. */
  const advance = (ctx: RelationshipContext, at: number): RelationshipContext => {
    const next = draft(ctx, at);
    return next.now === ctx.now && next.requests === ctx.requests && next.connectedCalls === ctx.connectedCalls && next.callsInFlight === ctx.callsInFlight ? ctx : next;
  };
  /** Without the latest entry under `id`: a release answers the most recent use of that id. */
  const withoutId = (entries: readonly Stamped[], id: string) => {
    const i = lastIndexOfId(entries, id);
    return i < 0 ? entries : [...entries.slice(0, i), ...entries.slice(i + 1)];
  };
  const callId = (event: RelationshipEvent) => (event as CallConnectedEvent).callId;
  /** The later of a remembered time and a fact's: a late fact never moves a "last …" time back. */
  const latest = (kept: number | null, at: number) => (kept === null || at > kept ? at : kept);
  /** The miss times with `at` added in order, only the latest `unansweredBeforeRevoke` kept (more never change a count's outcome). */
  const withMiss = (times: readonly number[], at: number): readonly number[] => {
    let i = times.length;
    while (i > 0 && times[i - 1]! > at) i--;
    const next = [...times.slice(0, i), at, ...times.slice(i)];
    return next.length > policy.unansweredBeforeRevoke ? next.slice(next.length - policy.unansweredBeforeRevoke) : next;
  };
  /** M1/M2: one more consecutive miss; the call's slot is given back (it never connected). */
  const countMiss = (c: RelationshipContext, e: RelationshipEvent): Draft => {
    const next = draft(c, e.at);
    next.callsInFlight = withoutId(next.callsInFlight, callId(e));
    next.unanswered = next.unanswered + 1;
    next.missedAt = withMiss(c.missedAt, e.at);
    return next;
  };
  /** Misses at or before a connect at `at` are reset by it (M3): a grant delivered later never counts them. */
  const missesAfter = (times: readonly number[], at: number) => (times.length && times[0]! <= at ? times.filter((t) => t > at) : times);
  /**
   * G3 + M3 + W1, what any connected call does (either direction): request limits reset as of its
   * time, misses reset (not when delivered late: some may have come after it), the window opens.
   */
  const connected = (c: RelationshipContext, next: Draft, at: number): Draft => {
    next.limitsResetAt = latest(c.limitsResetAt, at);
    if (at >= c.now) {
      next.unansweredBeforeReset = c.unanswered;
      next.unansweredBeforeResetSince = c.unansweredSince;
      next.unanswered = 0;
      next.unansweredSince = latest(c.unansweredSince, at);
    }
    next.missedAt = missesAfter(c.missedAt, at);
    next.lastUserContactAt = latest(c.lastUserContactAt, at);
    return next;
  };

  return {
    /** Time passed: nothing but the clock and the windows. */
    advanceClock: (c, e) => advance(c, e.at),
    /** W1: the user made contact; the 24 h window (re)opens. */
    openSessionWindow: (c, e) => {
      const next = draft(c, e.at);
      next.lastUserContactAt = latest(c.lastUserContactAt, e.at);
      return next;
    },
    /** R1/R2: a request is counted (and reserved) from the moment it is sent (or from when the platform counts it). */
    recordRequest: (c, e) => {
      const next = draft(c, e.at);
      next.requests = [...next.requests, [(e as RequestSentEvent).requestId, requestCountedFrom(c, e as RequestSentEvent)] as const];
      return next;
    },
    /** The request never left: its count is given back. */
    releaseRequest: (c, e) => {
      const next = draft(c, e.at);
      next.requests = withoutId(next.requests, (e as RequestFailedEvent).requestId);
      return next;
    },
    /**
     * G1/G5/U1: a grant, temporary until `expiresAt` or permanent; a user's reply also answers
     * requests (R4). Also a grant the platform reports on reconciliation (`PERMISSION_SYNCED`).
     */
    grantPermission: (c, e) => {
      const next = draft(c, e.at);
      const accept = e as PermissionAcceptedEvent | (PermissionSyncedEvent & { source?: undefined });
      next.grantExpiresAt = accept.expiresAt;
      // An accept delivered late counts the misses recorded after its time (M1/M2): in time order they
      // counted against it. (The platform's view already reflects the misses it knew of: it starts at 0.)
      next.unanswered = e.type === 'PERMISSION_ACCEPTED' ? missesAfterGrant(c, e) : 0;
      next.unansweredSince = latest(c.unansweredSince, e.at);
      next.unansweredBeforeReset = 0;
      next.unansweredBeforeResetSince = null;
      next.revokedAt = null;
      next.decidedAt = latest(c.decidedAt, e.at);
      // It replaces a callback grant (G5), even one made after its time: in time order it came first.
      next.callbackGrantedAt = null;
      if (accept.source === 'user') next.answeredAt = latest(c.answeredAt, e.at);
      return next;
    },
    /** G1 (reconciliation): the grant stands, and ends when the platform says it does. */
    adoptGrantExpiry: (c, e) => {
      const next = draft(c, e.at);
      next.grantExpiresAt = (e as PermissionSyncedEvent).expiresAt;
      next.decidedAt = latest(c.decidedAt, e.at);
      return next;
    },
    /** Reconciliation that changes no state (no permission where there is none): it still decided, as of its time. */
    recordPlatformView: (c, e) => {
      const next = draft(c, e.at);
      next.decidedAt = latest(c.decidedAt, e.at);
      return next;
    },
    /**
     * M2: a grant delivered late (see `grantPermission`) that the misses after its time revoked in
     * time order: it ends at the miss that reached the limit.
     */
    endGrantByLaterMisses: (c, e) => {
      const next = draft(c, e.at);
      next.grantExpiresAt = null;
      next.revokedAt = latest(c.revokedAt, nthMissAfterGrant(c, e, policy.unansweredBeforeRevoke) ?? e.at);
      return next;
    },
    /**
     * G5: callback permission: the user's call grants a temporary permission. It is no decision of the
     * user's on the permission: an accept dated at or before it, delivered later, replaces it.
     */
    grantFromUserCall: (c, e) => {
      const next = draft(c, e.at);
      next.grantExpiresAt = e.at + policy.temporaryGrantMs;
      next.unanswered = 0;
      next.unansweredSince = latest(c.unansweredSince, e.at);
      next.unansweredBeforeReset = 0;
      next.unansweredBeforeResetSince = null;
      next.revokedAt = null;
      next.callbackGrantedAt = latest(c.callbackGrantedAt, e.at);
      return next;
    },
    /** R4: the user declined; their requests are answered. */
    declineRequest: (c, e) => {
      const next = draft(c, e.at);
      next.answeredAt = latest(c.answeredAt, e.at);
      next.revokedAt = null;
      next.decidedAt = latest(c.decidedAt, e.at);
      return next;
    },
    /**
     * R4: a reply that changes nothing else still answers open requests. Any reject (the platform's
     * too) is a decision: an accept dated before it and delivered after it grants nothing.
     */
    recordAnswer: (c, e) => {
      const next = draft(c, e.at);
      if ((e as PermissionRejectedEvent).source === 'user') next.answeredAt = latest(c.answeredAt, e.at);
      next.decidedAt = latest(c.decidedAt, e.at);
      return next;
    },
    /** U1: the user revoked (or rejected a live grant). */
    revokePermission: (c, e) => {
      const next = draft(c, e.at);
      next.grantExpiresAt = null;
      next.revokedAt = latest(c.revokedAt, e.at);
      next.decidedAt = latest(c.decidedAt, e.at);
      if (e.type === 'PERMISSION_REJECTED' && e.source === 'user') next.answeredAt = latest(c.answeredAt, e.at);
      return next;
    },
    /** G1: the temporary grant ran out. */
    expireGrant: (c, e) => {
      const next = draft(c, e.at);
      next.grantExpiresAt = null;
      next.unanswered = 0;
      // The platform's "no permission" decided (an expiry by the clock did not).
      if (e.type === 'PERMISSION_SYNCED') next.decidedAt = latest(c.decidedAt, e.at);
      return next;
    },
    /** G2: a call slot is held from the moment the call is placed (or from when the platform counts it). */
    reserveCall: (c, e) => {
      const next = draft(c, e.at);
      next.callsInFlight = [...next.callsInFlight, [callId(e), (e as CallStartedEvent).countedFrom ?? e.at] as const];
      return next;
    },
    /** The placed call is known by the platform's id from now on. */
    assignCallId: (c, e) => {
      const ctx = advance(c, e.at);
      const { callId: ours, platformCallId } = e as CallIdAssignedEvent;
      const i = ctx.callsInFlight.findIndex((call) => call[0] === ours);
      if (i < 0) return ctx;
      const callsInFlight = [...ctx.callsInFlight];
      callsInFlight[i] = [platformCallId, callsInFlight[i]![1]] as const;
      return { ...ctx, callsInFlight };
    },
    /**
     * A miss outside a grant: its slot is given back, and its time kept (unless the count started
     * again after it), for an accept dated before it and delivered later to count (M1/M2).
     */
    releaseMissedCall: (c, e) => {
      const ctx = advance(c, e.at);
      const callsInFlight = withoutId(ctx.callsInFlight, callId(e));
      const counts = c.unansweredSince === null || e.at >= c.unansweredSince;
      if (!counts) return callsInFlight === ctx.callsInFlight ? ctx : { ...ctx, callsInFlight };
      return { ...ctx, callsInFlight, missedAt: withMiss(c.missedAt, e.at) };
    },
    /**
     * A miss delivered late, dated before the count last started again: its slot is given back; if it
     * falls in the stretch before a connect delivered in order, it counts there (M2: see `missBeforeResetRevokes`).
     */
    countMissBeforeReset: (c, e) => {
      const ctx = advance(c, e.at);
      const callsInFlight = withoutId(ctx.callsInFlight, callId(e));
      const inStretch = c.unansweredBeforeResetSince !== null && e.at >= c.unansweredBeforeResetSince;
      if (!inStretch) return callsInFlight === ctx.callsInFlight ? ctx : { ...ctx, callsInFlight };
      return { ...ctx, callsInFlight, unansweredBeforeReset: c.unansweredBeforeReset + 1 };
    },
    /** M2: a late miss that revoked the grant before a later connect (see `missBeforeResetRevokes`). */
    revokeByMissBeforeReset: (c, e) => {
      const ctx = advance(c, e.at);
      return {
        ...ctx,
        callsInFlight: withoutId(ctx.callsInFlight, callId(e)),
        unansweredBeforeReset: c.unansweredBeforeReset + 1,
        grantExpiresAt: null,
        revokedAt: latest(c.revokedAt, e.at),
      };
    },
    /** M4: a call that never rang neither counts nor resets; only its slot is given back. */
    releaseCall: (c, e) => {
      const ctx = advance(c, e.at);
      const callsInFlight = withoutId(ctx.callsInFlight, callId(e));
      return callsInFlight === ctx.callsInFlight ? ctx : { ...ctx, callsInFlight };
    },
    countMiss,
    /**
     * M2: the miss that revokes. It is no decision an accept dated before it must yield to: such an
     * accept, delivered later, counts the misses after its own time instead (`grantPermission`).
     */
    revokeAfterMisses: (c, e) => {
      const next = countMiss(c, e);
      next.grantExpiresAt = null;
      next.revokedAt = latest(c.revokedAt, e.at);
      return next;
    },
    /**
     * G2 + G3 + M3 + W1: a business call connected: it counts from its time, request limits reset as of
     * its time (a request sent after it still counts), misses reset, window opens. Delivered late, it
     * leaves the misses alone: some may have come after it (the side that never lets out more).
     */
    recordCallConnected: (c, e) => {
      const next = draft(c, e.at);
      next.callsInFlight = withoutId(next.callsInFlight, callId(e));
      next.connectedCalls = [...next.connectedCalls, e.at];
      return connected(c, next, e.at);
    },
    /** G3 + M3 + W1: a call from the user connected: request limits and misses reset, window opens (late: as above). */
    recordUserCallConnected: (c, e) => {
      const next = draft(c, e.at);
      return connected(c, next, e.at);
    },
  } satisfies Record<string, Update>;
}

/** A context being built by an update, before anyone else sees it. */
/** A context being built by one update (mutable until it is returned). */
export type Draft = { -readonly [K in keyof RelationshipContext]: RelationshipContext[K] };

export type RelationshipUpdates = ReturnType<typeof relationshipUpdates>;
export type UpdateName = keyof RelationshipUpdates;
