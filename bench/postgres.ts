/**
 * The PostgreSQL section of `npm run bench`: what the engine costs on top of the database.
 *
 * The same realistic stream of facts (bench/workload.ts, webhooks with their idempotency keys)
 * is recorded three ways in one run, window by window on the same facts (see `paired`):
 * - through `engine.record` over the PostgreSQL store: load, decide, compare-and-set write;
 * - raw: the very statements the store sends for that stream (the same load, the same
 *   compare-and-set UPSERT with the same snapshot JSON, fact key and due time), issued directly
 *   through the same client, with no engine in between;
 * - a blind `INSERT … ON CONFLICT DO UPDATE` per changing fact: the cheapest write there is, with
 *   no read, no compare-and-set and no fact key (so no limit could be kept with it).
 * The figure is the engine's cost over the raw statements (1.20 = 20 % more time per fact); the
 * blind UPSERT row shows what reading before writing costs at all.
 *
 * Then the heap a MemoryStore needs per 100k relationships.
 *
 * `npx unrun bench/postgres.ts [--quick]` prints the rows as a table; the real server's rows need
 * DATABASE_URL (`.ci/postgres.sh run -- npx unrun bench/postgres.ts`).
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { fileURLToPath } from 'node:url';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import {
  createCallPermissionEngine,
  MemoryStore,
  POLICY_PRESETS,
  type RelationshipEvent,
  type RelationshipStore,
  type SaveRequest,
} from '../src/index.js';
import { createPostgresStore, type PostgresStore, type SqlClient } from '../src/stores/postgres/index.js';
import { DEFAULT_FACT_RETENTION_MS } from '../src/stores/postgres/store.js';
import { sink } from './measure.js';
import { createWorkload, factKeyOf, type Workload } from './workload.js';
import { serializeSnapshot, type BatchFact, type BatchOutcome } from '../src/index.js';

export interface PostgresBenchRow {
  readonly name: string;
  /** Facts per second through the engine (NaN when not measured: see `note`). */
  readonly opsPerSec: number;
  /** Facts per second for the baseline named in `note`. */
  readonly baselineOpsPerSec: number;
  /** Time per fact relative to the baseline on the same facts (1.20 = 20 % over): the median over windows of the stream. */
  readonly ratio: number;
  readonly note: string;
}

export interface PostgresBenchOptions {
  /** Short samples and a small heap measurement (CI). */
  readonly quick?: boolean;
  /** The real server; default `process.env.DATABASE_URL`. Without one its rows say "not measured". */
  readonly databaseUrl?: string;
}

const policy = POLICY_PRESETS.infobip;
const RETENTION_MS = DEFAULT_FACT_RETENTION_MS;


/** One fact of the stream: who, what, its key, and the write the engine makes for it (none when nothing changed). */
interface Step {
  readonly sender: string;
  readonly user: string;
  readonly event: RelationshipEvent;
  readonly factKey: string | undefined;
  readonly write: SaveRequest | undefined;
}

/** Runs the stream once through an engine over a MemoryStore, noting the write each fact makes. */
async function capture(workload: Workload): Promise<Step[]> {
  const memory = new MemoryStore({ factRetentionMs: RETENTION_MS });
  let write: SaveRequest | undefined;
  const noting: RelationshipStore = {
    load: (key) => memory.load(key),
    save: (request) => {
      const result = memory.save(request);
      if (result.ok) write = request; // a redelivery's attempt (a duplicate) writes nothing
      return result;
    },
  };
  const engine = createCallPermissionEngine({ store: noting, policy });
  const steps: Step[] = [];
  for (const { timeline, event } of workload.stream) {
    const { sender, user } = workload.timelines[timeline]!;
    const factKey = factKeyOf(event);
    write = undefined;
    await engine.record(sender, user, event, factKey === undefined ? undefined : { factKey });
    steps.push({ sender, user, event, factKey, write });
  }
  return steps;
}

