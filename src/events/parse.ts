import { InvalidEventError } from '../errors.js';
import type { Policy } from '../policy/policy.js';
import {
  EVENT_TYPES,
  type AcceptSource,
  type PlatformPermissionStatus,
  type RejectSource,
  type RelationshipEvent,
  type RelationshipEventType,
  type UnansweredReason,
} from './types.js';

const KNOWN = new Set<string>(EVENT_TYPES);
const ACCEPT_SOURCES: readonly AcceptSource[] = ['user', 'automatic', 'profile', 'user_call'];
const REJECT_SOURCES: readonly RejectSource[] = ['user', 'automatic'];
const UNANSWERED: readonly UnansweredReason[] = ['no_answer', 'busy', 'rejected', 'cancelled'];
const SYNCED_STATUSES: readonly PlatformPermissionStatus[] = ['NO_PERMISSION', 'TEMPORARY', 'PERMANENT'];
const ID_PATTERN = /^[\x21-\x7e]{1,128}$/;
/** Years 2000–2200: anything else is a unit mix-up (seconds for milliseconds) or garbage. */
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(2200, 0, 1);

/**
 * Checks an event from outside and returns it normalised (times in epoch ms, an accept's expiry
 * resolved by the policy). Anything wrong is an {@link InvalidEventError} naming the field; the
 * input is never modified.
 */
export function parseEvent(input: unknown, policy: Policy, path = 'event'): RelationshipEvent {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new InvalidEventError('must be an object with a "type"', path);
  const raw = input as Record<string, unknown>;
  if (typeof raw.type !== 'string' || !KNOWN.has(raw.type))
    throw new InvalidEventError(`unknown event type ${JSON.stringify(raw.type)} (known: ${EVENT_TYPES.join(', ')})`, `${path}.type`, 'UNKNOWN_EVENT_TYPE');
  const type = raw.type as RelationshipEventType;
  const at = parseTime(raw.at, `${path}.at`);
  switch (type) {
    case 'CLOCK':
    case 'USER_MESSAGE':
    case 'PERMISSION_REVOKED':
      return { type, at };
    case 'REQUEST_SENT': {
      const via = raw.via;
      if (via !== 'interactive' && via !== 'template') throw new InvalidEventError('must be "interactive" or "template"', `${path}.via`);
      const requestId = parseId(raw.requestId, `${path}.requestId`);
      const countedFrom = parseCountedFrom(raw.countedFrom, at, Math.min(policy.requestLongWindowMs, policy.requestAnswerableMs), `${path}.countedFrom`);
      return countedFrom === undefined ? { type, at, requestId, via } : { type, at, requestId, via, countedFrom };
    }
    case 'REQUEST_FAILED':
      return { type, at, requestId: parseId(raw.requestId, `${path}.requestId`) };
    case 'PERMISSION_ACCEPTED': {
      const source = oneOf(raw.source ?? 'user', ACCEPT_SOURCES, `${path}.source`);
      if (raw.permanent !== undefined && typeof raw.permanent !== 'boolean') throw new InvalidEventError('must be a boolean', `${path}.permanent`);
      const hasExpiry = raw.expiresAt !== undefined && raw.expiresAt !== null;
      if (raw.permanent === true && hasExpiry) throw new InvalidEventError('a permanent grant has no expiry', `${path}.expiresAt`);
      let expiresAt: number | null;
      if (hasExpiry) {
        expiresAt = parseTime(raw.expiresAt, `${path}.expiresAt`);
        if (expiresAt <= at) throw new InvalidEventError('must be after the accept itself', `${path}.expiresAt`);
      } else if (raw.permanent === true || (raw.expiresAt === null && raw.permanent !== false)) expiresAt = null; // a normalised accept: null is permanent
      else if (raw.permanent === false || policy.acceptWithoutExpiry === 'temporary') expiresAt = at + policy.temporaryGrantMs;
      else expiresAt = null;
      const requestId = optionalId(raw.requestId, `${path}.requestId`);
      return requestId === undefined ? { type, at, expiresAt, source } : { type, at, expiresAt, source, requestId };
    }
    case 'PERMISSION_SYNCED': {
      const status = oneOf(raw.status, SYNCED_STATUSES, `${path}.status`);
      const given = raw.expiresAt !== undefined && raw.expiresAt !== null;
      if (status === 'TEMPORARY') {
        if (!given) throw new InvalidEventError('a TEMPORARY permission needs its expiry', `${path}.expiresAt`);
        return { type, at, status, expiresAt: parseTime(raw.expiresAt, `${path}.expiresAt`) };
      }
      if (given) throw new InvalidEventError(`only a TEMPORARY permission has an expiry, not ${status}`, `${path}.expiresAt`);
      return { type, at, status, expiresAt: null };
    }
    case 'PERMISSION_REJECTED': {
      const source = oneOf(raw.source ?? 'user', REJECT_SOURCES, `${path}.source`);
      const requestId = optionalId(raw.requestId, `${path}.requestId`);
      return requestId === undefined ? { type, at, source } : { type, at, source, requestId };
    }
    case 'CALL_STARTED': {
      const callId = parseId(raw.callId, `${path}.callId`);
      const countedFrom = parseCountedFrom(raw.countedFrom, at, policy.callWindowMs, `${path}.countedFrom`);
      return countedFrom === undefined ? { type, at, callId } : { type, at, callId, countedFrom };
    }
    case 'CALL_CONNECTED':
    case 'USER_CALL_RECEIVED':
    case 'USER_CALL_CONNECTED':
      return { type, at, callId: parseId(raw.callId, `${path}.callId`) };
    case 'CALL_ID_ASSIGNED':
      return { type, at, callId: parseId(raw.callId, `${path}.callId`), platformCallId: parseId(raw.platformCallId, `${path}.platformCallId`) };
    case 'CALL_UNANSWERED':
      return { type, at, callId: parseId(raw.callId, `${path}.callId`), reason: oneOf(raw.reason, UNANSWERED, `${path}.reason`) };
    case 'CALL_FAILED': {
      const reason = raw.reason;
      if (typeof reason !== 'string' || reason.length === 0 || reason.length > 128)
        throw new InvalidEventError('must be a non-empty string naming the failure (e.g. "SERVICE_UNAVAILABLE")', `${path}.reason`);
      return { type, at, callId: parseId(raw.callId, `${path}.callId`), reason };
    }
  }
}

