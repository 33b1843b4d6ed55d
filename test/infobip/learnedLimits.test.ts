import { afterEach, describe, expect, it } from 'vitest';
import { CallPermissionError, definePolicy } from '../../src/index.js';
import type { PlatformRefusedResult } from '../../src/infobip/index.js';
import { applyLearnedLimits, describeLimits, mergeLearnedLimits, type LearnedLimit } from '../../src/policy/learnedLimits.js';
import { HOUR_MS } from '../../src/time.js';
import { SENDER, startWorld, USER, type World } from './harness.js';
import { infobipTime } from './localInfobip.js';

/**
 * G2 (and R1/R2): the numbers the platform states are learned per sender and enforced from then
 * on, never looser than what it said (docs/platform.md "Learned limits").
 */
describe('learned limits, over HTTP against a local Infobip that enforces its own', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  async function grantedWorld(policy: 'infobip' | 'infobip-seed', platformLimit: number): Promise<World> {
    const w = (world = await startWorld({ policy }));
    w.infobip.enforceCallLimit(platformLimit);
    const expires = w.now + 5 * 24 * HOUR_MS;
    const reply = w.infobip.replyResult(SENDER, USER, { response: 'ACCEPT', expirationTimestamp: infobipTime(expires) });
    expect((await w.infobip.deliver(w.infobip.inboundBatch([reply]))).status).toBe(200);
    w.infobip.setPermissions(SENDER, USER, {
      status: 'TEMPORARY',
      expirationTime: new Date(expires).toISOString(),
      actions: [
        { name: 'SEND_CALL_PERMISSION_REQUEST', canPerformAction: true, limits: [{ timePeriod: 'PT24H', maxAllowed: 1, currentUsage: 0 }, { timePeriod: 'P7D', maxAllowed: 2, currentUsage: 0 }] },
        { name: 'START_CALL', canPerformAction: true, limits: [] },
      ],
    });
    return w;
  }

  async function placeUntilRefused(w: World, max: number) {
    let started = 0;
    for (let i = 0; i < max; i++) {
      const result = await w.integration.startCall(SENDER, USER);
      if (result.outcome !== 'started') return { started, last: result };
      started++;
      // G6: one call at a time per pair; its turn ends (by the platform's id, as its webhook would name it), its G2 slot stays held.
      await w.integration.engine.recordSender(SENDER, { type: 'CALL_ENDED', at: w.now, callId: result.receipt?.platformCallId ?? result.callId, user: USER });
    }
    return { started, last: undefined };
  }

  it('G2: under the seed’s 5, one reconciliation with a platform that enforces 100 lets the engine place 100, and the 101st is refused locally', async () => {
    const w = await grantedWorld('infobip-seed', 100);
    const result = await w.integration.reconcile(SENDER, USER);
    expect(result.differences).toContainEqual({ kind: 'maxAllowed', action: 'START_CALL', timePeriod: 'PT24H', local: 5, remote: 100, folded: true });
    expect((await w.integration.engine.permissions(SENDER, USER)).actions[1].limits[0]).toMatchObject({ maxAllowed: 100, currentUsage: 0 });
    const { started, last } = await placeUntilRefused(w, 101);
    expect(started).toBe(100);
    expect(last).toMatchObject({ outcome: 'refused', refusal: { rule: 'G2' } });
    expect(w.infobip.requestsOn('calls')).toHaveLength(100);
    // Another sender's relationships keep the preset: the number is the sender's.
    expect((await w.integration.engine.policyFor('441134960999')).connectedCallsPerWindow).toBe(5);
  });

  it('G2: never looser than the platform: a platform enforcing 10 under the default 100 makes the 11th a local refusal', async () => {
    const w = await grantedWorld('infobip', 10);
    await w.integration.reconcile(SENDER, USER);
    const { started, last } = await placeUntilRefused(w, 11);
    expect(started).toBe(10);
    expect(last).toMatchObject({ outcome: 'refused', refusal: { rule: 'G2' } });
    expect(w.infobip.requestsOn('calls')).toHaveLength(10);
  });

  it('138012 with its data: the stated number is learned and the wait it gives is said, without reconciling first', async () => {
    const w = await grantedWorld('infobip', 3);
    w.infobip.script('permissions', { status: 401 });
    expect((await placeUntilRefused(w, 3)).started).toBe(3);
    const refused = (await w.integration.startCall(SENDER, USER)) as PlatformRefusedResult;
    expect(refused).toMatchObject({ outcome: 'refused-by-platform', platformCode: 138012, correction: { learnedMaxAllowed: 3, retryAt: w.now + 24 * HOUR_MS } });
    expect(await w.integration.engine.learnedLimits(SENDER)).toEqual([{ action: 'START_CALL', timePeriod: 'PT24H', maxAllowed: 3, learnedAt: w.now, source: 'refusal 138012' }]);
    expect(await w.integration.startCall(SENDER, USER)).toMatchObject({ outcome: 'refused', refusal: { rule: 'G2' } });
    expect(w.infobip.requestsOn('calls')).toHaveLength(4);
  });

  it('the limits say where each number comes from: "platform: 100 / 24 h (learned …)" vs the preset', async () => {
    const w = await grantedWorld('infobip-seed', 100);
    await w.integration.reconcile(SENDER, USER);
    const limits = describeLimits(w.integration.engine.policy, await w.integration.engine.learnedLimits(SENDER));
    expect(limits[0]).toMatchObject({ rule: 'G2', inForce: 100, preset: { name: 'infobip-seed', maxAllowed: 5 } });
    expect(limits[0]!.text).toBe(`platform: 100 / 24 h (learned ${new Date(w.now).toISOString()} from reconciliation) vs preset infobip-seed: 5 / 24 h`);
    expect(limits[1]!.text).toMatch(/^platform: 1 \/ 24 h \(learned .+\) vs preset infobip-seed: 1 \/ 24 h$/);
  });
});

