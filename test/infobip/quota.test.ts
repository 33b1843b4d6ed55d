import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EffectFailedError, EffectOutcomeUnknownError } from '../../src/index.js';
import { InfobipError } from '../../src/infobip/index.js';
import { HOUR_MS } from '../../src/time.js';
import { SENDER, startWorld, USER, type World } from './harness.js';
import { infobipTime, metaRefusal, noPermissionView } from './localInfobip.js';

/**
 * Whether a failed send or call consumed quota: a 4xx proves Infobip did not act, so the engine's
 * reservation is released; anything ambiguous (timeout, 5xx after retries, an unreadable 2xx) keeps it,
 * since counting a send that may have happened never breaks a limit.
 */
describe('Infobip effects: quota after a failure', () => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld({ config: { timeoutMs: 300 } });
    // One request first: the process's first fetch (connection pool, TLS-free but cold) can outlast
    // the 300 ms timeout on a loaded machine, and a timed-out 4xx would be retried into a success.
    await fetch(`${world.infobip.baseUrl}/warm-up`).then((r) => r.text());
  });
  afterEach(async () => {
    await world.close();
  });

  const requestUsage = async () => (await world.integration.engine.permissions(SENDER, USER)).actions[0].limits[0]!.currentUsage;
  const callUsage = async () => (await world.integration.engine.permissions(SENDER, USER)).actions[1].limits[0]!.currentUsage;

  async function engineFailure(promise: Promise<unknown>): Promise<EffectFailedError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EffectFailedError);
    return error as EffectFailedError;
  }

  async function grant() {
    const reply = world.infobip.replyResult(SENDER, USER, { response: 'ACCEPT', expirationTimestamp: infobipTime(world.now + 7 * 24 * HOUR_MS) });
    expect((await world.infobip.deliver(world.infobip.inboundBatch([reply]))).status).toBe(200);
  }

  it('R1: a 4xx before Infobip accepted the request releases the reservation', async () => {
    world.infobip.script('template', { status: 400, body: { errorCode: 'E400', description: 'Request cannot be processed.', violations: [{ property: 'messages[0].to', violation: 'invalid' }] } });
    const error = await engineFailure(world.integration.engine.requestPermission(SENDER, USER));
    expect(error.reservationReleased).toBe(true);
    expect(error.cause).toBeInstanceOf(InfobipError);
    expect(await requestUsage()).toBe(0);
    // The quota is still there: the next request goes out at once.
    expect(await world.integration.requestPermission(SENDER, USER)).toMatchObject({ outcome: 'sent' });
  });

  it('R1: a 429 that outlives the retries is a definite refusal: released', async () => {
    world.infobip.script('template', { status: 429 }, { status: 429 }, { status: 429 });
    const error = await engineFailure(world.integration.engine.requestPermission(SENDER, USER));
    expect(error.reservationReleased).toBe(true);
    expect(world.infobip.requestsOn('template')).toHaveLength(3);
    expect(await requestUsage()).toBe(0);
  });

  it('R1: a timeout after the request left keeps the reservation (the request may have gone out)', async () => {
    world.infobip.script('template', { acceptThenHang: true }, { acceptThenHang: true }, { acceptThenHang: true });
    const error = await engineFailure(world.integration.engine.requestPermission(SENDER, USER));
    expect(error.reservationReleased).toBe(false);
    expect(error.cause).toBeInstanceOf(EffectOutcomeUnknownError);
    expect((error.cause as EffectOutcomeUnknownError).cause).toMatchObject({ failure: 'INFOBIP_TIMEOUT' });
    expect(await requestUsage()).toBe(1);
    expect(await world.integration.requestPermission(SENDER, USER)).toMatchObject({ outcome: 'refused', refusal: { rule: 'R1' } });
  });

  it('R1: a 5xx after the retries keeps the reservation', async () => {
    world.infobip.script('template', { status: 500 }, { status: 500 }, { status: 500 });
    const error = await engineFailure(world.integration.engine.requestPermission(SENDER, USER));
    expect(error.reservationReleased).toBe(false);
    expect(await requestUsage()).toBe(1);
  });

  it('R1: a 2xx that cannot be read keeps the reservation', async () => {
    world.infobip.script('template', { malformed: true });
    const error = await engineFailure(world.integration.engine.requestPermission(SENDER, USER));
    expect(error.reservationReleased).toBe(false);
    expect(await requestUsage()).toBe(1);
  });

  it('G2: a call refused with a 4xx gives its slot back', async () => {
    await grant();
    world.infobip.script('calls', { status: 403, body: { requestError: { serviceException: { messageId: 'FORBIDDEN', text: 'Forbidden' } } } });
    const error = await engineFailure(world.integration.engine.startCall(SENDER, USER));
    expect(error.reservationReleased).toBe(true);
    expect(await callUsage()).toBe(0);
  });

  it('G2: a call whose placement timed out keeps its slot and is not placed twice', async () => {
    await grant();
    world.infobip.script('calls', { acceptThenHang: true });
    const error = await engineFailure(world.integration.engine.startCall(SENDER, USER));
    expect(error.reservationReleased).toBe(false);
    expect(world.infobip.requestsOn('calls')).toHaveLength(1);
    expect(await callUsage()).toBe(1);

    // The call was placed after all: its events name Infobip's id and echo our externalId, which
    // the handler uses to re-key the reservation, so the slot is resolved like any other call.
    const [placed] = [...world.infobip.calls.values()];
    world.advance(20_000);
    const finished = await world.infobip.deliver(world.infobip.callEvent('CALL_FINISHED', placed!.id, { errorName: 'NO_ANSWER' }));
    expect(finished.body.facts[0]).toMatchObject({ type: 'CALL_UNANSWERED', outcome: 'recorded' });
    expect(await callUsage()).toBe(0);
    expect((await world.integration.engine.snapshot(SENDER, USER))!.context.unanswered).toBe(1);
  });
});

