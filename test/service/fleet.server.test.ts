import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openChangeStream } from './changeStream.js';
import { createScratchDatabase, type ScratchDatabase } from './scratchDatabase.js';
import { DAY, HOUR, iso, SENDER, startTestService, T0, type TestService } from './harness.js';

// `.ci/run` starts a throwaway PostgreSQL cluster and sets DATABASE_URL (see .ci/postgres.sh).
const serverUrl = process.env.DATABASE_URL;
if (!serverUrl) console.info('[test/service] skipping the fleet tests: DATABASE_URL is not set (run them with `.ci/postgres.sh run -- npx vitest run test/service`)');

/**
 * Two services in this process on one PostgreSQL database (a scratch database of their own), each
 * with its own connection pool: to the database they are two instances of a fleet.
 */
describe.skipIf(!serverUrl)('several services on one PostgreSQL database', () => {
  let database: ScratchDatabase;
  let a: TestService;
  let b: TestService;
  beforeAll(async () => {
    database = await createScratchDatabase(serverUrl!, 'wacp_fleet');
    a = await startTestService({ databaseUrl: database.url });
    b = await startTestService({ databaseUrl: database.url });
  });
  afterAll(async () => {
    await Promise.allSettled([a?.dispose(), b?.dispose()]);
    await database?.drop();
  });

  let userCounter = 0;
  const newUser = () => `4477008${String(++userCounter).padStart(5, '0')}`;
  const query = (sql: string, params: unknown[]) => database.query(sql, params);
  const timeline = async (service: TestService, user: string) => (await service.call('GET', service.relationship('timeline', SENDER, user))).body;

  test('the shared event log explains every relationship when two instances write to it at once', async () => {
    const users = [newUser(), newUser(), newUser()];
    for (const user of users) expect((await a.call('POST', a.relationship('events', SENDER, user), { type: 'PERMISSION_ACCEPTED', at: iso(T0), permanent: true })).status).toBe(201);
    // Round-robin over the instances, all at once: commands (calls), facts about those calls, and
    // user messages, on the same few relationships (times within the clock bound of the service's clock).
    const work: Promise<unknown>[] = [];
    const created = (answer: { status: number; body: unknown }) => expect([answer.status, answer.body]).toEqual([201, expect.anything()]);
    for (let i = 0; i < 60; i++) {
      const service = i % 2 === 0 ? a : b;
      const user = users[i % users.length]!;
      if (i % 3 === 0) {
        work.push(
          service.call('POST', service.relationship('calls', SENDER, user)).then(async (started) => {
            if (started.status !== 201) return;
            const other = service === a ? b : a;
            created(await other.call('POST', other.relationship('events', SENDER, user), { type: 'CALL_UNANSWERED', callId: started.body.callId, reason: 'no_answer', at: iso(T0 + 150_000 + i * 1000) }));
          }),
        );
      } else work.push(service.call('POST', service.relationship('events', SENDER, user), { type: 'USER_MESSAGE', at: iso(T0 + (i + 1) * 2000) }).then(created));
    }
    await Promise.all(work);
    for (const user of users) {
      const [fromA, fromB] = await Promise.all([timeline(a, user), timeline(b, user)]);
      expect(fromA.replayMatchesStore).toBe(true);
      expect(fromB).toEqual(fromA);
    }
  });

  test('a clock move on both instances at once: each due relationship is moved on once, by one of them', async () => {
    const users = Array.from({ length: 30 }, newUser);
    const sent = await Promise.all(users.map((user, i) => (i % 2 === 0 ? a : b).call('POST', a.relationship('permission-requests', SENDER, user))));
    expect(sent.map((answer) => answer.status)).toEqual(users.map(() => 201));
    // Every request lapses (unanswered for 7 days) and leaves its R1/R2 windows by then.
    const now = Date.parse((await a.call('GET', '/v1/clock')).body.now);
    const target = iso(now + 8 * DAY);
    // Every relationship due by then (the earlier test's too), as the store's due index says.
    const due = Number((await query(`SELECT count(*) AS n FROM call_permissions WHERE next_due_at <= $1`, [Date.parse(target)]))[0].n);
    expect(due).toBeGreaterThanOrEqual(users.length);
    const moves = await Promise.all([a, b].map((service) => service.call('POST', '/v1/clock', { at: target })));
    expect(moves.map((move) => move.status)).toEqual([200, 200]);
    expect(moves.map((move) => move.body.now)).toEqual([target, target]);
    expect(moves[0]!.body.relationshipsMoved + moves[1]!.body.relationshipsMoved).toBe(due);
    expect(Number((await query(`SELECT count(*) AS n FROM call_permissions WHERE next_due_at <= $1`, [Date.parse(target)]))[0].n)).toBe(0);
    for (const user of users) {
      const { rows, replayMatchesStore, now: state } = await timeline(b, user);
      expect(rows.filter((row: any) => row.event?.type === 'CLOCK')).toHaveLength(1);
      expect(replayMatchesStore).toBe(true);
      expect(state.state).toBe('noPermission');
    }
  });

  test('the live feed crosses instances (LISTEN/NOTIFY): a page on A hears a change made on B, and a clock moved on B', async () => {
    const user = newUser();
    const feed = await openChangeStream(a.url);
    try {
      expect((await b.call('POST', b.relationship('events', SENDER, user), { type: 'USER_MESSAGE' })).status).toBe(201);
      expect(await feed.next((change) => change.type === 'relationship' && change.user === user)).toEqual({ type: 'relationship', sender: SENDER, user });
      const now = Date.parse((await b.call('GET', '/v1/clock')).body.now);
      const moved = await b.call('POST', '/v1/clock', { advance: 'PT1H' });
      expect(moved.body.now).toBe(iso(now + HOUR));
      expect(await feed.next((change) => change.type === 'clock' && change.now === iso(now + HOUR))).toBeTruthy();
      // A follows the shared clock: its next command happens at B's time.
      expect((await a.call('GET', '/v1/clock')).body.now).toBe(iso(now + HOUR));
      const requested = await a.call('POST', a.relationship('permission-requests', SENDER, user));
      expect(requested.body.at).toBe(iso(now + HOUR));
    } finally {
      feed.close();
    }
  });

  test('the live feed ignores what is not a change from another instance; a forged clock message does not move the clock', async () => {
    const user = newUser();
    const feed = await openChangeStream(a.url);
    try {
      const clockBefore = (await a.call('GET', '/v1/clock')).body.now;
      await query(`SELECT pg_notify('wacp_changes', $1)`, ['not json']);
      await query(`SELECT pg_notify('wacp_changes', $1)`, [JSON.stringify({ origin: 'x', changes: [{ type: 'relationship', sender: '<script>', user: '1' }, { type: 'clock', now: '2099-01-01T00:00:00Z' }] })]);
      expect((await b.call('POST', b.relationship('events', SENDER, user), { type: 'USER_MESSAGE' })).status).toBe(201);
      await feed.next((change) => change.type === 'relationship' && change.user === user);
      expect((await a.call('GET', '/v1/clock')).body.now).toBe(clockBefore);
      expect((await a.call('GET', '/health')).body.status).toBe('ok');
    } finally {
      feed.close();
    }
  });

  test('a LISTEN connection that breaks (the server ended it) is opened again and the feed goes on', async () => {
    const ended = await query(`SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN wacp_changes'`, []);
    expect(ended.length).toBeGreaterThanOrEqual(2);
    const feed = await openChangeStream(a.url);
    try {
      // Changes made before A listens again are not relayed (the page catches up on its next load): change until one arrives.
      const deadline = Date.now() + 10_000;
      let heard = false;
      while (!heard && Date.now() < deadline) {
        const user = newUser();
        expect((await b.call('POST', b.relationship('events', SENDER, user), { type: 'USER_MESSAGE' })).status).toBe(201);
        heard = await feed.next((change) => change.type === 'relationship' && change.user === user, 500).then(() => true, () => false);
      }
      expect(heard).toBe(true);
    } finally {
      feed.close();
    }
  });
});
