/**
 * The sender-wide rules against the independent reference model (test/reference/senderModel.ts)
 * over random multi-user timelines of one sender: every startCall gets the model's answer (rule and
 * retryAt), and across the run no rolling 24 h holds more than S1 attempts, no moment more than S2
 * calls, no call starts during a restriction, and no user has two calls going on at once.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCallPermissionEngine, definePolicy, MemoryStore } from '../../src/index.js';
import { createManualClock } from '../../src/testing/index.js';
import { SenderModel } from '../reference/senderModel.js';
import { check } from '../support/fc.js';

const SENDER = '441134960000';
const USERS = ['447700900001', '447700900002', '447700900003', '447700900004', '447700900005'];
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 3, 1, 9, 59, 30);

type Step =
  | { kind: 'call'; user: number }
  | { kind: 'failed'; user: number }
  | { kind: 'connected'; user: number }
  | { kind: 'hangup'; user: number; withUser: boolean }
  | { kind: 'restrict'; length: number }
  | { kind: 'lift' }
  | { kind: 'warn' };

const user = fc.integer({ min: 0, max: USERS.length - 1 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: user.map((u) => ({ kind: 'call' as const, user: u })) },
  { weight: 2, arbitrary: user.map((u) => ({ kind: 'failed' as const, user: u })) },
  { weight: 2, arbitrary: user.map((u) => ({ kind: 'connected' as const, user: u })) },
  { weight: 2, arbitrary: fc.tuple(user, fc.boolean()).map(([u, withUser]) => ({ kind: 'hangup' as const, user: u, withUser })) },
  { weight: 1, arbitrary: fc.constantFrom(-MINUTE, 30 * MINUTE, 3 * HOUR, 2 * DAY).map((length) => ({ kind: 'restrict' as const, length })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'lift' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'warn' as const }) },
);
/** Gaps that land on the rules' boundaries as well as between them; `retry` jumps to the last retryAt. */
const gap = fc.oneof(fc.constantFrom(0, 1, 1_000, 59_999, MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, DAY, DAY + MINUTE), fc.constant('retry' as const));

const scenario = fc.record({
  attemptsPerDay: fc.integer({ min: 3, max: 8 }),
  concurrentCalls: fc.integer({ min: 1, max: 3 }),
  shards: fc.integer({ min: 1, max: 3 }),
  platformIds: fc.boolean(),
  steps: fc.array(fc.tuple(gap, step), { minLength: 5, maxLength: 60 }),
});

describe('sender-wide rules against the reference model', () => {
  it('S1 S2 S4 G6: the engine answers every startCall as the model does, and no limit is ever exceeded', async () => {
    await check(
      fc.asyncProperty(scenario, async ({ attemptsPerDay, concurrentCalls, shards, platformIds, steps }) => {
        const shardCount = Math.min(shards, concurrentCalls);
        const policy = definePolicy({ senderCallAttemptsPerDay: attemptsPerDay, senderConcurrentCalls: concurrentCalls, connectedCallsPerWindow: 1000, ongoingCallMaxMs: 2 * HOUR });
        const clock = createManualClock(T0);
        const engine = createCallPermissionEngine({
          store: new MemoryStore(),
          policy,
          clock,
          senderShards: shardCount,
          effects: { async sendPermissionRequest() {}, async startCall({ callId }) { return platformIds ? { platformCallId: `p-${callId}` } : {}; } },
        });
        const model = new SenderModel({ attemptsPerDay, concurrentCalls, ongoingCallMaxMs: 2 * HOUR, shards: shardCount });
        for (const u of USERS) await engine.record(SENDER, u, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true });
        const latestCall = new Map<string, string>();
        let lastRetry: number | undefined;
        let now = T0;

        for (const [g, s] of steps) {
          now = g === 'retry' ? Math.max(now, lastRetry ?? now) : now + g;
          clock.set(now);
          const u = 'user' in s ? USERS[s.user]! : '';
          switch (s.kind) {
            case 'call': {
              const expected = model.decide(u, now);
              const got = await engine.startCall(SENDER, u);
              if (expected.allowed) {
                expect(got.outcome, `call to ${u} at +${now - T0}`).toBe('started');
                if (got.outcome === 'started') {
                  expect(model.restrictedAt(now), 'S4: a call during a restriction').toBe(false);
                  model.placed(u, got.callId, now);
                  const id = platformIds ? `p-${got.callId}` : got.callId;
                  if (platformIds) model.renamed(got.callId, id);
                  latestCall.set(u, id);
                }
              } else {
                expect(got, `call to ${u} at +${now - T0}`).toMatchObject({ outcome: 'refused', refusal: { rule: expected.rule } });
                if (got.outcome === 'refused') expect(got.refusal.retryAt).toBe(expected.retryAt);
                lastRetry = expected.retryAt;
              }
              break;
            }
            case 'failed':
            case 'connected': {
              const callId = latestCall.get(u);
              if (!callId) break;
              if (s.kind === 'failed') {
                await engine.record(SENDER, u, { type: 'CALL_FAILED', at: now, callId, reason: 'SERVICE_UNAVAILABLE' });
                model.ended(callId, now);
              } else await engine.record(SENDER, u, { type: 'CALL_CONNECTED', at: now, callId });
              break;
            }
            case 'hangup': {
              const callId = latestCall.get(u);
              if (!callId) break;
              await engine.recordSender(SENDER, s.withUser ? { type: 'CALL_ENDED', at: now, callId, user: u } : { type: 'CALL_ENDED', at: now, callId });
              model.ended(callId, now);
              break;
            }
            case 'restrict':
              await engine.recordSender(SENDER, { type: 'RESTRICTED', at: now, until: now + s.length });
              model.restricted(now, now + s.length);
              break;
            case 'lift':
              await engine.recordSender(SENDER, { type: 'RESTRICTION_LIFTED', at: now });
              model.lifted(now);
              break;
            case 'warn':
              await engine.recordSender(SENDER, { type: 'QUALITY_WARNING', at: now });
              break;
          }
          const status = await engine.senderStatus(SENDER);
          expect(status.state).toBe(model.restrictedAt(now) ? 'restricted' : 'active');
        }

        // Invariants over everything placed, checked on exact times (stricter than the per-minute counting).
        const calls = model.calls();
        for (const [i, call] of calls.entries()) {
          const inDay = calls.filter((c) => c.at <= call.at && call.at < c.at + DAY).length;
          expect(inDay, 'S1').toBeLessThanOrEqual(attemptsPerDay);
          // Calls placed before this one (in order: an end and a new call may share a millisecond) still holding a slot.
          const earlier = calls.slice(0, i).filter((c) => call.at < c.releasedAt);
          expect(earlier.length + 1, 'S2').toBeLessThanOrEqual(concurrentCalls);
          const sameUser = earlier.filter((c) => c.user === call.user);
          expect(sameUser, 'G6').toEqual([]);
        }
      }),
    );
  }, 120_000);
});
