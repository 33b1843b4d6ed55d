/** How a permission request went out (R3): free-form inside the 24 h window, a template outside it. */
export type RequestChannel = 'interactive' | 'template';

/**
 * Every fact that moves a relationship, normalised: times in epoch ms, expiry resolved. One member
 * per `type`; name one with {@link EventOfType} (`EventOfType<'CALL_STARTED'>`). `Time` is the type
 * of the times it carries: `number` (epoch ms) once normalised; {@link RelationshipEventInput} is
 * the same events as a host may pass them in.
 */
export type RelationshipEvent<Time = number> =
  /** Time passed (the host's scheduler); nothing else happened. */
  | { readonly type: 'CLOCK'; readonly at: Time }
  /** W1: the user sent the business a message. */
  | { readonly type: 'USER_MESSAGE'; readonly at: Time }
  /** R1–R5: a permission request was handed to the platform (the engine's reservation). */
  | {
      readonly type: 'REQUEST_SENT';
      readonly at: Time;
      readonly requestId: string;
      readonly via: RequestChannel;
      /**
       * When the platform started counting this request, if before `at`: reconciliation records a use
       * the platform counts and the local state lacks, at the time the platform's view implies
       * (`limitExpirationTime` − the window), so its slot frees when the platform's does
       * (docs/semantics.md "Reconstructed uses"). Within the request windows of `at`.
       */
      readonly countedFrom?: Time;
    }
  /** The send of a request definitely did not happen: its reservation is released. */
  | { readonly type: 'REQUEST_FAILED'; readonly at: Time; readonly requestId: string }
  /** G1/G5/U1: the user (or the platform) granted permission. `expiresAt: null` is permanent. */
  | {
      readonly type: 'PERMISSION_ACCEPTED';
      readonly at: Time;
      readonly expiresAt: Time | null;
      /** Who or what produced the accept (G5): a reply, the platform, the business profile, a user's call. */
      readonly source: 'user' | 'automatic' | 'profile' | 'user_call';
      readonly requestId?: string;
    }
  /** R4/U1/M2: the user declined a request, or withdrew a grant by rejecting. */
  | {
      readonly type: 'PERMISSION_REJECTED';
      readonly at: Time;
      /** Who produced the reject: the user, or the platform after the missed-call revoke (M2). */
      readonly source: 'user' | 'automatic';
      readonly requestId?: string;
    }
  /** U1: the user revoked permission in WhatsApp. */
  | { readonly type: 'PERMISSION_REVOKED'; readonly at: Time }
  /**
   * Reconciliation: the platform's own view of the permission (Infobip's `GET …/permissions`), which
   * wins over local belief. `expiresAt` is the `TEMPORARY` grant's end; `null` otherwise.
   */
  | {
      readonly type: 'PERMISSION_SYNCED';
      readonly at: Time;
      /** The status Infobip's permissions endpoint reports. */
      readonly status: 'NO_PERMISSION' | 'TEMPORARY' | 'PERMANENT';
      readonly expiresAt: Time | null;
    }
  /** G2/G4: a business-initiated call was placed (the engine's reservation of a call slot). */
  | {
      readonly type: 'CALL_STARTED';
      readonly at: Time;
      readonly callId: string;
      /** As `countedFrom` of `REQUEST_SENT`: the call's slot is held from then (within the call window of `at`). */
      readonly countedFrom?: Time;
    }
  /**
   * The platform gave a placed call its own id (Infobip's `callId`): later call events name that id,
   * so the call's reservation is re-keyed to it.
   */
  | { readonly type: 'CALL_ID_ASSIGNED'; readonly at: Time; readonly callId: string; readonly platformCallId: string }
  /** G3/M3/W1: a business-initiated call connected. */
  | { readonly type: 'CALL_CONNECTED'; readonly at: Time; readonly callId: string }
  /** M1/M2: a business-initiated call rang and was not answered; each way counts as a miss. */
  | { readonly type: 'CALL_UNANSWERED'; readonly at: Time; readonly callId: string; readonly reason: 'no_answer' | 'busy' | 'rejected' | 'cancelled' }
  /** M4: a business-initiated call failed for a technical reason before ringing the user. */
  | { readonly type: 'CALL_FAILED'; readonly at: Time; readonly callId: string; readonly reason: string }
  /** W1 (and G5 with callback permission): the user called the business. */
  | { readonly type: 'USER_CALL_RECEIVED'; readonly at: Time; readonly callId: string }
  /** G3/W1: a call from the user connected. */
  | { readonly type: 'USER_CALL_CONNECTED'; readonly at: Time; readonly callId: string };

