import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { businessCallEvent, permissionReply, userText } from './infobipPayloads.js';
import { DAY, HOUR, iso, SENDER, startTestService, T0, type TestService } from './harness.js';

/**
 * The reference service over HTTP, one service (PGlite in a temporary directory, virtual clock at
 * T0, dry-run effects) for the whole file. Each story uses its own user number; the clock is
 * shared, so each story reads it before it acts.
 */
let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(async () => {
  await service?.dispose();
});

let userCounter = 0;
/** A user number no other test touches. */
const newUser = () => `4477009${String(++userCounter).padStart(5, '0')}`;

async function clockNow(): Promise<number> {
  return Date.parse((await service.call('GET', '/v1/clock')).body.now);
}
async function timeline(user: string) {
  const { status, body } = await service.call('GET', service.relationship('timeline', SENDER, user));
  expect(status).toBe(200);
  return body;
}
async function webhook(body: unknown) {
  return service.call('POST', '/webhooks/infobip', body);
}

describe('service basics', () => {
  test('GET /health: dry run, PGlite, virtual clock at its start, infobip policy', async () => {
    const { status, body } = await service.call('GET', '/health');
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', effects: 'dry-run', store: 'pglite', where: service.dataDir, policy: 'infobip', clock: { mode: 'virtual' } });
    expect(Date.parse(body.clock.now)).toBeGreaterThanOrEqual(T0);
  });

  test('GET / serves the inspector page, its CSS and JS (nothing from elsewhere), and the statechart drawn from the machine', async () => {
    const page = await service.call('GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.body).toContain('Call permissions');
    expect(page.body).not.toMatch(/(src|href)="(https?:)?\/\//);
    const js = await service.call('GET', '/assets/inspector.js');
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    // The page's bundle (the bundler writes double quotes): it listens to the change feed.
    expect(js.body).toMatch(/new EventSource\(["']\/v1\/changes["']\)/);
    expect((await service.call('GET', '/assets/inspector.css')).headers.get('content-type')).toMatch(/^text\/css/);
    for (const path of ['/v1/statechart/compact.svg', '/v1/statechart.svg']) {
      const svg = await service.call('GET', path);
      expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
      for (const state of ['noPermission', 'requested', 'granted', 'prompted', 'revoked']) expect(svg.body).toContain(`id="state&#45;${state}"`);
    }
  });

  test('unknown routes are 404 and wrong methods 405 with Allow, in the one error shape', async () => {
    const missing = await service.call('GET', '/v2/nothing');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'NOT_FOUND', path: null });
    const wrong = await service.call('DELETE', '/health');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
    expect(wrong.body.error).toMatchObject({ code: 'METHOD_NOT_ALLOWED', path: 'method' });
    const webhookGet = await service.call('GET', '/webhooks/infobip');
    expect(webhookGet.status).toBe(405);
    expect(webhookGet.headers.get('allow')).toBe('POST');
  });
});

describe('commands: permission requests and calls', () => {
  test('R3: outside the session window a request goes out as a template; the dry run records what would have been sent', async () => {
    const user = newUser();
    const sent = await service.call('POST', service.relationship('permission-requests', SENDER, user));
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ outcome: 'sent', via: 'template', receipt: { dryRun: true, wouldSend: { method: 'POST', path: '/whatsapp/1/message/template' } } });
    expect(sent.body.receipt.wouldSend.body.messages[0]).toMatchObject({ from: SENDER, to: user, messageId: sent.body.requestId });

    const shown = await timeline(user);
    expect(shown.now.state).toBe('requested');
    expect(shown.rows).toHaveLength(1);
    expect(shown.rows[0]).toMatchObject({ kind: 'event', source: 'api', stateBefore: 'noPermission', stateAfter: 'requested', event: { type: 'REQUEST_SENT', requestId: sent.body.requestId } });
    expect(shown.rows[0].detail.receipt.wouldSend.path).toBe('/whatsapp/1/message/template');
    expect(shown.replayMatchesStore).toBe(true);
  });

  test('R3/W1: after the user writes (a webhook), the request goes out as the interactive message', async () => {
    const user = newUser();
    const wrote = await webhook(userText(SENDER, user, await clockNow()));
    expect(wrote.status).toBe(200);
    expect(wrote.body.counts).toEqual({ recorded: 1, duplicates: 0, ignored: 0 });
    const sent = await service.call('POST', service.relationship('permission-requests', SENDER, user));
    expect(sent.body).toMatchObject({ outcome: 'sent', via: 'interactive', receipt: { wouldSend: { path: '/whatsapp/1/message/interactive/call-permission-request' } } });
  });

  test('R1: a second request within 24 h is refused with 409, the rule and when it will be allowed; nothing is counted or sent', async () => {
    const user = newUser();
    const first = await service.call('POST', service.relationship('permission-requests', SENDER, user));
    expect(first.status).toBe(201);
    const second = await service.call('POST', service.relationship('permission-requests', SENDER, user));
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ outcome: 'refused', refusal: { rule: 'R1', retryAt: iso(Date.parse(first.body.at) + DAY) }, error: { code: 'REFUSED_R1', path: null } });

    const view = (await service.call('GET', service.relationship('permissions', SENDER, user))).body;
    expect(view.actions[0]).toMatchObject({ name: 'SEND_CALL_PERMISSION_REQUEST', canPerformAction: false, limits: [{ timePeriod: 'PT24H', currentUsage: 1 }, { timePeriod: 'P7D', currentUsage: 1 }] });
    const shown = await timeline(user);
    expect(shown.rows.map((r: any) => r.kind)).toEqual(['event', 'refusal']);
    expect(shown.rows[1]).toMatchObject({ action: 'request', rule: 'R1', state: 'requested' });
  });

  test('G4: no business call without permission (409, nothing reserved)', async () => {
    const user = newUser();
    const refused = await service.call('POST', service.relationship('calls', SENDER, user));
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ outcome: 'refused', refusal: { rule: 'G4' }, error: { code: 'REFUSED_G4' } });
    const view = (await service.call('GET', service.relationship('permissions', SENDER, user))).body;
    expect(view.actions[1].limits[0].currentUsage).toBe(0);
  });

  test('G1, M1, M2: accepted by webhook, four calls placed through the API and missed by webhook: granted → prompted → revoked', async () => {
    const user = newUser();
    let now = await clockNow();
    expect((await service.call('POST', service.relationship('permission-requests', SENDER, user))).status).toBe(201);
    expect((await webhook(permissionReply(SENDER, user, now + 60_000, { response: 'ACCEPT' }))).status).toBe(200);
    // Under the infobip preset an accept without an expiry is a 7-day grant until the platform confirms PERMANENT.
    expect((await service.call('GET', service.relationship('permissions', SENDER, user))).body.status).toBe('TEMPORARY');

    const states: string[] = [];
    for (let miss = 1; miss <= 4; miss++) {
      await service.call('POST', '/v1/clock', { advance: 'PT1H' });
      now = await clockNow();
      const call = await service.call('POST', service.relationship('calls', SENDER, user));
      expect(call.status).toBe(201);
      expect(call.body.receipt.wouldSend).toMatchObject({ path: '/calls/1/calls', body: { externalId: call.body.callId } });
      const missed = await webhook(businessCallEvent(SENDER, user, call.body.callId, now + 30_000, 'NO_ANSWER'));
      expect(missed.body.facts).toEqual([expect.objectContaining({ type: 'CALL_UNANSWERED', outcome: 'recorded' })]);
      const shown = await timeline(user);
      states.push(`${shown.now.state}:${shown.now.counters.consecutiveUnanswered}`);
    }
    expect(states).toEqual(['granted:1', 'prompted:2', 'prompted:3', 'revoked:4']);

    const view = (await service.call('GET', service.relationship('permissions', SENDER, user))).body;
    expect(view.status).toBe('NO_PERMISSION');
    expect(view.actions[1].canPerformAction).toBe(false);
    const shown = await timeline(user);
    expect(shown.replayMatchesStore).toBe(true);
    expect(shown.rows.filter((r: any) => r.kind === 'event').map((r: any) => r.event.type)).toEqual([
      'REQUEST_SENT',
      'PERMISSION_ACCEPTED',
      ...Array(4).fill(['CALL_STARTED', 'CALL_UNANSWERED']).flat(),
    ]);
    expect(shown.rows.at(-1)).toMatchObject({ source: 'webhook', stateBefore: 'prompted', stateAfter: 'revoked' });
  });

  test('G2/G3: a connected call (CALL_ESTABLISHED) holds a call slot and resets the request limits', async () => {
    const user = newUser();
    await service.call('POST', service.relationship('permission-requests', SENDER, user));
    const now = await clockNow();
    await webhook(permissionReply(SENDER, user, now + 1000, { response: 'ACCEPT' }));
    await service.call('POST', '/v1/clock', { advance: 'PT1M' });
    const call = await service.call('POST', service.relationship('calls', SENDER, user));
    await webhook(businessCallEvent(SENDER, user, call.body.callId, now + 2 * 60_000, 'ESTABLISHED'));
    const view = (await service.call('GET', service.relationship('permissions', SENDER, user))).body;
    expect(view.actions[1].limits[0]).toMatchObject({ timePeriod: 'PT24H', maxAllowed: 100, currentUsage: 1 });
    expect(view.actions[0].limits.map((l: any) => l.currentUsage)).toEqual([0, 0]);
  });
});

