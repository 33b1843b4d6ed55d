/**
 * Trusted time (docs/semantics.md "Trusted time", "Late facts"): webhook facts delivered in a
 * random order, late within the tolerance, early within the skew and twice, against the
 * independent reference model fed the same facts in time order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCallPermissionEngine } from '../../src/engine/engine.js';
import type { RelationshipEventInput } from '../../src/events/types.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { createRecordingEffects } from '../../src/testing/index.js';
import { check } from '../support/fc.js';
import { anyPolicy, presetPolicy } from './support/policies.js';
import { startTime } from './support/timeline.js';

const SENDER = '441134960000';
const USER = '447700900123';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

type Timed = RelationshipEventInput & { readonly at: number };

const delay = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: HOUR }), fc.integer({ min: 1, max: 3 * DAY }));
const deliveries = fc.array(fc.record({ delay, twice: fc.nat(4).map((n) => n === 0), again: delay }), { minLength: 60, maxLength: 60 });

describe('trusted time: a user’s no and skewed clocks', () => {
  it('no lost no: a reject or revoke delivered late, early, twice or dated far ahead ends in no permission unless a later accept follows it', async () => {
    await check(
      fc.asyncProperty(
        presetPolicy,
        startTime,
        fc.record({
          no: fc.constantFrom('reject', 'revoke'),
          noAt: fc.integer({ min: MINUTE, max: DAY }),
          farAhead: fc.nat(3).map((n) => n === 0),
          accept: fc.option(fc.integer({ min: 0, max: 2 * DAY }), { nil: undefined }),
          noise: fc.array(fc.integer({ min: 1, max: 2 * DAY }), { maxLength: 6 }),
        }),
        deliveries,
        async (policy, start, s, plan) => {
          const claimed = start + s.noAt + (s.farAhead ? 30 * DAY : 0);
          const no: Timed = s.no === 'reject' ? { type: 'PERMISSION_REJECTED', at: claimed, source: 'user' } : { type: 'PERMISSION_REVOKED', at: claimed };
          const events: Timed[] = [
            { type: 'PERMISSION_ACCEPTED', at: start, permanent: true },
            ...s.noise.map((t, i): Timed => ({ type: 'USER_MESSAGE', at: start + t + i })),
            no,
            ...(s.accept === undefined ? [] : [{ type: 'PERMISSION_ACCEPTED', at: start + s.accept, permanent: true } as Timed]),
          ];
          let now = start;
          const engine = createCallPermissionEngine({ policy, clock: () => now, store: new MemoryStore(), effects: createRecordingEffects() });
          // The first accept arrives first; every other fact late (within the tolerance) and maybe twice; a far-ahead no when it is sent (its time is wrong).
          const sent = events.map((event, index) => {
            const p = plan[index]!;
            const realAt = event === no && s.farAhead ? start + s.noAt : event.at;
            return { event, index, arrival: index === 0 ? start : realAt + p.delay, again: p.twice ? realAt + p.delay + p.again : undefined };
          });
          const queue = sent.flatMap((x) => [{ ...x, arrival: x.arrival }, ...(x.again === undefined ? [] : [{ ...x, arrival: x.again }])]).sort((a, b) => a.arrival - b.arrival || a.index - b.index);
          let noRecordedAt: number | undefined;
          for (const { event, index, arrival } of queue) {
            now = arrival;
            await engine.record(SENDER, USER, event, { factKey: `f${index}` });
            if (event === no && noRecordedAt === undefined) noRecordedAt = s.farAhead ? arrival : event.at;
          }
          // Its true time: its own, or, dated far ahead, when it was delivered.
          const noTime = noRecordedAt!;
          const laterAccept = s.accept !== undefined && start + s.accept > noTime;
          now = Math.max(now, ...queue.map((q) => q.arrival)) + 1;
          const call = await engine.startCall(SENDER, USER);
          if (!laterAccept) {
            expect(call, JSON.stringify({ s, queue: queue.map((q) => [q.event.type, q.event.at, q.arrival]) })).toMatchObject({ outcome: 'refused', refusal: { rule: 'G4' } });
            expect((await engine.permissions(SENDER, USER)).status).toBe('NO_PERMISSION');
          }
        },
      ),
    );
  });

  it('skew: two engines whose clocks differ by maxClockSkewMs on one store, with facts dated ± the skew, never exceed R1/R2/G2', async () => {
    await check(
      fc.asyncProperty(
        anyPolicy,
        startTime,
        fc.array(fc.record({ engine: fc.nat(1), gap: fc.oneof(fc.nat(1000), fc.integer({ min: 1, max: HOUR }), fc.integer({ min: 1, max: DAY })), act: fc.nat(5), offset: fc.double({ min: -1, max: 1, noNaN: true }) }), {
          minLength: 5,
          maxLength: 40,
        }),
        async (policy, start, steps) => {
          const skew = policy.maxClockSkewMs;
          const store = new MemoryStore();
          let now = start;
          const effects = createRecordingEffects();
          const engines = [createCallPermissionEngine({ policy, store, effects, clock: () => now }), createCallPermissionEngine({ policy, store, effects, clock: () => now + skew })];
          await engines[0]!.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: start, expiresAt: start + 60 * DAY });
          const calls: number[] = [];
          const requests: number[] = [];
          for (const step of steps) {
            now += step.gap;
            const engine = engines[step.engine]!;
            const own = now + step.engine * skew;
            if (step.act <= 1) {
              const r = await engine.startCall(SENDER, USER);
              if (r.outcome === 'started') calls.push(r.at);
            } else if (step.act <= 3) {
              const r = await engine.requestPermission(SENDER, USER);
              if (r.outcome === 'sent') requests.push(r.at);
            } else {
              // A fact dated behind the relationship's clock by more than the tolerance is refused as too late: that is its outcome.
              await engine.record(SENDER, USER, { type: 'USER_MESSAGE', at: Math.round(own + step.offset * skew) }).catch((error: { code?: string }) => {
                if (error.code !== 'EVENT_TOO_LATE') throw error;
              });
            }
          }
          const most = (times: readonly number[], window: number) => Math.max(0, ...times.map((t) => times.filter((u) => u >= t && u < t + window).length));
          expect(most(calls, policy.callWindowMs), `G2: calls at ${calls.map((t) => t - start)}`).toBeLessThanOrEqual(policy.connectedCallsPerWindow);
          expect(most(requests, policy.requestShortWindowMs), 'R1').toBeLessThanOrEqual(policy.requestsPerShortWindow);
          expect(most(requests, policy.requestLongWindowMs), 'R2').toBeLessThanOrEqual(policy.requestsPerLongWindow);
        },
      ),
    );
  });
});
