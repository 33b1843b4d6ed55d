import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openChangeStream } from './changeStream.js';
import { DAY, iso, SENDER, T0 } from './harness.js';
import { businessCallEvent, permissionReply, userText } from './infobipPayloads.js';
import { createScratchDatabase, type ScratchDatabase } from './scratchDatabase.js';

// `.ci/run` starts a throwaway PostgreSQL cluster and sets DATABASE_URL (see .ci/postgres.sh).
const serverUrl = process.env.DATABASE_URL;
if (!serverUrl) console.info('[test/service] skipping the 3-instance fleet test: DATABASE_URL is not set (run it with `.ci/postgres.sh run -- npx vitest run test/service`)');

const ROOT = resolve(import.meta.dirname, '../..');
const START_TIMEOUT_MS = 30_000;
/** A fleet shares its API token and its webhook credential (docs/service.md, Security): every instance accepts both. */
const API_TOKEN = `fleet-${'0123456789abcdef'.repeat(3)}`;
const WEBHOOK_HEADER = 'X-Fleet-Webhook-Secret';
const WEBHOOK_SECRET = 'fleet-webhook-secret-0123456789';
const STOP_TIMEOUT_MS = 5_000;

interface Instance {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
  readonly output: string[];
}

/** Every child this file started, killed (their whole process group) if the test process leaves without stopping them. */
const children = new Set<ChildProcess>();
function killAll(signal: NodeJS.Signals) {
  for (const child of children) {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // Gone already.
    }
  }
}
process.once('exit', () => killAll('SIGKILL'));

/** `npm start` as an operator runs it (`unrun src/service/main.ts`), on a free port, on the fleet's database. */
async function startInstance(name: string, databaseUrl: string): Promise<Instance> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    PORT: '0',
    WACP_CLOCK: 'virtual',
    WACP_CLOCK_START: iso(T0),
    // The seed's G2 of 5: the concurrent-call burst below is sized to it.
    WACP_POLICY: 'infobip-seed',
    WACP_API_TOKEN: API_TOKEN,
    INFOBIP_WEBHOOK_HEADER: WEBHOOK_HEADER,
    INFOBIP_WEBHOOK_SECRET: WEBHOOK_SECRET,
  };
  delete env.WACP_DATA_DIR;
  const child = spawn(resolve(ROOT, 'node_modules/.bin/unrun'), ['src/service/main.ts'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const output: string[] = [];
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${START_TIMEOUT_MS} ms:\n${output.join('')}`)), START_TIMEOUT_MS);
    const read = (chunk: Buffer) => {
      output.push(chunk.toString());
      const found = /Inspector: (http:\/\/127\.0\.0\.1:\d+)\//.exec(output.join(''));
      if (found) {
        clearTimeout(timer);
        resolveUrl(found[1]!);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before it started:\n${output.join('')}`));
    });
  });
  return { name, url, child, output };
}

