import type { RuleId } from '../rules.js';
import type { RequestChannel } from '../events/types.js';
import type { ReconcileResult } from '../infobip/reconcile.js';
import type { RelationshipState } from '../relationship/context.js';
import type { RelationshipSummary } from './eventLog.js';

/**
 * The JSON the service answers, route by route (docs/service.md). Times are ISO 8601 strings in UTC.
 * `GET …/timeline` answers a {@link RelationshipTimeline}, `GET …/permissions` a `PermissionsView`
 * (Infobip's shape), `POST /webhooks/infobip` a `WebhookReport`.
 */

/** Every 4xx and 5xx: the error's stable code, its message, and the field it names (or null). */
export interface ServiceErrorResponse {
  readonly error: { readonly code: string; readonly message: string; readonly path: string | null };
}

/** `GET /v1/clock`. */
export interface ClockResponse {
  readonly mode: 'real' | 'virtual';
  readonly now: string;
}

/** `POST /v1/clock` (virtual clock only): where it is now, and how many relationships the move changed. */
export interface ClockMovedResponse extends ClockResponse {
  readonly relationshipsMoved: number;
}

/** `GET /health`: 200 `ok`, or 503 `unavailable` with the store's error. */
export interface HealthResponse {
  readonly status: 'ok' | 'unavailable';
  readonly effects: 'dry-run' | 'infobip';
  readonly store: 'pglite' | 'postgres';
  /** Where the data lives: only to a request that may read the API (with the token, when there is one). */
  readonly where?: string;
  readonly clock: ClockResponse;
  readonly policy: string;
  readonly error?: ServiceErrorResponse['error'];
}

/** `GET /v1/relationships`: the most recently changed first. */
export interface RelationshipListResponse {
  readonly relationships: readonly RelationshipSummary[];
}

/** `POST …/permission-requests`, 201: the request went out (or, in a dry run, would have). */
export interface PermissionRequestSentResponse {
  readonly outcome: 'sent';
  readonly requestId: string;
  readonly via: RequestChannel;
  readonly at: string;
  /** Infobip's answer, or the dry run's record of what it would have sent; null when there is none. */
  readonly receipt: unknown;
}

/** `POST …/calls`, 201: the call was placed. */
export interface CallStartedResponse {
  readonly outcome: 'started';
  readonly callId: string;
  readonly at: string;
  readonly receipt: unknown;
}

/** A command the rules refused, 409: the rule, why, and when it would be allowed. Nothing was sent. */
export interface CommandRefusedResponse extends ServiceErrorResponse {
  readonly outcome: 'refused';
  readonly refusal: { readonly rule: string; readonly reason: string; readonly retryAt?: string };
}

/** A command Infobip refused with one of Meta's codes, 409: the local state was reconciled with Infobip's. */
export interface CommandRefusedByPlatformResponse extends ServiceErrorResponse {
  readonly outcome: 'refused-by-platform';
  readonly platformCode: number;
  readonly rules: readonly RuleId[];
  readonly reconciliation?: ReconcileResult;
  readonly reconcileError?: string;
}

/** `POST …/events` (dry run only), 201: the state before and after the test event. */
export interface EventRecordedResponse {
  readonly state: RelationshipState;
  readonly previousState: RelationshipState;
  readonly changed: boolean;
}

/** `GET`, `POST` and `DELETE /v1/session`: whether the service needs its API token, and whether this request carries it (the page's session cookie). */
export interface SessionResponse {
  readonly required: boolean;
  readonly authenticated: boolean;
}
