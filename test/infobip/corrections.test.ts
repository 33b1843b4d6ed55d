import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readRefusalData, type PlatformRefusedResult } from '../../src/infobip/index.js';
import { applyCorrection, correctionKey } from '../../src/infobip/corrections.js';
import { PLATFORM_CODE_TABLE, renderPlatformCodeTable } from '../../src/infobip/platformCodes.js';
import { HOUR_MS } from '../../src/time.js';
import { documentedTable } from './documentedTable.js';
import { SENDER, startWorld, USER, type World } from './harness.js';
import { infobipTime, metaRefusal } from './localInfobip.js';

/**
 * docs/platform.md "Platform codes → corrections", one code at a time over real HTTP against the
 * local Infobip: the platform refuses what the local state allowed; the engine records the row's
 * correction under its own key and from then on refuses what the platform refused, without asking it.
 * Infobip's permissions view is made unreadable where the code alone must carry the correction.
 */
describe('platform code → correction, over HTTP', () => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(async () => {
    await world.close();
  });

  const engine = () => world.integration.engine;
  async function grant(expiresInMs = 3 * 24 * HOUR_MS) {
    const reply = world.infobip.replyResult(SENDER, USER, { response: 'ACCEPT', expirationTimestamp: infobipTime(world.now + expiresInMs) });
    expect((await world.infobip.deliver(world.infobip.inboundBatch([reply]))).status).toBe(200);
  }
  function refused(result: unknown): PlatformRefusedResult {
    expect(result).toMatchObject({ outcome: 'refused-by-platform' });
    return result as PlatformRefusedResult;
  }

  it('138006 (G4): a refused call ends the grant as no permission (not revoked), keyed by the call; later calls are refused locally', async () => {
    await grant();
    world.infobip.script('calls', metaRefusal(138006, 'No approved call permission'));
    world.infobip.script('permissions', { status: 401 });
    const result = refused(await world.integration.startCall(SENDER, USER));
    const callId = (world.infobip.requestsOn('calls')[0]!.body as { externalId: string }).externalId;
    expect(result.correction).toMatchObject({
      platformCode: 138006,
      rules: ['G4'],
      correction: 'no-permission',
      facts: [{ type: 'PERMISSION_SYNCED', factKey: correctionKey(138006, callId), outcome: 'recorded' }],
      reconcileError: expect.stringContaining('401'),
    });
    expect(result.correction.message).toContain('G4');
    expect((await engine().snapshot(SENDER, USER))!.value).toBe('noPermission');
    expect(await world.integration.startCall(SENDER, USER)).toMatchObject({ outcome: 'refused', refusal: { rule: 'G4' } });
    expect(world.infobip.requestsOn('calls')).toHaveLength(1);
    // U2: a new request may go out (a revoke would have said the user withdrew; nobody did).
    expect(await world.integration.requestPermission(SENDER, USER)).toMatchObject({ outcome: 'sent' });
  });

  it('138009 (R1/R2): with the view unreadable, the request slot is filled as the platform counts it; retryAt is said', async () => {
    world.infobip.script('template', metaRefusal(138009, 'Permission request limit reached'));
    world.infobip.script('permissions', { status: 401 });
    const result = refused(await world.integration.requestPermission(SENDER, USER));
    expect(result.correction).toMatchObject({ platformCode: 138009, correction: 'request-slots', retryAt: world.now + 24 * HOUR_MS });
    expect(result.correction.facts).toEqual([{ type: 'REQUEST_SENT', factKey: expect.stringMatching(/^infobip:correction:138009:.+:slot-0$/), outcome: 'recorded' }]);
    expect(await world.integration.requestPermission(SENDER, USER)).toMatchObject({ outcome: 'refused', refusal: { rule: 'R1', retryAt: world.now + 24 * HOUR_MS } });
    expect(world.infobip.requestsOn('template')).toHaveLength(1);
  });

  it('138012 (G2): the call slots are full, never shorter than the wait its data gives; the host is told the time the engine allows again', async () => {
    await grant();
    const retryAt = world.now + 5 * HOUR_MS;
    world.infobip.script('calls', metaRefusal(138012, `Business initiated calls limit reached. Currently 100. Next call allowed at ${new Date(retryAt).toISOString()}`));
    world.infobip.script('permissions', { status: 401 });
    const result = refused(await world.integration.startCall(SENDER, USER));
    expect(result.correction).toMatchObject({ platformCode: 138012, rules: ['G2'], correction: 'call-slots', platformRetryAt: retryAt });
    expect(result.correction.retryAt).toBeGreaterThanOrEqual(retryAt);
    expect(result.correction.facts.length).toBeGreaterThan(0);
    expect(result.correction.facts.every((f) => f.type === 'CALL_STARTED' && f.factKey.startsWith('infobip:correction:138012:'))).toBe(true);
    expect(result.correction.message).toContain(new Date(result.correction.retryAt!).toISOString());
    // What the host was told is what the engine does: refused until then, not a moment longer.
    const again = await world.integration.startCall(SENDER, USER);
    expect(again).toMatchObject({ outcome: 'refused', refusal: { rule: 'G2', retryAt: result.correction.retryAt } });
    expect(world.infobip.requestsOn('calls')).toHaveLength(1);
  });

  it('138012 (G2): the slots free when the platform says (its "next allowed at"), not a window after the refusal', async () => {
    await grant();
    const retryAt = world.now + 5 * HOUR_MS;
    world.infobip.script('calls', metaRefusal(138012, `Business initiated calls limit reached. Currently 100. Next call allowed at ${new Date(retryAt).toISOString()}`));
    world.infobip.script('permissions', { status: 401 });
    const result = refused(await world.integration.startCall(SENDER, USER));
    expect(result.correction.retryAt).toBe(retryAt);
    expect(result.correction.facts[0]).toMatchObject({ type: 'CALL_STARTED', factKey: expect.stringMatching(/:slot-0:from$/) });
    world.advance(5 * HOUR_MS - 1);
    expect(await world.integration.startCall(SENDER, USER)).toMatchObject({ outcome: 'refused', refusal: { rule: 'G2', retryAt } });
    world.advance(1);
    expect(await world.integration.startCall(SENDER, USER)).toMatchObject({ outcome: 'started' });
  });

  it('attack: a 138012 whose retry time is already past (skew) or days ahead holds the slots a window from now; the host is told the later of the two times', async () => {
    await grant();
    for (const [offset, ref] of [[-10 * 60_000, 'past'], [3 * 24 * HOUR_MS, 'far']] as const) {
      const platformRetryAt = world.now + offset;
      const applied = await applyCorrection(engine(), { code: 138012, sender: SENDER, user: USER, ref, at: world.now, data: { retryAt: platformRetryAt, maxAllowed: 100 } });
      expect(applied.platformRetryAt).toBe(platformRetryAt);
      expect(applied.retryAt).toBe(Math.max(platformRetryAt, world.now + 24 * HOUR_MS));
      expect(applied.facts.every((f) => !f.factKey.endsWith(':from'))).toBe(true);
    }
    // Applied again (a redelivered refusal): nothing more is recorded.
    const again = await applyCorrection(engine(), { code: 138012, sender: SENDER, user: USER, ref: 'past', at: world.now, data: { retryAt: world.now - 600_000 } });
    expect(again.facts.every((f) => f.outcome === 'duplicate')).toBe(true);
    expect(await world.integration.startCall(SENDER, USER)).toMatchObject({ outcome: 'refused', refusal: { rule: 'G2', retryAt: world.now + 24 * HOUR_MS } });
  });

  it('138017 (R5): a refused request learns the permanent permission; later requests are refused locally, calls go out', async () => {
    world.infobip.script('template', metaRefusal(138017, 'A permanent call permission already exists'));
    world.infobip.script('permissions', { status: 401 });
    const result = refused(await world.integration.requestPermission(SENDER, USER));
    expect(result.correction).toMatchObject({ correction: 'permanent', facts: [{ type: 'PERMISSION_ACCEPTED', outcome: 'recorded' }] });
    expect((await engine().permissions(SENDER, USER)).status).toBe('PERMANENT');
    expect(await world.integration.requestPermission(SENDER, USER)).toMatchObject({ outcome: 'refused', refusal: { rule: 'R5' } });
    expect(await world.integration.startCall(SENDER, USER)).toMatchObject({ outcome: 'started' });
  });

  it('a sender-wide code (138002) changes nothing per relationship and is reported', async () => {
    await grant();
    world.infobip.script('calls', metaRefusal(138002, 'Concurrent call limit reached'));
    world.infobip.script('permissions', { status: 401 });
    const result = refused(await world.integration.startCall(SENDER, USER));
    expect(result.correction).toMatchObject({ correction: 'report', facts: [] });
    expect(await world.integration.startCall(SENDER, USER)).toMatchObject({ outcome: 'started' });
  });

  it('138014 (S4): the sender pauses until the time the refusal gives; calls and requests are refused locally; the same refusal again changes nothing', async () => {
    await grant();
    const until = world.now + 3 * 24 * HOUR_MS;
    world.infobip.script('calls', metaRefusal(138014, `Business initiated calling restricted until ${new Date(until).toISOString()}`));
    world.infobip.script('permissions', { status: 401 });
    const result = refused(await world.integration.startCall(SENDER, USER));
    const callId = (world.infobip.requestsOn('calls')[0]!.body as { externalId: string }).externalId;
    expect(result.correction).toMatchObject({ platformCode: 138014, rules: ['S4'], correction: 'restriction', retryAt: until, facts: [{ type: 'RESTRICTED', outcome: 'recorded' }] });
    expect(await engine().senderStatus(SENDER)).toMatchObject({ state: 'restricted', restrictedUntil: new Date(until).toISOString() });
    expect(await world.integration.startCall(SENDER, USER)).toMatchObject({ outcome: 'refused', refusal: { rule: 'S4', retryAt: until } });
    expect(await world.integration.requestPermission(SENDER, '447700900999')).toMatchObject({ outcome: 'refused', refusal: { rule: 'S4', retryAt: until } });
    expect(world.infobip.requestsOn('calls')).toHaveLength(1);
    const again = await applyCorrection(engine(), { code: 138014, sender: SENDER, user: USER, ref: callId, at: world.now, data: { retryAt: until } });
    expect(again.facts).toEqual([{ type: 'RESTRICTED', factKey: `${correctionKey(138014, callId)}:sender`, outcome: 'duplicate' }]);
  });

  it('138013 (S3): a sender whose country the list let through pauses for policy.qualityPauseMs, and the host is told to add the country', async () => {
    await grant();
    world.infobip.script('calls', metaRefusal(138013, 'Business initiated calling is not available in this country'));
    world.infobip.script('permissions', { status: 401 });
    const result = refused(await world.integration.startCall(SENDER, USER));
    const pauseEnds = world.now + engine().policy.qualityPauseMs;
    expect(result.correction).toMatchObject({ platformCode: 138013, rules: ['S3'], correction: 'unavailable', retryAt: pauseEnds });
    expect(result.correction.message).toContain('unavailableSenderCountries');
    expect(await world.integration.startCall(SENDER, USER)).toMatchObject({ outcome: 'refused', refusal: { rule: 'S4', retryAt: pauseEnds } });
    expect(world.infobip.requestsOn('calls')).toHaveLength(1);
  });

  it('138003 (G6): a call with the user the engine did not place holds the pair’s turn until its end is recorded', async () => {
    await grant();
    world.infobip.script('calls', metaRefusal(138003, 'A call is already ongoing with the receiver'));
    world.infobip.script('permissions', { status: 401 });
    const result = refused(await world.integration.startCall(SENDER, USER));
    const callId = (world.infobip.requestsOn('calls')[0]!.body as { externalId: string }).externalId;
    expect(result.correction).toMatchObject({ platformCode: 138003, rules: ['G6'], correction: 'call-going-on', facts: [{ type: 'CALL_GOING_ON', outcome: 'recorded' }] });
    expect(await world.integration.startCall(SENDER, USER)).toMatchObject({ outcome: 'refused', refusal: { rule: 'G6' } });
    expect(world.infobip.requestsOn('calls')).toHaveLength(1);
    // The host learns that call ended: the pair's turn is free again.
    await engine().recordSender(SENDER, { type: 'CALL_ENDED', at: world.now, callId: `138003-${callId}`, user: USER });
    expect(await world.integration.startCall(SENDER, USER)).toMatchObject({ outcome: 'started' });
  });

  it('138005 (S1): the sender’s attempts of the day are used up as the platform counts them; calls are refused locally until they leave the window', async () => {
    await grant();
    world.infobip.script('calls', metaRefusal(138005, 'Call rate limit reached'));
    world.infobip.script('permissions', { status: 401 });
    const result = refused(await world.integration.startCall(SENDER, USER));
    const minute = world.now - (world.now % 60_000);
    expect(result.correction).toMatchObject({ platformCode: 138005, rules: ['S1'], correction: 'sender-attempts', retryAt: minute + 60_000 + 24 * HOUR_MS, facts: [{ type: 'ATTEMPTS_EXHAUSTED', outcome: 'recorded' }] });
    expect((await engine().senderStatus(SENDER)).limits[0]).toMatchObject({ currentUsage: engine().policy.senderCallAttemptsPerDay });
    expect(await world.integration.startCall(SENDER, USER)).toMatchObject({ outcome: 'refused', refusal: { rule: 'S1', retryAt: minute + 60_000 + 24 * HOUR_MS } });
    expect(world.infobip.requestsOn('calls')).toHaveLength(1);
  });

  it('a correction found in a webhook is applied once: the same delivery report again records nothing', async () => {
    const sent = await world.integration.requestPermission(SENDER, USER);
    expect(sent).toMatchObject({ outcome: 'sent' });
    const requestId = (sent as { requestId: string }).requestId;
    world.infobip.script('permissions', { status: 401 }, { status: 401 });
    const report = world.infobip.inboundBatch([
      { messageId: requestId, to: USER, status: { groupId: 5, groupName: 'REJECTED', name: 'REJECTED_OTHER', description: '138017: permanent permission exists' } },
    ]);
    const first = await world.infobip.deliver(report);
    expect(first.body.disagreements[0]).toMatchObject({ folded: ['PERMISSION_ACCEPTED'], correction: { facts: [{ factKey: correctionKey(138017, requestId), outcome: 'recorded' }] } });
    const before = JSON.stringify(await engine().snapshot(SENDER, USER));
    const second = await world.infobip.deliver(report);
    expect(second.body.disagreements[0]).toMatchObject({ folded: [] });
    expect(JSON.stringify(await engine().snapshot(SENDER, USER))).toBe(before);
  });

  it('readRefusalData: retryAt from an ISO time in the text (Infobip’s +0000 too), the stated number from "currently N"', () => {
    expect(readRefusalData({ text: '(#138012) limit reached. Currently 100; next at 2026-04-01T11:00:00.000+0000' })).toEqual({ retryAt: Date.parse('2026-04-01T11:00:00Z'), maxAllowed: 100 });
    expect(readRefusalData({ text: 'nothing here' })).toEqual({});
    expect(readRefusalData({ text: 'currently 0 allowed' })).toEqual({});
  });

  it('every code of the table has a row in docs/platform.md, exactly as the code has it', () => {
    expect(documentedTable('platform-codes')).toBe(renderPlatformCodeTable());
    for (const code of [138006, 138009, 138012, 138017, 138002, 138005, 138013, 138014, 138003]) expect(PLATFORM_CODE_TABLE.some((r) => r.code === code)).toBe(true);
  });
});
