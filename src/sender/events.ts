interface At {
  /** When it happened: epoch milliseconds once normalised. */
  readonly at: number;
}

/** Time passed; a restriction may have reached its end. */
export interface SenderClockEvent extends At { readonly type: 'CLOCK' }
/**
 * S4: the platform restricted the sender from business-initiated calling (Meta's `account_update`,
 * `ACCOUNT_RESTRICTION` / `RESTRICTED_BUSINESS_INITIATED_CALLING`) until `until`.
 */
export interface SenderRestrictedEvent extends At { readonly type: 'RESTRICTED'; readonly until: number }
/** S4: the platform lifted the restriction before its expiry. */
export interface SenderRestrictionLiftedEvent extends At { readonly type: 'RESTRICTION_LIFTED' }
/** S4: `LOW_BUSINESS_INITIATED_CALLING_QUALITY` (`ACCOUNT_VIOLATION`): the early warning, not a pause. */
export interface SenderQualityWarningEvent extends At { readonly type: 'QUALITY_WARNING' }
/**
 * S1: the platform says the sender's call attempts of the day are used up (138005) though the engine
 * counted fewer (another system calling from the number): the count is raised to the limit, in the
 * current minute, so no attempt goes out until those leave the 24 h window (the safe side).
 */
export interface SenderAttemptsExhaustedEvent extends At { readonly type: 'ATTEMPTS_EXHAUSTED' }
/** S1/S2/G6: the engine reserved a business-initiated call to `user` (with the relationship's G2/G4, atomically). */
export interface SenderCallReservedEvent extends At { readonly type: 'CALL_RESERVED'; readonly callId: string; readonly user: string }
/** The platform gave the call its own id: its end will name that one. */
export interface SenderCallIdAssignedEvent extends At { readonly type: 'CALL_ID_ASSIGNED'; readonly callId: string; readonly platformCallId: string }
/** S2/G6: the call ended (unanswered, failed, or hung up after connecting): its slot is free. */
export interface SenderCallEndedEvent extends At { readonly type: 'CALL_ENDED'; readonly callId: string }

/** Every fact that moves a sender, normalised. */
export type SenderEvent =
  | SenderClockEvent
  | SenderRestrictedEvent
  | SenderRestrictionLiftedEvent
  | SenderQualityWarningEvent
  | SenderAttemptsExhaustedEvent
  | SenderCallReservedEvent
  | SenderCallIdAssignedEvent
  | SenderCallEndedEvent;

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
