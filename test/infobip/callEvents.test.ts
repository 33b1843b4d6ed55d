import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attributeCallEvent, callEventFacts, createWebhookHandler, InfobipWebhookError, parseCallEvent } from '../../src/infobip/index.js';
import { DAY_MS } from '../../src/time.js';
import { CALLS_CONFIGURATION, SENDER, startAppServer, startWorld, USER, WEBHOOK_SECRET, type World } from './harness.js';
import { infobipTime } from './localInfobip.js';

const AT = Date.parse('2026-04-01T10:10:00.000Z');

function event(type: string, properties: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { type, callId: 'ib-1', timestamp: infobipTime(AT), callsConfigurationId: CALLS_CONFIGURATION, properties, ...extra };
}
const outbound = { direction: 'OUTBOUND', from: SENDER, endpoint: { type: 'WHATSAPP', phoneNumber: USER } };
const finished = (name: string, more: Record<string, unknown> = {}) => event('CALL_FINISHED', { callLog: { ...outbound, state: 'FINISHED', duration: 0, errorCode: { id: 1, name }, ...more } });
const factsOf = (body: unknown) => {
  const parsed = parseCallEvent(body);
  return callEventFacts(parsed, attributeCallEvent(parsed, undefined)).map((f) => f.event);
};

/** The pure parser of Infobip's call events. */
describe('call events → facts', () => {
  it('G2 G3 M3: CALL_ESTABLISHED of a business call is a connected call', () => {
    expect(factsOf(event('CALL_ESTABLISHED', { call: outbound }))).toEqual([{ type: 'CALL_CONNECTED', at: AT, callId: 'ib-1' }]);
  });

  it('M1 M2: NO_ANSWER, BUSY, REJECTED, CANCELLED are unanswered, in CALL_FINISHED and CALL_FAILED alike', () => {
    for (const [name, reason] of [['NO_ANSWER', 'no_answer'], ['BUSY', 'busy'], ['REJECTED', 'rejected'], ['CANCELLED', 'cancelled']] as const) {
      expect(factsOf(finished(name))).toEqual([{ type: 'CALL_UNANSWERED', at: AT, callId: 'ib-1', reason }]);
      expect(factsOf({ ...finished(name), type: 'CALL_FAILED' })).toEqual([{ type: 'CALL_UNANSWERED', at: AT, callId: 'ib-1', reason }]);
    }
  });

  it('M4: the technical names of the outcome table, and names it does not list, are technical failures', () => {
    for (const name of ['FORBIDDEN', 'DESTINATION_NOT_FOUND', 'INVALID_DESTINATION', 'INVALID_REQUEST', 'SERVICE_UNAVAILABLE', 'SOMETHING_NEW'])
      expect(factsOf({ ...finished(name), type: 'CALL_FAILED' })).toEqual([{ type: 'CALL_FAILED', at: AT, callId: 'ib-1', reason: name }]);
  });

  it('a finished call that was established is connected, not unanswered (NORMAL_HANGUP, answerTime, duration)', () => {
    expect(factsOf(finished('NORMAL_HANGUP'))).toEqual([{ type: 'CALL_CONNECTED', at: AT, callId: 'ib-1' }]);
    expect(factsOf(finished('NORMAL_HANGUP', { answerTime: infobipTime(AT - 30_000) }))).toEqual([{ type: 'CALL_CONNECTED', at: AT - 30_000, callId: 'ib-1' }]);
    expect(factsOf(finished('SERVICE_UNAVAILABLE', { duration: 12 }))).toEqual([{ type: 'CALL_CONNECTED', at: AT, callId: 'ib-1' }]);
  });

  it('W1 G3: a user’s call: received → USER_CALL_RECEIVED; established → received and connected, under fixed keys', () => {
    const inbound = { direction: 'INBOUND', from: USER, to: SENDER, endpoint: { type: 'WHATSAPP', phoneNumber: USER } };
    const received = parseCallEvent(event('CALL_RECEIVED', { call: inbound }));
    expect(callEventFacts(received, attributeCallEvent(received, undefined)).map((f) => [f.event.type, f.factKey, f.sender, f.user])).toEqual([
      ['USER_CALL_RECEIVED', 'infobip:call:ib-1:received', SENDER, USER],
    ]);
    const established = parseCallEvent(event('CALL_ESTABLISHED', { call: inbound }));
    expect(callEventFacts(established, attributeCallEvent(established, undefined)).map((f) => [f.event.type, f.factKey])).toEqual([
      ['USER_CALL_RECEIVED', 'infobip:call:ib-1:received'],
      ['USER_CALL_CONNECTED', 'infobip:call:ib-1:outcome'],
    ]);
  });

  it('other event types, other configurations and other endpoints are ignored and said so', () => {
    expect(parseCallEvent(event('CALL_RINGING', { call: outbound })).ignored).toEqual({ path: 'type', reason: 'UNKNOWN_CALL_EVENT_TYPE', type: 'CALL_RINGING', id: 'ib-1' });
    expect(parseCallEvent(event('CALL_ESTABLISHED', { call: outbound }, { callsConfigurationId: 'other' }), { callsConfigurationId: CALLS_CONFIGURATION }).ignored).toMatchObject({
      reason: 'OTHER_CALLS_CONFIGURATION',
    });
    expect(parseCallEvent(event('CALL_ESTABLISHED', { call: { ...outbound, endpoint: { type: 'PHONE', phoneNumber: USER } } })).ignored).toMatchObject({ reason: 'NOT_WHATSAPP' });
  });

  it('a call known to neither the directory nor the payload cannot be attributed (422)', () => {
    const parsed = parseCallEvent(event('CALL_FINISHED', { callLog: { state: 'FINISHED', errorCode: { name: 'NO_ANSWER' } } }));
    let error: unknown;
    try {
      attributeCallEvent(parsed, undefined);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InfobipWebhookError);
    expect(error).toMatchObject({ status: 422, path: 'properties.call.direction' });
    expect(attributeCallEvent(parsed, { sender: SENDER, user: USER, direction: 'OUTBOUND', ourId: 'ours' })).toEqual({ sender: SENDER, user: USER, direction: 'OUTBOUND', ourId: 'ours' });
  });
});