/** One way of recording one fact of the stream. */
type Recorder = (step: Step) => Promise<void>;

interface PairedSpeed {
  /** Facts per second: the median over the windows. */
  readonly rate: Record<string, number>;
  /** The median over the windows of (time of `name`) ÷ (time of `against`). */
  ratio(name: string, against: string): number;
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * Times recorders on exactly the same facts: the stream is cut into windows, and every recorder
 * does each window in turn, the order rotating from window to window so that drift and caching
 * hit all alike. Each works on its own tables, which therefore hold the same rows throughout.
 * Medians over the windows keep a burst of load from elsewhere on the machine out of the figure.
 * The first window warms up and is not counted.
 */
async function paired(steps: readonly Step[], recorders: Record<string, Recorder>, window: number): Promise<PairedSpeed> {
  const names = Object.keys(recorders);
  const windows: Record<string, number>[] = [];
  for (let start = 0, w = 0; start < steps.length; start += window, w++) {
    const slice = steps.slice(start, start + window);
    const spent: Record<string, number> = {};
    for (const name of names.map((_, i) => names[(i + w) % names.length]!)) {
      const began = performance.now();
      for (const step of slice) await recorders[name]!(step);
      spent[name] = performance.now() - began;
    }
    if (w > 0 && slice.length === window) windows.push(spent);
  }
  return {
    rate: Object.fromEntries(names.map((name) => [name, median(windows.map((spent) => (window * 1000) / spent[name]!))])),
    ratio: (name, against) => median(windows.map((spent) => spent[name]! / spent[against]!)),
  };
}

async function measureBackend(label: string, client: SqlClient, steps: readonly Step[], window: number, tag: string): Promise<PostgresBenchRow[]> {
  const stores: PostgresStore[] = [];
  const storeFor = async (role: string) => {
    const store = createPostgresStore({ client, table: `bench_${tag}_${role}`, factRetentionMs: RETENTION_MS });
    await client.query(`DROP TABLE IF EXISTS ${store.names.relationships}, ${store.names.facts}, ${store.names.senders}`);
    await client.query(`DROP FUNCTION IF EXISTS ${store.names.reserveFunction}`);
    await store.migrate();
    stores.push(store);
    return store;
  };
  try {
    const engineStore = await storeFor('engine');
    const engine = createCallPermissionEngine({ store: engineStore, policy });
    const rawStore = await storeFor('raw');
    const raw = rawStore.statements;
    const blind = await storeFor('upsert');
    const upsert = `INSERT INTO ${blind.names.relationships} (sender, user_number, snapshot, version, next_due_at) VALUES ($1::text, $2::text, $3::jsonb, 1, $4::bigint)
      ON CONFLICT (sender, user_number) DO UPDATE SET snapshot = EXCLUDED.snapshot, version = ${blind.names.relationships}.version + 1, next_due_at = EXCLUDED.next_due_at, updated_at = now()`;

    const speed = await paired(
      steps,
      {
        async engine({ sender, user, event, factKey }) {
          if ((await engine.record(sender, user, event, factKey === undefined ? undefined : { factKey })).changed) sink.value++;
        },
        async raw({ sender, user, write }) {
          const { rows } = await client.query(raw.load, [sender, user]);
          if (rows.length) sink.value++;
          if (!write) return;
          const params: unknown[] = [sender, user, JSON.stringify(write.snapshot), write.nextDueAt ?? null];
          const fresh = write.expectedVersion === 0;
          if (write.factKey !== undefined) params.push(write.factKey, write.at, write.at - RETENTION_MS);
          if (!fresh) params.push(write.expectedVersion);
          const text = write.factKey === undefined ? (fresh ? raw.insert : raw.update) : fresh ? raw.insertWithFact : raw.updateWithFact;
          if (!(await client.query(text, params)).rows.length) throw new Error('the raw replay lost a compare-and-set: it is not doing the engine\'s work');
        },
        async upsert({ sender, user, write }) {
          if (write) await client.query(upsert, [sender, user, JSON.stringify(write.snapshot), write.nextDueAt ?? null]);
        },
      },
      window,
    );

    // The baseline must have done the engine's work: the same rows, versions and fact keys.
    const totals = async (store: PostgresStore) =>
      JSON.stringify((await client.query(`SELECT (SELECT count(*)::int FROM ${store.names.relationships}) AS n, (SELECT sum(version)::int FROM ${store.names.relationships}) AS versions, (SELECT count(*)::int FROM ${store.names.facts}) AS facts`)).rows);
    const [engineTotals, rawTotals] = [await totals(engineStore), await totals(rawStore)];
    if (engineTotals !== rawTotals) throw new Error(`the raw replay differs from the engine: ${rawTotals} vs ${engineTotals}`);

    return [
      {
        name: `engine.record over ${label}`,
        opsPerSec: speed.rate.engine!,
        baselineOpsPerSec: speed.rate.raw!,
        ratio: speed.ratio('engine', 'raw'),
        note: 'baseline: the same load + compare-and-set UPSERT (same snapshot JSON, fact key, due time) sent directly, one fact at a time; goal ≤ 1.20',
      },
      {
        name: `engine.record over ${label}, against a blind UPSERT`,
        opsPerSec: speed.rate.engine!,
        baselineOpsPerSec: speed.rate.upsert!,
        ratio: speed.ratio('engine', 'upsert'),
        note: 'baseline: one INSERT … ON CONFLICT DO UPDATE per changing fact: no read, no compare-and-set, no fact key (so it keeps no limit)',
      },
    ];
  } finally {
    for (const store of stores) {
      await client.query(`DROP TABLE IF EXISTS ${store.names.relationships}, ${store.names.facts}, ${store.names.senders}`);
      await client.query(`DROP FUNCTION IF EXISTS ${store.names.reserveFunction}`);
    }
  }
}

/** Every relationship's snapshot and fact keys in a store's tables (versions aside: a batch writes a relationship once). */
async function contents(client: SqlClient, store: PostgresStore): Promise<string> {
  const rows = (await client.query(`SELECT sender, user_number, snapshot::text AS snapshot, next_due_at::text AS due FROM ${store.names.relationships} ORDER BY 1, 2`)).rows;
  const facts = (await client.query(`SELECT sender, user_number, fact_key, at::text AS at FROM ${store.names.facts} ORDER BY 1, 2, 3`)).rows;
  return JSON.stringify({ rows, facts });
}

async function freshStore(client: SqlClient, table: string): Promise<PostgresStore> {
  const store = createPostgresStore({ client, table, factRetentionMs: RETENTION_MS });
  await client.query(`DROP TABLE IF EXISTS ${store.names.relationships}, ${store.names.facts}`);
  await store.migrate();
  return store;
}

async function dropStore(client: SqlClient, store: PostgresStore): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${store.names.relationships}, ${store.names.facts}`);
}

/**
 * engine.record from 1, 4 and 16 clients at once (a pool of that many connections, an engine
 * instance per client, each client its own relationships: cold, no contention), the same facts
 * each time. Checked: every relationship's stored snapshot equals the memory store's after the
 * same facts.
 */
export async function measureClients(label: string, url: string, workload: Workload, facts: number, tag: string): Promise<PostgresBenchRow[]> {
  const stream = workload.stream.slice(0, facts);
  // What the stored snapshots must be: the same facts through an engine over the memory store.
  const expected = createCallPermissionEngine({ store: new MemoryStore({ factRetentionMs: RETENTION_MS }), policy });
  for (const { timeline, event } of stream) {
    const { sender, user } = workload.timelines[timeline]!;
    const factKey = factKeyOf(event);
    await expected.record(sender, user, event, factKey === undefined ? undefined : { factKey });
  }
  const rows: PostgresBenchRow[] = [];
  let single = NaN;
  for (const clients of [1, 4, 16]) {
    const pool = new pg.Pool({ connectionString: url, max: clients });
    const store = await freshStore(pool, `bench_${tag}_clients${clients}`);
    try {
      const began = performance.now();
      await Promise.all(
        Array.from({ length: clients }, async (_, c) => {
          const engine = createCallPermissionEngine({ store, policy });
          for (const { timeline, event } of stream) {
            if (timeline % clients !== c) continue;
            const { sender, user } = workload.timelines[timeline]!;
            const factKey = factKeyOf(event);
            await engine.record(sender, user, event, factKey === undefined ? undefined : { factKey });
          }
        }),
      );
      const rate = (stream.length * 1000) / (performance.now() - began);
      if (clients === 1) single = rate;
      const check = createCallPermissionEngine({ store, policy });
      for (const { sender, user } of new Set(stream.map(({ timeline }) => workload.timelines[timeline]!))) {
        const [mine, theirs] = [await check.snapshot(sender, user), await expected.snapshot(sender, user)];
        if (!mine || !theirs || serializeSnapshot(mine) !== serializeSnapshot(theirs)) throw new Error(`${clients} clients: ${sender}:${user} differs from the memory store's replay`);
      }
      rows.push({
        name: `engine.record over ${label}, ${clients} client${clients > 1 ? 's' : ''}`,
        opsPerSec: rate,
        baselineOpsPerSec: single,
        ratio: single / rate,
        note: `${stream.length} facts (fact keys, redeliveries) on ${new Set(stream.map((s) => s.timeline)).size} relationships, each client its own; baseline: 1 client; every stored snapshot checked against the memory store's`,
      });
    } finally {
      await dropStore(pool, store);
      await pool.end();
    }
  }
  return rows;
}

