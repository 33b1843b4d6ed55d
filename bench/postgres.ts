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
import { createPostgresStore, DEFAULT_FACT_RETENTION_MS, type PostgresStore, type SqlClient } from '../src/stores/postgres/index.js';
import { sink } from './measure.js';
import { createWorkload, type Workload } from './workload.js';

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

/** Webhook facts carry an idempotency key; the engine's own commands and clock ticks do not (as in bench/run.ts). */
function factKeyOf(event: RelationshipEvent): string | undefined {
  const e = event as RelationshipEvent & { callId?: string; requestId?: string };
  return ['REQUEST_SENT', 'REQUEST_FAILED', 'CALL_STARTED', 'CALL_ID_ASSIGNED', 'CLOCK'].includes(e.type) ? undefined : `${e.type}:${e.callId ?? e.requestId ?? e.at}`;
}

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
  const noting: RelationshipStore = { load: (key) => memory.load(key), save: (request) => ((write = request), memory.save(request)) };
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
    await client.query(`DROP TABLE IF EXISTS ${store.names.relationships}, ${store.names.facts}`);
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
    for (const store of stores) await client.query(`DROP TABLE IF EXISTS ${store.names.relationships}, ${store.names.facts}`);
  }
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
  } finally {
    await lite.close();
  }

  const url = options.databaseUrl ?? process.env.DATABASE_URL;
  if (url) {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    try {
      const { rows: version } = await pool.query(`SELECT current_setting('server_version') AS v, current_setting('fsync') AS fsync`);
      const server = `a PostgreSQL ${String(version[0].v).split(' ')[0]} server via pg (loopback, fsync ${version[0].fsync})`;
      rows.push(...(await measureBackend(server, pool, steps, window, 'server')));
    } finally {
      await pool.end();
    }
  } else {
    rows.push({ name: 'engine.record over a PostgreSQL server', opsPerSec: NaN, baselineOpsPerSec: NaN, ratio: NaN, note: 'not measured: DATABASE_URL is not set (.ci/postgres.sh run -- …)' });
  }

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
