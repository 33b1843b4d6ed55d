import { expect } from 'vitest';
import { infobipTime, LocalInfobip } from '../infobip/localInfobip.js';

/**
 * What every example is put through: a local Infobip on 127.0.0.1 stands in for Infobip (it receives
 * the permission request and the call, and delivers the webhooks with the subscription's basic
 * credentials); the example runs on its own free loopback port. Nothing leaves the machine.
 */
export const SENDER = '441134960000';
export const USER = '447700900123';
const CREDENTIALS = { username: 'infobip', password: 'webhook-password-0123456789' };
const API_KEY = 'example-api-key-0123456789';
const CALLS_CONFIGURATION = 'example-calls-configuration';

export interface ExampleWorld {
  readonly infobip: LocalInfobip;
  /** The variables an example reads (examples/integration.ts), pointing at the local Infobip. */
  readonly environment: Record<string, string>;
  close(): Promise<void>;
}

export async function startExampleWorld(): Promise<ExampleWorld> {
  const infobip = await LocalInfobip.start({ apiKey: API_KEY, callsConfigurationId: CALLS_CONFIGURATION });
  return {
    infobip,
    environment: {
      INFOBIP_BASE_URL: infobip.baseUrl,
      INFOBIP_API_KEY: API_KEY,
      INFOBIP_CALLS_CONFIGURATION_ID: CALLS_CONFIGURATION,
      INFOBIP_TEMPLATE_NAME: 'call_permission_request',
      INFOBIP_WEBHOOK_USERNAME: CREDENTIALS.username,
      INFOBIP_WEBHOOK_PASSWORD: CREDENTIALS.password,
    },
    close: () => infobip.close(),
  };
}

/** A temporary accept as Infobip delivers it: with its expiry, seven days on (G1). */
export function temporaryAccept(infobip: LocalInfobip, requestId?: string) {
  const expirationTimestamp = infobipTime(Date.now() + 7 * 86_400_000);
  return infobip.inboundBatch([infobip.replyResult(SENDER, USER, { response: 'ACCEPT', expirationTimestamp, ...(requestId ? { pairedMessageId: requestId } : {}) })]);
}

export const basicAuthorization = (username = CREDENTIALS.username, password = CREDENTIALS.password) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

async function call(method: string, url: string, init: { body?: string; headers?: Record<string, string> } = {}) {
  const response = await fetch(url, { method, ...init, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: response.status, headers: response.headers, body };
}

/**
 * The whole story through an example's own routes and its webhook URL: a permission request goes
 * out as a template (R3), Infobip delivers the user's accept (G1) — twice, counted once — the call
 * placed on it is not answered (M1's count), and what the example answers to a stranger, to a body
 * that is not JSON and to a malformed number. Every step checks what the example says back.
 */
export async function exerciseExample(world: ExampleWorld, baseUrl: string): Promise<void> {
  const { infobip } = world;
  const relationship = `${baseUrl}/relationships/${SENDER}/${USER}`;
  infobip.deliverTo({ url: `${baseUrl}/infobip/webhook`, headers: { Authorization: basicAuthorization() } });

  const sent = await call('POST', `${relationship}/permission-requests`);
  expect(sent).toMatchObject({ status: 201, body: { outcome: 'sent', via: 'template' } });
  expect(infobip.requestsOn('template')).toHaveLength(1);

  const reply = temporaryAccept(infobip, sent.body.requestId);
  const accepted = await infobip.deliver(reply);
  expect(accepted).toMatchObject({ status: 200, body: { kind: 'messages', counts: { recorded: 1, duplicates: 0, ignored: 0 } } });
  expect(accepted.body.facts).toEqual([expect.objectContaining({ type: 'PERMISSION_ACCEPTED', outcome: 'recorded' })]);
  const again = await infobip.deliver(reply);
  expect(again).toMatchObject({ status: 200, body: { counts: { recorded: 0, duplicates: 1 } } });

  const view = await call('GET', `${relationship}/permissions`);
  expect(view).toMatchObject({ status: 200, body: { status: 'TEMPORARY' } });
  expect(Date.parse(view.body.expirationTime) - Date.now()).toBeGreaterThan(6 * 86_400_000);

  const started = await call('POST', `${relationship}/calls`);
  expect(started).toMatchObject({ status: 201, body: { outcome: 'started' } });
  const [placed] = [...infobip.calls.values()];
  expect(placed).toMatchObject({ from: SENDER, to: USER });
  const missed = await infobip.deliver(infobip.callEvent('CALL_FINISHED', placed!.id, { errorName: 'NO_ANSWER' }));
  expect(missed).toMatchObject({ status: 200, body: { kind: 'call', counts: { recorded: 1 } } });
  expect(missed.body.facts).toEqual([expect.objectContaining({ type: 'CALL_UNANSWERED', outcome: 'recorded' })]);

  const stranger = await infobip.deliver(reply, { headers: { Authorization: basicAuthorization('infobip', 'guess') } });
  expect(stranger.status).toBe(401);
  expect(stranger.body.error.code).toBe('WEBHOOK_UNAUTHORIZED');
  const notJson = await infobip.deliver(undefined, { raw: '{"results": [' });
  expect(notJson).toMatchObject({ status: 400, body: { error: { code: 'WEBHOOK_NOT_JSON', path: 'body' } } });

  const badNumber = await call('POST', `${baseUrl}/relationships/${SENDER}/not-a-number/calls`);
  expect(badNumber.status).toBe(400);
  expect(badNumber.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
}
