/**
 * Garbage in is refused at the edge: a malformed event throws an InvalidEventError whose `path`
 * names the offending field, and the (deep-frozen) snapshot it was applied to is untouched.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidEventError } from '../../src/errors.js';
import { EVENT_TYPES, type RelationshipEventType } from '../../src/events/types.js';
import { applyEvent, createRelationship, type RelationshipSnapshot } from '../../src/pure/snapshot.js';
import { check } from '../support/fc.js';
import { deepFreeze } from './support/freeze.js';
import { anyPolicy } from './support/policies.js';
import { replay, resolveTimeline } from './support/replay.js';
import { startTime, timeline } from './support/timeline.js';

const DAY = 86_400_000;

interface Malformed {
  readonly event: unknown;
  readonly path: string;
  readonly code?: string;
}

/** A relationship somewhere along a random timeline, frozen so that any write to it throws. */
const someSnapshot = fc.tuple(anyPolicy, startTime, timeline()).map(([policy, start, steps]) => {
  const initial = createRelationship({ at: start, policy });
  const reached = replay(initial, resolveTimeline(policy, start, steps), 'xstate').reduce((s, o) => ('snapshot' in o ? o.snapshot : s), initial);
  return deepFreeze(reached);
});

const badId = fc.constantFrom<unknown>('', 'has space', 'x'.repeat(129), 'café', 'tab\tid', 42, true, {}, []);
const badTime = fc.constantFrom<unknown>(
  undefined,
  null,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  -1,
  1_775_000_000, // epoch seconds, not milliseconds
  Date.UTC(2300, 0, 1),
  1.5,
  'yesterday',
  '2026-04-01',
  '2026-04-01T10:10:00', // no zone
  true,
  {},
  new Date(Number.NaN),
);

const ID_FIELDS: Partial<Record<RelationshipEventType, readonly string[]>> = {
  REQUEST_SENT: ['requestId'],
  REQUEST_FAILED: ['requestId'],
  CALL_STARTED: ['callId'],
  CALL_ID_ASSIGNED: ['callId', 'platformCallId'],
  CALL_CONNECTED: ['callId'],
  CALL_UNANSWERED: ['callId'],
  CALL_FAILED: ['callId'],
  USER_CALL_RECEIVED: ['callId'],
  USER_CALL_CONNECTED: ['callId'],
};

/** A well-formed event of each type at `at`, to be broken one field at a time. */
function validEvent(type: RelationshipEventType, at: number): Record<string, unknown> {
  const e: Record<string, unknown> = { type, at };
  for (const field of ID_FIELDS[type] ?? []) e[field] = `${field}-1`;
  if (type === 'REQUEST_SENT') e.via = 'template';
  if (type === 'CALL_UNANSWERED') e.reason = 'no_answer';
  if (type === 'CALL_FAILED') e.reason = 'SERVICE_UNAVAILABLE';
  if (type === 'PERMISSION_SYNCED') e.status = 'PERMANENT';
  return e;
}

