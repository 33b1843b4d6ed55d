import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/index.js';
import { createInfobipIntegration } from '../../src/infobip/index.js';
import { HOUR_MS } from '../../src/time.js';
import { CALLS_CONFIGURATION, SENDER, startWorld, USER, WEBHOOK_SECRET, type World } from './harness.js';
import { infobipTime, metaRefusal } from './localInfobip.js';

/**
 * The integration's handle: the same one result shape as the engine's, with Infobip's refusals
 * as results too (by: 'platform'), over real HTTP against the local Infobip.
 */
describe('integration.relationship({ sender, user })', () => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(async () => {
    await world.close();
  });

  it('138012 (G2): the platform’s refusal of a call the rules allowed is { ok: false, kind: "refused", by: "platform" } with its code and retryAt', async () => {
    const pair = world.integration.relationship({ sender: `+${SENDER}`, user: USER });
    expect(pair.key).toEqual({ sender: SENDER, user: USER });
    const reply = world.infobip.replyResult(SENDER, USER, { response: 'ACCEPT', expirationTimestamp: infobipTime(world.now + 3 * 24 * HOUR_MS) });
    expect((await world.infobip.deliver(world.infobip.inboundBatch([reply]))).status).toBe(200);
    const retryAt = world.now + 5 * HOUR_MS;
    world.infobip.script('calls', metaRefusal(138012, `Business initiated calls limit reached. Currently 100. Next call allowed at ${new Date(retryAt).toISOString()}`));
    world.infobip.script('permissions', { status: 401 });
    const refused = await pair.startCall();
    expect(refused).toMatchObject({ ok: false, kind: 'refused', by: 'platform', rule: 'G2', rules: ['G2'], platformCode: 138012, detail: { correction: { platformRetryAt: retryAt } } });
    // retryAt is when the engine allows again: never before the platform's own time.
    const localRetryAt = (refused as { retryAt?: number }).retryAt!;
    expect(localRetryAt).toBeGreaterThanOrEqual(retryAt);
    // Corrected: the next call is refused by the rules, without asking Infobip, with the same time.
    expect(await pair.startCall()).toMatchObject({ ok: false, kind: 'refused', by: 'rules', rule: 'G2', retryAt: localRetryAt });
    expect(world.infobip.requestsOn('calls')).toHaveLength(1);
  });

  it('a request sent through the handle is a result of the one shape, Infobip’s receipt on it', async () => {
    const sent = await world.integration.relationship({ sender: SENDER, user: USER }).requestPermission();
    expect(sent).toMatchObject({ ok: true, kind: 'sent', via: 'template' });
    expect(world.infobip.requestsOn('template')).toHaveLength(1);
  });
});

describe('Infobip configured once', () => {
  it('the webhook counts only the events of the calls configuration the calls are placed with, without being told twice', async () => {
    const integration = createInfobipIntegration({
      infobip: { baseUrl: 'http://127.0.0.1:9', apiKey: 'k', callsConfigurationId: CALLS_CONFIGURATION, template: { name: 't', language: 'en' } },
      engine: { store: new MemoryStore(), clock: () => Date.parse('2026-04-01T10:20:00.000Z') },
      webhook: { auth: { header: 'X-Webhook-Secret', secret: WEBHOOK_SECRET } },
    });
    const event = (configuration: string) => ({
      type: 'CALL_ESTABLISHED',
      callId: 'ib-1',
      timestamp: infobipTime(Date.parse('2026-04-01T10:10:00.000Z')),
      callsConfigurationId: configuration,
      properties: { call: { direction: 'OUTBOUND', from: SENDER, endpoint: { type: 'WHATSAPP', phoneNumber: USER } } },
    });
    const post = (body: unknown) =>
      integration.handleWebhook(new Request('http://app/webhook', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Webhook-Secret': WEBHOOK_SECRET }, body: JSON.stringify(body) }));
    const other = await (await post(event('another-configuration'))).json();
    expect(other.ignored).toEqual([expect.objectContaining({ reason: 'OTHER_CALLS_CONFIGURATION' })]);
    const ours = await post(event(CALLS_CONFIGURATION));
    expect(ours.status).toBe(200);
    expect((await ours.json()).ignored ?? []).toEqual([]);
  });
});
