/** How a permission request went out (R3): free-form inside the 24 h window, a template outside it. */
export type RequestChannel = 'interactive' | 'template';
/** Who or what produced an accept (G5): a reply, the platform, the business profile, a user's call. */
export type AcceptSource = 'user' | 'automatic' | 'profile' | 'user_call';
/** Who produced a reject: the user, or the platform after the missed-call revoke (M2). */
export type RejectSource = 'user' | 'automatic';
/** The ways a business call can go unanswered (M1/M2): each counts as a miss. */
export type UnansweredReason = 'no_answer' | 'busy' | 'rejected' | 'cancelled';

interface At {
  /** When it happened: epoch milliseconds once normalised. */
  readonly at: number;
}

/** Time passed (the host's scheduler); nothing else happened. */
export interface ClockEvent extends At { readonly type: 'CLOCK' }
/** W1: the user sent the business a message. */
export interface UserMessageEvent extends At { readonly type: 'USER_MESSAGE' }
/** R1–R5: a permission request was handed to the platform (the engine's reservation). */
export interface RequestSentEvent extends At {
  readonly type: 'REQUEST_SENT';
  readonly requestId: string;
  readonly via: RequestChannel;
  /**
   * When the platform started counting this request, if before `at`: reconciliation records a use
   * the platform counts and the local state lacks, at the time the platform's view implies
   * (`limitExpirationTime` − the window), so its slot frees when the platform's does
   * (docs/semantics.md "Reconstructed uses"). Within the request windows of `at`.
   */
  readonly countedFrom?: number;
}
/** The send of a request definitely did not happen: its reservation is released. */
export interface RequestFailedEvent extends At { readonly type: 'REQUEST_FAILED'; readonly requestId: string }
/** G1/G5/U1: the user (or the platform) granted permission. `expiresAt: null` is permanent. */
export interface PermissionAcceptedEvent extends At {
  readonly type: 'PERMISSION_ACCEPTED';
  readonly expiresAt: number | null;
  readonly source: AcceptSource;
  readonly requestId?: string;
}
/** R4/U1/M2: the user declined a request, or withdrew a grant by rejecting. */
export interface PermissionRejectedEvent extends At {
  readonly type: 'PERMISSION_REJECTED';
  readonly source: RejectSource;
  readonly requestId?: string;
}
/** The status Infobip's permissions endpoint reports. */
export type PlatformPermissionStatus = 'NO_PERMISSION' | 'TEMPORARY' | 'PERMANENT';
/**
 * Reconciliation: the platform's own view of the permission (Infobip's `GET …/permissions`), which
 * wins over local belief. `expiresAt` is the `TEMPORARY` grant's end; `null` otherwise.
 */
export interface PermissionSyncedEvent extends At {
  readonly type: 'PERMISSION_SYNCED';
  readonly status: PlatformPermissionStatus;
  readonly expiresAt: number | null;
}
/** U1: the user revoked permission in WhatsApp. */
export interface PermissionRevokedEvent extends At { readonly type: 'PERMISSION_REVOKED' }
/** G2/G4: a business-initiated call was placed (the engine's reservation of a call slot). */
export interface CallStartedEvent extends At {
  readonly type: 'CALL_STARTED';
  readonly callId: string;
  /** As {@link RequestSentEvent.countedFrom}: the call's slot is held from then (within the call window of `at`). */
  readonly countedFrom?: number;
}
/**
 * The platform gave a placed call its own id (Infobip's `callId`): later call events name that id,
 * so the call's reservation is re-keyed to it.
 */
export interface CallIdAssignedEvent extends At { readonly type: 'CALL_ID_ASSIGNED'; readonly callId: string; readonly platformCallId: string }
/** G3/M3/W1: a business-initiated call connected. */
export interface CallConnectedEvent extends At { readonly type: 'CALL_CONNECTED'; readonly callId: string }
/** M1/M2: a business-initiated call rang and was not answered. */
export interface CallUnansweredEvent extends At { readonly type: 'CALL_UNANSWERED'; readonly callId: string; readonly reason: UnansweredReason }
/** M4: a business-initiated call failed for a technical reason before ringing the user. */
export interface CallFailedEvent extends At { readonly type: 'CALL_FAILED'; readonly callId: string; readonly reason: string }
/** W1 (and G5 with callback permission): the user called the business. */
export interface UserCallReceivedEvent extends At { readonly type: 'USER_CALL_RECEIVED'; readonly callId: string }
/** G3/W1: a call from the user connected. */
export interface UserCallConnectedEvent extends At { readonly type: 'USER_CALL_CONNECTED'; readonly callId: string }

/** Every fact that moves a relationship, normalised: times in epoch ms, expiry resolved. */
export type RelationshipEvent =
  | ClockEvent
  | UserMessageEvent
  | RequestSentEvent
  | RequestFailedEvent
  | PermissionAcceptedEvent
  | PermissionRejectedEvent
  | PermissionRevokedEvent
  | PermissionSyncedEvent
  | CallStartedEvent
  | CallIdAssignedEvent
  | CallConnectedEvent
  | CallUnansweredEvent
  | CallFailedEvent
  | UserCallReceivedEvent
  | UserCallConnectedEvent;

export type RelationshipEventType = RelationshipEvent['type'];

export const EVENT_TYPES: readonly RelationshipEventType[] = Object.freeze([
  'CLOCK',
  'USER_MESSAGE',
  'REQUEST_SENT',
  'REQUEST_FAILED',
  'PERMISSION_ACCEPTED',
  'PERMISSION_REJECTED',
  'PERMISSION_REVOKED',
  'PERMISSION_SYNCED',
  'CALL_STARTED',
  'CALL_ID_ASSIGNED',
  'CALL_CONNECTED',
  'CALL_UNANSWERED',
  'CALL_FAILED',
  'USER_CALL_RECEIVED',
  'USER_CALL_CONNECTED',
]);

/** A time as a host may give it: epoch milliseconds, an ISO 8601 string, or a `Date`. */
export type TimeInput = number | string | Date;

/** An event with its `at` loosened to any {@link TimeInput}. */
export type Loosen<E> = E extends { at: number }
  ? Omit<E, 'at' | 'countedFrom'> & { at: TimeInput } & (E extends { countedFrom?: number } ? { countedFrom?: TimeInput } : unknown)
  : never;

/**
 * An event as a host passes it in. Times may be ISO strings or `Date`s; an accept may say
 * `permanent`, give `expiresAt`, or neither (then the policy's `acceptWithoutExpiry` decides).
 */
export type RelationshipEventInput =
  | Loosen<Exclude<RelationshipEvent, PermissionAcceptedEvent | PermissionSyncedEvent>>
  | { readonly type: 'PERMISSION_SYNCED'; readonly at: TimeInput; readonly status: PlatformPermissionStatus; readonly expiresAt?: TimeInput | null }
  | {
      readonly type: 'PERMISSION_ACCEPTED';
      readonly at: TimeInput;
      /** The grant's end; `null` (as in a normalised event) means permanent. */
      readonly expiresAt?: TimeInput | null;
      /** `true`: permanent; `false`: temporary (7 days unless `expiresAt` says otherwise). */
      readonly permanent?: boolean;
      readonly source?: AcceptSource;
      readonly requestId?: string;
    };
