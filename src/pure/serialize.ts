import { SnapshotError } from '../errors.js';
import type { Policy, PolicyPresetName } from '../policy/policy.js';
import { RELATIONSHIP_STATES, type RelationshipContext, type RelationshipState, type Stamped } from '../relationship/context.js';
import { resolvePolicy, type RelationshipSnapshot } from './snapshot.js';

/** The schema version this build writes and the only one it reads. */
export const SNAPSHOT_SCHEMA_VERSION = 1;

/**
 * A snapshot as stored: plain JSON, short keys, empty fields left out (a typical relationship
 * is well under 300 bytes). The policy is not stored: it is configuration, given again on load.
 *
 * | key | meaning |
 * | --- | --- |
 * | `v` | schema version (1) |
 * | `s` | state |
 * | `t` | the relationship's clock (epoch ms) |
 * | `rq` | requests `[id, sentAt]` (R1/R2/R4) |
 * | `rs` | limits reset at (G3) |
 * | `an` | last reply at (R4) |
 * | `cc` | connected-call times (G2) |
 * | `fl` | calls in flight `[id, startedAt]` (G2) |
 * | `mi` | consecutive unanswered calls (M1/M2) |
 * | `mb` | the count before the last in-order connect reset it, and `mf` since when it counted (M2/M3) |
 * | `mt` | times of the latest misses (M1/M2; a late accept counts those after it) |
 * | `ms` | the consecutive-unanswered count started at (M1–M3; a late miss dated before it counts nothing) |
 * | `ex` | grant expiry (G1; absent while granted = permanent) |
 * | `uc` | last user contact (W1) |
 * | `rv` | revoked at (U1) |
 * | `dc` | the latest decision on the permission at (G1/U1; a late accept dated at or before it is superseded) |
 * | `cg` | the callback grant in force was made at (G5; a late no dated before it leaves it) |
 */
export interface SerializedSnapshot {
  v: 1;
  s: RelationshipState;
  t: number;
  rq?: [string, number][];
  rs?: number;
  an?: number;
  cc?: number[];
  fl?: [string, number][];
  mi?: number;
  ms?: number;
  mb?: number;
  mf?: number;
  mt?: number[];
  ex?: number;
  uc?: number;
  rv?: number;
  dc?: number;
  cg?: number;
}

/** The plain JSON form of a snapshot (see {@link SerializedSnapshot}). */
export function toSerialized(snapshot: RelationshipSnapshot): SerializedSnapshot {
  const c = snapshot.context;
  const out: SerializedSnapshot = { v: SNAPSHOT_SCHEMA_VERSION, s: snapshot.value, t: c.now };
  if (c.requests.length) out.rq = c.requests.map(([id, at]) => [id, at]);
  if (c.limitsResetAt !== null) out.rs = c.limitsResetAt;
  if (c.answeredAt !== null) out.an = c.answeredAt;
  if (c.connectedCalls.length) out.cc = [...c.connectedCalls];
  if (c.callsInFlight.length) out.fl = c.callsInFlight.map(([id, at]) => [id, at]);
  if (c.unanswered) out.mi = c.unanswered;
  if (c.unansweredSince !== null) out.ms = c.unansweredSince;
  if (c.unansweredBeforeReset) out.mb = c.unansweredBeforeReset;
  if (c.unansweredBeforeResetSince !== null) out.mf = c.unansweredBeforeResetSince;
  if (c.missedAt.length) out.mt = [...c.missedAt];
  if (c.grantExpiresAt !== null) out.ex = c.grantExpiresAt;
  if (c.lastUserContactAt !== null) out.uc = c.lastUserContactAt;
  if (c.revokedAt !== null) out.rv = c.revokedAt;
  if (c.decidedAt !== null) out.dc = c.decidedAt;
  if (c.callbackGrantedAt !== null) out.cg = c.callbackGrantedAt;
  return out;
}

/** The snapshot as a JSON string. */
export function serializeSnapshot(snapshot: RelationshipSnapshot): string {
  return JSON.stringify(toSerialized(snapshot));
}

const KEYS = new Set(['v', 's', 't', 'rq', 'rs', 'an', 'cc', 'fl', 'mi', 'ex', 'uc', 'rv', 'dc', 'ms', 'mb', 'mf', 'mt', 'cg']);