describe('the virtual clock', () => {
  test('G1: a temporary grant expires as the clock passes it: no webhook announces it, the sweep records a CLOCK', async () => {
    const user = newUser();
    const start = await clockNow();
    const accepted = await service.call('POST', service.relationship('events', SENDER, user), { type: 'PERMISSION_ACCEPTED', permanent: false });
    expect(accepted.status).toBe(201);
    expect(accepted.body).toMatchObject({ previousState: 'noPermission', state: 'granted', changed: true });
    const granted = (await service.call('GET', service.relationship('permissions', SENDER, user))).body;
    expect(granted).toMatchObject({ status: 'TEMPORARY', expirationTime: iso(start + 7 * DAY) });

    const moved = await service.call('POST', '/v1/clock', { advance: 'P7D' });
    expect(moved.status).toBe(200);
    expect(moved.body.now).toBe(iso(start + 7 * DAY));
    expect(moved.body.relationshipsMoved).toBeGreaterThanOrEqual(1);

    const shown = await timeline(user);
    expect(shown.now.state).toBe('noPermission');
    expect(shown.rows.at(-1)).toMatchObject({ kind: 'event', source: 'clock', event: { type: 'CLOCK', at: iso(start + 7 * DAY) }, stateBefore: 'granted', stateAfter: 'noPermission' });
    expect(shown.replayMatchesStore).toBe(true);
  });

  test('POST /v1/clock {"at": …} moves to a time; GET /v1/clock tells it', async () => {
    const now = await clockNow();
    const moved = await service.call('POST', '/v1/clock', { at: iso(now + 2 * HOUR) });
    expect(moved.body).toMatchObject({ mode: 'virtual', now: iso(now + 2 * HOUR) });
    expect((await service.call('GET', '/v1/clock')).body).toEqual({ mode: 'virtual', now: iso(now + 2 * HOUR) });
  });
});

