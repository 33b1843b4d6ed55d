/** The five top-level states of a relationship ([docs/rules.md, "States"](../../docs/rules.md#states)). */
export type RelationshipState = 'noPermission' | 'requested' | 'granted' | 'prompted' | 'revoked';

export const RELATIONSHIP_STATES: readonly RelationshipState[] = Object.freeze(['noPermission', 'requested', 'granted', 'prompted', 'revoked']);

/** An id with the time it was used: `[requestId, sentAt]` or `[callId, startedAt]`. */
export type Stamped = readonly [id: string, at: number];

/**
 * What a relationship remembers. Only counts inside their windows are kept: everything older
 * than the longest window that can still count it is pruned on every event, so the context
 * stays a few hundred bytes however long the relationship lives. Never mutated: every update
 * returns a new object.
 */
export interface RelationshipContext {
  /** The relationship's clock: the time of the last event applied (epoch ms). */
  readonly now: number;
  /** R1/R2/R4: permission requests sent, oldest first. */
  readonly requests: readonly (readonly [requestId: string, sentAt: number])[];
  /** G3: requests sent at or before this time no longer count toward R1/R2 (a call connected). */
  readonly limitsResetAt: number | null;
  /** R4: the user's last reply; requests sent before it have been answered. */
  readonly answeredAt: number | null;
  /** G2: when business-initiated calls connected, oldest first, inside the call window. */
  readonly connectedCalls: readonly number[];
  /** G2: business calls placed whose outcome is not known yet; each holds a call slot. */
  readonly callsInFlight: readonly (readonly [callId: string, startedAt: number])[];
  /** M1/M2: consecutive unanswered business calls since the last connected call or grant. */
  readonly unanswered: number;
  /**
   * M1–M3: when the consecutive-unanswered count last started again (a grant, a connected call
   * delivered in order). A miss delivered late and dated before it counts nothing: in time order it
   * came before the reset.
   */
  readonly unansweredSince: number | null;
  /**
   * M2/M3: the count as it stood when a connect delivered in order last reset it, and since when it
   * had been counting (null after a grant: the count before belongs to an earlier grant). A miss
   * delivered late into that stretch counts there: reaching the revoke, the grant ended before the connect.
   */
  readonly unansweredBeforeReset: number;
  readonly unansweredBeforeResetSince: number | null;
  /**
   * M1/M2: the times of the latest misses (at most `unansweredBeforeRevoke`, oldest first), in any
   * state, since the count last started again. An accept delivered late counts those dated after it
   * (and before its expiry), as they would have counted in time order.
   */
  readonly missedAt: readonly number[];
  /** G1: when the grant ends; `null` while granted means permanent. Unused outside a grant. */
  readonly grantExpiresAt: number | null;
  /** W1: the user's last contact (a message, a call, an answered business call). */
  readonly lastUserContactAt: number | null;
  /** U1/U2: when the user revoked (or M2 revoked); cleared by a new grant or a decline. */
  readonly revokedAt: number | null;
  /**
   * The time of the latest fact that decided the permission: a user's reply, a revoke (U1; not M2),
   * the platform's view (reconciliation). An accept delivered late and dated at or before it is
   * superseded: it grants nothing (docs/semantics.md "Late facts").
   */
  readonly decidedAt: number | null;
  /**
   * G5: when the user's call that granted callback permission came, unless an accept has replaced
   * that grant since. A no dated before it leaves it; an accept dated at or before it replaces it (in
   * time order the accept came first, and a user's call never replaces a live grant).
   */
  readonly callbackGrantedAt: number | null;
}

export function initialContext(at: number): RelationshipContext {
  return {
    now: at,
    requests: [],
    limitsResetAt: null,
    answeredAt: null,
    connectedCalls: [],
    callsInFlight: [],
    unanswered: 0,
    unansweredSince: null,
    unansweredBeforeReset: 0,
    unansweredBeforeResetSince: null,
    missedAt: [],
    grantExpiresAt: null,
    lastUserContactAt: null,
    revokedAt: null,
    decidedAt: null,
    callbackGrantedAt: null,
  };
}
