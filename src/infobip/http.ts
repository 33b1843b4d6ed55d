import type { ResolvedInfobipConfig } from './config.js';
import { InfobipError, type InfobipViolation } from './errors.js';
import { rulesForPlatformCode } from './platformCodes.js';

export interface InfobipRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: unknown;
  /**
   * Whether a timeout or a network error may be retried: true for reads, and for sends that carry
   * our own `messageId` (a repeat is recognisable); false for placing a call (a repeat rings twice).
   * 429 and 5xx are retried either way.
   */
  readonly retryAmbiguous: boolean;
}

export interface InfobipHttpResponse {
  readonly status: number;
  /** The parsed JSON body (`undefined` for an empty body). */
  readonly body: unknown;
  readonly attempts: number;
}

/** The abort reason of our own timer, told apart from any other abort. */
class Timeout {
  constructor(readonly ms: number) {}
}

/**
 * One Infobip call with the client's policy: `Authorization: App <key>`, a timeout per attempt
 * (an `AbortSignal` covering the body too, so nothing can hang), 429 and 5xx retried with backoff
 * or after `Retry-After`, other 4xx returned at once. A 2xx body that is not JSON is an error.
 */
export async function callInfobip(config: ResolvedInfobipConfig, request: InfobipRequest): Promise<InfobipHttpResponse> {
  const operation = `${request.method} ${request.path}`;
  const url = `${config.baseUrl}${request.path}`;
  const headers: Record<string, string> = { Authorization: `App ${config.apiKey}`, Accept: 'application/json' };
  const body = request.body === undefined ? undefined : JSON.stringify(request.body);
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  for (let attempt = 1; ; attempt++) {
    const retriesLeft = attempt <= config.retries;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Timeout(config.timeoutMs)), config.timeoutMs);
    let status: number;
    let raw: string;
    let retryAfter: string | null;
    try {
      const response = await config.fetch(url, { method: request.method, headers, body, signal: controller.signal });
      status = response.status;
      retryAfter = response.headers.get('retry-after');
      raw = await response.text();
    } catch (cause) {
      const timedOut = controller.signal.reason instanceof Timeout;
      const error = new InfobipError({
        failure: timedOut ? 'INFOBIP_TIMEOUT' : 'INFOBIP_NETWORK_ERROR',
        text: timedOut ? `no complete answer within ${config.timeoutMs} ms` : `the connection failed: ${describe(cause)}`,
        operation,
        attempts: attempt,
        definitelyNotAccepted: false,
        cause,
      });
      if (request.retryAmbiguous && retriesLeft) {
        await config.sleep(backoff(config, attempt));
        continue;
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }

    if (status >= 200 && status < 300) {
      if (raw.trim() === '') return { status, body: undefined, attempts: attempt };
      try {
        return { status, body: JSON.parse(raw) as unknown, attempts: attempt };
      } catch (cause) {
        throw new InfobipError({
          failure: 'INFOBIP_MALFORMED_RESPONSE',
          status,
          text: `the answer is not JSON: ${JSON.stringify(raw.slice(0, 80))}`,
          operation,
          attempts: attempt,
          definitelyNotAccepted: false,
          cause,
        });
      }
    }

    const error = errorFromBody(config, status, raw, operation, attempt);
    if ((status === 429 || status >= 500) && retriesLeft) {
      const waitMs = retryAfter === null ? backoff(config, attempt) : parseRetryAfter(retryAfter);
      if (waitMs !== undefined && waitMs <= config.maxRetryAfterMs) {
        await config.sleep(waitMs);
        continue;
      }
    }
    throw error;
  }
}

/**
 * Both of Infobip's error shapes → one {@link InfobipError}; anything else keeps the raw text.
 * @internal
 */
export function errorFromBody(config: Pick<ResolvedInfobipConfig, 'platformCodeOf'>, status: number, raw: string, operation: string, attempts: number): InfobipError {
  let parsed: unknown;
  try {
    parsed = raw.trim() === '' ? undefined : JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  let errorCode: string | undefined;
  let text = raw.trim() === '' ? `HTTP ${status}` : raw.slice(0, 500);
  let action: string | undefined;
  const violations: InfobipViolation[] = [];
  const body = record(parsed);
  const exception = record(record(body?.requestError)?.serviceException);
  if (exception) {
    errorCode = stringOf(exception.messageId);
    text = stringOf(exception.text) ?? text;
    const validation = exception.validationErrors;
    if (validation && typeof validation === 'object' && !Array.isArray(validation)) {
      for (const [property, messages] of Object.entries(validation as Record<string, unknown>)) {
        const list = Array.isArray(messages) ? messages : [messages];
        for (const m of list) if (typeof m === 'string') violations.push({ property, violation: m });
      }
    }
  } else if (body && (typeof body.errorCode === 'string' || typeof body.description === 'string')) {
    errorCode = stringOf(body.errorCode);
    text = stringOf(body.description) ?? text;
    action = stringOf(body.action);
    if (Array.isArray(body.violations)) {
      for (const v of body.violations) {
        const entry = record(v);
        if (entry) violations.push({ property: stringOf(entry.property) ?? '', violation: stringOf(entry.violation) ?? '' });
      }
    }
  }
  const platformCode = config.platformCodeOf({ errorCode, text, violations });
  const rules = rulesForPlatformCode(platformCode);
  return new InfobipError({
    failure: 'INFOBIP_HTTP_ERROR',
    status,
    errorCode,
    text,
    violations,
    action,
    operation,
    attempts,
    // A 4xx was refused before Infobip acted on it; a 5xx may have been half done.
    definitelyNotAccepted: status < 500,
    ...(rules ? { platformCode, rules } : {}),
  });
}

/** `Retry-After`: seconds, or an HTTP date. `undefined` when unreadable. */
export function parseRetryAfter(value: string): number | undefined {
  const trimmed = value.trim();
  if (/^\d{1,9}$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - Date.now());
}

function backoff(config: ResolvedInfobipConfig, attempt: number): number {
  const { initialMs, maxMs, factor, jitter } = config.backoff;
  const full = Math.min(maxMs, initialMs * factor ** (attempt - 1));
  return jitter ? full / 2 + Math.random() * (full / 2) : full;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = (cause as { cause?: unknown }).cause;
    return inner instanceof Error ? `${cause.message} (${inner.message})` : cause.message;
  }
  return String(cause);
}
