import type { RuleId } from '../../rules.js';
import type { RelationshipEventInput } from '../../events/types.js';

/** One fact a webhook carries, ready for `engine.record(sender, user, event, { factKey })`. */
export interface WebhookFact {
  readonly sender: string;
  readonly user: string;
  readonly event: RelationshipEventInput;
  /**
   * The idempotency key: `infobip:message:<messageId>` for a message; for a call,
   * `infobip:call:<callId>:received` (the user's call arrived) or `infobip:call:<callId>:outcome`
   * (connected, unanswered or failed: a call has one outcome, whichever event tells it first).
   */
  readonly factKey: string;
  /** Where in the webhook body it came from (`results[2]`, `properties.callLog`). */
  readonly path: string;
  /** An accept without expiry or permanent flag: the handler asks the platform whether it is PERMANENT. */
  readonly confirmPermanence?: boolean;
}

/** A well-formed item that was skipped: counted and reported, never recorded. */
export interface IgnoredWebhookItem {
  readonly path: string;
  /** Why it was skipped. */
  readonly reason:
    /** A `message.type` that is not a call-permission reply nor one of the configured user-message types. */
    | 'UNKNOWN_MESSAGE_TYPE'
    /** A call event type other than CALL_RECEIVED/ESTABLISHED/FINISHED/FAILED (CALL_RINGING, …). */
    | 'UNKNOWN_CALL_EVENT_TYPE'
    /** A call on an endpoint other than WHATSAPP. */
    | 'NOT_WHATSAPP'
    /** A call event of another calls configuration than the one configured. */
    | 'OTHER_CALLS_CONFIGURATION'
    /** A delivery report: informative only (a platform refusal in it is reported as a disagreement). */
    | 'DELIVERY_REPORT'
    /** A fact older than the relationship's late-event tolerance (`EVENT_TOO_LATE`): it can never be applied. */
    | 'TOO_LATE'
    /**
     * A fact dated beyond the trusted clock bound (`EVENT_IN_FUTURE`, policy.maxClockSkewMs) of a kind
     * that is refused rather than recorded at the engine's clock: the webhook is answered 425 so that
     * Infobip delivers it again (the facts recorded meanwhile are then recognised by their keys).
     */
    | 'IN_FUTURE';
  readonly type?: string;
  readonly id?: string;
  /** `IN_FUTURE`: from when the same fact is within the bound (ISO 8601). */
  readonly retryAt?: string;
}

/**
 * Meta's refusal code ([docs/rules.md, "Platform error codes"](../../../docs/rules.md#platform-error-codes)) found in a webhook: a delivery report of one of our sends,
 * or a failed call. The local state had allowed what the platform refused.
 */
export interface PlatformRefusal {
  readonly path: string;
  /** The message or call id it concerns. */
  readonly id: string;
  readonly platformCode: number;
  readonly rules: readonly RuleId[];
  readonly text: string;
  /** The relationship, when the payload or the correlation directory names it. */
  readonly sender?: string;
  readonly user?: string;
}