/** SIGTERM (the service closes cleanly), then SIGKILL for whatever is still running after a while. */
async function stopInstance(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  try {
    process.kill(-child.pid!, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }, STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

async function call(instance: Instance, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  // The API wants the token; Infobip's webhook its own credential. Every POST is JSON, with a body or without.
  const headers: Record<string, string> = path.startsWith('/webhooks/') ? { [WEBHOOK_HEADER]: WEBHOOK_SECRET } : { Authorization: `Bearer ${API_TOKEN}` };
  if (method === 'POST') headers['Content-Type'] = 'application/json';
  const response = await fetch(`${instance.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    return { status: response.status, body: text };
  }
}

const relationship = (suffix: string, user: string) => `/v1/relationships/${SENDER}/${user}/${suffix}`;

/**
 * Three services started as separate processes (`unrun src/service/main.ts`, as `npm start` does)
 * on one PostgreSQL database, driven round-robin over HTTP. The database is a scratch one of their
 * own, dropped at the end; every child is stopped even when a test fails.
 */
describe.skipIf(!serverUrl)('a fleet of 3 service processes on one PostgreSQL database', { timeout: 30_000 }, () => {
  let database: ScratchDatabase;
  let fleet: Instance[] = [];
  let userCounter = 0;
  const newUser = () => `4477007${String(++userCounter).padStart(5, '0')}`;
  /** The i-th request goes to instance i mod 3. */
  const at = (i: number) => fleet[i % fleet.length]!;

  const query = (sql: string, params: unknown[]) => database.query(sql, params);

  /** The relationship's timeline as each instance tells it: the same everywhere, and its replay matches the store. */
  async function agreedTimeline(user: string) {
    const timelines = await Promise.all(fleet.map((instance) => call(instance, 'GET', relationship('timeline', user))));
    for (const timeline of timelines) {
      expect(timeline.status).toBe(200);
      expect(timeline.body).toEqual(timelines[0]!.body);
    }
    expect(timelines[0]!.body.replayMatchesStore).toBe(true);
    return timelines[0]!.body;
  }

  beforeAll(async () => {
    database = await createScratchDatabase(serverUrl!, 'wacp_fleet_processes');
    // All three at once: their migrations and their first look at the shared clock race, as a fleet's do.
    const started = await Promise.allSettled(['A', 'B', 'C'].map((name) => startInstance(name, database.url)));
    fleet = started.filter((s): s is PromiseFulfilledResult<Instance> => s.status === 'fulfilled').map((s) => s.value);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  }, START_TIMEOUT_MS + 10_000);

  afterAll(async () => {
    await Promise.allSettled([...children].map(stopInstance));
    await database?.drop();
  }, 20_000);

  test('three processes, one database, one clock, one token', async () => {
    for (const instance of fleet) expect((await fetch(`${instance.url}/v1/clock`)).status).toBe(401);
    const clocks = await Promise.all(fleet.map((instance) => call(instance, 'GET', '/v1/clock')));
    for (const { status, body } of clocks) expect({ status, body }).toEqual({ status: 200, body: { mode: 'virtual', now: iso(T0) } });
    const health = await Promise.all(fleet.map((instance) => call(instance, 'GET', '/health')));
    const where = new URL(database.url);
    for (const { status, body } of health) expect([status, body.store, body.where]).toEqual([200, 'postgres', `${where.hostname}:${where.port}${where.pathname}`]);
    expect(new Set(fleet.map((instance) => instance.child.pid)).size).toBe(3);
  });

  test('R1 holds across instances: of 9 requests at once, round-robin, one is sent', async () => {
    const user = newUser();
    const answers = await Promise.all(Array.from({ length: 9 }, (_, i) => call(at(i), 'POST', relationship('permission-requests', user))));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409).map((a) => a.body.refusal.rule)).toEqual(Array(8).fill('R1'));
    const timeline = await agreedTimeline(user);
    expect(timeline.rows.filter((row: any) => row.kind === 'event').map((row: any) => row.event.type)).toEqual(['REQUEST_SENT']);
    // Refusals in a row are one counting row (same action, rule and source).
    const refusals = timeline.rows.filter((row: any) => row.kind === 'refusal');
    expect(refusals.reduce((sum: number, row: any) => sum + row.count, 0)).toBe(8);
    expect(refusals.every((row: any) => row.rule === 'R1')).toBe(true);
  });

  test('no fact lost or applied twice: webhooks spread over the instances, each redelivered to the two others', async () => {
    const user = newUser();
    expect((await call(at(0), 'POST', relationship('permission-requests', user))).status).toBe(201);
    const accept = permissionReply(SENDER, user, T0 + 60_000, { response: 'ACCEPT' });
    const texts = Array.from({ length: 6 }, (_, i) => userText(SENDER, user, T0 + (i + 2) * 10_000, `message ${i}`));
    const deliveries = [accept, ...texts];
    const first = await Promise.all(deliveries.map((body, i) => call(at(i), 'POST', '/webhooks/infobip', body)));
    expect(first.map((a) => a.status)).toEqual(deliveries.map(() => 200));
    expect(first.map((a) => a.body.counts.recorded)).toEqual(deliveries.map(() => 1));
    // Every webhook again, at once, to each of the other two instances (Infobip retries wherever the balancer sends it).
    const again = await Promise.all(deliveries.flatMap((body, i) => [1, 2].map((k) => call(at(i + k), 'POST', '/webhooks/infobip', body))));
    expect(again.map((a) => a.status)).toEqual(again.map(() => 200));
    expect(again.map((a) => a.body.counts)).toEqual(again.map(() => ({ recorded: 0, duplicates: 1, ignored: 0 })));
    const facts = await query('SELECT count(*)::int AS n FROM call_permissions_facts WHERE sender = $1 AND user_number = $2', [SENDER, user]);
    expect(facts[0].n).toBe(deliveries.length);
    const timeline = await agreedTimeline(user);
    expect(timeline.rows.filter((row: any) => row.event?.type === 'PERMISSION_ACCEPTED')).toHaveLength(1);
    expect(timeline.now.state).toBe('granted');
  });

  test('G6 and G2 hold across instances: of 12 calls at once on a granted relationship one starts; after five answered calls G2 refuses all', async () => {
    const user = newUser();
    expect((await call(at(0), 'POST', relationship('permission-requests', user))).status).toBe(201);
    expect((await call(at(1), 'POST', '/webhooks/infobip', permissionReply(SENDER, user, T0 + 60_000, { response: 'ACCEPT' }))).status).toBe(200);
    for (let round = 0; round < 6; round++) {
      const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => call(at(i + round), 'POST', relationship('calls', user))));
      const started = answers.filter((a) => a.status === 201);
      const refused = answers.filter((a) => a.status === 409).map((a) => a.body.refusal.rule);
      if (round === 5) {
        expect(started).toHaveLength(0);
        expect(refused).toEqual(Array(12).fill('G2'));
        break;
      }
      // One call at a time per pair (G6), whichever instance got it; with four connected and this one
      // in flight, G2's fifth slot is taken too, and the relationship's refusal comes first.
      expect(started).toHaveLength(1);
      expect(refused).toEqual(Array(11).fill(round === 4 ? 'G2' : 'G6'));
      // The user answered and hung up (to another instance): G2 counts the call, and the pair's turn is over.
      const hangUp = businessCallEvent(SENDER, user, started[0]!.body.callId, T0 + 61_000 + round * 1_000, 'NORMAL_HANGUP');
      expect((await call(at(round + 1), 'POST', '/webhooks/infobip', hangUp)).status).toBe(200);
    }
    const timeline = await agreedTimeline(user);
    expect(timeline.rows.filter((row: any) => row.event?.type === 'CALL_STARTED')).toHaveLength(5);
    expect(timeline.rows.filter((row: any) => row.event?.type === 'CALL_CONNECTED')).toHaveLength(5);
    expect(timeline.now.counters).toBeDefined();
  });

  test('a page on A hears a change made on B, and one made on C', async () => {
    const feed = await openChangeStream(fleet[0]!.url, { Authorization: `Bearer ${API_TOKEN}` });
    try {
      for (const [instance, user] of [[fleet[1]!, newUser()], [fleet[2]!, newUser()]] as const) {
        expect((await call(instance, 'POST', relationship('events', user), { type: 'USER_MESSAGE' })).status).toBe(201);
        expect(await feed.next((change) => change.type === 'relationship' && change.user === user)).toEqual({ type: 'relationship', sender: SENDER, user });
      }
      // The page's list (GET /v1/relationships on A) shows what B and C changed.
      const listed = (await call(fleet[0]!, 'GET', '/v1/relationships?limit=1000')).body.relationships.map((r: any) => r.user);
      expect(listed).toEqual(expect.arrayContaining([`4477007${String(userCounter - 1).padStart(5, '0')}`, `4477007${String(userCounter).padStart(5, '0')}`]));
    } finally {
      feed.close();
    }
  });

  test('the clock moved on all three at once: each due relationship is moved on once, by one of them', async () => {
    const users = Array.from({ length: 24 }, newUser);
    const sent = await Promise.all(users.map((user, i) => call(at(i), 'POST', relationship('permission-requests', user))));
    expect(sent.map((a) => a.status)).toEqual(users.map(() => 201));
    const target = T0 + 8 * DAY;
    const due = (await query('SELECT count(*)::int AS n FROM call_permissions WHERE next_due_at <= $1', [target]))[0].n;
    expect(due).toBeGreaterThanOrEqual(users.length);
    const moves = await Promise.all(fleet.map((instance) => call(instance, 'POST', '/v1/clock', { at: iso(target) })));
    expect(moves.map((m) => [m.status, m.body.now])).toEqual(fleet.map(() => [200, iso(target)]));
    expect(moves.reduce((sum, m) => sum + m.body.relationshipsMoved, 0)).toBe(due);
    expect((await query('SELECT count(*)::int AS n FROM call_permissions WHERE next_due_at <= $1', [target]))[0].n).toBe(0);
    for (const user of users) {
      const timeline = await agreedTimeline(user);
      expect(timeline.rows.filter((row: any) => row.event?.type === 'CLOCK')).toHaveLength(1);
      expect(timeline.now.state).toBe('noPermission');
    }
  });
});
