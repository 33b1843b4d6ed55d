import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCallPermissionEngine, definePolicy, MemoryStore } from '../../src/index.js';
import { parseInboundMessages, type InboundMessageOptions } from '../../src/infobip/index.js';
import { DAY_MS } from '../../src/time.js';
import { SENDER, startWorld, T0, USER, type World } from './harness.js';
import { infobipTime } from './localInfobip.js';

const RECEIVED = '2026-04-01T10:10:00.000+0000';
const AT = Date.parse('2026-04-01T10:10:00.000Z');

function reply(callPermissionReply: Record<string, unknown>, extra: Record<string, unknown> = {}, message: Record<string, unknown> = {}) {
  return {
    results: [
      {
        from: USER,
        to: SENDER,
        integrationType: 'WHATSAPP',
        receivedAt: RECEIVED,
        messageId: 'in-1',
        message: { type: 'INTERACTIVE_CALL_PERMISSION_REPLY', callPermissionReply, ...message },
        ...extra,
      },
    ],
    messageCount: 1,
    pendingMessageCount: 0,
  };
}
const eventOf = (body: unknown, options?: InboundMessageOptions) => parseInboundMessages(body, options).facts[0]!.event;

/** The pure parser of Infobip's inbound-message webhook. */
describe('inbound messages → facts', () => {
  it('G1: an accept with expirationTimestamp is a temporary grant until then', () => {
    expect(eventOf(reply({ response: 'ACCEPT', expirationTimestamp: '2026-04-08T10:10:00.000+0000' }))).toEqual({
      type: 'PERMISSION_ACCEPTED',
      at: AT,
      source: 'user',
      expiresAt: AT + 7 * DAY_MS,
    });
  });

  it('G1: a numeric expirationTimestamp is read in Meta’s unit (seconds) unless told otherwise', () => {
    const seconds = (AT + DAY_MS) / 1000;
    expect(eventOf(reply({ response: 'ACCEPT', expirationTimestamp: seconds }))).toMatchObject({ expiresAt: AT + DAY_MS });
    expect(eventOf(reply({ response: 'ACCEPT', expirationTimestamp: String(seconds) }))).toMatchObject({ expiresAt: AT + DAY_MS });
    expect(eventOf(reply({ response: 'ACCEPT', expirationTimestamp: AT + DAY_MS }), { numericTimestampUnit: 'milliseconds' })).toMatchObject({ expiresAt: AT + DAY_MS });
  });

  it('G1 R5: an accept without expiry is decided by the policy (infobip and meta: temporary until confirmed; a host may say permanent)', async () => {
    const event = eventOf(reply({ response: 'ACCEPT' }));
    expect(event).toEqual({ type: 'PERMISSION_ACCEPTED', at: AT, source: 'user' });
    for (const [policy, status] of [
      ['infobip', 'TEMPORARY'],
      ['meta', 'TEMPORARY'],
      [definePolicy({ acceptWithoutExpiry: 'permanent' }), 'PERMANENT'],
    ] as const) {
      const engine = createCallPermissionEngine({ policy, clock: () => AT });
      await engine.record(SENDER, USER, event);
      expect((await engine.permissions(SENDER, USER)).status).toBe(status);
    }
  });

  it('G1: Meta’s is_permanent / isPermanent decide when present, and can be switched off', () => {
    expect(eventOf(reply({ response: 'ACCEPT', isPermanent: true }))).toMatchObject({ permanent: true });
    expect(eventOf(reply({ response: 'ACCEPT', is_permanent: false }))).toMatchObject({ permanent: false });
    expect(eventOf(reply({ response: 'ACCEPT', is_permanent: false }), { honourPermanentFlag: false })).not.toHaveProperty('permanent');
    expect(() => eventOf(reply({ response: 'ACCEPT', isPermanent: true, is_permanent: false }))).toThrow(/is_permanent: contradicts isPermanent/);
    expect(() => eventOf(reply({ response: 'ACCEPT', isPermanent: true, expirationTimestamp: '2026-04-08T10:10:00Z' }))).toThrow(/a permanent permission has no expiry/);
  });

  it('M2: responseSource / response_source "automatic" is the platform’s reply, not the user’s', () => {
    expect(eventOf(reply({ response: 'REJECT', response_source: 'automatic' }))).toEqual({ type: 'PERMISSION_REJECTED', at: AT, source: 'automatic' });
    expect(eventOf(reply({ response: 'REJECT', responseSource: 'USER_ACTION' }))).toEqual({ type: 'PERMISSION_REJECTED', at: AT, source: 'user' });
    expect(eventOf(reply({ response: 'ACCEPT', response_source: 'automatic' }))).toMatchObject({ source: 'automatic' });
  });

  it('R4: the reply is linked to its request by pairedMessageId, else message.context.id, as configured', () => {
    expect(eventOf(reply({ response: 'REJECT' }, { pairedMessageId: 'req-1' }, { context: { id: 'req-2' } }))).toMatchObject({ requestId: 'req-1' });
    expect(eventOf(reply({ response: 'REJECT' }, {}, { context: { id: 'req-2' } }))).toMatchObject({ requestId: 'req-2' });
    expect(eventOf(reply({ response: 'REJECT' }, { pairedMessageId: 'req-1' }, { context: { id: 'req-2' } }), { replyLinkFields: ['message.context.id'] })).toMatchObject({
      requestId: 'req-2',
    });
    expect(eventOf(reply({ response: 'REJECT' }, { callbackData: 'req-3' }), { replyLinkFields: ['callbackData'] })).toMatchObject({ requestId: 'req-3' });
    expect(eventOf(reply({ response: 'REJECT' }))).not.toHaveProperty('requestId');
  });

  it('W1: any configured user-message type is a USER_MESSAGE; a batch of several yields several facts in order', () => {
    const results = ['TEXT', 'IMAGE', 'INTERACTIVE_BUTTON_REPLY'].map((type, i) => ({
      from: USER,
      to: `+${SENDER}`,
      receivedAt: infobipTime(AT + i),
      messageId: `m-${i}`,
      message: { type },
    }));
    const parsed = parseInboundMessages({ results });
    expect(parsed.facts.map((f) => [f.event, f.factKey, f.sender])).toEqual([
      [{ type: 'USER_MESSAGE', at: AT }, 'infobip:message:m-0', SENDER],
      [{ type: 'USER_MESSAGE', at: AT + 1 }, 'infobip:message:m-1', SENDER],
      [{ type: 'USER_MESSAGE', at: AT + 2 }, 'infobip:message:m-2', SENDER],
    ]);
  });

  it('W1: every user-message type of Infobip’s inbound schema opens the window (payment confirmations, extension replies, flagged content too)', () => {
    for (const type of ['INTERACTIVE_PAYMENT_CONFIRMATION', 'INTERACTIVE_EXTENSION_REPLY', 'INFECTED_CONTENT', 'REACTION', 'ORDER', 'INTERACTIVE_FLOW_REPLY']) {
      const parsed = parseInboundMessages({ results: [{ from: USER, to: SENDER, receivedAt: '2026-04-01T10:10:00.000+0000', messageId: `m-${type}`, message: { type } }] });
      expect(parsed.facts.map((f) => f.event), type).toEqual([{ type: 'USER_MESSAGE', at: Date.parse('2026-04-01T10:10:00Z') }]);
    }
  });

  it('an unknown but well-formed message type is ignored, counted and reported', () => {
    const parsed = parseInboundMessages({ results: [{ from: USER, to: SENDER, receivedAt: RECEIVED, messageId: 'm-9', message: { type: 'HOLOGRAM' } }] });
    expect(parsed.facts).toEqual([]);
    expect(parsed.ignored).toEqual([{ path: 'results[0]', reason: 'UNKNOWN_MESSAGE_TYPE', type: 'HOLOGRAM', id: 'm-9' }]);
    expect(parseInboundMessages({ results: [{ from: USER, to: SENDER, receivedAt: RECEIVED, messageId: 'm-9', message: { type: 'HOLOGRAM' } }] }, { userMessageTypes: ['HOLOGRAM'] }).facts).toHaveLength(1);
  });

  it('R1 (138009): a delivery report carrying a platform code is recognised and mapped', () => {
    const parsed = parseInboundMessages({
      results: [
        {
          messageId: 'req-1',
          to: USER,
          status: { groupId: 5, groupName: 'REJECTED', id: 5, name: 'REJECTED_DESTINATION' },
          error: { id: 1000, name: 'EC_WHATSAPP', description: 'Permission request limit reached (138009)' },
        },
      ],
    });
    expect(parsed.facts).toEqual([]);
    expect(parsed.ignored).toEqual([{ path: 'results[0]', reason: 'DELIVERY_REPORT', id: 'req-1' }]);
    expect(parsed.deliveryReports[0]).toMatchObject({ messageId: 'req-1', user: USER, platformCode: 138009, rules: ['R1', 'R2'] });
  });
});