export type RelationshipEventType = RelationshipEvent['type'];

/** The event of one `type`: `EventOfType<'CALL_UNANSWERED'>['reason']`. */
export type EventOfType<T extends RelationshipEventType> = Extract<RelationshipEvent, { readonly type: T }>;

// Names the package's own code uses for single events and their fields (not exported by the package:
// reach them as `EventOfType<'…'>`).
export type AcceptSource = EventOfType<'PERMISSION_ACCEPTED'>['source'];
export type RejectSource = EventOfType<'PERMISSION_REJECTED'>['source'];
export type UnansweredReason = EventOfType<'CALL_UNANSWERED'>['reason'];
export type PlatformPermissionStatus = EventOfType<'PERMISSION_SYNCED'>['status'];
export type ClockEvent = EventOfType<'CLOCK'>;
export type UserMessageEvent = EventOfType<'USER_MESSAGE'>;
export type RequestSentEvent = EventOfType<'REQUEST_SENT'>;
export type RequestFailedEvent = EventOfType<'REQUEST_FAILED'>;
export type PermissionAcceptedEvent = EventOfType<'PERMISSION_ACCEPTED'>;
export type PermissionRejectedEvent = EventOfType<'PERMISSION_REJECTED'>;
export type PermissionSyncedEvent = EventOfType<'PERMISSION_SYNCED'>;
export type PermissionRevokedEvent = EventOfType<'PERMISSION_REVOKED'>;
export type CallStartedEvent = EventOfType<'CALL_STARTED'>;
export type CallIdAssignedEvent = EventOfType<'CALL_ID_ASSIGNED'>;
export type CallConnectedEvent = EventOfType<'CALL_CONNECTED'>;
export type CallUnansweredEvent = EventOfType<'CALL_UNANSWERED'>;
export type CallFailedEvent = EventOfType<'CALL_FAILED'>;
export type UserCallReceivedEvent = EventOfType<'USER_CALL_RECEIVED'>;
export type UserCallConnectedEvent = EventOfType<'USER_CALL_CONNECTED'>;

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

/**
 * An event as a host passes it in. Times may be ISO strings or `Date`s; an accept may say
 * `permanent`, give `expiresAt`, or neither (then the policy's `acceptWithoutExpiry` decides).
 */
export type RelationshipEventInput =
  | Exclude<RelationshipEvent<TimeInput>, { readonly type: 'PERMISSION_ACCEPTED' | 'PERMISSION_SYNCED' }>
  | { readonly type: 'PERMISSION_SYNCED'; readonly at: TimeInput; readonly status: 'NO_PERMISSION' | 'TEMPORARY' | 'PERMANENT'; readonly expiresAt?: TimeInput | null }
  | {
      readonly type: 'PERMISSION_ACCEPTED';
      readonly at: TimeInput;
      /** The grant's end; `null` (as in a normalised event) means permanent. */
      readonly expiresAt?: TimeInput | null;
      /** `true`: permanent; `false`: temporary (7 days unless `expiresAt` says otherwise). */
      readonly permanent?: boolean;
      readonly source?: 'user' | 'automatic' | 'profile' | 'user_call';
      readonly requestId?: string;
    };
