import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { permissionReply } from './infobipPayloads.js';
import { SENDER, startTestService, type TestService } from './harness.js';

/**
 * Issue 11, item 5: nothing waits on the network while it holds a relationship. Infobip's call
 * events can arrive before the `POST /calls/1/calls` that placed the call has answered (the call
 * rings at once; the HTTP answer is slow). Here "Infobip" holds each POST open until the test lets
 * it answer, so the order is forced, not timed.
 */
const TOKEN = 'early-events-test-token-0123456789abcdef';
const WEBHOOK_SECRET = 'early-events-webhook-secret-0123456789';
const DAY = 86_400_000;

interface HeldPost {
  readonly body: { externalId: string; endpoint: { phoneNumber: string } };
  answer(status: number, body: unknown): void;
}

let upstream: Server;
const posts: HeldPost[] = [];
let posted: (post: HeldPost) => void = () => undefined;
const nextPost = () => new Promise<HeldPost>((resolve) => (posted = resolve));

function readJson(req: IncomingMessage): Promise<any> {
  return new Promise((resolve) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => resolve(text ? JSON.parse(text) : undefined));
  });
}

let service: TestService;
beforeAll(async () => {
  upstream = createServer(async (req, res) => {
    const body = await readJson(req);
    if (req.method === 'POST' && req.url === '/calls/1/calls') {
      const post: HeldPost = {
        body,
        answer(status, answer) {
          if (res.headersSent) return;
          res.writeHead(status, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(answer));
        },
      };
      posts.push(post);
      posted(post);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  service = await startTestService({
    clock: 'real',
    apiToken: TOKEN,
    webhookAuth: { header: 'X-Webhook-Secret', secret: WEBHOOK_SECRET },
    infobip: {
      baseUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      apiKey: 'early-events-api-key',
      template: { name: 'call_permission_request', language: 'en' },
      callsConfigurationId: 'calls-config-1',
      retries: 0,
      timeoutMs: 20_000,
    },
  });
});
afterAll(async () => {
  for (const post of posts) post.answer(503, {});
  await service?.dispose();
  await new Promise((resolve) => upstream?.close(resolve));
});

const webhook = (body: unknown) => service.call('POST', '/webhooks/infobip', body, { headers: { 'X-Webhook-Secret': WEBHOOK_SECRET } });
const infobipTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

/** Infobip's `CALL_ESTABLISHED` for a call it knows by `platformCallId`, echoing our `externalId`. */
function established(user: string, platformCallId: string, externalId: string, at: number) {
  const call = { id: platformCallId, externalId, direction: 'OUTBOUND', from: SENDER, to: user, state: 'ESTABLISHED', endpoint: { type: 'WHATSAPP', phoneNumber: user } };
  return { type: 'CALL_ESTABLISHED', callId: platformCallId, timestamp: infobipTime(at), properties: { call } };
}

async function granted(user: string) {
  const accepted = await webhook(permissionReply(SENDER, user, Date.now(), { response: 'ACCEPT', expiresAt: Date.now() + 7 * DAY }));
  expect(accepted.status).toBe(200);
}

const eventTypes = (rows: any[]) => rows.filter((row) => row.kind === 'event').map((row) => row.event.type);

describe('a call event that arrives while the POST that placed the call is still open', () => {
  test('is applied and answered at once (it re-keys the call by its externalId); the POST’s answer comes after it; the log replays to the stored state', async () => {
    const user = '447700900501';
    await granted(user);
    const reaching = nextPost();
    const calling = service.call('POST', service.relationship('calls', SENDER, user));
    const post = await reaching;

    // The POST is open: the relationship is not held, so the early event goes through now.
    const early = await webhook(established(user, 'ib-call-501', post.body.externalId, Date.now()));
    expect(early.status).toBe(200);
    const during = await service.call('GET', service.relationship('timeline', SENDER, user));
    expect(eventTypes(during.body.rows)).toContain('CALL_CONNECTED');
    const reservation = during.body.rows.find((row: any) => row.kind === 'event' && row.event.type === 'CALL_STARTED');
    expect(reservation.detail).toEqual({ sending: true });

    post.answer(200, { id: 'ib-call-501', state: 'CALLING' });
    const call = await calling;
    expect(call.status).toBe(201);
    expect(call.body).toMatchObject({ outcome: 'started', callId: post.body.externalId, receipt: { platformCallId: 'ib-call-501' } });

    const after = await service.call('GET', service.relationship('timeline', SENDER, user));
    expect(after.body.replayMatchesStore).toBe(true);
    const types = eventTypes(after.body.rows);
    // The POST's answer names the same id again: a fact of its own, later (it moves the relationship's clock), and harmless.
    expect(types.slice(types.indexOf('CALL_STARTED'))).toEqual(['CALL_STARTED', 'CALL_ID_ASSIGNED', 'CALL_CONNECTED', 'CALL_ID_ASSIGNED']);
    const answered = after.body.rows.find((row: any) => row.kind === 'event' && row.event.type === 'CALL_STARTED');
    expect(answered.detail.receipt).toMatchObject({ platformCallId: 'ib-call-501' });
  });

  test('a second command on the relationship is decided while the first one’s POST is open (G2 counts the reservation), not queued behind it', async () => {
    const user = '447700900502';
    await granted(user);
    const reaching = nextPost();
    const first = service.call('POST', service.relationship('calls', SENDER, user));
    const post = await reaching;
    // Answered while the first POST is open: the permissions view already counts the reserved slot (G2).
    const view = await service.call('GET', service.relationship('permissions', SENDER, user));
    expect(view.status).toBe(200);
    const startCall = view.body.actions.find((action: any) => action.name === 'START_CALL');
    expect(startCall.limits[0].currentUsage).toBe(1);
    post.answer(200, { id: 'ib-call-502' });
    expect((await first).status).toBe(201);
  });

  test('a POST refused outright (400): the reservation is released after the early events, all logged in the store’s order', async () => {
    const user = '447700900503';
    await granted(user);
    const reaching = nextPost();
    const calling = service.call('POST', service.relationship('calls', SENDER, user));
    const post = await reaching;
    expect((await webhook(established(user, 'ib-call-503', post.body.externalId, Date.now()))).status).toBe(200);
    post.answer(400, { requestError: { serviceException: { messageId: 'BAD_REQUEST', text: 'rejected' } } });
    const call = await calling;
    expect(call.status).toBe(502);
    expect(call.body.error.code).toBe('EFFECT_FAILED');
    const after = await service.call('GET', service.relationship('timeline', SENDER, user));
    expect(after.body.replayMatchesStore).toBe(true);
    expect(eventTypes(after.body.rows).slice(-4)).toEqual(['CALL_STARTED', 'CALL_ID_ASSIGNED', 'CALL_CONNECTED', 'CALL_FAILED']);
    const reservation = after.body.rows.find((row: any) => row.kind === 'event' && row.event.type === 'CALL_STARTED');
    expect(reservation.detail.error).toMatch(/failed; the reservation was released/);
  });
});