/**
 * engine.recordMany with 1,000-fact batches (a webhook's results[]) against engine.record one by
 * one, on the same facts, each on its own tables. Checked: the same outcome per fact, and the same
 * stored snapshots and fact keys.
 */
export async function measureBatches(label: string, client: SqlClient, workload: Workload, batches: number, tag: string): Promise<PostgresBenchRow> {
  const facts: BatchFact[] = workload.stream.slice(0, batches * 1000).map(({ timeline, event }) => {
    const { sender, user } = workload.timelines[timeline]!;
    const factKey = factKeyOf(event);
    return factKey === undefined ? { sender, user, event } : { sender, user, event, factKey };
  });
  const batchStore = await freshStore(client, `bench_${tag}_batch`);
  const singleStore = await freshStore(client, `bench_${tag}_single`);
  try {
    const batchEngine = createCallPermissionEngine({ store: batchStore, policy });
    const singleEngine = createCallPermissionEngine({ store: singleStore, policy });
    const batched: BatchOutcome[] = [];
    const single: BatchOutcome[] = [];
    let batchMs = 0;
    let singleMs = 0;
    for (let b = 0; b * 1000 < facts.length; b++) {
      const batch = facts.slice(b * 1000, (b + 1) * 1000);
      let began = performance.now();
      batched.push(...(await batchEngine.recordMany(batch)));
      batchMs += performance.now() - began;
      began = performance.now();
      for (const fact of batch) {
        try {
          single.push({ ok: true, result: await singleEngine.record(fact.sender, fact.user, fact.event, fact.factKey === undefined ? undefined : { factKey: fact.factKey }) });
        } catch (error) {
          single.push({ ok: false, error: error as never });
        }
      }
      singleMs += performance.now() - began;
    }
    const outcome = (o: BatchOutcome) => (o.ok ? `${o.result.state}${o.result.duplicate ? ' duplicate' : ''}` : o.error.code);
    const differs = batched.findIndex((o, i) => outcome(o) !== outcome(single[i]!));
    if (differs >= 0) throw new Error(`recordMany and record disagree on fact ${differs}: ${outcome(batched[differs]!)} vs ${outcome(single[differs]!)}`);
    if ((await contents(client, batchStore)) !== (await contents(client, singleStore))) throw new Error('recordMany and record one by one left different rows or fact keys');
    const batchRate = (facts.length * 1000) / batchMs;
    const singleRate = (facts.length * 1000) / singleMs;
    return {
      name: `engine.recordMany over ${label}, 1,000-fact batches`,
      opsPerSec: batchRate,
      baselineOpsPerSec: singleRate,
      ratio: batchMs / singleMs,
      note: `${facts.length} facts in ${batched.length / 1000} batches; baseline: engine.record one by one on the same facts (recordMany ${(singleMs / batchMs).toFixed(1)}× the facts/s); outcomes per fact, rows and fact keys checked equal`,
    };
  } finally {
    await dropStore(client, batchStore);
    await dropStore(client, singleStore);
  }
}

