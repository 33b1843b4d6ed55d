import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LocalInfobip } from '../infobip/localInfobip.js';
import { SENDER, startTestService, USER, type CallOptions, type TestService } from './harness.js';

/**
 * The service as an operator runs it: one JSON line per request (no secrets), Prometheus metrics
 * behind the token, /health and /ready, and a shutdown that lets a command under way finish — here
 * one whose Infobip request hangs until the client's timeout.
 */
const API_KEY = 'operations-infobip-key-0123456789';
const TOKEN = 'operations-test-token-0123456789abcdef';
const WEBHOOK_SECRET = 'webhook-secret-0123456789abcdef';

let infobip: LocalInfobip;
let service: TestService;
const lines: string[] = [];
const entries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
const withToken = (options: CallOptions = {}): CallOptions => ({ ...options, headers: { Authorization: `Bearer ${TOKEN}`, ...options.headers } });

beforeAll(async () => {
  infobip = await LocalInfobip.start({ apiKey: API_KEY, callsConfigurationId: 'calls-config-1' });
  service = await startTestService({
    clock: 'real',
    apiToken: TOKEN,
    webhookAuth: { header: 'X-Webhook-Secret', secret: WEBHOOK_SECRET },
    infobip: { baseUrl: infobip.baseUrl, apiKey: API_KEY, template: { name: 'call_permission_request', language: 'en' }, callsConfigurationId: 'calls-config-1', retries: 0, timeoutMs: 1500 },
    requestLog: { write: (line: string) => lines.push(line) },
  });
});
afterAll(async () => {
  await service?.dispose();
  await infobip?.close();
});

describe('request log and metrics', () => {
  test('one JSON line per request: method, route pattern, status, ms, relationship — and never the token or the API key', async () => {
    lines.length = 0;
    expect((await service.call('POST', service.relationship('permission-requests'), undefined, withToken())).status).toBe(201);
    expect((await service.call('POST', service.relationship('permission-requests'), undefined, withToken())).status).toBe(409);
    expect((await service.call('GET', `${service.relationship('timeline')}?limit=5`, undefined, withToken())).status).toBe(200);
    expect((await service.call('GET', '/v1/relationships', undefined, { headers: { Authorization: `Bearer ${TOKEN.slice(0, -1)}` } })).status).toBe(401);
    expect((await service.call('GET', '/nowhere', undefined, withToken())).status).toBe(404);

    const logged = entries();
    expect(logged.map(({ method, route, status, relationship }) => ({ method, route, status, relationship }))).toEqual([
      { method: 'POST', route: '/v1/relationships/:sender/:user/permission-requests', status: 201, relationship: `${SENDER}:${USER}` },
      { method: 'POST', route: '/v1/relationships/:sender/:user/permission-requests', status: 409, relationship: `${SENDER}:${USER}` },
      { method: 'GET', route: '/v1/relationships/:sender/:user/timeline', status: 200, relationship: `${SENDER}:${USER}` },
      { method: 'GET', route: '/v1/relationships', status: 401, relationship: undefined },
      { method: 'GET', route: 'unmatched', status: 404, relationship: undefined },
    ]);
    for (const entry of logged) {
      expect(entry).toMatchObject({ level: 'info', msg: 'request', service: 'wacp' });
      expect(typeof entry.ms).toBe('number');
      expect(typeof entry.time).toBe('string');
    }
    const text = lines.join('\n');
    for (const secret of [TOKEN, TOKEN.slice(0, -1), API_KEY, 'limit=5', 'authorization']) expect(text.toLowerCase()).not.toContain(secret.toLowerCase());
  });

  test('/metrics wants the token and counts commands, refusals by rule, effects by outcome, conflicts and the sweep', async () => {
    expect((await service.call('GET', '/metrics', undefined, { headers: { Authorization: '' } })).status).toBe(401);
    const { status, body, headers } = await service.call('GET', '/metrics', undefined, withToken());
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(body).toContain('wacp_commands_total{action="request",outcome="sent"} 1');
    expect(body).toContain('wacp_commands_total{action="request",outcome="refused"} 1');
    expect(body).toContain('wacp_refusals_total{action="request",rule="R1"} 1');
    expect(body).toContain('wacp_effects_total{action="request",outcome="sent"} 1');
    expect(body).toContain('wacp_store_conflicts_total 0');
    expect(body).toMatch(/wacp_sweep_lag_seconds \d/);
    expect(body).toMatch(/wacp_sweep_seconds_count \d+/);
    expect(body).toContain('wacp_http_requests_total{method="POST",route="/v1/relationships/:sender/:user/permission-requests",status="409"} 1');
    expect(body).toContain('wacp_process_resident_memory_bytes');
  });

  test('/health and /ready answer without the token', async () => {
    expect((await service.call('GET', '/health')).body.status).toBe('ok');
    await expect.poll(async () => (await service.call('GET', '/ready')).status, { timeout: 10_000 }).toBe(200);
    expect((await service.call('GET', '/ready')).body).toEqual({ status: 'ready' });
  });
});

describe('shutdown', () => {
  test('close (what SIGTERM calls) drains: /ready and new requests say 503 at once, the command under way is answered and logged, then it stops', async () => {
    infobip.script('template', { hang: true });
    lines.length = 0;
    const user = '447700900432';
    const before = infobip.requestsOn('template').length;
    const underWay = service.call('POST', service.relationship('permission-requests', SENDER, user), undefined, withToken());
    await expect.poll(() => infobip.requestsOn('template').length, { timeout: 10_000 }).toBe(before + 1);

    const closing = service.close();
    const ready = await service.call('GET', '/ready');
    expect(ready.status).toBe(503);
    const refused = await service.call('GET', '/v1/relationships', undefined, withToken());
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('SHUTTING_DOWN');

    // The hanging Infobip request times out (1.5 s): the outcome is unknown, and it is said so, not cut off.
    const answered = await underWay;
    expect(answered.status).toBe(502);
    expect(answered.body.error.code).toBe('EFFECT_OUTCOME_UNKNOWN');
    await closing;
    expect(entries().some((entry) => entry.route === '/v1/relationships/:sender/:user/permission-requests' && entry.status === 502)).toBe(true);
  });
});
