import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfobipWebhookError } from '../../src/infobip/index.js';
import { SENDER, startWorld, storeContents, USER, WEBHOOK_SECRET, type World } from './harness.js';
import { infobipTime } from './localInfobip.js';

/**
 * Every class of bad webhook input: refused over HTTP with a 4xx whose JSON error names the field,
 * thrown as an InfobipWebhookError by the parser side, and nothing of the body recorded.
 */
describe('bad webhook input is refused, named, and records nothing', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
    // Something in the store, so "unchanged" is a real comparison.
    await world.infobip.deliver(world.infobip.inboundBatch([world.infobip.inboundResult(SENDER, USER, { type: 'TEXT', text: 'hi' })]));
    await world.infobip.deliver(world.infobip.inboundBatch([world.infobip.replyResult(SENDER, USER, { response: 'ACCEPT' })]));
  });
  afterAll(async () => {
    await world.close();
  });

  const good = () => world.infobip.inboundResult(SENDER, USER, { type: 'TEXT', text: 'ok' });
  const reply = (callPermissionReply: Record<string, unknown>) =>
    world.infobip.inboundResult(SENDER, USER, { type: 'INTERACTIVE_CALL_PERMISSION_REPLY', callPermissionReply });
  const batch = (...results: Record<string, unknown>[]) => world.infobip.inboundBatch(results);
  const callEvent = (mutate: (e: Record<string, any>) => void) => {
    const e = world.infobip.callEvent('CALL_FINISHED', 'ib-call-x', { direction: 'OUTBOUND', sender: SENDER, user: USER, errorName: 'NO_ANSWER' }) as Record<string, any>;
    mutate(e);
    return e;
  };

  /** Delivers over HTTP and through `handleJson`; both must refuse with the same field, and the store must not move. */
  async function refused(body: unknown, expected: { status: number; code: string; path: string }, options: { raw?: string | Uint8Array<ArrayBuffer>; headers?: Record<string, string> } = {}) {
    const before = storeContents(world.store);
    const answer = await world.infobip.deliver(body, options);
    expect(answer.status).toBe(expected.status);
    expect(answer.body.error).toMatchObject({ code: expected.code, path: expected.path });
    expect(answer.body.error.message).toContain(expected.path);
    if (options.raw === undefined && options.headers === undefined) {
      const thrown = await world.integration.handleWebhook.handleJson(body).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(thrown).toBeInstanceOf(InfobipWebhookError);
      expect(thrown).toMatchObject({ code: expected.code, path: expected.path, status: expected.status });
    }
    expect(storeContents(world.store)).toBe(before);
  }

  describe('not JSON', () => {
    it('a body that is not JSON', () => refused(undefined, { status: 400, code: 'WEBHOOK_NOT_JSON', path: 'body' }, { raw: '{"results": [' }));
    it('an empty body', () => refused(undefined, { status: 400, code: 'WEBHOOK_NOT_JSON', path: 'body' }, { raw: '' }));
    it('bytes that are not UTF-8', async () => {
      await refused(undefined, { status: 400, code: 'WEBHOOK_NOT_JSON', path: 'body' }, { raw: new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]) });
      const answer = await world.infobip.deliver(undefined, { raw: new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]) });
      expect(answer.body.error.message).toContain('not UTF-8');
    });
    it('a content type that is not JSON', () =>
      refused(undefined, { status: 415, code: 'WEBHOOK_UNSUPPORTED_MEDIA_TYPE', path: 'content-type' }, { raw: 'results=1', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }));
    it('JSON that is neither a batch nor a call event', () => refused([1, 2, 3], { status: 400, code: 'INVALID_WEBHOOK', path: 'body' }));
  });

  describe('wrong types', () => {
    it('results is not an array', () => refused({ results: { 0: good() } }, { status: 400, code: 'INVALID_WEBHOOK', path: 'results' }));
    it('a number where a phone number string belongs', () => refused(batch({ ...good(), from: Number(USER) }), { status: 400, code: 'INVALID_WEBHOOK', path: 'results[0].from' }));
    it('a phone number that is not E.164', () => refused(batch({ ...good(), to: '12' }), { status: 400, code: 'INVALID_WEBHOOK', path: 'results[0].to' }));
    it('a time without a zone', () => refused(batch({ ...good(), receivedAt: '2026-04-01 10:10' }), { status: 400, code: 'INVALID_WEBHOOK', path: 'results[0].receivedAt' }));
    it('a boolean flag given as a string', () =>
      refused(batch(reply({ response: 'ACCEPT', is_permanent: 'yes' })), { status: 400, code: 'INVALID_WEBHOOK', path: 'results[0].message.callPermissionReply.is_permanent' }));
    it('a call event whose properties is a list', () => refused(callEvent((e) => (e.properties = [])), { status: 400, code: 'INVALID_WEBHOOK', path: 'properties' }));
    it('a negative duration', () => refused(callEvent((e) => (e.properties.callLog.duration = -1)), { status: 400, code: 'INVALID_WEBHOOK', path: 'properties.callLog.duration' }));
  });

  describe('missing fields', () => {
    it('a result without messageId', () => {
      const { messageId: _, ...rest } = good();
      return refused(batch(rest), { status: 400, code: 'INVALID_WEBHOOK', path: 'results[0].messageId' });
    });
    it('a reply without callPermissionReply', () => refused(batch(world.infobip.inboundResult(SENDER, USER, { type: 'INTERACTIVE_CALL_PERMISSION_REPLY' })), { status: 400, code: 'INVALID_WEBHOOK', path: 'results[0].message.callPermissionReply' }));
    it('a result without message or status', () => {
      const { message: _, ...rest } = good();
      return refused(batch(rest), { status: 400, code: 'INVALID_WEBHOOK', path: 'results[0].message' });
    });
    it('a call event without callId', () => refused(callEvent((e) => delete e.callId), { status: 400, code: 'INVALID_WEBHOOK', path: 'callId' }));
    it('a finished call without its errorCode', () => refused(callEvent((e) => delete e.properties.callLog.errorCode), { status: 400, code: 'INVALID_WEBHOOK', path: 'properties.callLog.errorCode' }));
    it('a call that names neither a known call nor its numbers', () =>
      refused(
        callEvent((e) => (e.properties = { callLog: { state: 'FINISHED', errorCode: { name: 'NO_ANSWER' } } })),
        { status: 422, code: 'WEBHOOK_NOT_ATTRIBUTABLE', path: 'properties.call.direction' },
      ));
  });

  describe('unknown types and values', () => {
    it('a reply that is neither ACCEPT nor REJECT', () => refused(batch(reply({ response: 'MAYBE' })), { status: 400, code: 'INVALID_WEBHOOK', path: 'results[0].message.callPermissionReply.response' }));
    it('an integration other than WhatsApp', () => refused(batch({ ...good(), integrationType: 'SMS' }), { status: 400, code: 'INVALID_WEBHOOK', path: 'results[0].integrationType' }));
    it('a message type that is not a type name', () => refused(batch(world.infobip.inboundResult(SENDER, USER, { type: 'text message' })), { status: 400, code: 'INVALID_WEBHOOK', path: 'results[0].message.type' }));
    it('a call event type that is not a type name', () => refused(callEvent((e) => (e.type = 'call-finished')), { status: 400, code: 'INVALID_WEBHOOK', path: 'type' }));
    it('a response source nobody defined', () =>
      refused(batch(reply({ response: 'REJECT', response_source: 'robot' })), { status: 400, code: 'INVALID_WEBHOOK', path: 'results[0].message.callPermissionReply.response_source' }));
    it('a call direction nobody defined', () => refused(callEvent((e) => (e.properties.callLog.direction = 'SIDEWAYS')), { status: 400, code: 'INVALID_WEBHOOK', path: 'properties.callLog.direction' }));
  });

  describe('absurd values and sizes', () => {
    it('a body over the size limit is refused before it is read', () =>
      refused(undefined, { status: 413, code: 'WEBHOOK_TOO_LARGE', path: 'body' }, { raw: JSON.stringify({ results: [], padding: 'x'.repeat(1_100_000) }) }));
    it('more results than a batch may hold', () =>
      refused({ results: Array.from({ length: 1001 }, () => good()) }, { status: 400, code: 'INVALID_WEBHOOK', path: 'results' }));
    it('an id of 500 characters', () => refused(batch({ ...good(), messageId: 'x'.repeat(500) }), { status: 400, code: 'INVALID_WEBHOOK', path: 'results[0].messageId' }));
    it('a time in the year 3000', () => refused(batch({ ...good(), receivedAt: '3000-01-01T00:00:00.000+0000' }), { status: 400, code: 'INVALID_WEBHOOK', path: 'results[0].receivedAt' }));
    it('an expiry before the reply itself', () =>
      refused(batch(reply({ response: 'ACCEPT', expirationTimestamp: infobipTime(world.now - 1000) })), {
        status: 400,
        code: 'INVALID_WEBHOOK',
        path: 'results[0].message.callPermissionReply.expirationTimestamp',
      }));
    it('a message count that is not a count', () => refused({ results: [good()], messageCount: -1 }, { status: 400, code: 'INVALID_WEBHOOK', path: 'messageCount' }));
  });

  describe('one bad result spoils the batch', () => {
    it('two good results and a bad third: nothing is recorded', () =>
      refused(batch(good(), reply({ response: 'REJECT' }), { ...good(), receivedAt: 'yesterday' }), { status: 400, code: 'INVALID_WEBHOOK', path: 'results[2].receivedAt' }));
  });

  describe('not from Infobip', () => {
    it('a wrong secret', () => refused(batch(good()), { status: 401, code: 'WEBHOOK_UNAUTHORIZED', path: 'authorization' }, { headers: { 'X-Webhook-Secret': `${WEBHOOK_SECRET}x` } }));
    it('no secret', () => refused(batch(good()), { status: 401, code: 'WEBHOOK_UNAUTHORIZED', path: 'authorization' }, { headers: { 'X-Webhook-Secret': '' } }));
    it('a GET', async () => {
      const before = storeContents(world.store);
      const response = await fetch(world.app.url, { headers: { 'X-Webhook-Secret': WEBHOOK_SECRET } });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect((await response.json()).error).toMatchObject({ code: 'WEBHOOK_METHOD_NOT_ALLOWED', path: 'method' });
      expect(storeContents(world.store)).toBe(before);
    });
  });
});