/** One broken event for a snapshot, with the path the error must name. */
const malformed = (snapshot: RelationshipSnapshot): fc.Arbitrary<Malformed> => {
  const now = snapshot.context.now;
  const tolerance = snapshot.policy.lateEventToleranceMs;
  const later = fc.integer({ min: 0, max: 30 * DAY }).map((gap) => now + gap);
  const type = fc.constantFrom(...EVENT_TYPES);
  const withType = (types: readonly RelationshipEventType[]) => fc.constantFrom(...types);
  return fc.oneof(
    fc.constantFrom<unknown>(null, undefined, 42, 'CLOCK', true, [], [{ type: 'CLOCK', at: now }]).map((event) => ({ event, path: 'event' })),
    fc
      .tuple(fc.oneof(fc.string().filter((t) => !(EVENT_TYPES as readonly string[]).includes(t)), fc.constantFrom<unknown>(undefined, 7, null, 'clock')), later)
      .map(([t, at]) => ({ event: { type: t, at }, path: 'event.type', code: 'UNKNOWN_EVENT_TYPE' })),
    fc.tuple(type, badTime, later).map(([t, at, valid]) => ({ event: { ...validEvent(t, valid), at }, path: 'event.at', code: 'INVALID_TIME' })),
    // Well-formed, but further behind the clock than the policy tolerates.
    fc
      .tuple(type, fc.integer({ min: 1, max: DAY }))
      .map(([t, extra]) => ({ event: validEvent(t, now - tolerance - extra), path: 'event.at', code: 'EVENT_TOO_LATE' })),
    fc
      .tuple(withType(Object.keys(ID_FIELDS) as RelationshipEventType[]), badId, later, fc.nat())
      .map(([t, id, at, which]) => {
        const fields = ID_FIELDS[t]!;
        const field = fields[which % fields.length]!;
        return { event: { ...validEvent(t, at), [field]: id }, path: `event.${field}` };
      }),
    fc
      .tuple(fc.constantFrom<unknown>(undefined, 'sms', 'TEMPLATE', 1), later)
      .map(([via, at]) => ({ event: { ...validEvent('REQUEST_SENT', at), via }, path: 'event.via' })),
    fc
      .tuple(withType(['PERMISSION_ACCEPTED', 'PERMISSION_REJECTED']), fc.constantFrom<unknown>('bot', 'USER', 1, ''), later)
      .map(([t, source, at]) => ({ event: { type: t, at, source }, path: 'event.source' })),
    fc
      .tuple(withType(['PERMISSION_ACCEPTED', 'PERMISSION_REJECTED']), badId, later)
      .map(([t, requestId, at]) => ({ event: { type: t, at, requestId }, path: 'event.requestId' })),
    fc.tuple(fc.constantFrom<unknown>('yes', 1, 0, null, {}), later).map(([permanent, at]) => ({
      event: { type: 'PERMISSION_ACCEPTED', at, permanent },
      path: 'event.permanent',
    })),
    fc.tuple(later, fc.integer({ min: 1, max: 30 * DAY })).map(([at, lasts]) => ({
      event: { type: 'PERMISSION_ACCEPTED', at, permanent: true, expiresAt: at + lasts },
      path: 'event.expiresAt',
    })),
    fc.tuple(later, fc.integer({ min: 0, max: 30 * DAY })).map(([at, before]) => ({
      event: { type: 'PERMISSION_ACCEPTED', at, expiresAt: at - before },
      path: 'event.expiresAt',
    })),
    fc
      .tuple(later, badTime.filter((t) => t !== undefined && t !== null))
      .map(([at, expiresAt]) => ({ event: { type: 'PERMISSION_ACCEPTED', at, expiresAt }, path: 'event.expiresAt' })),
    fc
      .tuple(later, fc.constantFrom<unknown>(undefined, 'ringing', 'NO_ANSWER', 3))
      .map(([at, reason]) => ({ event: { ...validEvent('CALL_UNANSWERED', at), reason }, path: 'event.reason' })),
    fc
      .tuple(later, fc.constantFrom<unknown>(undefined, '', 'E'.repeat(129), 500))
      .map(([at, reason]) => ({ event: { ...validEvent('CALL_FAILED', at), reason }, path: 'event.reason' })),
  );
};

function expectRefused(snapshot: RelationshipSnapshot, m: Malformed, interpreter: 'xstate' | 'compiled') {
  const before = structuredClone(snapshot);
  let thrown: unknown;
  try {
    applyEvent(snapshot, m.event as never, { interpreter });
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `${JSON.stringify(m.event)} is refused`).toBeInstanceOf(InvalidEventError);
  expect((thrown as InvalidEventError).path).toBe(m.path);
  if (m.code) expect((thrown as InvalidEventError).code).toBe(m.code);
  expect(snapshot).toEqual(before);
}

describe('malformed events are refused, naming the field, and change nothing', () => {
  it('events: wrong types, missing fields, bad times, unknown types throw InvalidEventError with the right path; the snapshot is untouched', () => {
    check(
      fc.property(
        someSnapshot.chain((snapshot) => fc.tuple(fc.constant(snapshot), malformed(snapshot))),
        ([snapshot, m]) => {
          expectRefused(snapshot, m, 'xstate');
          expectRefused(snapshot, m, 'compiled');
        },
      ),
    );
  });
});
