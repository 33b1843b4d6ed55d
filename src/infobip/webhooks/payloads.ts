/**
 * `InfobipWebhook`: TypeScript types for the JSON Infobip POSTs to a webhook (`InfobipWebhook.Body`,
 * `InfobipWebhook.CallEvent`, …), as its OpenAPI-generated clients name
 * the fields (inbound WhatsApp messages, their delivery reports, and Calls events). They type what
 * you build or log (fixtures, a proxy, a queue); the parsers still take `unknown` and check every
 * field, because a webhook body is untrusted input whatever its declared type.
 *
 * Fields the engine reads are listed; others Infobip sends are allowed by the index signatures.
 */
export declare namespace InfobipWebhook {
  /** Infobip's date-time format: ISO 8601 with an offset, `2026-04-01T10:05:00.000+0000`. */
  export type DateTime = string;

  // ---------------------------------------------------------------- inbound WhatsApp messages

  /** The body of an inbound-message webhook: a batch of results. */
  export interface InboundMessages {
    readonly results: readonly InboundResult[];
    readonly messageCount?: number;
    readonly pendingMessageCount?: number;
  }

  /** A result of the batch: a user's message (a reply included), or a delivery report of one of yours. */
  export type InboundResult = InboundMessage | DeliveryReport;

  /** A message a WhatsApp user sent to the business number. */
  export interface InboundMessage {
    /** The user's number, E.164 digits. */
    readonly from: string;
    /** The business (sender) number. */
    readonly to: string;
    readonly integrationType?: 'WHATSAPP';
    readonly receivedAt: DateTime;
    readonly messageId: string;
    /** The id of the outgoing message this one answers (a call-permission request's `messageId`). */
    readonly pairedMessageId?: string | null;
    /** Echoed from the request that this message answers. */
    readonly callbackData?: string | null;
    readonly contact?: { readonly name?: string };
    readonly message: CallPermissionReplyMessage | UserMessage;
    readonly [field: string]: unknown;
  }

  /** The reply to a call-permission request (`message.type` INTERACTIVE_CALL_PERMISSION_REPLY). */
  export interface CallPermissionReplyMessage {
    readonly type: 'INTERACTIVE_CALL_PERMISSION_REPLY';
    readonly callPermissionReply: CallPermissionReply;
    /** The message replied to. */
    readonly context?: MessageContext;
  }

  /**
   * The user's answer. Infobip's object has `response` and, for a temporary grant, `expirationTimestamp`;
   * no permanent flag (an accept without expiry is decided by the policy's `acceptWithoutExpiry`).
   */
  export interface CallPermissionReply {
    readonly response: 'ACCEPT' | 'REJECT';
    readonly expirationTimestamp?: DateTime;
  }

  export interface MessageContext {
    readonly id?: string;
    readonly from?: string;
  }

  /** Any other message a user sends (TEXT, IMAGE, BUTTON, …): it opens the 24 h window (W1). */
  export interface UserMessage {
    readonly type: string;
    readonly context?: MessageContext;
    readonly [field: string]: unknown;
  }

  /** A delivery report of a message the business sent (a result with `status` and no `message`). */
  export interface DeliveryReport {
    readonly messageId: string;
    /** The user's number. */
    readonly to: string;
    readonly from?: string;
    readonly bulkId?: string;
    readonly sentAt?: DateTime;
    readonly doneAt?: DateTime;
    readonly callbackData?: string;
    readonly status: Status;
    /** Where Meta's refusal code can appear (138xxx), in `name`, `description` or `id`. */
    readonly error?: Status & { readonly permanent?: boolean };
    readonly [field: string]: unknown;
  }

  export interface Status {
    readonly groupId?: number;
    readonly groupName: string;
    readonly id?: number;
    readonly name?: string;
    readonly description?: string;
  }

  // ---------------------------------------------------------------- Calls events

  /** The call event types the engine acts on; Infobip sends others (CALL_RINGING, …), which are reported as ignored. */
  export type HandledCallEventType = 'CALL_RECEIVED' | 'CALL_ESTABLISHED' | 'CALL_FINISHED' | 'CALL_FAILED';

  /** The body of a Calls event webhook. */
  export interface CallEvent {
    readonly type: HandledCallEventType | (string & {});
    readonly callId: string;
    readonly timestamp: DateTime;
    readonly callsConfigurationId?: string;
    readonly applicationId?: string;
    readonly conferenceId?: string | null;
    readonly dialogId?: string | null;
    /** `call` on live events (CALL_RECEIVED, CALL_ESTABLISHED), `callLog` on final ones (CALL_FINISHED, CALL_FAILED). */
    readonly properties?: { readonly call?: Call; readonly callLog?: CallLog; readonly [field: string]: unknown };
  }

  export type CallDirection = 'INBOUND' | 'OUTBOUND';

  /** The user's side of the call: a WhatsApp number. */
  export interface CallEndpoint {
    readonly type: 'WHATSAPP' | (string & {});
    readonly phoneNumber?: string;
  }

  /** What a live call and a finished call's log both say about the call. */
  export interface CallDetails {
    readonly endpoint?: CallEndpoint;
    readonly from?: string;
    readonly to?: string;
    readonly direction?: CallDirection;
    readonly state?: string;
    readonly startTime?: DateTime;
    readonly answerTime?: DateTime;
    readonly endTime?: DateTime;
    /** The `externalId` the business gave when it placed the call (the engine's call id). */
    readonly externalId?: string;
    readonly customData?: Readonly<Record<string, string>>;
    readonly [field: string]: unknown;
  }

  /** A call as live events describe it. */
  export interface Call extends CallDetails {
    readonly id: string;
    readonly callsConfigurationId?: string;
  }

  /** A finished call's log: how it ended. */
  export interface CallLog extends CallDetails {
    readonly callId?: string;
    /** Seconds connected. */
    readonly duration?: number;
    readonly ringDuration?: number;
    /** NORMAL_HANGUP after an answer; NO_ANSWER, BUSY, REJECTED, CANCELLED unanswered (M1/M2); any other a technical failure (M4). */
    readonly errorCode: CallErrorCode;
    /** Who hung up: ENDPOINT, API or PLATFORM. */
    readonly hangupSource?: string;
  }

  export interface CallErrorCode {
    readonly id?: number;
    readonly name: string;
    readonly description?: string;
  }

  /** Either body Infobip POSTs to the one webhook URL (the handler tells them apart by shape). */
  export type Body = InboundMessages | CallEvent;
}
