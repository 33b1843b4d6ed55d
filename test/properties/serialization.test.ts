/**
 * A stored relationship must be the relationship: for snapshots reached by random timelines,
 * deserialize(serialize(s)) equals s, and the rest of the timeline plays out identically from
 * the original and from the copy (same snapshots, same stored text, same errors).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Policy } from '../../src/policy/policy.js';
import { deserializeSnapshot, serializeSnapshot } from '../../src/pure/serialize.js';
import { createRelationship } from '../../src/pure/snapshot.js';
import { check } from '../support/fc.js';
import { anyPolicy } from './support/policies.js';
import { replay, resolveTimeline } from './support/replay.js';
import { CALLS, MIXED, REQUESTS, startTime, timeline, type Step } from './support/timeline.js';

const DAY = 86_400_000;

function expectRoundTripBehavesTheSame(policy: Policy, start: number, steps: readonly Step[], cut: number) {
  const events = resolveTimeline(policy, start, steps);
  const split = cut % (events.length + 1);
  const outcomes = replay(createRelationship({ at: start, policy }), events.slice(0, split), 'xstate');
  const reached = outcomes.reduce((s, o) => ('snapshot' in o ? o.snapshot : s), createRelationship({ at: start, policy }));
  const stored = serializeSnapshot(reached);
  const restored = deserializeSnapshot(stored, reached.policy);
  expect(restored).toEqual(reached);
  expect(serializeSnapshot(restored)).toBe(stored);
  const rest = events.slice(split);
  const fromOriginal = replay(reached, rest, 'xstate');
  const fromCopy = replay(restored, rest, 'xstate');
  expect(fromCopy).toEqual(fromOriginal);
  expect(fromCopy.map((o) => ('snapshot' in o ? serializeSnapshot(o.snapshot) : o.error))).toEqual(
    fromOriginal.map((o) => ('snapshot' in o ? serializeSnapshot(o.snapshot) : o.error)),
  );
}

const cut = fc.nat(40);

describe('serialise → deserialise → the same relationship', () => {
  it('R1–R5 G1–G5 M1–M4 U1 U2 W1: snapshots of random timelines survive storage, and carry on identically', () => {
    check(fc.property(anyPolicy, startTime, timeline(MIXED), cut, expectRoundTripBehavesTheSame));
  });

  it('G2 M1–M4: call-heavy snapshots (calls in flight, miss counts, prompted) survive storage', () => {
    check(fc.property(anyPolicy, startTime, timeline(CALLS, { longestGap: 2 * DAY, startGranted: true }), cut, expectRoundTripBehavesTheSame));
  });

  it('R1 R2 R4 U2: request-heavy snapshots (counters, replies, resets) survive storage', () => {
    check(fc.property(anyPolicy, startTime, timeline(REQUESTS), cut, expectRoundTripBehavesTheSame));
  });
});