/** How a server is set up, for its rows' labels: durable only with fsync and synchronous_commit on. */
export async function describeServer(client: SqlClient): Promise<string> {
  const { rows } = await client.query(
    `SELECT current_setting('server_version') AS v, current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sc, current_setting('full_page_writes') AS fpw`,
  );
  const r = rows[0] as { v: string; fsync: string; sc: string; fpw: string };
  const durable = r.fsync === 'on' && r.sc !== 'off' && r.fpw === 'on';
  return `PostgreSQL ${r.v.split(' ')[0]} (loopback, ${durable ? 'DURABLE' : 'NOT durable'}: fsync ${r.fsync}, synchronous_commit ${r.sc}, full_page_writes ${r.fpw})`;
}

/** `global.gc` when node runs with --expose-gc; otherwise switched on through V8's flags at run time. */
function collector(): { gc: () => void; how: string } {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return { gc: exposed, how: 'global.gc (--expose-gc)' };
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    return { gc, how: 'gc() enabled at run time via v8.setFlagsFromString' };
  } catch {
    return { gc: () => {}, how: 'no gc available: raw process.memoryUsage().heapUsed deltas' };
  }
}

/**
 * Heap held by a MemoryStore per relationship: each relationship lives through a typical life (a
 * request, an accept, two calls, a reply-window message) recorded through the engine with fact
 * keys; the engine is then dropped and only the store is kept while the heap is measured.
 */
