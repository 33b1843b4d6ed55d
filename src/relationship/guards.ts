import type {
  CallStartedEvent,
  PermissionSyncedEvent,
  RelationshipEvent,
  RequestFailedEvent,
  RequestSentEvent,
} from '../events/types.js';
import type { Policy } from '../policy/policy.js';
import type { RelationshipContext } from './context.js';
import { countCallSlots, countRequests, isOpenRequest, lastIndexOfId, missesAfterGrant, openRequestsLapseAt, requestCountedFrom, requestsStillCounted, roomAround, slotsStillHeld } from './windows.js';

/** A guard of the statechart: a pure question about the context and the event at its time. */
export type Guard = (context: RelationshipContext, event: RelationshipEvent) => boolean;

/**
 * The statechart's named guards, bound to one policy. The machine refers to them by name
 * (so it stays data that tools can draw) and the compiled interpreter runs the same functions.
 * Guards only run in the states that list them, so state is implied where a guard needs it.
 */
export function relationshipGuards(policy: Policy) {
  const requestsLeft = (ctx: RelationshipContext, at: number) =>
    countRequests(ctx, policy.requestShortWindowMs, at) < policy.requestsPerShortWindow &&
    countRequests(ctx, policy.requestLongWindowMs, at) < policy.requestsPerLongWindow;
  /**
   * Room for the request at its time; a reconstructed one (`countedFrom`) needs room in every window
   * that holds its own time, among the uses still counted (docs/semantics.md "Reconstructed uses").
   */
  const requestFits = (ctx: RelationshipContext, event: RelationshipEvent) => {
    const t = requestCountedFrom(ctx, event as RequestSentEvent);
    if (t === event.at) return requestsLeft(ctx, event.at);
    const times = requestsStillCounted(ctx, policy, event.at);
    return roomAround(times, policy.requestShortWindowMs, policy.requestsPerShortWindow, t) && roomAround(times, policy.requestLongWindowMs, policy.requestsPerLongWindow, t);
  };
  /** G2: a call slot free at its time; a reconstructed call's in every window that holds its own time. */
  const slotFits = (ctx: RelationshipContext, event: CallStartedEvent) =>
    event.countedFrom === undefined
      ? countCallSlots(ctx, policy, event.at) < policy.connectedCallsPerWindow
      : roomAround(slotsStillHeld(ctx, policy, event.at), policy.callWindowMs, policy.connectedCallsPerWindow, event.countedFrom);
  /** Is a request still open once the failed send (the latest under its id, as `releaseRequest` takes it) is taken back? */
  const openAfterRemoving = (ctx: RelationshipContext, event: RelationshipEvent) => {
    const failed = lastIndexOfId(ctx.requests, (event as RequestFailedEvent).requestId);
    if (failed < 0 || !isOpenRequest(ctx, policy, ctx.requests[failed]!, event.at)) return true;
    return ctx.requests.some((r, i) => i !== failed && isOpenRequest(ctx, policy, r, event.at));
  };
  /** A grant dated at or before the latest decision on the permission (delivered late, or at the same millisecond: the decision recorded stands). */
  const decidedLater = (ctx: RelationshipContext, event: RelationshipEvent) => ctx.decidedAt !== null && event.at <= ctx.decidedAt;
  /** A platform's view dated before the latest decision (a grant it reports: at that millisecond too, if `tieStands`). */
  const syncedBefore = (ctx: RelationshipContext, event: RelationshipEvent, tieStands: boolean) => {
    const synced = event as PermissionSyncedEvent;
    const grant = synced.status !== 'NO_PERMISSION' && (synced.expiresAt === null || event.at < synced.expiresAt);
    if (grant) return ctx.decidedAt !== null && (tieStands ? event.at <= ctx.decidedAt : event.at < ctx.decidedAt);
    const last = lastGrantOrDecision(ctx);
    return last !== null && event.at < last;
  };
  /** The latest decision or callback grant (G5) recorded, whichever is later. */
  const lastGrantOrDecision = (ctx: RelationshipContext) =>
    ctx.callbackGrantedAt === null || (ctx.decidedAt !== null && ctx.decidedAt > ctx.callbackGrantedAt) ? ctx.decidedAt : ctx.callbackGrantedAt;
  return {
    /** R1 + R2 (U2): fewer requests than both windows allow since the last reset. */
    requestAllowed: (ctx: RelationshipContext, event: RelationshipEvent) => requestFits(ctx, event),
    /** R1 + R2 + R5: as above, and the grant is not permanent. Used in `granted`/`prompted`. */
    requestAllowedWhileGranted: (ctx: RelationshipContext, event: RelationshipEvent) =>
      ctx.grantExpiresAt !== null && requestFits(ctx, event),
    /** G1 + G2 (G4 by state): the grant is live and a connected-call slot is free. */
    callAllowed: (ctx: RelationshipContext, event: RelationshipEvent) =>
      (ctx.grantExpiresAt === null || event.at < ctx.grantExpiresAt) &&
      // An id still holding a slot cannot start twice; one whose slot lapsed (no outcome ever came) may.
      !ctx.callsInFlight.some((call) => call[0] === (event as CallStartedEvent).callId && event.at < call[1] + policy.callWindowMs) &&
      slotFits(ctx, event as CallStartedEvent),
    /** G1: a temporary grant reached its end. */
    grantExpired: (ctx: RelationshipContext, event: RelationshipEvent) => ctx.grantExpiresAt !== null && event.at >= ctx.grantExpiresAt,
    /** R4: every open request lapsed unanswered, and before it the user had revoked. */
    requestLapsedAfterRevoke: (ctx: RelationshipContext, event: RelationshipEvent) =>
      ctx.revokedAt !== null && openRequestsLapseAt(ctx, policy, event.at) === undefined,
    /** R4: every open request lapsed unanswered. */
    requestLapsed: (ctx: RelationshipContext, event: RelationshipEvent) => openRequestsLapseAt(ctx, policy, event.at) === undefined,
    /** The only open request failed to send, and before it the user had revoked. */
    onlyOpenRequestFailedAfterRevoke: (ctx: RelationshipContext, event: RelationshipEvent) =>
      ctx.revokedAt !== null && !openAfterRemoving(ctx, event),
    /** The only open request failed to send. */
    onlyOpenRequestFailed: (ctx: RelationshipContext, event: RelationshipEvent) => !openAfterRemoving(ctx, event),
    /** M2: this miss is the one that revokes. */
    missReachesRevoke: (ctx: RelationshipContext) => ctx.unanswered + 1 >= policy.unansweredBeforeRevoke,
    /** M1: this miss is the one that prompts. */
    missReachesPrompt: (ctx: RelationshipContext) => ctx.unanswered + 1 >= policy.unansweredBeforePrompt,
    /** G1 (reconciliation): the platform reports a live grant at the event's time. */
    syncedGrant: (_ctx: RelationshipContext, event: RelationshipEvent) => {
      const synced = event as PermissionSyncedEvent;
      return synced.status !== 'NO_PERMISSION' && (synced.expiresAt === null || event.at < synced.expiresAt);
    },
    /**
     * G5: the business enabled callback permission, so a user's call grants one, unless a later
     * decision supersedes it or it arrived late (the state it met is not the one it happened in: no grant).
     */
    userCallGrantsPermission: (ctx: RelationshipContext, event: RelationshipEvent) => {
      if (!policy.userCallGrantsPermission || event.at < ctx.now) return false;
      const last = lastGrantOrDecision(ctx);
      return last === null || event.at > last;
    },
    /**
     * G1/U1: an accept dated at or before the latest decision (a reply, a revoke, the platform's
     * view), so delivered late or at the same millisecond: that decision stands, the accept grants
     * nothing. A callback grant (G5) is no such decision: an accept dated at or before it replaces it.
     */
    acceptSuperseded: (ctx: RelationshipContext, event: RelationshipEvent) => decidedLater(ctx, event),
    /**
     * U1: a no (revoke, reject of a grant) delivered late and dated before the latest decision (a
     * later accept, the platform's later view): that decision stands, in time order the grant came
     * after the no. At the same millisecond the no wins.
     */
    noSuperseded: (ctx: RelationshipContext, event: RelationshipEvent) => {
      const last = lastGrantOrDecision(ctx);
      return last !== null && event.at < last;
    },
    /**
     * M1–M3: a miss delivered late and dated before the consecutive-unanswered count last started
     * again (a grant, a connected call): in time order that reset came after it, so it counts nothing.
     */
    missBeforeCountRestart: (ctx: RelationshipContext, event: RelationshipEvent) => ctx.unansweredSince !== null && event.at < ctx.unansweredSince,
    /**
     * M2: such a late miss falls before a connect delivered in order, where the count then stood one
     * short of the revoke: in time order it revoked the grant, and the connect after it did not bring it back.
     */
    missBeforeResetRevokes: (ctx: RelationshipContext, event: RelationshipEvent) =>
      ctx.unansweredSince !== null &&
      event.at < ctx.unansweredSince &&
      ctx.unansweredBeforeResetSince !== null &&
      event.at >= ctx.unansweredBeforeResetSince &&
      ctx.unansweredBeforeReset + 1 >= policy.unansweredBeforeRevoke,
    /**
     * Reconciliation delivered late, outside a grant: a grant the platform reports dated at or
     * before the latest decision (as an accept, {@link acceptSuperseded}: at the same millisecond the
     * no recorded stands), or its "no permission" dated before the latest decision or callback grant
     * (as a no, {@link noSuperseded}): the later decision stands.
     */
    syncSuperseded: (ctx: RelationshipContext, event: RelationshipEvent) => syncedBefore(ctx, event, true),
    /**
     * The same in `granted`/`prompted`, except that a grant the platform reports at the very
     * millisecond of the latest decision (a grant too) still replaces its expiry: the platform's view wins.
     */
    syncSupersededInGrant: (ctx: RelationshipContext, event: RelationshipEvent) => syncedBefore(ctx, event, false),
    /**
     * M2: an accept delivered late after misses dated after it (and before its expiry): in time order
     * they counted against its grant, enough to revoke it.
     */
    laterMissesRevokeGrant: (ctx: RelationshipContext, event: RelationshipEvent) => missesAfterGrant(ctx, event) >= policy.unansweredBeforeRevoke,
    /** M1: the same, enough to prompt. */
    laterMissesPromptGrant: (ctx: RelationshipContext, event: RelationshipEvent) => missesAfterGrant(ctx, event) >= policy.unansweredBeforePrompt,
    /** M3: the fact is not late (nothing was applied after its time), so it may reset what later facts could have counted. */
    factInOrder: (ctx: RelationshipContext, event: RelationshipEvent) => event.at >= ctx.now,
  } satisfies Record<string, Guard>;
}

export type RelationshipGuards = ReturnType<typeof relationshipGuards>;
export type GuardName = keyof RelationshipGuards;