describe('reads', () => {
  test('GET …/permissions is the Infobip-shaped view, at the service clock or at ?at=', async () => {
    const user = newUser();
    const now = await clockNow();
    await service.call('POST', service.relationship('events', SENDER, user), { type: 'PERMISSION_ACCEPTED', expiresAt: iso(now + DAY) });
    const view = (await service.call('GET', service.relationship('permissions', SENDER, user))).body;
    expect(view).toEqual({
      status: 'TEMPORARY',
      expirationTime: iso(now + DAY),
      actions: [
        {
          name: 'SEND_CALL_PERMISSION_REQUEST',
          canPerformAction: true,
          limits: [
            { timePeriod: 'PT24H', maxAllowed: 1, currentUsage: 0 },
            { timePeriod: 'P7D', maxAllowed: 2, currentUsage: 0 },
          ],
        },
        { name: 'START_CALL', canPerformAction: true, limits: [{ timePeriod: 'PT24H', maxAllowed: 100, currentUsage: 0 }] },
      ],
    });
    const later = (await service.call('GET', `${service.relationship('permissions', SENDER, user)}?at=${encodeURIComponent(iso(now + DAY))}`)).body;
    expect(later.status).toBe('NO_PERMISSION');
  });

  test('GET /v1/relationships lists what the store holds, most recently changed first', async () => {
    const user = newUser();
    await service.call('POST', service.relationship('events', SENDER, user), { type: 'USER_MESSAGE' });
    const { status, body } = await service.call('GET', '/v1/relationships?limit=1000');
    expect(status).toBe(200);
    expect(body.relationships[0]).toMatchObject({ sender: SENDER, user, state: 'noPermission' });
    expect(body.relationships.length).toBeGreaterThan(1);
  });

  test('a relationship never seen has an empty timeline in noPermission, and is not created by looking', async () => {
    const user = newUser();
    const shown = await timeline(user);
    expect(shown).toMatchObject({ stored: false, rows: [], replayMatchesStore: true, now: { state: 'noPermission' } });
    const list = (await service.call('GET', '/v1/relationships?limit=1000')).body.relationships;
    expect(list.some((r: any) => r.user === user)).toBe(false);
  });

  test('the change feed (server-sent events) tells the page when a relationship changes', async () => {
    const user = newUser();
    const controller = new AbortController();
    const response = await fetch(`${service.url}/v1/changes`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    try {
      await service.call('POST', service.relationship('events', SENDER, user), { type: 'USER_MESSAGE' });
      let text = '';
      // Bounded: a handful of chunks (the greeting, then the change), each well within the test timeout.
      for (let chunk = 0; chunk < 10 && !text.includes(user); chunk++) text += (await reader.read()).value ?? '';
      const change = text.split('\n').find((line) => line.startsWith('data: ') && line.includes(user));
      expect(JSON.parse(change!.slice(6))).toEqual({ type: 'relationship', sender: SENDER, user });
    } finally {
      controller.abort();
    }
  });
});

describe('webhooks', () => {
  test('a webhook delivered twice is recorded once (its fact key)', async () => {
    const user = newUser();
    const reply = permissionReply(SENDER, user, await clockNow(), { response: 'ACCEPT' });
    expect((await webhook(reply)).body.counts).toEqual({ recorded: 1, duplicates: 0, ignored: 0 });
    expect((await webhook(reply)).body.counts).toEqual({ recorded: 0, duplicates: 1, ignored: 0 });
    expect((await timeline(user)).rows).toHaveLength(1);
  });
});

describe('bad input: a clear JSON error naming the field, a 4xx, and nothing stored', () => {
  const bad = (user: string) => [
    { name: 'an event without a body', method: 'POST', path: service.relationship('events', SENDER, user), status: 400, code: 'INVALID_BODY', at: 'body' },
    { name: 'an event that is an array', method: 'POST', path: service.relationship('events', SENDER, user), body: [1], status: 400, code: 'INVALID_BODY', at: 'body' },
    { name: 'an event that is not JSON', method: 'POST', path: service.relationship('events', SENDER, user), raw: '{"type":', status: 400, code: 'INVALID_JSON', at: 'body' },
    { name: 'an event sent as text/plain', method: 'POST', path: service.relationship('events', SENDER, user), raw: '{"type":"USER_MESSAGE"}', contentType: 'text/plain', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', at: 'content-type' },
    { name: 'an unknown event type', method: 'POST', path: service.relationship('events', SENDER, user), body: { type: 'CALL_MAYBE' }, status: 400, code: 'UNKNOWN_EVENT_TYPE', at: 'body.type' },
    { name: 'a time without a zone', method: 'POST', path: service.relationship('events', SENDER, user), body: { type: 'USER_MESSAGE', at: '2026-04-06 09:00' }, status: 400, code: 'INVALID_TIME', at: 'body.at' },
    { name: 'a time in epoch seconds', method: 'POST', path: service.relationship('events', SENDER, user), body: { type: 'USER_MESSAGE', at: 1_775_466_000 }, status: 400, code: 'INVALID_TIME', at: 'body.at' },
    { name: 'an unanswered call with an unknown reason', method: 'POST', path: service.relationship('events', SENDER, user), body: { type: 'CALL_UNANSWERED', callId: 'c1', reason: 'asleep' }, status: 400, code: 'INVALID_EVENT', at: 'body.reason' },
    { name: 'a permanent accept with an expiry', method: 'POST', path: service.relationship('events', SENDER, user), body: { type: 'PERMISSION_ACCEPTED', permanent: true, expiresAt: iso(T0 + 30 * DAY) }, status: 400, code: 'INVALID_EVENT', at: 'body.expiresAt' },
    { name: 'a sender that is not a phone number', method: 'POST', path: service.relationship('events', 'sales', user), body: { type: 'USER_MESSAGE' }, status: 400, code: 'INVALID_PHONE_NUMBER', at: 'sender' },
    { name: 'a user number too short', method: 'POST', path: service.relationship('permission-requests', SENDER, '+1234'), status: 400, code: 'INVALID_PHONE_NUMBER', at: 'user' },
    { name: 'a request with a body (the engine decides the channel)', method: 'POST', path: service.relationship('permission-requests', SENDER, user), body: { via: 'interactive' }, status: 400, code: 'UNKNOWN_FIELD', at: 'body.via' },
    { name: 'a call whose body is not JSON', method: 'POST', path: service.relationship('calls', SENDER, user), raw: 'now please', status: 400, code: 'INVALID_JSON', at: 'body' },
    { name: 'a view at a time that is not one', method: 'GET', path: `${service.relationship('permissions', SENDER, user)}?at=soon`, status: 400, code: 'INVALID_TIME', at: 'at' },
    { name: 'a webhook that is neither messages nor a call event', method: 'POST', path: '/webhooks/infobip', body: {}, status: 400, code: 'INVALID_WEBHOOK', at: 'body' },
    { name: 'a reply from a number that is not one', method: 'POST', path: '/webhooks/infobip', body: permissionReply(SENDER, 'someone', T0, { response: 'ACCEPT' }), status: 400, code: 'INVALID_WEBHOOK', at: 'results[0].from' },
    { name: 'a clock move by a month (no fixed length)', method: 'POST', path: '/v1/clock', body: { advance: 'P1M' }, status: 400, code: 'INVALID_DURATION', at: 'body.advance' },
    { name: 'a clock move both ways at once', method: 'POST', path: '/v1/clock', body: { advance: 'P1D', at: iso(T0 + 60 * DAY) }, status: 400, code: 'INVALID_BODY', at: 'body' },
    { name: 'a clock move backwards', method: 'POST', path: '/v1/clock', body: { at: iso(T0 - DAY) }, status: 400, code: 'CLOCK_BACKWARDS', at: 'body.at' },
    { name: 'a clock move with an unknown field', method: 'POST', path: '/v1/clock', body: { speed: 2 }, status: 400, code: 'UNKNOWN_FIELD', at: 'body.speed' },
    { name: 'a list limit of 0', method: 'GET', path: '/v1/relationships?limit=0', status: 400, code: 'INVALID_LIMIT', at: 'limit' },
    { name: 'a body over 64 KiB', method: 'POST', path: service.relationship('events', SENDER, user), raw: JSON.stringify({ type: 'USER_MESSAGE', pad: 'x'.repeat(70_000) }), status: 413, code: 'BODY_TOO_LARGE', at: 'body' },
  ];

  test('each is refused with its status, code and path; the store, the log and the clock are untouched', async () => {
    const user = newUser();
    const before = {
      list: (await service.call('GET', '/v1/relationships?limit=1000')).body,
      clock: (await service.call('GET', '/v1/clock')).body,
    };
    for (const c of bad(user)) {
      const answer = await service.call(c.method, c.path, 'body' in c ? c.body : undefined, 'raw' in c ? { raw: c.raw!, contentType: (c as { contentType?: string }).contentType } : {});
      expect({ case: c.name, status: answer.status, code: answer.body.error?.code, path: answer.body.error?.path }).toEqual({ case: c.name, status: c.status, code: c.code, path: c.at });
      expect(typeof answer.body.error.message, c.name).toBe('string');
    }
    expect((await service.call('GET', '/v1/relationships?limit=1000')).body).toEqual(before.list);
    expect((await service.call('GET', '/v1/clock')).body).toEqual(before.clock);
    expect(await timeline(user)).toMatchObject({ stored: false, rows: [] });
  });

  test('a fact later than the late-event tolerance (7 days before the relationship clock) is 422 EVENT_TOO_LATE, nothing stored', async () => {
    const user = newUser();
    const now = await clockNow();
    await service.call('POST', service.relationship('events', SENDER, user), { type: 'USER_MESSAGE' });
    const late = await service.call('POST', service.relationship('events', SENDER, user), { type: 'PERMISSION_REVOKED', at: iso(now - 8 * DAY) });
    expect(late.status).toBe(422);
    expect(late.body.error).toMatchObject({ code: 'EVENT_TOO_LATE', path: 'body.at' });
    const shown = await timeline(user);
    expect(shown.rows.map((r: any) => r.event.type)).toEqual(['USER_MESSAGE']);
  });
});