/** Every call event type over HTTP, through the handler behind node:http. */
describe('call events over HTTP', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world.close();
  });

  async function grantedUser(user: string) {
    const reply = world.infobip.replyResult(SENDER, user, { response: 'ACCEPT', expirationTimestamp: infobipTime(world.now + 7 * DAY_MS) });
    expect((await world.infobip.deliver(world.infobip.inboundBatch([reply]))).status).toBe(200);
  }
  async function placeCall(user: string): Promise<string> {
    const started = await world.integration.startCall(SENDER, user);
    if (started.outcome !== 'started') throw new Error(JSON.stringify(started));
    return started.receipt!.platformCallId!;
  }
  const snapshot = (user: string) => world.integration.engine.snapshot(SENDER, user);

  it('out of order: a CALL_FINISHED (established) before its CALL_ESTABLISHED counts one connected call', async () => {
    const user = '447700900011';
    await grantedUser(user);
    const callId = await placeCall(user);
    world.advance(90_000);
    const finishedFirst = await world.infobip.deliver(world.infobip.callEvent('CALL_FINISHED', callId, { errorName: 'NORMAL_HANGUP', answered: true }));
    expect(finishedFirst.body.facts).toEqual([{ path: 'properties.callLog', type: 'CALL_CONNECTED', factKey: `infobip:call:${callId}:outcome`, outcome: 'recorded' }]);
    const established = await world.infobip.deliver(world.infobip.callEvent('CALL_ESTABLISHED', callId, { at: world.now - 42_000 }));
    expect(established.body.facts[0].outcome).toBe('duplicate');
    const s = await snapshot(user);
    expect(s!.context.connectedCalls).toHaveLength(1);
    expect(s!.context.callsInFlight).toEqual([]);
  });

  it('out of order: a miss reported before a stray CALL_ESTABLISHED stays one outcome', async () => {
    const user = '447700900012';
    await grantedUser(user);
    const callId = await placeCall(user);
    await world.infobip.deliver(world.infobip.callEvent('CALL_FINISHED', callId, { errorName: 'NO_ANSWER' }));
    const late = await world.infobip.deliver(world.infobip.callEvent('CALL_ESTABLISHED', callId));
    expect(late.body.counts).toEqual({ recorded: 0, duplicates: 1, ignored: 0 });
    const s = await snapshot(user);
    expect([s!.context.unanswered, s!.context.connectedCalls.length]).toEqual([1, 0]);
  });

  it('M4: CALL_FAILED for a technical reason releases the slot and neither counts nor resets misses', async () => {
    const user = '447700900013';
    await grantedUser(user);
    await world.infobip.deliver(world.infobip.callEvent('CALL_FINISHED', await placeCall(user), { errorName: 'BUSY' }));
    const failed = await world.infobip.deliver(world.infobip.callEvent('CALL_FAILED', await placeCall(user), { errorName: 'SERVICE_UNAVAILABLE' }));
    expect(failed.body.facts[0]).toMatchObject({ type: 'CALL_FAILED', outcome: 'recorded' });
    const s = await snapshot(user);
    expect([s!.value, s!.context.unanswered, s!.context.callsInFlight.length]).toEqual(['granted', 1, 0]);
  });

  it('G6 S2: a connected call’s CALL_FINISHED ends its turn on the sender; delivered again it frees nothing more; its S1 attempt stays counted', async () => {
    const user = '447700900017';
    await grantedUser(user);
    const engine = world.integration.engine;
    const before = (await engine.senderStatus(SENDER)).limits.map((l) => l.currentUsage);
    const callId = await placeCall(user);
    expect(await world.integration.startCall(SENDER, user)).toMatchObject({ outcome: 'refused', refusal: { rule: 'G6' } });
    world.advance(30_000);
    await world.infobip.deliver(world.infobip.callEvent('CALL_ESTABLISHED', callId));
    expect(await world.integration.startCall(SENDER, user)).toMatchObject({ outcome: 'refused', refusal: { rule: 'G6' } });

    // Dated a day ahead of the trusted clock: asked for again (425), and the call keeps its slot.
    const early = await world.infobip.deliver(world.infobip.callEvent('CALL_FINISHED', callId, { errorName: 'NORMAL_HANGUP', answered: true, at: world.now + DAY_MS }));
    expect(early.status).toBe(425);
    expect((await engine.senderStatus(SENDER)).limits.map((l) => l.currentUsage)).toEqual([before[0]! + 1, before[1]! + 1]);

    world.advance(60_000);
    const hangUp = world.infobip.callEvent('CALL_FINISHED', callId, { errorName: 'NORMAL_HANGUP', answered: true });
    expect((await world.infobip.deliver(hangUp)).status).toBe(200);
    const after = (await engine.senderStatus(SENDER)).limits.map((l) => l.currentUsage);
    expect(after).toEqual([before[0]! + 1, before[1]!]);
    const again = await world.infobip.deliver(hangUp);
    expect([again.status, again.body.counts.duplicates]).toEqual([200, 1]);
    expect((await engine.senderStatus(SENDER)).limits.map((l) => l.currentUsage)).toEqual(after);
    expect(await world.integration.startCall(SENDER, user)).toMatchObject({ outcome: 'started' });
  });

  it('the same call event delivered twice changes nothing the second time', async () => {
    const user = '447700900014';
    await grantedUser(user);
    const body = world.infobip.callEvent('CALL_FINISHED', await placeCall(user), { errorName: 'NO_ANSWER' });
    expect((await world.infobip.deliver(body)).body.counts.recorded).toBe(1);
    const stored = world.store.load({ sender: SENDER, user });
    expect((await world.infobip.deliver(body)).body.counts).toEqual({ recorded: 0, duplicates: 1, ignored: 0 });
    expect(world.store.load({ sender: SENDER, user })).toBe(stored);
    expect((await snapshot(user))!.context.unanswered).toBe(1);
  });

  it('a call this process did not place is tied to its relationship by the numbers in the payload', async () => {
    const user = '447700900015';
    await grantedUser(user);
    const callId = await placeCall(user);
    // A second handler (another process) with an empty directory, on the same store.
    const elsewhere = createWebhookHandler({ engine: world.integration.engine, auth: { header: 'X-Webhook-Secret', secret: WEBHOOK_SECRET } });
    const app = await startAppServer(elsewhere);
    try {
      const response = await fetch(app.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Webhook-Secret': WEBHOOK_SECRET },
        body: JSON.stringify(world.infobip.callEvent('CALL_ESTABLISHED', callId)),
      });
      expect(response.status).toBe(200);
      expect((await response.json()).facts[0]).toMatchObject({ type: 'CALL_CONNECTED', outcome: 'recorded' });
    } finally {
      await app.close();
    }
    const s = await snapshot(user);
    expect([s!.context.connectedCalls.length, s!.context.callsInFlight.length]).toEqual([1, 0]);
  });

  it('ignored call events answer 200 and record nothing', async () => {
    const before = JSON.stringify([...world.store.keys()].map((k) => world.store.load(k)));
    const ringing = await world.infobip.deliver(world.infobip.callEvent('CALL_RINGING', 'ib-x', { direction: 'OUTBOUND', sender: SENDER, user: USER }));
    expect(ringing).toMatchObject({ status: 200, body: { counts: { recorded: 0, duplicates: 0, ignored: 1 }, ignored: [{ reason: 'UNKNOWN_CALL_EVENT_TYPE' }] } });
    expect(JSON.stringify([...world.store.keys()].map((k) => world.store.load(k)))).toBe(before);
  });

  it('G4 (138006): a failed call carrying the code ends the local grant (no permission: nobody revoked) and says so', async () => {
    const user = '447700900016';
    await grantedUser(user);
    const callId = await placeCall(user);
    world.infobip.setPermissions(SENDER, user, {
      status: 'NO_PERMISSION',
      actions: [
        { name: 'SEND_CALL_PERMISSION_REQUEST', canPerformAction: true, limits: [{ timePeriod: 'PT24H', maxAllowed: 1, currentUsage: 0 }, { timePeriod: 'P7D', maxAllowed: 2, currentUsage: 0 }] },
        { name: 'START_CALL', canPerformAction: false, limits: [{ timePeriod: 'PT24H', maxAllowed: 5, currentUsage: 0 }] },
      ],
    });
    const body = world.infobip.callEvent('CALL_FAILED', callId, { errorName: 'FORBIDDEN' });
    (body.properties as { callLog: { errorCode: { description: string } } }).callLog.errorCode.description = 'No approved call permission (138006)';
    const answer = await world.infobip.deliver(body);
    expect(answer.body.facts[0]).toMatchObject({ type: 'CALL_FAILED', outcome: 'recorded' });
    expect(answer.body.disagreements[0]).toMatchObject({ refusal: { platformCode: 138006, rules: ['G4'], user }, folded: ['PERMISSION_SYNCED'] });
    expect((await snapshot(user))!.value).toBe('noPermission');
  });
});
