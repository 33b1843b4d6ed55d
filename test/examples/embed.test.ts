import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEmbeddedEngine } from '../../examples/embed/engine.ts';
import { runJourney } from '../../examples/embed/journey.ts';
import { MemoryKeyValue } from '../../examples/own-store/keyValueStore.ts';

/*
 * examples/embed: the engine over the host's own store (examples/own-store) and effects (its own
 * HTTP client to a calling platform). A loopback server on 127.0.0.1 stands in for the platform and
 * says what it received; it can refuse (4xx), fail (5xx) or hang. Nothing leaves the machine.
 */
const API_KEY = 'platform-key-0123';
let server: Server;
let baseUrl: string;
let received: { path: string; auth: string | undefined; body: Record<string, unknown> }[] = [];
let answer: (path: string) => { status: number; body?: unknown } | 'hang' = () => ({ status: 201 });

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      const path = req.url ?? '';
      received.push({ path, auth: req.headers.authorization, body: JSON.parse(text) as Record<string, unknown> });
      const reply = answer(path);
      if (reply === 'hang') return;
      res.writeHead(reply.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(reply.body ?? { id: `p-${received.length}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  received = [];
  answer = () => ({ status: 201 });
});

describe('examples/embed: your own store and effects', () => {
  it('the journey: refusals name their rule, the request and the call go out through the host client, a redelivery counts once, tick() expires the grant', async () => {
    const lines = await runJourney({ baseUrl, apiKey: API_KEY });
    expect(lines).toEqual([
      expect.stringMatching(/^call before any permission: refused by rules: G4 — /),
      expect.stringMatching(/^permission request: sent as template \(.+\), platform id p-1$/),
      expect.stringMatching(/^a second request an hour later: refused by rules: R1 — /),
      '  allowed again at: 2026-04-02T10:00:00.000Z',
      'the user accepts (delivered twice): recorded → granted, then duplicate',
      expect.stringMatching(/^a call: started \(.+\), platform id p-2$/),
      expect.stringMatching(/^a second call while the first rings: refused by rules: G6 — /),
      'the call is answered: TEMPORARY',
      'engine.tick() a week later: 1 moved (1 looked at) → noPermission',
      expect.stringMatching(/^a call after the grant expired: refused by rules: G4 — /),
    ]);
    expect(received.map((r) => r.path)).toEqual(['/v1/permission-requests', '/v1/calls']);
    expect(received.every((r) => r.auth === `Bearer ${API_KEY}`)).toBe(true);
    expect(received[0]!.body).toMatchObject({ from: '441134960000', to: '447700900123', channel: 'template' });
  });

  it("the platform's refusal (4xx) releases the reservation; a 5xx or no answer keeps it (it may have gone out)", async () => {
    const now = Date.UTC(2026, 3, 1, 10);
    const engine = createEmbeddedEngine({ keyValue: new MemoryKeyValue(), platform: { baseUrl, apiKey: API_KEY, timeoutMs: 300 }, clock: () => now });
    const pair = (user: string) => engine.relationship({ sender: '441134960000', user });

    answer = () => ({ status: 400, body: { error: { code: 'BAD_NUMBER', message: 'not a WhatsApp user' } } });
    const refused = await pair('447700900124').requestPermission();
    expect(refused).toMatchObject({ ok: false, kind: 'failed', outcomeUnknown: false, reservationReleased: true });
    expect(String((refused as { error: Error }).error.cause)).toContain('BAD_NUMBER');
    expect((await pair('447700900124').snapshot())?.context.requests ?? []).toHaveLength(0);

    answer = () => ({ status: 503 });
    expect(await pair('447700900125').requestPermission()).toMatchObject({ ok: false, kind: 'failed', outcomeUnknown: true, reservationReleased: false });
    answer = () => 'hang';
    expect(await pair('447700900126').requestPermission()).toMatchObject({ ok: false, kind: 'failed', outcomeUnknown: true, reservationReleased: false });
    // Both kept: counted, as a send that may have happened must be, so the next request meets the rules.
    for (const user of ['447700900125', '447700900126']) {
      expect((await pair(user).snapshot())?.context.requests).toHaveLength(1);
      expect(await pair(user).requestPermission()).toMatchObject({ ok: false, kind: 'refused', by: 'rules' });
    }
    expect(received).toHaveLength(3);
  });
});
