import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { permissionReply } from './infobipPayloads.js';
import { SENDER, startTestService, USER, type TestService } from './harness.js';

/**
 * What a careless upstream or an odd client does to the service: an "Infobip" that echoes the
 * request's headers (the API key among them) in its error bodies, and methods `new Request`
 * cannot carry or `node:http` does not route (TRACE, TRACK, CONNECT, nonsense).
 */
const API_KEY = 'echoed-infobip-api-key-0123456789';
const TOKEN = 'hardening-test-token-0123456789abcdef';
const WEBHOOK_SECRET = 'webhook-secret-0123456789abcdef';

/** An upstream that puts every header it got, and 100 kB more, in its error answer: 401 as Infobip's JSON, 500 as plain text. */
function echoingUpstream(): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    const echoed = `you sent ${JSON.stringify(req.headers)} and Authorization: ${req.headers.authorization} ${'x'.repeat(100_000)}`;
    if (req.url!.startsWith('/calls/')) {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(echoed);
      return;
    }
    res.writeHead(401, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ requestError: { serviceException: { messageId: 'UNAUTHORIZED', text: echoed } } }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Raw bytes to the service, its raw answer back (for what fetch and node:http will not send). */
function rawExchange(url: string, request: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(request));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    setTimeout(() => {
      socket.destroy();
      resolve(answer);
    }, 5000).unref();
  });
}

let upstream: Server;
let service: TestService;
const said: string[] = [];
beforeAll(async () => {
  upstream = await echoingUpstream();
  service = await startTestService({
    clock: 'real',
    apiToken: TOKEN,
    webhookAuth: { header: 'X-Webhook-Secret', secret: WEBHOOK_SECRET },
    infobip: {
      baseUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      apiKey: API_KEY,
      template: { name: 'call_permission_request', language: 'en' },
      callsConfigurationId: 'calls-config-1',
      retries: 0,
      timeoutMs: 5000,
    },
    log: (line) => said.push(line),
  });
});
afterAll(async () => {
  await service?.dispose();
  await new Promise((resolve) => upstream?.close(resolve));
});

describe('an upstream that echoes the Authorization header', () => {
  test('its error text is redacted and bounded in the 502, in the event log and the timeline, and in the service’s log', async () => {
    const request = await service.call('POST', service.relationship('permission-requests'));
    expect(request.status).toBe(502);
    expect(request.body.error.code).toBe('EFFECT_FAILED');
    expect(request.body.cause).toContain('[redacted]');

    // Permission first (a test fact cannot be recorded with live effects), then a call the upstream fails with a 500.
    const accepted = await service.call('POST', '/webhooks/infobip', permissionReply(SENDER, USER, Date.now(), { response: 'ACCEPT' }), { headers: { 'X-Webhook-Secret': WEBHOOK_SECRET } });
    expect(accepted.status).toBe(200);
    const call = await service.call('POST', service.relationship('calls'));
    expect(call.status).toBe(502);
    expect(call.body.error.code).toBe('EFFECT_OUTCOME_UNKNOWN');

    const timeline = await service.call('GET', service.relationship('timeline'));
    const failed = timeline.body.rows.filter((row: any) => row.detail?.error);
    expect(failed).toHaveLength(2);
    for (const text of [JSON.stringify(request.body), JSON.stringify(call.body), JSON.stringify(timeline.body), said.join('\n')]) {
      expect(text).not.toContain(API_KEY);
      expect(text).not.toMatch(/App [A-Za-z0-9-]{6,}/);
      expect(text).not.toContain(TOKEN);
    }
    for (const row of failed) {
      expect(row.detail.cause).toContain('[redacted]');
      expect(row.detail.cause.length).toBeLessThan(600);
    }
    expect(JSON.stringify(request.body).length).toBeLessThan(2000);
    expect(JSON.stringify(timeline.body).length).toBeLessThan(100_000);
  });
});

describe('methods no route takes', () => {
  test('TRACE (which a web Request cannot carry) gets 501 in the one error shape, and a log line', async () => {
    for (const method of ['TRACE']) {
      said.length = 0;
      const answer = await rawExchange(service.url, `${method} /v1/relationships HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      expect(answer).toMatch(/^HTTP\/1\.1 501 /);
      expect(answer).toMatch(/content-type: application\/json/i);
      // The body (chunked): the JSON object between its braces.
      expect(JSON.parse(answer.slice(answer.indexOf('{'), answer.lastIndexOf('}') + 1)).error).toMatchObject({ code: 'METHOD_NOT_IMPLEMENTED', path: 'method' });
      expect(said.some((line) => line.startsWith(`${method} /v1/relationships → 501`))).toBe(true);
    }
  });

  test('CONNECT gets 501, TRACK and a made-up method 400, all as JSON with a log line, not a dropped connection', async () => {
    said.length = 0;
    const connected = await rawExchange(service.url, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    expect(connected).toMatch(/^HTTP\/1\.1 501 /);
    expect(connected).toContain('"code": "METHOD_NOT_IMPLEMENTED"');
    // Methods node:http's parser does not know (TRACK, anything made up) never reach a handler: 400 from the parser's error.
    for (const method of ['TRACK', 'FROB']) {
      const nonsense = await rawExchange(service.url, `${method} / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      expect(nonsense).toMatch(/^HTTP\/1\.1 400 /);
      expect(nonsense).toContain('"code": "BAD_REQUEST"');
    }
    expect(said.filter((line) => /CONNECT|unparsable/.test(line))).toHaveLength(3);
  });

  test('PUT and PATCH on a route get 405 with Allow', async () => {
    for (const method of ['PUT', 'PATCH']) {
      const answer = await service.call(method, '/v1/clock', {});
      expect(answer.status).toBe(405);
      expect(answer.headers.get('allow')).toBe('GET, POST');
      expect(answer.body.error.code).toBe('METHOD_NOT_ALLOWED');
    }
  });
});
