import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
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
  async function query(sql: string, params: unknown[]): Promise<any[]> {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows;
    } finally {
      await client.end();
    }
  }
  const timeline = async (service: TestService, user: string) => (await service.call('GET', service.relationship('timeline', SENDER, user))).body;

  test('the shared event log explains every relationship when two instances write to it at once', async () => {
    const users = [newUser(), newUser(), newUser()];
    for (const user of users) expect((await a.call('POST', a.relationship('events', SENDER, user), { type: 'PERMISSION_ACCEPTED', at: iso(T0), permanent: true })).status).toBe(201);
    // Round-robin over the instances, all at once: commands (calls), webhook-like facts about those
    // calls, and user messages, on the same few relationships.
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 60; i++) {
      const service = i % 2 === 0 ? a : b;
      const user = users[i % users.length]!;
      const at = iso(T0 + (i + 1) * 60_000);
      if (i % 3 === 0) {
        work.push(
          service.call('POST', service.relationship('calls', SENDER, user)).then(async (started) => {
            if (started.status !== 201) return;
            const other = service === a ? b : a;
            await other.call('POST', other.relationship('events', SENDER, user), { type: 'CALL_UNANSWERED', callId: started.body.callId, reason: 'no_answer', at: iso(T0 + HOUR + i * 60_000) });
          }),
        );
      } else work.push(service.call('POST', service.relationship('events', SENDER, user), { type: 'USER_MESSAGE', at }));
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
});
