import { createHash, createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { serviceOptionsFromEnv, startService, type ServiceOptions } from '../../src/service/index.js';
import { permissionReply } from './infobipPayloads.js';
import { SENDER, startTestService, T0, type CallOptions, type TestService } from './harness.js';

/**
 * The service as an attacker on the network (or a page in someone's browser) would try it: the
 * API token on every route, Host names (DNS rebinding), cross-site writes and the content types
 * a page may send without asking, and the settings the service refuses to start with.
 */
const TOKEN = 'security-test-token-0123456789abcdef';
const WEBHOOK_SECRET = 'webhook-secret-0123456789abcdef';
const INFOBIP = { baseUrl: 'http://127.0.0.1:9', apiKey: 'key', template: { name: 't', language: 'en' }, callsConfigurationId: 'c' };
const webhookAuth = { header: 'X-Webhook-Secret', secret: WEBHOOK_SECRET };

/** One request with any Host header (fetch does not let a page or a test choose it; an attacker's DNS does). */
function rawRequest(url: string, options: { method?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode!, body });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('settings the service refuses to start with', () => {
  const start = (options: ServiceOptions) => startService({ port: 0, dataDir: '/nonexistent/never-created', ...options });

  test.each<[string, ServiceOptions, string]>([
    ['Infobip without an API token', { infobip: INFOBIP, webhookAuth }, 'WACP_API_TOKEN'],
    ['a non-loopback address without an API token', { host: '0.0.0.0', webhookAuth }, 'WACP_API_TOKEN'],
    ['a non-loopback address without webhook credentials', { host: '0.0.0.0', apiToken: TOKEN }, 'INFOBIP_WEBHOOK_SECRET'],
    ['the virtual clock with live Infobip effects', { infobip: INFOBIP, webhookAuth, apiToken: TOKEN, clock: 'virtual' }, 'WACP_CLOCK'],
    ['a token shorter than 32 characters', { apiToken: 'short-token' }, 'WACP_API_TOKEN'],
    ['a token with a space', { apiToken: 'a token of thirty-two characters or more' }, 'WACP_API_TOKEN'],
    ['a digest that is not SHA-256 hex', { apiToken: { sha256: 'abc' } }, 'WACP_API_TOKEN_SHA256'],
  ])('%s', async (_name, options, path) => {
    await expect(start(options)).rejects.toMatchObject({ code: 'INVALID_SERVICE_CONFIG', path });
  });

  test('WACP_HOST, WACP_ALLOWED_HOSTS and the token from one of WACP_API_TOKEN, WACP_API_TOKEN_FILE, WACP_API_TOKEN_SHA256', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wacp-token-'));
    try {
      await writeFile(join(dir, 'token'), `${TOKEN}\n`);
      expect(serviceOptionsFromEnv({ WACP_HOST: '0.0.0.0', WACP_ALLOWED_HOSTS: 'Wacp.Example.com, wacp.internal:8443', WACP_API_TOKEN_FILE: join(dir, 'token') })).toEqual({
        host: '0.0.0.0',
        allowedHosts: ['wacp.example.com', 'wacp.internal:8443'],
        apiToken: TOKEN,
      });
      expect(serviceOptionsFromEnv({ WACP_API_TOKEN_SHA256: 'ab'.repeat(32) })).toEqual({ apiToken: { sha256: 'ab'.repeat(32) } });
      expect(() => serviceOptionsFromEnv({ WACP_API_TOKEN: TOKEN, WACP_API_TOKEN_FILE: join(dir, 'token') })).toThrow(expect.objectContaining({ path: 'WACP_API_TOKEN_FILE' }));
      expect(() => serviceOptionsFromEnv({ WACP_API_TOKEN_FILE: join(dir, 'missing') })).toThrow(expect.objectContaining({ path: 'WACP_API_TOKEN_FILE' }));
      expect(() => serviceOptionsFromEnv({ WACP_ALLOWED_HOSTS: 'http://x.example' })).toThrow(expect.objectContaining({ path: 'WACP_ALLOWED_HOSTS' }));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('with an API token (given by its SHA-256 only), listening on every address', () => {
  let inner: TestService;
  /** The service, called with the token unless a test's headers say otherwise. */
  let service: TestService;
  beforeAll(async () => {
    inner = await startTestService({ host: '0.0.0.0', apiToken: { sha256: createHash('sha256').update(TOKEN).digest('hex') }, webhookAuth });
    service = Object.assign(Object.create(inner), {
      call: (method: string, path: string, body?: unknown, options: CallOptions = {}) =>
        inner.call(method, path, body, { ...options, headers: { Authorization: `Bearer ${TOKEN}`, ...options.headers } }),
    });
  });
  afterAll(async () => {
    await inner?.dispose();
  });

  const wrongTokens: [string, Record<string, string>][] = [
    ['no credential', { Authorization: '' }],
    ['a wrong token', { Authorization: `Bearer ${'x'.repeat(TOKEN.length)}` }],
    ['a prefix of the token', { Authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
    ['the token and one more character', { Authorization: `Bearer ${TOKEN}x` }],
    ['the token as Basic', { Authorization: `Basic ${Buffer.from(`wacp:${TOKEN}`).toString('base64')}` }],
    ['a forged session cookie', { Authorization: '', Cookie: `wacp_session=${Date.now()}.${'0'.repeat(64)}` }],
  ];
  const stateChanging = () => [
    { method: 'POST', path: service.relationship('permission-requests'), body: undefined, ok: 201 },
    { method: 'POST', path: service.relationship('calls'), body: undefined, ok: 409 },
    { method: 'POST', path: service.relationship('events'), body: { type: 'USER_MESSAGE' }, ok: 201 },
    { method: 'POST', path: '/v1/clock', body: { advance: 'PT1M' }, ok: 200 },
  ];
  const dataReading = () => [
    service.relationship('timeline'),
    service.relationship('permissions'),
    '/v1/relationships',
    '/v1/clock',
    '/v1/changes',
    '/v1/statechart.svg',
    '/v1/statechart/compact.svg',
  ];

  /** Everything a refused request could have touched: the relationship's log and state, the list, the clock. */
  async function everything() {
    const [timeline, list, clock] = await Promise.all([service.call('GET', service.relationship('timeline')), service.call('GET', '/v1/relationships'), service.call('GET', '/v1/clock')]);
    return { timeline: timeline.body, list: list.body, clock: clock.body };
  }

  test('every state-changing route: no token, a wrong one, a prefix, one character more, Basic, a forged cookie → 401 and nothing changes; the token → done', async () => {
    for (const route of stateChanging()) {
      const before = await everything();
      for (const [name, headers] of wrongTokens) {
        const answer = await service.call(route.method, route.path, route.body, { headers });
        expect({ route: route.path, name, status: answer.status, code: answer.body.error?.code }).toEqual({ route: route.path, name, status: 401, code: 'UNAUTHORIZED' });
        expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="wacp"');
      }
      expect(await everything()).toEqual(before);
      const right = await service.call(route.method, route.path, route.body);
      expect({ route: route.path, status: right.status }).toEqual({ route: route.path, status: route.ok });
    }
  });

  test('every data-reading route wants the token too; /health tells no more than the modes without it', async () => {
    for (const path of dataReading()) {
      for (const [name, headers] of wrongTokens) {
        const answer = await service.call('GET', path, undefined, { headers });
        expect({ path, name, status: answer.status }).toEqual({ path, name, status: 401 });
      }
    }
    expect((await service.call('GET', service.relationship('timeline'))).status).toBe(200);
    const open = await service.call('GET', '/health', undefined, { headers: { Authorization: '' } });
    expect(open.status).toBe(200);
    expect(open.body.where).toBeUndefined();
    expect((await service.call('GET', '/health')).body.where).toBe(service.dataDir);
    // The page itself is no secret: it asks for the token.
    expect((await service.call('GET', '/', undefined, { headers: { Authorization: '' } })).status).toBe(200);
  });

  test('the webhook wants its own credential: none, wrong, a prefix → 401 and nothing recorded; right → recorded', async () => {
    const user = '447700900555';
    const event = permissionReply(SENDER, user, T0 + 60_000, { response: 'ACCEPT' });
    for (const secret of [undefined, 'x'.repeat(WEBHOOK_SECRET.length), WEBHOOK_SECRET.slice(0, -1), TOKEN]) {
      const headers: Record<string, string> = secret === undefined ? {} : { 'X-Webhook-Secret': secret };
      expect((await service.call('POST', '/webhooks/infobip', event, { headers })).status).toBe(401);
    }
    expect((await service.call('GET', service.relationship('timeline', SENDER, user))).body.rows).toEqual([]);
    expect((await service.call('POST', '/webhooks/infobip', event, { headers: { 'X-Webhook-Secret': WEBHOOK_SECRET } })).status).toBe(200);
    expect((await service.call('GET', service.relationship('timeline', SENDER, user))).body.now.state).toBe('granted');
  });

  test('the page’s session: the token in a POST body buys an HttpOnly, SameSite=Strict cookie; a wrong token buys nothing; the cookie is signed and expires', async () => {
    const noAuth = { Authorization: '' };
    expect((await service.call('GET', '/v1/session', undefined, { headers: noAuth })).body).toEqual({ required: true, authenticated: false });
    const wrong = await service.call('POST', '/v1/session', { token: TOKEN.slice(0, -1) }, { headers: noAuth });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const login = await service.call('POST', '/v1/session', { token: TOKEN }, { headers: noAuth });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^wacp_session=\d{13}\.[0-9a-f]{64}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict$/);
    const session = cookie.split(';')[0]!;
    expect((await service.call('GET', '/v1/relationships', undefined, { headers: { ...noAuth, Cookie: session } })).status).toBe(200);
    expect((await service.call('GET', '/v1/session', undefined, { headers: { ...noAuth, Cookie: session } })).body).toEqual({ required: true, authenticated: true });
    // Signed with the token's digest: a changed time or a session older than 12 h is refused.
    const sign = (at: number) => `wacp_session=${at}.${createHmac('sha256', createHash('sha256').update(TOKEN).digest()).update(`wacp-session:${at}`).digest('hex')}`;
    expect((await service.call('GET', '/v1/relationships', undefined, { headers: { ...noAuth, Cookie: sign(Date.now() - 1000) } })).status).toBe(200);
    expect((await service.call('GET', '/v1/relationships', undefined, { headers: { ...noAuth, Cookie: sign(Date.now() - 13 * 3_600_000) } })).status).toBe(401);
    const [issued, signature] = session.slice('wacp_session='.length).split('.');
    expect((await service.call('GET', '/v1/relationships', undefined, { headers: { ...noAuth, Cookie: `wacp_session=${Number(issued) + 1}.${signature}` } })).status).toBe(401);
    const logout = await service.call('DELETE', '/v1/session', undefined, { headers: { ...noAuth, Cookie: session } });
    expect(logout.headers.get('set-cookie')).toMatch(/^wacp_session=; Path=\/; Max-Age=0;/);
  });
});

describe('in the local dry-run default (no token): Host, Origin and content type are checked all the same', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ allowedHosts: ['wacp.example.com'] });
  });
  afterAll(async () => {
    await service?.dispose();
  });
  const port = () => new URL(service.url).port;

  test('DNS rebinding: a Host that is not ours is refused on every route (421), before anything is read or changed', async () => {
    const before = (await service.call('GET', '/v1/relationships')).body;
    for (const host of ['attacker.example', `attacker.example:${port()}`, `127.0.0.1.attacker.example:${port()}`, `localhost.attacker.example`]) {
      for (const [method, path, body] of [
        ['GET', '/', undefined],
        ['GET', '/v1/relationships', undefined],
        ['GET', service.relationship('timeline'), undefined],
        ['POST', service.relationship('calls'), ''],
        ['POST', service.relationship('permission-requests'), ''],
        ['POST', '/v1/clock', '{"advance":"P1D"}'],
      ] as const) {
        const answer = await rawRequest(`${service.url}${path}`, { method, headers: { Host: host, 'Content-Type': 'application/json' }, ...(body === undefined ? {} : { body }) });
        expect({ host, path, status: answer.status, code: answer.body.error?.code }).toEqual({ host, path, status: 421, code: 'HOST_NOT_ALLOWED' });
      }
    }
    expect((await service.call('GET', '/v1/relationships')).body).toEqual(before);
    expect((await service.call('GET', '/v1/clock')).body.now).toBe(new Date(T0).toISOString());
    for (const host of [`127.0.0.1:${port()}`, `localhost:${port()}`, `[::1]:${port()}`, 'wacp.example.com', `WACP.example.com:${port()}`])
      expect((await rawRequest(`${service.url}/v1/relationships`, { headers: { Host: host } })).status).toBe(200);
  });

  test('CSRF: a state-changing request a browser marks as from another site is refused (403); the same origin passes', async () => {
    const origin = `http://127.0.0.1:${port()}`;
    const path = service.relationship('permission-requests', SENDER, '447700900777');
    for (const headers of <Record<string, string>[]>[
      { Origin: 'http://attacker.example' },
      { Origin: `http://localhost:${Number(port()) + 1}` },
      { Origin: 'null' },
      { Origin: origin, 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'same-site' },
    ]) {
      const answer = await service.call('POST', path, undefined, { headers });
      expect({ headers, status: answer.status, code: answer.body.error?.code }).toEqual({ headers, status: 403, code: 'CROSS_SITE_REQUEST' });
    }
    expect((await service.call('GET', service.relationship('timeline', SENDER, '447700900777'))).body.rows).toEqual([]);
    expect((await service.call('POST', path, undefined, { headers: { Origin: origin, 'Sec-Fetch-Site': 'same-origin' } })).status).toBe(201);
    expect((await service.call('POST', '/v1/clock', { advance: 'PT1M' }, { headers: { Origin: 'https://wacp.example.com' } })).status).toBe(200);
  });

  test('every POST must be application/json: forms, text/plain and a type-less Blob (the webhook too) are refused (415) and nothing is recorded', async () => {
    const user = '447700900888';
    const reply = JSON.stringify(permissionReply(SENDER, user, T0 + 60_000, { response: 'ACCEPT' }));
    for (const contentType of ['', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx']) {
      for (const [path, raw] of [
        ['/webhooks/infobip', reply],
        [service.relationship('permission-requests', SENDER, user), ''],
        [service.relationship('calls', SENDER, user), ''],
        [service.relationship('events', SENDER, user), '{"type":"PERMISSION_ACCEPTED"}'],
      ] as const) {
        const answer = await service.call('POST', path, undefined, { raw, contentType });
        expect({ contentType, path, status: answer.status, code: answer.body.error?.code }).toEqual({ contentType, path, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
      }
    }
    expect((await service.call('GET', service.relationship('timeline', SENDER, user))).body.rows).toEqual([]);
    expect((await service.call('POST', '/webhooks/infobip', JSON.parse(reply), { contentType: 'application/json; charset=utf-8' })).status).toBe(200);
  });
});