export async function measureMemoryStore(relationships: number): Promise<{ bytesPerRelationship: number; how: string }> {
  const { gc, how } = collector();
  const settle = () => {
    for (let i = 0; i < 3; i++) gc();
    return process.memoryUsage().heapUsed;
  };
  const t0 = Date.UTC(2026, 3, 1, 8);
  const before = settle();
  const store = new MemoryStore({ factRetentionMs: RETENTION_MS });
  let engine: ReturnType<typeof createCallPermissionEngine> | undefined = createCallPermissionEngine({ store, policy });
  for (let i = 0; i < relationships; i++) {
    const sender = '441134960000';
    const user = String(447_700_000_000 + i);
    const at = t0 + (i % 1000) * 1000;
    await engine.record(sender, user, { type: 'USER_MESSAGE', at }, { factKey: `USER_MESSAGE:m${i}` });
    await engine.record(sender, user, { type: 'REQUEST_SENT', at: at + 1, requestId: `r${i}`, via: 'interactive' });
    await engine.record(sender, user, { type: 'PERMISSION_ACCEPTED', at: at + 2, permanent: false, requestId: `r${i}` }, { factKey: `PERMISSION_ACCEPTED:r${i}` });
    await engine.record(sender, user, { type: 'CALL_STARTED', at: at + 3, callId: `c${i}a` });
    await engine.record(sender, user, { type: 'CALL_CONNECTED', at: at + 4, callId: `c${i}a` }, { factKey: `CALL_CONNECTED:c${i}a` });
    await engine.record(sender, user, { type: 'CALL_STARTED', at: at + 5, callId: `c${i}b` });
  }
  engine = undefined;
  const after = settle();
  if (store.size !== relationships) throw new Error(`expected ${relationships} relationships, the store holds ${store.size}`);
  return { bytesPerRelationship: (after - before) / relationships, how };
}

