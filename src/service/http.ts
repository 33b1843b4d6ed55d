import { CallPermissionError, EffectFailedError, StoreConflictError } from '../index.js';
import { ServiceError } from './errors.js';
import { createRedactor, type Redact } from './redact.js';

const redactCredentials = createRedactor();

/** A JSON response; `Cache-Control: no-store` because every answer is about state that moves. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(`${JSON.stringify(body, null, 2)}\n`, {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
  });
}

/** The one error shape of every route: `{ error: { code, message, path } }`. */
export function errorBody(code: string, message: string, path: string | null, extra: Record<string, unknown> = {}) {
  return { error: { code, message, path }, ...extra };
}

/**
 * A request body as JSON: `undefined` when there is none. A body that is not JSON, or not sent as
 * `application/json`, is a 4xx naming `body` (or the `content-type`).
 */
export async function readJson(request: Request): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === '') return undefined;
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/([\w.+-]*\+)?json\b/i.test(type))
    throw new ServiceError(415, 'UNSUPPORTED_MEDIA_TYPE', `send the body as application/json, got ${JSON.stringify(type || 'no content-type')}`, 'content-type');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ServiceError(400, 'INVALID_JSON', `is not JSON: ${(error as Error).message}`, 'body');
  }
}

/** A JSON object body, or none (then `{}`). */
export async function readObject(request: Request): Promise<Record<string, unknown>> {
  const body = await readJson(request);
  if (body === undefined) return {};
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ServiceError(400, 'INVALID_BODY', 'must be a JSON object', 'body');
  return body as Record<string, unknown>;
}

/**
 * Any error thrown by a route, as the response it deserves; unexpected ones are logged, not shown.
 * Text from elsewhere (an effect's cause: Infobip's error body) is redacted first.
 */
export function errorResponse(error: unknown, log: (line: string) => void, redact: Redact = redactCredentials): Response {
  if (error instanceof ServiceError) return json(error.status, errorBody(error.code, error.message, error.path ?? null), error.headers);
  if (error instanceof EffectFailedError)
    return json(502, errorBody(error.code, error.message, null, { reservationReleased: error.reservationReleased, cause: error.cause instanceof Error ? redact(error.cause.message) : undefined }));
  if (error instanceof StoreConflictError) return json(503, errorBody(error.code, error.message, null), { 'Retry-After': '1' });
  if (error instanceof CallPermissionError && error.code === 'STORE_UNAVAILABLE') return json(503, errorBody(error.code, error.message, null), { 'Retry-After': '5' });
  // Input the core refused names the field it refused (a number, an event's time); its other errors do not.
  if (error instanceof CallPermissionError && error.path !== undefined)
    return json(error.code === 'EVENT_TOO_LATE' ? 422 : 400, errorBody(error.code, error.message, error.path));
  log(`internal error: ${redact(error instanceof Error ? (error.stack ?? error.message) : String(error))}`);
  return json(500, errorBody('INTERNAL', 'the service failed; see its log', null));
}
