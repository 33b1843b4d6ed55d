/**
 * Every fact that moves a sender, normalised (times in epoch ms). One member per `type`; name one
 * as `Extract<SenderEvent, { type: 'RESTRICTED' }>`.
 */
export type SenderEvent =
  /** Time passed; a restriction may have reached its end. */
  | { readonly type: 'CLOCK'; readonly at: number }
  /**
   * S4: the platform restricted the sender from business-initiated calling (Meta's `account_update`,
   * `ACCOUNT_RESTRICTION` / `RESTRICTED_BUSINESS_INITIATED_CALLING`) until `until`.
   */
  | { readonly type: 'RESTRICTED'; readonly at: number; readonly until: number }
  /** S4: the platform lifted the restriction before its expiry. */
  | { readonly type: 'RESTRICTION_LIFTED'; readonly at: number }
  /** S4: `LOW_BUSINESS_INITIATED_CALLING_QUALITY` (`ACCOUNT_VIOLATION`): the early warning, not a pause. */
  | { readonly type: 'QUALITY_WARNING'; readonly at: number }
  /**
   * S1: the platform says the sender's call attempts of the day are used up (138005) though the engine
   * counted fewer (another system calling from the number): the count is raised to the limit, in the
   * current minute, so no attempt goes out until those leave the 24 h window (the safe side).
   */
  | { readonly type: 'ATTEMPTS_EXHAUSTED'; readonly at: number }
  /** S1/S2/G6: the engine reserved a business-initiated call to `user` (with the relationship's G2/G4, atomically). */
  | { readonly type: 'CALL_RESERVED'; readonly at: number; readonly callId: string; readonly user: string }
  /** The platform gave the call its own id: its end will name that one. */
  | { readonly type: 'CALL_ID_ASSIGNED'; readonly at: number; readonly callId: string; readonly platformCallId: string }
  /** S2/G6: the call ended (unanswered, failed, or hung up after connecting): its slot is free. */
  | { readonly type: 'CALL_ENDED'; readonly at: number; readonly callId: string };

// Names the package's own code uses for single events (not exported by the package).
export type SenderClockEvent = Extract<SenderEvent, { type: 'CLOCK' }>;
export type SenderRestrictedEvent = Extract<SenderEvent, { type: 'RESTRICTED' }>;
export type SenderRestrictionLiftedEvent = Extract<SenderEvent, { type: 'RESTRICTION_LIFTED' }>;
export type SenderQualityWarningEvent = Extract<SenderEvent, { type: 'QUALITY_WARNING' }>;
export type SenderAttemptsExhaustedEvent = Extract<SenderEvent, { type: 'ATTEMPTS_EXHAUSTED' }>;
export type SenderCallReservedEvent = Extract<SenderEvent, { type: 'CALL_RESERVED' }>;
export type SenderCallIdAssignedEvent = Extract<SenderEvent, { type: 'CALL_ID_ASSIGNED' }>;
export type SenderCallEndedEvent = Extract<SenderEvent, { type: 'CALL_ENDED' }>;

export type SenderEventType = SenderEvent['type'];

export const SENDER_EVENT_TYPES: readonly SenderEventType[] = Object.freeze([
  'CLOCK',
  'RESTRICTED',
  'RESTRICTION_LIFTED',
  'QUALITY_WARNING',
  'ATTEMPTS_EXHAUSTED',
  'CALL_RESERVED',
  'CALL_ID_ASSIGNED',
  'CALL_ENDED',
]);
