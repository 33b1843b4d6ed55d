import { CallPermissionError } from '../errors.js';
import type { RuleId } from '../rules.js';

// The package's own names for parts of it.
export type InfobipFailure = InfobipErrorDetails['failure'];
export type InfobipViolation = NonNullable<InfobipErrorDetails['violations']>[number];

/** What an {@link InfobipError} carries (its fields, as the client builds it). */
export interface InfobipErrorDetails {
  /** What went wrong, as a program branches on it. */
  readonly failure:
    /** Infobip answered with an error status (4xx, 5xx). */
    | 'INFOBIP_HTTP_ERROR'
    /** Infobip answered 2xx but said the message was rejected (`status.groupName` REJECTED/UNDELIVERABLE). */
    | 'INFOBIP_REJECTED'
    /** No answer within `timeoutMs`: the request may or may not have been acted on. */
    | 'INFOBIP_TIMEOUT'
    /** The connection failed (refused, reset, DNS): the request may or may not have been acted on. */
    | 'INFOBIP_NETWORK_ERROR'
    /** A 2xx whose body is not the documented shape (not JSON, a field missing). */
    | 'INFOBIP_MALFORMED_RESPONSE';
  /** HTTP status, when Infobip answered at all. */
  readonly status?: number;
  /** Infobip's own code: `serviceException.messageId` (`BAD_REQUEST`, `UNAUTHORIZED`) or `errorCode` (`E400`). */
  readonly errorCode?: string;
  /** Infobip's human text: `serviceException.text`, or `description`. */
  readonly text: string;
  /** Infobip's `violations` list (or its `validationErrors`, flattened). */
  readonly violations?: readonly { readonly property: string; readonly violation: string }[];
  /** Infobip's `action` hint (second error shape only). */
  readonly action?: string;
  /** Which call it was: `POST /calls/1/calls`. */
  readonly operation: string;
  /** How many HTTP attempts were made (1 + retries used). */
  readonly attempts: number;
  /**
   * True when Infobip certainly did not act on the request: a 4xx (including a 429 that outlived the
   * retries) or an explicit rejection. Timeouts, network errors, 5xx and malformed 2xx bodies leave it
   * unknown, and the effects then keep the engine's reservation.
   */
  readonly definitelyNotAccepted: boolean;
  /** Meta's error code ([docs/rules.md, "Platform error codes"](../../docs/rules.md#platform-error-codes)) found in the error, if any. */
  readonly platformCode?: number;
  /** The rules that code maps to. */
  readonly rules?: readonly RuleId[];
  readonly cause?: unknown;
}

/**
 * Every failure talking to Infobip, both of Infobip's error shapes folded into one:
 * `status`, `errorCode`, `text`, `violations`. `code` is this library's stable code (the
 * `failure`); `errorCode` is Infobip's.
 */
export class InfobipError extends CallPermissionError {
  readonly failure: InfobipErrorDetails['failure'];
  readonly status: number | undefined;
  readonly errorCode: string | undefined;
  readonly text: string;
  readonly violations: NonNullable<InfobipErrorDetails['violations']>;
  readonly action: string | undefined;
  readonly operation: string;
  readonly attempts: number;
  readonly definitelyNotAccepted: boolean;
  readonly platformCode: number | undefined;
  readonly rules: readonly RuleId[] | undefined;

  constructor(details: InfobipErrorDetails) {
    const status = details.status === undefined ? '' : ` ${details.status}`;
    const code = details.errorCode === undefined ? '' : ` ${details.errorCode}`;
    const platform = details.platformCode === undefined ? '' : ` (platform ${details.platformCode} → ${details.rules?.join('/')})`;
    const violations = details.violations?.length ? `; ${details.violations.map((v) => `${v.property}: ${v.violation}`).join('; ')}` : '';
    super(details.failure, `${details.operation}:${status}${code} ${details.text}${violations}${platform}`, undefined, { cause: details.cause });
    this.failure = details.failure;
    this.status = details.status;
    this.errorCode = details.errorCode;
    this.text = details.text;
    this.violations = Object.freeze([...(details.violations ?? [])]);
    this.action = details.action;
    this.operation = details.operation;
    this.attempts = details.attempts;
    this.definitelyNotAccepted = details.definitelyNotAccepted;
    this.platformCode = details.platformCode;
    this.rules = details.rules;
  }
}

/** A configuration that cannot work (no API key, a base URL that is not http(s), negative timeouts). */
export class InfobipConfigError extends CallPermissionError {
  constructor(message: string, path: string) {
    super('INVALID_INFOBIP_CONFIG', message, path);
  }
}

/** Why a webhook was refused; each maps to one HTTP status. */
export type WebhookFailure =
  | 'WEBHOOK_METHOD_NOT_ALLOWED'
  | 'WEBHOOK_UNAUTHORIZED'
  | 'WEBHOOK_UNSUPPORTED_MEDIA_TYPE'
  | 'WEBHOOK_TOO_LARGE'
  | 'WEBHOOK_NOT_JSON'
  | 'INVALID_WEBHOOK'
  | 'WEBHOOK_NOT_ATTRIBUTABLE';

const STATUS: Record<WebhookFailure, number> = {
  WEBHOOK_METHOD_NOT_ALLOWED: 405,
  WEBHOOK_UNAUTHORIZED: 401,
  WEBHOOK_UNSUPPORTED_MEDIA_TYPE: 415,
  WEBHOOK_TOO_LARGE: 413,
  WEBHOOK_NOT_JSON: 400,
  INVALID_WEBHOOK: 400,
  WEBHOOK_NOT_ATTRIBUTABLE: 422,
};

/**
 * A webhook body that cannot be turned into facts. `path` names the offending field in Infobip's
 * JSON (`results[2].message.callPermissionReply.response`); `status` is the HTTP answer.
 */
export class InfobipWebhookError extends CallPermissionError {
  readonly failure: WebhookFailure;
  readonly status: number;
  constructor(failure: WebhookFailure, message: string, path: string, options?: { cause?: unknown }) {
    super(failure, message, path, options);
    this.failure = failure;
    this.status = STATUS[failure];
  }
}