/** Epoch ms, an ISO 8601 string with a zone, or a `Date` → epoch ms within 2000–2200. */
export function parseTime(value: unknown, path: string): number {
  let ms: number;
  if (typeof value === 'number') ms = value;
  else if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'string') {
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/.test(value))
      throw new InvalidEventError(`must be an ISO 8601 time with a zone, such as "2026-04-01T10:10:00Z", got ${JSON.stringify(value)}`, path, 'INVALID_TIME');
    ms = Date.parse(value);
  } else throw new InvalidEventError(`must be epoch milliseconds, an ISO 8601 string or a Date, got ${describe(value)}`, path, 'INVALID_TIME');
  if (!Number.isFinite(ms) || !Number.isInteger(ms)) throw new InvalidEventError(`must be a whole number of epoch milliseconds, got ${String(ms)}`, path, 'INVALID_TIME');
  if (ms < EARLIEST || ms >= LATEST)
    throw new InvalidEventError(`${ms} is outside 2000–2200: epoch seconds instead of milliseconds?`, path, 'INVALID_TIME');
  return ms;
}

/**
 * A reconstructed use's own time: not after the fact's time, and recent enough that the window it
 * counts in (`windowMs`) still counts it at that time. Equal to `at`, it is left out (the same event).
 */
function parseCountedFrom(value: unknown, at: number, windowMs: number, path: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = parseTime(value, path);
  if (ms > at) throw new InvalidEventError('must not be after the event itself (a use is counted from when it happened, at the latest)', path);
  if (at - ms >= windowMs) throw new InvalidEventError(`must be within ${windowMs} ms before the event (a use older than its window counts for nothing)`, path);
  return ms === at ? undefined : ms;
}

function parseId(value: unknown, path: string): string {
  if (typeof value !== 'string' || !ID_PATTERN.test(value))
    throw new InvalidEventError(`must be 1–128 printable characters without spaces, got ${describe(value)}`, path);
  return value;
}

function optionalId(value: unknown, path: string): string | undefined {
  return value === undefined || value === null ? undefined : parseId(value, path);
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], path: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value))
    throw new InvalidEventError(`must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${describe(value)}`, path);
  return value as T;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return value === null ? 'null' : Array.isArray(value) ? 'an array' : 'an object';
  return `${typeof value} ${String(value)}`;
}
