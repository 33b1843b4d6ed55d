import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../src/time.js';
import { infobipTime } from './localInfobip.js';
import { SENDER, startWorld, USER, type World } from './harness.js';

/**
 * The whole story over real HTTP on loopback: the application's engine talks to the local
 * Infobip through the Infobip effects, and the local Infobip answers through webhooks delivered to
 * the application's node:http server.
 */
describe('Infobip end to end over HTTP', () => {
  let world: World;
  beforeEach(async () => {
    // The seed's numbers (G2: 5 connected calls per 24 h), so the story reaches the cap.
    world = await startWorld({ policy: 'infobip-seed' });
  });
  afterEach(async () => {
    await world.close();
  });

  async function placeAndReport(outcome: 'CONNECTED' | 'NO_ANSWER' | 'BUSY' | 'REJECTED'): Promise<string> {
    const started = await world.integration.startCall(SENDER, USER);
    if (started.outcome !== 'started') throw new Error(`expected a call, got ${JSON.stringify(started)}`);
    const platformCallId = started.receipt!.platformCallId!;
    if (outcome === 'CONNECTED') {
      expect((await world.infobip.deliver(world.infobip.callEvent('CALL_ESTABLISHED', platformCallId))).status).toBe(200);
      world.advance(60_000);
      const finished = await world.infobip.deliver(world.infobip.callEvent('CALL_FINISHED', platformCallId, { errorName: 'NORMAL_HANGUP', answered: true }));
      expect(finished.body.counts).toEqual({ recorded: 0, duplicates: 1, ignored: 0 }); // the established call's outcome is known
    } else {
      world.advance(30_000);
      expect((await world.infobip.deliver(world.infobip.callEvent('CALL_FINISHED', platformCallId, { errorName: outcome }))).status).toBe(200);
    }
    world.advance(60_000);
    return platformCallId;
  }

  it('R3 G1 G2 M1 M2 U2: message → interactive request → accept webhook → 5 calls → 6th refused → misses prompt, then revoke', async () => {
    const { integration, infobip } = world;

    // W1: the user writes first, so the request may go out as the free-form interactive message (R3).
    const message = await infobip.deliver(infobip.inboundBatch([infobip.inboundResult(SENDER, USER, { type: 'TEXT', text: 'hi' })]));
    expect(message.status).toBe(200);
    expect(message.body.counts.recorded).toBe(1);

    const sent = await integration.requestPermission(SENDER, USER);
    expect(sent).toMatchObject({ outcome: 'sent', via: 'interactive' });
    const requestId = (sent as { requestId: string }).requestId;
    const [interactive] = infobip.requestsOn('interactive');
    expect(interactive!.body).toEqual({ from: SENDER, to: USER, messageId: requestId });
    expect(interactive!.authorization).toBe(`App ${world.integration.client.config.apiKey}`);

    // G1: the user accepts; the reply names our request and carries its expiry.
    world.advance(5 * 60_000);
    const expiry = world.now + 7 * 24 * HOUR_MS;
    const accepted = await infobip.deliver(
      infobip.inboundBatch([infobip.replyResult(SENDER, USER, { response: 'ACCEPT', expirationTimestamp: infobipTime(expiry), pairedMessageId: requestId })]),
    );
    expect(accepted.status).toBe(200);
    expect(await integration.engine.permissions(SENDER, USER)).toMatchObject({ status: 'TEMPORARY', expirationTime: new Date(expiry).toISOString() });

    // G2: five connected calls in 24 h…
    for (let i = 0; i < 5; i++) await placeAndReport('CONNECTED');
    expect(infobip.requestsOn('calls')).toHaveLength(5);
    for (const request of infobip.requestsOn('calls'))
      expect(request.body).toMatchObject({ endpoint: { type: 'WHATSAPP', phoneNumber: USER }, from: SENDER, callsConfigurationId: 'calls-config-1' });

    // …and the sixth is refused locally, never reaching Infobip.
    const sixth = await integration.startCall(SENDER, USER);
    expect(sixth).toMatchObject({ outcome: 'refused', refusal: { rule: 'G2' } });
    expect(infobip.requestsOn('calls')).toHaveLength(5);

    // A day later the window has freed; now the calls go unanswered.
    world.advance(24 * HOUR_MS);
    await placeAndReport('NO_ANSWER');
    expect((await integration.engine.snapshot(SENDER, USER))!.value).toBe('granted');
    await placeAndReport('BUSY');
    // M1: two consecutive misses → the user is prompted.
    expect((await integration.engine.snapshot(SENDER, USER))!.value).toBe('prompted');
    await placeAndReport('NO_ANSWER');
    expect((await integration.engine.snapshot(SENDER, USER))!.value).toBe('prompted');
    await placeAndReport('REJECTED');
    // M2: four consecutive misses → revoked.
    expect((await integration.engine.snapshot(SENDER, USER))!.value).toBe('revoked');

    // M2: the platform's automatic reject that follows does not count twice.
    const automatic = await infobip.deliver(
      infobip.inboundBatch([infobip.replyResult(SENDER, USER, { response: 'REJECT', meta: { response_source: 'automatic' } })]),
    );
    expect(automatic.status).toBe(200);
    const after = await integration.engine.snapshot(SENDER, USER);
    expect(after!.value).toBe('revoked');
    expect(after!.context.unanswered).toBe(4);

    // G4: no call while revoked; nothing reaches Infobip.
    expect(await integration.startCall(SENDER, USER)).toMatchObject({ outcome: 'refused', refusal: { rule: 'G4' } });
    expect(infobip.requestsOn('calls')).toHaveLength(9);

    // U2: a new request may go out from revoked (G3 reset the request limits at the last connected call).
    expect(await integration.requestPermission(SENDER, USER)).toMatchObject({ outcome: 'sent' });
  });

  it('R3: outside the 24 h window the request goes out as the configured template', async () => {
    const sent = await world.integration.requestPermission(SENDER, USER);
    expect(sent).toMatchObject({ outcome: 'sent', via: 'template' });
    const [template] = world.infobip.requestsOn('template');
    expect(template!.body).toEqual({
      messages: [
        {
          from: SENDER,
          to: USER,
          messageId: (sent as { requestId: string }).requestId,
          content: { templateName: 'call_permission_request', templateData: { body: { placeholders: ['Acme'] } }, language: 'en' },
        },
      ],
    });
    expect((sent as { receipt: { bulkId?: string } }).receipt.bulkId).toMatch(/^bulk-/);
  });

  it('G3 W1: a call from the user opens the window and, once connected, resets the request limits', async () => {
    const { integration, infobip } = world;
    expect(await integration.requestPermission(SENDER, USER)).toMatchObject({ outcome: 'sent', via: 'template' });
    world.advance(HOUR_MS);
    expect(await integration.requestPermission(SENDER, USER)).toMatchObject({ outcome: 'refused', refusal: { rule: 'R1' } });

    const received = await infobip.deliver(infobip.callEvent('CALL_RECEIVED', 'ib-user-call-1', { direction: 'INBOUND', sender: SENDER, user: USER }));
    expect(received.body.facts).toEqual([{ path: 'type', type: 'USER_CALL_RECEIVED', factKey: 'infobip:call:ib-user-call-1:received', outcome: 'recorded' }]);
    // The established event of the user's call names no numbers: the handler remembered them at CALL_RECEIVED.
    world.advance(10_000);
    const established = await infobip.deliver(infobip.callEvent('CALL_ESTABLISHED', 'ib-user-call-1', { direction: 'INBOUND', withNumbers: false }));
    expect(established.body.facts.map((f: { type: string; outcome: string }) => [f.type, f.outcome])).toEqual([
      ['USER_CALL_RECEIVED', 'duplicate'],
      ['USER_CALL_CONNECTED', 'recorded'],
    ]);

    world.advance(60_000);
    expect(await integration.requestPermission(SENDER, USER)).toMatchObject({ outcome: 'sent', via: 'interactive' });
  });
});
