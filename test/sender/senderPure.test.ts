import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { definePolicy, SnapshotError } from '../../src/index.js';
import { countryOfNumber } from '../../src/policy/countries.js';
import type { SenderEvent } from '../../src/sender/events.js';
import { senderLimits, shardOfUser, shareOf } from '../../src/sender/limits.js';
import { deserializeSenderSnapshot, toSerializedSender } from '../../src/pure/sender/serialize.js';
import { applySenderEvent, createSender, type SenderSnapshot } from '../../src/pure/sender/snapshot.js';
import { check } from '../support/fc.js';

const T0 = Date.UTC(2026, 3, 1, 10);
const limits = senderLimits(definePolicy({ senderCallAttemptsPerDay: 4, senderConcurrentCalls: 2 }));

const event = (at: number): fc.Arbitrary<SenderEvent> =>
  fc.oneof(
    fc.constant({ type: 'CLOCK', at } as const),
    fc.integer({ min: -60_000, max: 3 * 3_600_000 }).map((d) => ({ type: 'RESTRICTED', at, until: at + d }) as const),
    fc.constant({ type: 'RESTRICTION_LIFTED', at } as const),
    fc.constant({ type: 'QUALITY_WARNING', at } as const),
    fc.constant({ type: 'ATTEMPTS_EXHAUSTED', at } as const),
    fc.tuple(fc.integer({ min: 0, max: 5 }), fc.constantFrom('447700900001', '447700900002', '447700900003')).map(([n, user]) => ({ type: 'CALL_RESERVED', at, callId: `c${n}`, user }) as const),
    fc.integer({ min: 0, max: 5 }).map((n) => ({ type: 'CALL_ENDED', at, callId: `c${n}` }) as const),
    fc.integer({ min: 0, max: 5 }).map((n) => ({ type: 'CALL_ID_ASSIGNED', at, callId: `c${n}`, platformCallId: `c${n + 1}` }) as const),
  );
const timeline = fc.array(fc.tuple(fc.constantFrom(0, 1, 30_000, 60_000, 3_600_000, 2 * 3_600_000, 86_400_000), fc.integer({ min: 0, max: 1000 })), { minLength: 1, maxLength: 40 });

function run(steps: [number, number][], pick: (at: number, seed: number) => SenderEvent, visit: (before: SenderSnapshot, e: SenderEvent) => SenderSnapshot) {
  let snapshot = createSender(T0, limits);
  let at = T0;
  for (const [gap, seed] of steps) {
    at += gap;
    snapshot = visit(snapshot, pick(at, seed));
  }
  return snapshot;
}

describe('the sender statechart, pure', () => {
  it('the compiled interpreter gives the snapshots XState gives, and every snapshot survives serialisation', () => {
    check(
      fc.property(timeline, fc.array(fc.nat(), { minLength: 40, maxLength: 40 }), (steps, seeds) => {
        const events = steps.map(([, s], i) => (at: number) => fc.sample(event(at), { numRuns: 1, seed: seeds[i]! + s })[0]!);
        let i = 0;
        run(steps, (at) => events[i++]!(at), (before, e) => {
          const viaXState = applySenderEvent(before, e, 'xstate');
          expect(applySenderEvent(before, e, 'compiled')).toEqual(viaXState);
          expect(deserializeSenderSnapshot(JSON.parse(JSON.stringify(toSerializedSender(viaXState))), limits)).toEqual(viaXState);
          return viaXState;
        });
      }),
    );
  });

  it('a stored sender snapshot that is malformed is a SnapshotError naming the field', () => {
    const bad: [unknown, string][] = [
      [{ v: 2, s: 'active', t: T0 }, 'sender.v'],
      [{ v: 1, s: 'paused', t: T0 }, 'sender.s'],
      [{ v: 1, s: 'restricted', t: T0 }, 'sender.ru'],
      [{ v: 1, s: 'active', t: T0, at: [[T0 + 1, 1]] }, 'sender.at[0][0]'],
      [{ v: 1, s: 'active', t: T0 + 60_000, at: [[T0, 0]] }, 'sender.at[0][1]'],
      [{ v: 1, s: 'active', t: T0 + 120_000, at: [[T0 + 60_000, 1], [T0, 1]] }, 'sender.at[1][0]'], // S1 reads expired buckets off the front: oldest first
      [{ v: 1, s: 'active', t: T0 + 120_000, at: [[T0, 1], [T0, 2]] }, 'sender.at[1][0]'],
      [{ v: 1, s: 'active', t: T0, on: [['c1', '12', T0]] }, 'sender.on[0][1]'],
      [{ v: 1, s: 'active', t: T0, on: [['c1', '447700900001', T0 + 1]] }, 'sender.on[0][2]'],
      [{ v: 1, s: 'active', t: T0, extra: 1 }, 'sender.extra'],
      ['{', 'sender'],
    ];
    for (const [stored, path] of bad) {
      expect(() => deserializeSenderSnapshot(stored, limits)).toThrow(SnapshotError);
      expect(() => deserializeSenderSnapshot(stored, limits)).toThrow(`${path}:`);
    }
  });

  it('S3 reads the sender country from the calling code, and inside +1 from the area code', () => {
    expect(
      ['12025550100', '14165550100', '18765550100', '17875550100', '447911123456', '201001234567', '2348031234567', '84912345678', '905321234567', '77012345678', '79161234567', '2112345678', '9991234567'].map(countryOfNumber),
    ).toEqual(['US', 'CA', 'JM', 'PR', 'GB', 'EG', 'NG', 'VN', 'TR', 'KZ', 'RU', 'SS', undefined]);
  });

  it('shards: the shares add up to the policy’s numbers exactly, and a user always lands in the same shard', () => {
    check(
      fc.property(fc.integer({ min: 1, max: 20_000 }), fc.integer({ min: 1, max: 64 }), (total, shards) => {
        const shares = Array.from({ length: shards }, (_, i) => shareOf(total, i, shards));
        expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
        expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
      }),
    );
    expect(shardOfUser('447700900001', 16)).toBe(shardOfUser('447700900001', 16));
    const spread = new Set(Array.from({ length: 200 }, (_, i) => shardOfUser(`4477009${String(i).padStart(5, '0')}`, 16)));
    expect(spread.size).toBe(16);
  });
});
