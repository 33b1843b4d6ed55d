import type { RuleId, RequestChannel, RelationshipState } from '../index.js';
import type { ReconcileResult } from '../infobip/index.js';
import type { RelationshipSummary } from './eventLog.js';

/**
 * The JSON the service answers, route by route (docs/service.md): `ServiceResponse.Health`,
 * `ServiceResponse.CommandRefused`, …. Times are ISO 8601 strings in UTC.
 * `GET …/timeline` answers a {@link RelationshipTimeline}, `GET …/permissions` a `PermissionsView`
 * (Infobip's shape), `POST /webhooks/infobip` a `WebhookReport`.
 */
export declare namespace ServiceResponse {
  /** Every 4xx and 5xx: the error's stable code, its message, and the field it names (or null). */
  export interface Error {
    readonly error: { readonly code: string; readonly message: string; readonly path: string | null };
  }

  /** `GET /v1/clock`. */
  export interface Clock {
    readonly mode: 'real' | 'virtual';
    readonly now: string;
  }

  /** `POST /v1/clock` (virtual clock only): where it is now, and how many relationships the move changed. */
  export interface ClockMoved extends Clock {
    readonly relationshipsMoved: number;
  }

  /** `GET /health`: 200 `ok`, or 503 `unavailable` with the store's error. */
  export interface Health {
    readonly status: 'ok' | 'unavailable';
    readonly effects: 'dry-run' | 'infobip';
    readonly store: 'pglite' | 'postgres';
    /** Where the data lives: only to a request that may read the API (with the token, when there is one). */
    readonly where?: string;
    readonly clock: Clock;
    readonly policy: string;
    readonly error?: Error['error'];
  }

  /** `GET /v1/relationships`: the most recently changed first. */
  export interface RelationshipList {
    readonly relationships: readonly RelationshipSummary[];
  }

  /** `POST …/permission-requests`, 201: the request went out (or, in a dry run, would have). */
  export interface PermissionRequestSent {
    readonly outcome: 'sent';
    readonly requestId: string;
    readonly via: RequestChannel;
    readonly at: string;
    /** Infobip's answer, or the dry run's record of what it would have sent; null when there is none. */
    readonly receipt: unknown;
  }

  /** `POST …/calls`, 201: the call was placed. */
  export interface CallStarted {
    readonly outcome: 'started';
    readonly callId: string;
    readonly at: string;
    readonly receipt: unknown;
  }

  /** A command the rules refused, 409: the rule, why, and when it would be allowed. Nothing was sent. */
  export interface CommandRefused extends Error {
    readonly outcome: 'refused';
    readonly refusal: { readonly rule: string; readonly reason: string; readonly retryAt?: string };
  }

  /** A command Infobip refused with one of Meta's codes, 409: the local state was reconciled with Infobip's. */
  export interface CommandRefusedByPlatform extends Error {
    readonly outcome: 'refused-by-platform';
    readonly platformCode: number;
    readonly rules: readonly RuleId[];
    readonly reconciliation?: ReconcileResult;
    readonly reconcileError?: string;
  }

  /** `POST …/events` (dry run only), 201: the state before and after the test event. */
  export interface EventRecorded {
    readonly state: RelationshipState;
    readonly previousState: RelationshipState;
    readonly changed: boolean;
  }

  /** `GET`, `POST` and `DELETE /v1/session`: whether the service needs its API token, and whether this request carries it (the page's session cookie). */
  export interface Session {
    readonly required: boolean;
    readonly authenticated: boolean;
  }
}

// The names the service's own code (routes, the inspector page) uses.
export type ServiceErrorResponse = ServiceResponse.Error;
export type ClockMovedResponse = ServiceResponse.ClockMoved;
export type ClockResponse = ServiceResponse.Clock;
export type HealthResponse = ServiceResponse.Health;
export type RelationshipListResponse = ServiceResponse.RelationshipList;
export type PermissionRequestSentResponse = ServiceResponse.PermissionRequestSent;
export type CallStartedResponse = ServiceResponse.CallStarted;
export type CommandRefusedByPlatformResponse = ServiceResponse.CommandRefusedByPlatform;
export type CommandRefusedResponse = ServiceResponse.CommandRefused;
export type EventRecordedResponse = ServiceResponse.EventRecorded;
export type SessionResponse = ServiceResponse.Session;
