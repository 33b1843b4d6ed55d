import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startService } from '../../src/service/index.js';
import { LocalInfobip, metaRefusal, noPermissionView } from '../infobip/localInfobip.js';
import { businessCallEvent, permissionReply } from './infobipPayloads.js';
import { HOUR, SENDER, startTestService, T0, USER, type TestService } from './harness.js';

/**
 * One data directory through three lives of the service: a dry run, the same again after a
 * restart, and then connected to a local Infobip (a real HTTP server on loopback).
 */
const API_KEY = 'test-api-key-0123456789';
const CALLS_CONFIGURATION = 'calls-config-1';
const WEBHOOK_SECRET = 'webhook-secret-0123456789abcdef';
const API_TOKEN = 'restart-test-token-0123456789abcdef';

let service: TestService;
let infobip: LocalInfobip;
beforeAll(async () => {
  service = await startTestService();
  infobip = await LocalInfobip.start({ apiKey: API_KEY, callsConfigurationId: CALLS_CONFIGURATION });
});
afterAll(async () => {
  await service?.dispose();
  await infobip?.close();
});

const timeline = async () => (await service.call('GET', service.relationship('timeline'))).body;

describe('restart', () => {
  test('relationships, their timelines and the virtual clock are still there after a restart on the same data directory', async () => {
    await service.call('POST', service.relationship('permission-requests'));
    await service.call('POST', '/webhooks/infobip', permissionReply(SENDER, USER, T0 + 60_000, { response: 'ACCEPT', expiresAt: T0 + 3 * 365 * 24 * HOUR }));
    await service.call('POST', '/v1/clock', { advance: 'PT2H' });
    const call = await service.call('POST', service.relationship('calls'));
    expect(call.status).toBe(201);
    const before = {
      timeline: await timeline(),
      view: (await service.call('GET', service.relationship('permissions'))).body,
      list: (await service.call('GET', '/v1/relationships')).body,
      clock: (await service.call('GET', '/v1/clock')).body,
    };
    expect(before.timeline.now.state).toBe('granted');
    expect(before.view.actions[1].limits[0].currentUsage).toBe(1);

    await service.restart();

    expect((await service.call('GET', '/v1/clock')).body).toEqual(before.clock);
    expect((await service.call('GET', '/v1/relationships')).body).toEqual(before.list);
    expect((await service.call('GET', service.relationship('permissions'))).body).toEqual(before.view);
    const after = await timeline();
    expect(after).toEqual(before.timeline);
    expect(after.replayMatchesStore).toBe(true);
    // And it goes on from there: the call placed before the restart is answered after it.
    const answered = await service.call('POST', '/webhooks/infobip', businessCallEvent(SENDER, USER, call.body.callId, T0 + 2 * HOUR + 30_000, 'ESTABLISHED'));
    expect(answered.body.facts).toEqual([expect.objectContaining({ type: 'CALL_CONNECTED', outcome: 'recorded' })]);
    // Its hang-up ends it (G6: the next call to the user may go out).
    const finished = await service.call('POST', '/webhooks/infobip', businessCallEvent(SENDER, USER, call.body.callId, T0 + 2 * HOUR + 90_000, 'NORMAL_HANGUP'));
    expect(finished.status).toBe(200);
  });

  test('a second service on the same data directory is refused while the first runs (PGlite is one process’s database)', async () => {
    await expect(startService({ port: 0, dataDir: service.dataDir })).rejects.toMatchObject({ code: 'INVALID_SERVICE_CONFIG', path: 'WACP_DATA_DIR' });
    expect((await service.call('GET', '/health')).status).toBe(200);
  });
});