export async function benchPostgres(options: PostgresBenchOptions = {}): Promise<PostgresBenchRow[]> {
  const quick = options.quick ?? false;
  const steps = await capture(createWorkload(policy, quick ? 20 : 100));
  const window = quick ? 100 : 250;
  const rows: PostgresBenchRow[] = [];

  const lite = await PGlite.create();
  try {
    rows.push(...(await measureBackend('PGlite (in-process)', lite, steps, window, 'lite')));
    rows.push(await measureBatches('PGlite (in-process)', lite, createWorkload(policy, quick ? 40 : 400), 1, 'lite'));
  } finally {
    await lite.close();
  }

  const urls = [options.databaseUrl ?? process.env.DATABASE_URL, process.env.BENCH_DURABLE_DATABASE_URL].filter((u): u is string => !!u);
  if (!urls.length)
    rows.push({ name: 'engine.record over a PostgreSQL server', opsPerSec: NaN, baselineOpsPerSec: NaN, ratio: NaN, note: 'not measured: DATABASE_URL is not set (.ci/postgres.sh run -- …)' });
  const workload = createWorkload(policy, quick ? 40 : 400);
  for (const [n, url] of urls.entries()) {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    try {
      const server = await describeServer(pool);
      rows.push(...(await measureBackend(server, pool, steps, window, `server${n}`)));
      rows.push(...(await measureClients(server, url, workload, quick ? 300 : 4000, `server${n}`)));
      rows.push(await measureBatches(server, pool, workload, quick ? 1 : 4, `server${n}`));
    } finally {
      await pool.end();
    }
  }
  if (!process.env.BENCH_DURABLE_DATABASE_URL)
    rows.push({ name: 'PostgreSQL, durable settings', opsPerSec: NaN, baselineOpsPerSec: NaN, ratio: NaN, note: 'not measured: set BENCH_DURABLE_DATABASE_URL to a server with fsync and synchronous_commit on' });

  const relationships = quick ? 10_000 : 100_000;
  const heap = await measureMemoryStore(relationships);
  const mbPer100k = (heap.bytesPerRelationship * 100_000) / 1e6;
  rows.push({
    name: 'MemoryStore heap per 100k relationships',
    opsPerSec: NaN,
    baselineOpsPerSec: NaN,
    ratio: NaN,
    note: `${mbPer100k.toFixed(1)} MB per 100k (${Math.round(heap.bytesPerRelationship)} bytes each; ${relationships.toLocaleString('en')} relationships with a request, an accept, two calls and 3 fact keys each; ${heap.how})`,
  });
  return rows;
}

/** The rows as a markdown table. */
export function formatPostgresRows(rows: readonly PostgresBenchRow[]): string {
  const n = (x: number) => (Number.isNaN(x) ? '—' : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(0));
  return [
    '| measurement | engine facts/s | baseline facts/s | engine time ÷ baseline | note |',
    '| --- | ---: | ---: | ---: | --- |',
    ...rows.map((r) => `| ${r.name} | ${n(r.opsPerSec)} | ${n(r.baselineOpsPerSec)} | ${Number.isNaN(r.ratio) ? '—' : r.ratio.toFixed(2)} | ${r.note} |`),
  ].join('\n');
}

/** Run directly (node, or unrun, which runs a bundled copy named after this file), not imported by bench/run.ts. */
const entry = process.argv[1] ?? '';
if (entry === fileURLToPath(import.meta.url) || /[\\/]\.unrun[\\/]postgres\.ts\.[0-9a-f]+\.mjs$/.test(entry)) {
  const started = performance.now();
  console.log(formatPostgresRows(await benchPostgres({ quick: process.argv.includes('--quick') })));
  console.log(`\n(${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
