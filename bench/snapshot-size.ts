/**
 * Bytes per stored snapshot (`serializeSnapshot`): over every state the workload passes through,
 * and for worst cases built on purpose under the infobip preset, where the business only does
 * what `canRequestPermission`/`canStartCall` allow (the engine's own commands) and ids are as
 * long as they get in practice (16 hex digits for the engine's ids, a UUID for Infobip's call id).
 */
import {
  applyEvent,
  canRequestPermission,
  canStartCall,
  createRelationship,
  serializeSnapshot,
  type Policy,
  type RelationshipEvent,
  type RelationshipSnapshot,
} from '../src/index.js';
import type { Workload } from './workload.js';

export interface SizeStats {
  readonly snapshots: number;
  readonly median: number;
  readonly p99: number;
  readonly max: number;
}

const bytes = (snapshot: RelationshipSnapshot) => Buffer.byteLength(serializeSnapshot(snapshot));

export function workloadSizes(workload: Workload, policy: Policy): SizeStats {
  const sizes: number[] = [];
  for (const { events } of workload.timelines) {
    let snapshot = createRelationship({ at: events[0]!.at, policy });
    for (const event of events) {
      snapshot = applyEvent(snapshot, event, { interpreter: 'compiled' });
      sizes.push(bytes(snapshot));
    }
  }
  sizes.sort((a, b) => a - b);
  const at = (q: number) => sizes[Math.min(sizes.length - 1, Math.floor(q * sizes.length))]!;
  return { snapshots: sizes.length, median: at(0.5), p99: at(0.99), max: sizes[sizes.length - 1]! };
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.UTC(2026, 3, 1, 8);
let counter = 0;
const engineId = () => (0xfedcba9876543210n - BigInt(++counter)).toString(16).padStart(16, '0');
const platformId = () => `3f2c1a9e-${String(++counter).padStart(4, '0')}-4c1d-9e2f-a1b2c3d4e5f6`;

/** Applies facts in order, keeping the largest snapshot seen. */
function scenario(policy: Policy) {
  let snapshot = createRelationship({ at: START, policy });
  let largest = { bytes: 0, json: '' };
  const apply = (event: RelationshipEvent) => {
    snapshot = applyEvent(snapshot, event, { interpreter: 'compiled' });
    const json = serializeSnapshot(snapshot);
    if (Buffer.byteLength(json) > largest.bytes) largest = { bytes: Buffer.byteLength(json), json };
  };
  const request = (at: number) => {
    const decision = canRequestPermission(snapshot, at);
    if (decision.allowed) apply({ type: 'REQUEST_SENT', at, requestId: engineId(), via: decision.via });
    return decision.allowed;
  };
  const placeCall = (at: number) => {
    if (!canStartCall(snapshot, at).allowed) return undefined;
    const callId = engineId();
    const platformCallId = platformId();
    apply({ type: 'CALL_STARTED', at, callId });
    apply({ type: 'CALL_ID_ASSIGNED', at: at + 500, callId, platformCallId });
    return platformCallId;
  };
  return { apply, request, placeCall, largest: () => largest };
}

/**
 * Every field at once, within R1/R2 (no limit reset after the requests): two counted requests, a
 * temporary grant in `prompted` after three misses, and all five call slots held by calls whose
 * outcome never arrived, each known by Infobip's UUID.
 */
export function boundedWorstCase(policy: Policy) {
  const s = scenario(policy);
  s.apply({ type: 'USER_CALL_CONNECTED', at: START + 1000, callId: platformId() });
  s.request(START + HOUR);
  s.request(START + DAY + 2 * HOUR);
  s.apply({ type: 'PERMISSION_ACCEPTED', at: START + DAY + 3 * HOUR, expiresAt: START + 8 * DAY, source: 'user' });
  for (let i = 0; i < 3; i++) {
    const id = s.placeCall(START + DAY + 4 * HOUR + i * 600_000);
    if (id) s.apply({ type: 'CALL_UNANSWERED', at: START + DAY + 4 * HOUR + i * 600_000 + 40_000, callId: id, reason: 'no_answer' });
  }
  for (let i = 0; i < policy.connectedCallsPerWindow; i++) s.placeCall(START + DAY + 6 * HOUR + i * 600_000);
  s.apply({ type: 'USER_MESSAGE', at: START + DAY + 8 * HOUR });
  return s.largest();
}

/**
 * G3 lets a request out right after every connected call; requests that nobody answers stay
 * answerable (R4) for 7 days, so they are kept. A business that asks again after each of its
 * 5 daily connected calls for a week holds ~35 open requests.
 */
export function resetWorstCase(policy: Policy) {
  const s = scenario(policy);
  s.apply({ type: 'PERMISSION_ACCEPTED', at: START, expiresAt: START + 7 * DAY - 1, source: 'profile' });
  for (let day = 0; day < 7; day++) {
    for (let i = 0; i < policy.connectedCallsPerWindow; i++) {
      const at = START + day * DAY + i * HOUR + 1000;
      const id = s.placeCall(at);
      if (id) s.apply({ type: 'CALL_CONNECTED', at: at + 20_000, callId: id });
      s.request(at + 60_000);
    }
  }
  return s.largest();
}
