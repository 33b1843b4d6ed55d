import { SnapshotError } from '../../errors.js';
import { SENDER_STATES, type AttemptBucket, type OngoingCall, type SenderState } from '../../sender/context.js';
import { ATTEMPT_BUCKET_MS } from '../../sender/limits.js';
import type { SenderLimits } from '../../sender/limits.js';
import type { SenderSnapshot } from './snapshot.js';

/** The sender snapshot schema version this build writes and the only one it reads. */
export const SENDER_SNAPSHOT_SCHEMA_VERSION = 1;

/**
 * A sender snapshot as stored: plain JSON, short keys, empty fields left out. The limits are not
 * stored: they are configuration (the policy and the shard), given again on load.
 *
 * | key | meaning |
 * | --- | --- |
 * | `v` | schema version (1) |
 * | `s` | state (`active`, `restricted`) |
 * | `t` | the sender's clock (epoch ms) |
 * | `ru` | restricted until (S4) |
 * | `qw` | last quality warning (S4) |
 * | `at` | attempts per minute `[minuteStart, count]` (S1) |
 * | `on` | ongoing calls `[callId, user, startedAt]` (S2, G6) |
 */
export interface SerializedSenderSnapshot {
  v: 1;
  s: SenderState;
  t: number;
  ru?: number;
  qw?: number;
  at?: [number, number][];
  on?: [string, string, number][];
}

export function toSerializedSender(snapshot: SenderSnapshot): SerializedSenderSnapshot {
  const c = snapshot.context;
  const out: SerializedSenderSnapshot = { v: SENDER_SNAPSHOT_SCHEMA_VERSION, s: snapshot.value, t: c.now };
  if (c.restrictedUntil !== null) out.ru = c.restrictedUntil;
  if (c.qualityWarningAt !== null) out.qw = c.qualityWarningAt;
  // The context's arrays are never mutated (every update makes new ones), so the stored form shares
  // them instead of copying a day of minute buckets on every reservation.
  if (c.attempts.length) out.at = c.attempts as [number, number][];
  if (c.ongoing.length) out.on = c.ongoing as [string, string, number][];
  return out;
}

const KEYS = new Set(['v', 's', 't', 'ru', 'qw', 'at', 'on']);

/** Reads a stored sender snapshot back; anything malformed is a {@link SnapshotError} naming the field. */
export function deserializeSenderSnapshot(stored: unknown, limits: SenderLimits): SenderSnapshot {
  let data = stored;
  if (typeof stored === 'string') {
    try {
      data = JSON.parse(stored);
    } catch (cause) {
      throw new SnapshotError(`is not JSON (${(cause as Error).message})`, 'sender');
    }
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new SnapshotError('must be a JSON object', 'sender');
  const o = data as Record<string, unknown>;
  if (o.v !== SENDER_SNAPSHOT_SCHEMA_VERSION)
    throw new SnapshotError(`schema version ${JSON.stringify(o.v)} is not one this build reads (it reads ${SENDER_SNAPSHOT_SCHEMA_VERSION})`, 'sender.v', 'UNKNOWN_SNAPSHOT_VERSION');
  for (const key of Object.keys(o)) if (!KEYS.has(key)) throw new SnapshotError('is not a sender snapshot field', `sender.${key}`);
  if (typeof o.s !== 'string' || !(SENDER_STATES as readonly string[]).includes(o.s)) throw new SnapshotError(`must be one of ${SENDER_STATES.join(', ')}`, 'sender.s');
  const value = o.s as SenderState;
  const now = time(o.t, 'sender.t');
  const restrictedUntil = o.ru === undefined ? null : time(o.ru, 'sender.ru');
  if (value === 'restricted' && restrictedUntil === null) throw new SnapshotError('a restricted sender needs its expiry ru', 'sender.ru');
  const qualityWarningAt = o.qw === undefined ? null : notAfter(time(o.qw, 'sender.qw'), now, 'sender.qw');
  let previous = -Infinity;
  const attempts: AttemptBucket[] = list(o.at, 'sender.at').map((entry, i) => {
    const path = `sender.at[${i}]`;
    if (!Array.isArray(entry) || entry.length !== 2) throw new SnapshotError('must be a [minuteStart, count] pair', path);
    const minute = notAfter(time(entry[0], `${path}[0]`), now, `${path}[0]`);
    if (minute % ATTEMPT_BUCKET_MS !== 0) throw new SnapshotError('must be the start of a minute', `${path}[0]`);
    // Oldest first, one bucket per minute: S1's count reads the expired ones off the front.
    if (minute <= previous) throw new SnapshotError('must be after the previous bucket’s minute', `${path}[0]`);
    previous = minute;
    const n = entry[1];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw new SnapshotError('must be a whole number ≥ 1', `${path}[1]`);
    return [minute, n] as const;
  });
  const ongoing: OngoingCall[] = list(o.on, 'sender.on').map((entry, i) => {
    const path = `sender.on[${i}]`;
    if (!Array.isArray(entry) || entry.length !== 3 || typeof entry[0] !== 'string' || entry[0].length === 0 || entry[0].length > 128)
      throw new SnapshotError('must be a [callId, user, startedAt] triple with a non-empty id', path);
    if (typeof entry[1] !== 'string' || !/^[1-9]\d{6,14}$/.test(entry[1])) throw new SnapshotError('must be E.164 digits', `${path}[1]`);
    return [entry[0], entry[1], notAfter(time(entry[2], `${path}[2]`), now, `${path}[2]`)] as const;
  });
  return { value, context: { now, restrictedUntil, qualityWarningAt, attempts, ongoing }, limits };
}

function list(v: unknown, path: string): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new SnapshotError('must be an array', path);
  return v;
}
function time(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new SnapshotError('must be epoch milliseconds', path);
  return v;
}
function notAfter(t: number, now: number, path: string): number {
  if (t > now) throw new SnapshotError('must not be after the snapshot clock t', path);
  return t;
}
