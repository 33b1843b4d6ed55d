/**
 * S1/S2/G6 across processes: four engine processes call many users of one hot sender over one real
 * PostgreSQL server at once. From the effects they log, no moment may see more than S2 calls or two
 * calls to one user, and the day may hold no more than S1 attempts — with one sender row and with
 * sharded counters. Skipped without DATABASE_URL (`.ci/run` sets it).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createCallPermissionEngine, definePolicy } from '../../src/index.js';
import { createPostgresStore, type PostgresStore } from '../../src/stores/postgres/index.js';
import { uniqueTable } from './postgres-backends.js';

const url = process.env.DATABASE_URL;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const UNRUN = fileURLToPath(new URL('../../node_modules/.bin/unrun', import.meta.url));
const PROCESSES = 4;
const SENDER = '441134960000';
const USERS = Array.from({ length: 40 }, (_, i) => `4477009${String(i).padStart(5, '0')}`);
const POLICY = { senderCallAttemptsPerDay: 60, senderConcurrentCalls: 8, connectedCallsPerWindow: 1000 };

type Line = { kind: 'start'; user: string; callId: string; at: number } | { kind: 'end'; callId: string; at: number } | { kind: 'done'; refused: Record<string, number> };

function runWorker(env: Record<string, string>): Promise<Line[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(UNRUN, ['test/stores/support/senderWorker.ts'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out.trim().split('\n').map((l) => JSON.parse(l) as Line)) : reject(new Error(`worker exited ${code}: ${err}`))));
  });
}

describe.skipIf(!url)('four engine processes, one hot sender, one PostgreSQL server', () => {
  const pool = url ? new pg.Pool({ connectionString: url, max: 2 }) : undefined;
  const stores: PostgresStore[] = [];
  afterAll(async () => {
    for (const store of stores) {
      await pool!.query(`DROP TABLE IF EXISTS ${store.names.relationships}, ${store.names.facts}, ${store.names.senders}`);
      await pool!.query(`DROP FUNCTION IF EXISTS ${store.names.reserveFunction}`);
    }
    await pool?.end();
  });

  it.each([1, 4])('S1/S2/G6 with %i shard(s): the effects of all processes never exceed a sender-wide limit', async (shards) => {
    const table = uniqueTable();
    const store = createPostgresStore({ client: pool!, table });
    stores.push(store);
    await store.migrate();
    const setup = createCallPermissionEngine({ store, policy: definePolicy(POLICY) });
    const now = Date.now();
    for (const user of USERS) await setup.record(SENDER, user, { type: 'PERMISSION_ACCEPTED', at: now, permanent: true });

    const env = { WCP_SENDER: SENDER, WCP_USERS: USERS.join(','), WCP_BUDGET_MS: '20000', WCP_POLICY: JSON.stringify(POLICY), WCP_TABLE: table, WCP_SHARDS: String(shards), DATABASE_URL: url! };
    const logs = await Promise.all(Array.from({ length: PROCESSES }, () => runWorker(env)));
    const lines = logs.flat();
    const ends = new Map(lines.flatMap((l) => (l.kind === 'end' ? [[l.callId, l.at] as const] : [])));
    const calls = lines.flatMap((l) => (l.kind === 'start' ? [{ ...l, end: ends.get(l.callId) ?? Infinity }] : []));
    const done = lines.flatMap((l) => (l.kind === 'done' ? [l.refused] : []));
    expect(done).toHaveLength(PROCESSES);
    // The limits did bind: S2 and G6 refused calls while others went on, and S1 ended the run.
    const refusedBy = (rule: string) => done.reduce((n, r) => n + (r[rule] ?? 0), 0);
    console.info(`${shards} shard(s): refusals ${JSON.stringify({ S1: refusedBy('S1'), S2: refusedBy('S2'), G6: refusedBy('G6') })}`);
    expect(refusedBy('S2') + refusedBy('G6')).toBeGreaterThan(0);
    expect(refusedBy('S1')).toBeGreaterThan(0);

    // S1: the run is far shorter than a day, so every attempt is in one window; all of them were used.
    expect(calls.length).toBe(POLICY.senderCallAttemptsPerDay);
    for (const call of calls) {
      const going = calls.filter((c) => c.at <= call.at && call.at < c.end);
      expect(going.length, 'S2').toBeLessThanOrEqual(POLICY.senderConcurrentCalls);
      expect(going.filter((c) => c !== call && c.user === call.user), 'G6').toEqual([]);
    }
    const sharded = createCallPermissionEngine({ store, policy: definePolicy(POLICY), senderShards: shards });
    expect((await sharded.senderStatus(SENDER)).limits.map((l) => l.currentUsage)).toEqual([POLICY.senderCallAttemptsPerDay, 0]);
  }, 120_000);
});