describe('with Infobip settings', () => {
  beforeAll(async () => {
    await service.restart({
      infobip: {
        baseUrl: infobip.baseUrl,
        apiKey: API_KEY,
        callsConfigurationId: CALLS_CONFIGURATION,
        template: { name: 'call_permission_request', language: 'en' },
        retries: 0,
        timeoutMs: 5_000,
      },
      webhookAuth: { header: 'X-Webhook-Secret', secret: WEBHOOK_SECRET },
      // Live effects: real time only (a movable clock would let calls past the windows), and the API token.
      clock: 'real',
      apiToken: API_TOKEN,
    });
  });

  test('health says the effects are Infobip; test events are refused (403, dry run only) and nothing is stored', async () => {
    expect((await service.call('GET', '/health')).body.effects).toBe('infobip');
    const rows = (await timeline()).rows.length;
    const refused = await service.call('POST', service.relationship('events'), { type: 'PERMISSION_REVOKED' });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'DRY_RUN_ONLY', path: null });
    expect((await timeline()).rows).toHaveLength(rows);
  });

  test('G2: a call goes out to Infobip with our id as externalId; Infobip’s id is recorded and its webhook (with the secret) finds the call', async () => {
    const call = await service.call('POST', service.relationship('calls'));
    expect(call.status).toBe(201);
    const placed = infobip.requestsOn('calls').at(-1)!;
    expect(placed.body).toMatchObject({ from: SENDER, endpoint: { type: 'WHATSAPP', phoneNumber: USER }, externalId: call.body.callId, callsConfigurationId: CALLS_CONFIGURATION });
    const platformCallId = call.body.receipt.platformCallId;
    expect(platformCallId).toMatch(/^ib-call-/);

    const shown = await timeline();
    expect(shown.rows.slice(-2).map((r: any) => r.event)).toEqual([
      expect.objectContaining({ type: 'CALL_STARTED', callId: call.body.callId }),
      expect.objectContaining({ type: 'CALL_ID_ASSIGNED', callId: call.body.callId, platformCallId }),
    ]);

    const now = Date.parse((await service.call('GET', '/v1/clock')).body.now);
    const event = businessCallEvent(SENDER, USER, platformCallId, now + 20_000, 'NO_ANSWER');
    const unauthorised = await service.call('POST', '/webhooks/infobip', event);
    expect(unauthorised.status).toBe(401);
    const delivered = await fetch(`${service.url}/webhooks/infobip`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Webhook-Secret': WEBHOOK_SECRET },
      body: JSON.stringify(event),
    });
    expect(delivered.status).toBe(200);
    const after = await timeline();
    expect(after.rows.at(-1)).toMatchObject({ source: 'webhook', event: { type: 'CALL_UNANSWERED', callId: platformCallId, reason: 'no_answer' } });
    expect(after.now.counters.consecutiveUnanswered).toBe(1);
    expect(after.replayMatchesStore).toBe(true);
  });

  test('G1/R5: an accept without expiry is confirmed with Infobip’s permissions view before the webhook is answered (the service runs the Infobip integration)', async () => {
    const user = '447700900777';
    infobip.setPermissions(SENDER, user, { ...noPermissionView(), status: 'PERMANENT' });
    const reply = permissionReply(SENDER, user, Date.now(), { response: 'ACCEPT' });
    const answered = await fetch(`${service.url}/webhooks/infobip`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Webhook-Secret': WEBHOOK_SECRET },
      body: JSON.stringify(reply),
    });
    expect(answered.status).toBe(200);
    expect((await answered.json()).confirmations).toMatchObject([{ status: 'PERMANENT' }]);
    expect((await service.call('GET', service.relationship('permissions', SENDER, user))).body.status).toBe('PERMANENT');
    const shown = (await service.call('GET', service.relationship('timeline', SENDER, user))).body;
    expect(shown.rows.map((r: any) => `${r.source}:${r.event?.type}`)).toEqual(['webhook:PERMISSION_ACCEPTED', 'reconcile:PERMISSION_SYNCED']);
    expect(shown.replayMatchesStore).toBe(true);
  });

  test('a platform refusal (138006, G4) releases the reservation, folds Infobip’s view in and answers 409', async () => {
    infobip.script('calls', metaRefusal(138006, 'No approved call permission'));
    const refused = await service.call('POST', service.relationship('calls'));
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ outcome: 'refused-by-platform', platformCode: 138006, rules: ['G4'], error: { code: 'REFUSED_BY_PLATFORM' } });
    const shown = await timeline();
    expect(shown.now.state).toBe('noPermission');
    const types = shown.rows.filter((r: any) => r.kind === 'event').map((r: any) => `${r.source}:${r.event.type}`);
    expect(types.slice(-3)).toEqual(['api:CALL_STARTED', 'api:CALL_FAILED', 'reconcile:PERMISSION_SYNCED']);
    // The correction is a fact with its own idempotency key, shown on the timeline.
    expect(refused.body.correction).toMatchObject({ platformCode: 138006, correction: 'no-permission' });
    // Keyed by the call Infobip refused.
    const refusedCall = shown.rows.filter((r: any) => r.event?.type === 'CALL_STARTED').at(-1).event.callId;
    expect(shown.rows.at(-1).detail.factKey).toMatch(new RegExp(`^infobip:correction:138006:${refusedCall}`));
    expect(shown.replayMatchesStore).toBe(true);
  });
});