describe('learned limits: the pure parts', () => {
  const stated = (maxAllowed: number, timePeriod = 'PT24H', action: LearnedLimit['action'] = 'START_CALL'): LearnedLimit => ({ action, timePeriod, maxAllowed, learnedAt: Date.UTC(2026, 3, 1), source: 'reconciliation' });
  const base = definePolicy('infobip-seed');

  it('adopt uses the platform’s number up or down; tighten-only only down; a window the policy lacks is not applied', () => {
    expect(applyLearnedLimits(base, [stated(100)]).connectedCallsPerWindow).toBe(100);
    expect(applyLearnedLimits(base, [stated(100)], 'tighten-only').connectedCallsPerWindow).toBe(5);
    expect(applyLearnedLimits(base, [stated(3)], 'tighten-only').connectedCallsPerWindow).toBe(3);
    expect(applyLearnedLimits(base, [stated(100, 'PT12H')])).toBe(base);
    expect(applyLearnedLimits(base, [stated(100, 'P1D')]).connectedCallsPerWindow).toBe(100);
    // R1 ≤ R2 is kept by lowering R1.
    const requests = applyLearnedLimits(base, [stated(3, 'PT24H', 'SEND_CALL_PERMISSION_REQUEST'), stated(2, 'P7D', 'SEND_CALL_PERMISSION_REQUEST')]);
    expect([requests.requestsPerShortWindow, requests.requestsPerLongWindow]).toEqual([2, 2]);
  });

  it('the latest statement per action and window wins; the same statement again changes nothing', () => {
    const first = mergeLearnedLimits(undefined, [stated(100)]);
    expect(first.changed).toBe(true);
    expect(mergeLearnedLimits(first.limits, [stated(100, 'P1D')]).changed).toBe(false);
    expect(mergeLearnedLimits(first.limits, [stated(10)]).limits).toEqual([stated(10)]);
  });

  it('a nonsense statement is refused with a typed error naming the field', () => {
    expect(() => mergeLearnedLimits(undefined, [stated(0)])).toThrow(CallPermissionError);
    expect(() => mergeLearnedLimits(undefined, [stated(5, 'P1M')])).toThrow(/limit.timePeriod/);
    expect(() => mergeLearnedLimits(undefined, [{ ...stated(5), action: 'DANCE' as never }])).toThrow(/limit.action/);
  });
});