/** Every inbound webhook type over HTTP, to the handler behind node:http. */
describe('inbound messages over HTTP', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world.close();
  });
  beforeEach(() => {
    world.now = T0;
  });

  it('W1: a TEXT opens the window; delivered twice, the second delivery changes nothing', async () => {
    const user = '447700900001';
    const batch = world.infobip.inboundBatch([world.infobip.inboundResult(SENDER, user, { type: 'TEXT', text: 'hello' })]);
    const first = await world.infobip.deliver(batch);
    expect(first).toMatchObject({ status: 200, body: { kind: 'messages', counts: { recorded: 1, duplicates: 0, ignored: 0 } } });
    const stored = world.store.load({ sender: SENDER, user });
    const second = await world.infobip.deliver(batch);
    expect(second).toMatchObject({ status: 200, body: { counts: { recorded: 0, duplicates: 1, ignored: 0 } } });
    expect(world.store.load({ sender: SENDER, user })).toBe(stored);
    expect((await world.integration.engine.snapshot(SENDER, user))!.context.lastUserContactAt).toBe(T0);
  });

  it('G1 U1: an accept grants, a later reject of the live grant revokes', async () => {
    const user = '447700900002';
    const accept = world.infobip.replyResult(SENDER, user, { response: 'ACCEPT', expirationTimestamp: infobipTime(T0 + DAY_MS) });
    expect((await world.infobip.deliver(world.infobip.inboundBatch([accept]))).status).toBe(200);
    expect(await world.integration.engine.permissions(SENDER, user)).toMatchObject({ status: 'TEMPORARY', expirationTime: new Date(T0 + DAY_MS).toISOString() });
    world.advance(60_000);
    const reject = world.infobip.replyResult(SENDER, user, { response: 'REJECT' });
    expect((await world.infobip.deliver(world.infobip.inboundBatch([reject]))).status).toBe(200);
    expect((await world.integration.engine.snapshot(SENDER, user))!.value).toBe('revoked');
  });

  it('a batch with a message, a reply and an unknown type records two facts and reports the third', async () => {
    const user = '447700900003';
    const batch = world.infobip.inboundBatch([
      world.infobip.inboundResult(SENDER, user, { type: 'TEXT', text: 'call me' }),
      world.infobip.replyResult(SENDER, user, { response: 'ACCEPT' }),
      world.infobip.inboundResult(SENDER, user, { type: 'HOLOGRAM' }),
    ]);
    const answer = await world.infobip.deliver(batch);
    expect(answer.body.counts).toEqual({ recorded: 2, duplicates: 0, ignored: 1 });
    expect(answer.body.ignored).toEqual([{ path: 'results[2]', reason: 'UNKNOWN_MESSAGE_TYPE', type: 'HOLOGRAM', id: expect.any(String) }]);
    // Infobip's view does not show the grant: it stays temporary (the safe side), and the report says so.
    expect(answer.body.confirmations).toEqual([{ path: 'results[1]', sender: SENDER, user, status: 'unconfirmed', attempts: 3, reason: expect.stringContaining('NO_PERMISSION') }]);
    expect((await world.integration.engine.permissions(SENDER, user)).status).toBe('TEMPORARY');
  });

  it('R5 (138017): a delivery report with the code folds a permanent grant in and reports the disagreement', async () => {
    const user = '447700900004';
    const sent = await world.integration.requestPermission(SENDER, user);
    expect(sent.outcome).toBe('sent');
    const requestId = (sent as { requestId: string }).requestId;
    world.infobip.setPermissions(SENDER, user, {
      status: 'PERMANENT',
      actions: [
        { name: 'SEND_CALL_PERMISSION_REQUEST', canPerformAction: false, limits: [{ timePeriod: 'PT24H', maxAllowed: 1, currentUsage: 1 }, { timePeriod: 'P7D', maxAllowed: 2, currentUsage: 1 }] },
        { name: 'START_CALL', canPerformAction: true, limits: [{ timePeriod: 'PT24H', maxAllowed: 5, currentUsage: 0 }] },
      ],
    });
    const report = {
      results: [{ messageId: requestId, to: user, status: { groupId: 5, groupName: 'REJECTED', name: 'REJECTED_OTHER', description: '138017: permanent permission exists' } }],
    };
    const answer = await world.infobip.deliver(report);
    expect(answer.status).toBe(200);
    expect(answer.body.disagreements[0]).toMatchObject({ refusal: { platformCode: 138017, rules: ['R5'], sender: SENDER, user }, folded: ['PERMISSION_SYNCED'] });
    expect((await world.integration.engine.permissions(SENDER, user)).status).toBe('PERMANENT');
  });
});

describe('inbound messages with the meta policy', () => {
  it('G1: without a flag or expiry, the meta preset grants 7 days', async () => {
    const engine = createCallPermissionEngine({ policy: 'meta', store: new MemoryStore(), clock: () => AT });
    await engine.record(SENDER, USER, eventOf(reply({ response: 'ACCEPT' })));
    expect(await engine.permissions(SENDER, USER)).toMatchObject({ status: 'TEMPORARY', expirationTime: new Date(AT + 7 * DAY_MS).toISOString() });
  });
});