/**
 * A platform refusal with a code of docs/rules.md, "Platform error codes" means the local state was wrong: the
 * integration reconciles with Infobip's view (remote wins) and reports the disagreement.
 */
describe('Infobip platform refusals are folded in and reported', () => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(async () => {
    await world.close();
  });

  it('R5 (138017): a request refused because a permanent permission exists → the local state becomes PERMANENT', async () => {
    world.infobip.script('template', metaRefusal(138017, 'A permanent call permission already exists'));
    world.infobip.setPermissions(SENDER, USER, { ...noPermissionView(), status: 'PERMANENT' });
    const result = await world.integration.requestPermission(SENDER, USER);
    expect(result).toMatchObject({ outcome: 'refused-by-platform', platformCode: 138017, rules: ['R5'] });
    if (result.outcome !== 'refused-by-platform') throw new Error('unreachable');
    expect(result.reconciliation!.differences).toContainEqual(expect.objectContaining({ kind: 'status', local: 'NO_PERMISSION', remote: 'PERMANENT', folded: true }));
    expect((await world.integration.engine.permissions(SENDER, USER)).status).toBe('PERMANENT');
    // Now the local rules refuse what Infobip refused, without asking it.
    expect(await world.integration.requestPermission(SENDER, USER)).toMatchObject({ outcome: 'refused', refusal: { rule: 'R5' } });
    expect(world.infobip.requestsOn('template')).toHaveLength(1);
  });

  it('G4 (138006): a call refused for want of permission → the local grant ends (Infobip’s view is folded in)', async () => {
    const reply = world.infobip.replyResult(SENDER, USER, { response: 'ACCEPT', expirationTimestamp: infobipTime(world.now + 3 * 24 * HOUR_MS) });
    await world.infobip.deliver(world.infobip.inboundBatch([reply]));
    world.infobip.script('calls', metaRefusal(138006, 'No approved call permission'));
    const result = await world.integration.startCall(SENDER, USER);
    expect(result).toMatchObject({ outcome: 'refused-by-platform', platformCode: 138006, rules: ['G4'] });
    expect((await world.integration.engine.snapshot(SENDER, USER))!.value).toBe('noPermission');
    expect(await world.integration.startCall(SENDER, USER)).toMatchObject({ outcome: 'refused', refusal: { rule: 'G4' } });
  });

  it('G2 (138012): a call refused at the platform’s call limit → the local count is raised to Infobip’s', async () => {
    const reply = world.infobip.replyResult(SENDER, USER, { response: 'ACCEPT', expirationTimestamp: infobipTime(world.now + 3 * 24 * HOUR_MS) });
    await world.infobip.deliver(world.infobip.inboundBatch([reply]));
    world.infobip.script('calls', metaRefusal(138012, 'Connected call limit reached'));
    const view = noPermissionView();
    world.infobip.setPermissions(SENDER, USER, {
      status: 'TEMPORARY',
      expirationTime: new Date(world.now + 3 * 24 * HOUR_MS).toISOString(),
      actions: [view.actions[0], { name: 'START_CALL', canPerformAction: false, limits: [{ timePeriod: 'PT24H', maxAllowed: 5, currentUsage: 5, limitExpirationTime: infobipTime(world.now + HOUR_MS) }] }],
    });
    const result = await world.integration.startCall(SENDER, USER);
    expect(result).toMatchObject({ outcome: 'refused-by-platform', rules: ['G2'] });
    if (result.outcome !== 'refused-by-platform') throw new Error('unreachable');
    expect(result.reconciliation!.differences).toContainEqual(expect.objectContaining({ kind: 'usage', action: 'START_CALL', local: 0, remote: 5, folded: true }));
    expect(await world.integration.startCall(SENDER, USER)).toMatchObject({ outcome: 'refused', refusal: { rule: 'G2' } });
    expect(world.infobip.requestsOn('calls')).toHaveLength(1);
  });

  it('R1 (138009): a request refused at the platform’s request limit → the local count is raised', async () => {
    world.infobip.script('template', metaRefusal(138009, 'Permission request limit reached'));
    const view = noPermissionView();
    world.infobip.setPermissions(SENDER, USER, {
      status: 'NO_PERMISSION',
      actions: [
        {
          name: 'SEND_CALL_PERMISSION_REQUEST',
          canPerformAction: false,
          limits: [
            { timePeriod: 'PT24H', maxAllowed: 1, currentUsage: 1, limitExpirationTime: infobipTime(world.now + HOUR_MS) },
            { timePeriod: 'P7D', maxAllowed: 2, currentUsage: 1 },
          ],
        },
        view.actions[1],
      ],
    });
    const result = await world.integration.requestPermission(SENDER, USER);
    expect(result).toMatchObject({ outcome: 'refused-by-platform', platformCode: 138009, rules: ['R1', 'R2'] });
    expect(await world.integration.requestPermission(SENDER, USER)).toMatchObject({ outcome: 'refused', refusal: { rule: 'R1' } });
  });

  it('S2 (138002): a sender-wide refusal is reported; nothing per relationship changes', async () => {
    // The accept without expiry is confirmed PERMANENT by Infobip's view when it arrives.
    world.infobip.setPermissions(SENDER, USER, { ...noPermissionView(), status: 'PERMANENT', actions: [noPermissionView().actions[0], { ...noPermissionView().actions[1], canPerformAction: true }] });
    const reply = world.infobip.replyResult(SENDER, USER, { response: 'ACCEPT' });
    await world.infobip.deliver(world.infobip.inboundBatch([reply]));
    world.infobip.script('calls', metaRefusal(138002, 'Concurrent call limit reached'));
    const result = await world.integration.startCall(SENDER, USER);
    expect(result).toMatchObject({ outcome: 'refused-by-platform', platformCode: 138002, rules: ['S2'] });
    if (result.outcome !== 'refused-by-platform') throw new Error('unreachable');
    expect(result.reconciliation!.recorded).toEqual([]);
    expect(await world.integration.startCall(SENDER, USER)).toMatchObject({ outcome: 'started' });
  });

  it('a refusal whose reconciliation fails is still reported, with the reason', async () => {
    world.infobip.script('template', metaRefusal(138017, 'A permanent call permission already exists'));
    world.infobip.script('permissions', { status: 401 });
    const result = await world.integration.requestPermission(SENDER, USER);
    expect(result).toMatchObject({ outcome: 'refused-by-platform', reconcileError: expect.stringContaining('401') });
  });
});