/**
 * Reads a stored snapshot (a JSON string or the parsed object) back, under `policy`.
 * Unknown schema versions, unknown keys, wrong types and impossible values are refused with a
 * {@link SnapshotError} whose `path` names the field.
 */
export function deserializeSnapshot(stored: string | unknown, policy?: Policy | PolicyPresetName): RelationshipSnapshot {
  let data: unknown = stored;
  if (typeof stored === 'string') {
    try {
      data = JSON.parse(stored);
    } catch (cause) {
      throw new SnapshotError(`is not JSON (${(cause as Error).message})`, 'snapshot');
    }
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new SnapshotError('must be a JSON object', 'snapshot');
  const o = data as Record<string, unknown>;
  if (o.v !== SNAPSHOT_SCHEMA_VERSION)
    throw new SnapshotError(`schema version ${JSON.stringify(o.v)} is not one this build reads (it reads ${SNAPSHOT_SCHEMA_VERSION})`, 'snapshot.v', 'UNKNOWN_SNAPSHOT_VERSION');
  for (const key of Object.keys(o)) if (!KEYS.has(key)) throw new SnapshotError('is not a snapshot field', `snapshot.${key}`);
  if (typeof o.s !== 'string' || !(RELATIONSHIP_STATES as readonly string[]).includes(o.s))
    throw new SnapshotError(`must be one of ${RELATIONSHIP_STATES.join(', ')}`, 'snapshot.s');
  const value = o.s as RelationshipState;
  const now = time(o.t, 'snapshot.t');
  const context: RelationshipContext = {
    now,
    requests: stamped(o.rq, 'snapshot.rq', now),
    limitsResetAt: optionalTime(o.rs, 'snapshot.rs', now),
    answeredAt: optionalTime(o.an, 'snapshot.an', now),
    connectedCalls: times(o.cc, 'snapshot.cc', now),
    callsInFlight: stamped(o.fl, 'snapshot.fl', now),
    unanswered: count(o.mi, 'snapshot.mi'),
    unansweredSince: optionalTime(o.ms, 'snapshot.ms', now),
    unansweredBeforeReset: count(o.mb, 'snapshot.mb'),
    unansweredBeforeResetSince: optionalTime(o.mf, 'snapshot.mf', now),
    missedAt: times(o.mt, 'snapshot.mt', now),
    grantExpiresAt: o.ex === undefined ? null : time(o.ex, 'snapshot.ex'),
    lastUserContactAt: optionalTime(o.uc, 'snapshot.uc', now),
    revokedAt: optionalTime(o.rv, 'snapshot.rv', now),
    decidedAt: optionalTime(o.dc, 'snapshot.dc', now),
    callbackGrantedAt: optionalTime(o.cg, 'snapshot.cg', now),
  };
  if (context.grantExpiresAt !== null && value !== 'granted' && value !== 'prompted')
    throw new SnapshotError(`a grant expiry only exists in granted or prompted, not in ${value}`, 'snapshot.ex');
  return { value, context, policy: resolvePolicy(policy) };
}

function time(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new SnapshotError('must be epoch milliseconds', path);
  return v;
}
function optionalTime(v: unknown, path: string, now: number): number | null {
  if (v === undefined) return null;
  const t = time(v, path);
  if (t > now) throw new SnapshotError('must not be after the snapshot clock t', path);
  return t;
}
function count(v: unknown, path: string): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new SnapshotError('must be a whole number ≥ 0', path);
  return v;
}
function times(v: unknown, path: string, now: number): number[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new SnapshotError('must be an array of times', path);
  return v.map((t, i) => {
    const at = time(t, `${path}[${i}]`);
    if (at > now) throw new SnapshotError('must not be after the snapshot clock t', `${path}[${i}]`);
    return at;
  });
}
function stamped(v: unknown, path: string, now: number): Stamped[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new SnapshotError('must be an array of [id, time] pairs', path);
  return v.map((entry, i) => {
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string' || entry[0].length === 0 || entry[0].length > 128)
      throw new SnapshotError('must be an [id, time] pair with a non-empty id', `${path}[${i}]`);
    const at = time(entry[1], `${path}[${i}][1]`);
    if (at > now) throw new SnapshotError('must not be after the snapshot clock t', `${path}[${i}][1]`);
    return [entry[0], at] as const;
  });
}
