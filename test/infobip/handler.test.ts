import { describe, expect, it } from 'vitest';
import { createCallPermissionEngine, MemoryStore, type RelationshipStore, type SaveRequest } from '../../src/index.js';
import { createWebhookHandler, InfobipConfigError } from '../../src/infobip/index.js';
import { constantTimeEqual, createAuthCheck } from '../../src/infobip/webhooks/auth.js';
import { SENDER, USER } from './harness.js';

const AT = Date.parse('2026-04-01T10:10:00.000Z');
const text = (messageId: string) => ({
  results: [{ from: USER, to: SENDER, receivedAt: '2026-04-01T10:10:00.000+0000', messageId, message: { type: 'TEXT', text: 'hi' } }],
});
const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  new Request('http://app.local/webhook', { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body, ...({ duplex: 'half' } as object) });

describe('webhook authentication', () => {
  it('basic credentials: the right pair passes, anything else is refused with a challenge', async () => {
    const handler = createWebhookHandler({ engine: createCallPermissionEngine({ clock: () => AT }), auth: { basic: { username: 'infobip', password: 's3cret-pass' } } });
    const good = `Basic ${btoa('infobip:s3cret-pass')}`;
    expect((await handler(post(JSON.stringify(text('m1')), { Authorization: good }))).status).toBe(200);
    for (const wrong of [`Basic ${btoa('infobip:s3cret-pasS')}`, `Basic ${btoa('infobip:')}`, 'Bearer x', '']) {
      const response = await handler(post(JSON.stringify(text('m2')), { Authorization: wrong }));
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
    }
  });

  it('a shared-secret header accepts any of several secrets (rotation)', () => {
    const { check } = createAuthCheck({ header: 'X-Infobip-Secret', secret: ['old-secret-0123456789', 'new-secret-0123456789'] });
    expect(check(new Headers({ 'X-Infobip-Secret': 'old-secret-0123456789' }))).toBe(true);
    expect(check(new Headers({ 'X-Infobip-Secret': 'new-secret-0123456789' }))).toBe(true);
    expect(check(new Headers({ 'X-Infobip-Secret': 'new-secret-012345678' }))).toBe(false);
    expect(check(new Headers())).toBe(false);
  });

  it('a weak or missing configuration is refused at start-up', () => {
    expect(() => createAuthCheck({ header: 'X-S', secret: 'short' })).toThrow(InfobipConfigError);
    expect(() => createAuthCheck({ basic: { username: 'a:b', password: 'p' } })).toThrow(InfobipConfigError);
    expect(() => createAuthCheck({} as never)).toThrow(InfobipConfigError);
  });

  it('the comparison looks at every byte of the expected value whatever the input', () => {
    const enc = new TextEncoder();
    expect(constantTimeEqual(enc.encode('abc'), enc.encode('abc'))).toBe(true);
    expect(constantTimeEqual(enc.encode('abd'), enc.encode('abc'))).toBe(false);
    expect(constantTimeEqual(enc.encode('abcd'), enc.encode('abc'))).toBe(false);
    expect(constantTimeEqual(enc.encode(''), enc.encode('abc'))).toBe(false);
    expect(constantTimeEqual(enc.encode('ab'), enc.encode('abc'))).toBe(false);
  });
});

describe('webhook answers', () => {
  it('a streamed body over the limit is cut off without a Content-Length', async () => {
    const handler = createWebhookHandler({ engine: createCallPermissionEngine({ clock: () => AT }), auth: { none: true }, maxBodyBytes: 1_000 });
    let pulls = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++;
        if (pulls > 100) controller.close(); // bounded: the handler must stop long before this
        else controller.enqueue(new Uint8Array(100).fill(0x20));
      },
    });
    const response = await handler(post(stream));
    expect(response.status).toBe(413);
    expect(pulls).toBeLessThan(20);
  });

  it('2xx only once the state is stored: the answer waits for a slow store', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const memory = new MemoryStore();
    let saved = false;
    const slow: RelationshipStore = {
      load: (key) => memory.load(key),
      save: async (request: SaveRequest) => {
        await gate;
        saved = true;
        return memory.save(request);
      },
    };
    const handler = createWebhookHandler({ engine: createCallPermissionEngine({ store: slow, clock: () => AT }), auth: { none: true } });
    let answered = false;
    const pending = handler(post(JSON.stringify(text('m1')))).then((r) => {
      answered = true;
      return r;
    });
    for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 1));
    expect(answered).toBe(false);
    release();
    const response = await pending;
    expect([response.status, saved]).toEqual([200, true]);
  });

  it('a store that fails mid-batch → 503 (Infobip delivers again); the redelivery records each fact once', async () => {
    const memory = new MemoryStore();
    let saves = 0;
    const flaky: RelationshipStore = {
      load: (key) => memory.load(key),
      save: (request) => {
        if (++saves === 2) throw new Error('database is down');
        return memory.save(request);
      },
    };
    const engine = createCallPermissionEngine({ store: flaky, clock: () => AT });
    const handler = createWebhookHandler({ engine, auth: { none: true } });
    const body = JSON.stringify({ results: [...text('m1').results, ...text('m2').results] });
    const first = await handler(post(body));
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('5');
    const second = await handler(post(body));
    expect(second.status).toBe(200);
    expect((await second.json()).counts).toEqual({ recorded: 1, duplicates: 1, ignored: 0 });
    const third = await handler(post(body));
    expect((await third.json()).counts).toEqual({ recorded: 0, duplicates: 2, ignored: 0 });
  });

  it('a fact beyond the late-event tolerance is skipped and reported, not retried forever', async () => {
    let now = AT + 30 * 86_400_000;
    const engine = createCallPermissionEngine({ clock: () => now });
    await engine.record(SENDER, USER, { type: 'CLOCK', at: now });
    now = AT;
    const handler = createWebhookHandler({ engine, auth: { none: true } });
    const response = await handler(post(JSON.stringify(text('m-old'))));
    expect(response.status).toBe(200);
    expect((await response.json()).ignored).toEqual([{ path: 'results[0]', reason: 'TOO_LATE', type: 'USER_MESSAGE', id: 'infobip:message:m-old' }]);
  });

  it('a hook that throws on a disagreement does not undo the answer', async () => {
    const engine = createCallPermissionEngine({ clock: () => AT });
    const seen: number[] = [];
    const handler = createWebhookHandler({
      engine,
      auth: { none: true },
      onDisagreement: (d) => {
        seen.push(d.refusal.platformCode);
        throw new Error('hook broke');
      },
    });
    const body = {
      type: 'CALL_FAILED',
      callId: 'ib-9',
      timestamp: '2026-04-01T10:10:00.000+0000',
      properties: { callLog: { direction: 'OUTBOUND', from: SENDER, to: USER, errorCode: { id: 5, name: 'FORBIDDEN', description: '138013 unavailable' } } },
    };
    const response = await handler(post(JSON.stringify(body)));
    expect(response.status).toBe(200);
    expect(seen).toEqual([138013]);
  });
});
