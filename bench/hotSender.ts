/**
 * The sender section of `npm run bench`: `startCall` on one hot sender (a contact centre's one
 * number, many users).
 *
 * 1. MemoryStore: `engine.startCall` + the call's end (`record` CALL_FAILED), against a hand-written
 *    baseline doing the same two-key reservation — the relationship (the baseline reducer: G2/G4)
 *    and the sender (S1 per-minute counters, S2 and G6 over the calls going on, S4) in plain mutable
 *    `Map`s — and the same end. Both run the same users at the same virtual times; their S1/S2
 *    counts and every outcome are compared before anything is timed.
 * 2. PostgreSQL server (DATABASE_URL; `.ci/postgres.sh` runs with fsync off — say so when quoting):
 *    N engines (N = 1, 4, 16, each with its own pool of 2 connections, in this process) each run 4
 *    `startCall` loops over distinct users of one sender for a fixed time, with one sender row and
 *    with 16 shards. Reported: calls/s, the conflict rate (reservations that lost a compare-and-set
 *    race ÷ all reservations), and a check that the stored S1 count equals the calls started.
 */
import pg from 'pg';
import {
  createCallPermissionEngine,
  definePolicy,
  MemoryStore,
  type RelationshipStore,
} from '../src/index.js';
import { createPostgresStore, type PostgresStore } from '../src/stores/postgres/index.js';
import { createBaseline, type BaselineRelationship } from './baseline.js';
import { measurePair, sink, type MeasureOptions } from './measure.js';

const SENDER = '441134960000';
const MINUTE = 60_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 3, 1, 9);
const userOf = (i: number) => `4477${String(i).padStart(8, '0')}`;

export interface HotSenderRow {
  readonly name: string;
  readonly opsPerSec: number;
  readonly note: string;
}

/** The baseline: the reducer for relationships and hand-written sender counters, both in Maps. */
function createTwoKeyBaseline(policy: ReturnType<typeof definePolicy>) {
  const baseline = createBaseline(policy);
  const relationships = new Map<string, BaselineRelationship>();
  const senders = new Map<string, { restrictedUntil: number; attempts: [number, number][]; ongoing: Map<string, [string, string, number]> }>();
  let ids = 0;
  return {
    grant(user: string, at: number) {
      const r = baseline.apply(baseline.create(at), { type: 'PERMISSION_ACCEPTED', at, expiresAt: null, source: 'user' });
      relationships.set(`${SENDER}:${user}`, r);
    },
    async startCall(user: string, at: number): Promise<string | undefined> {
      const key = `${SENDER}:${user}`;
      const current = relationships.get(key) ?? baseline.create(at);
      const callId = `b${++ids}`;
      const next = baseline.apply(current, { type: 'CALL_STARTED', at, callId });
      if (next === current) return undefined; // G2/G4
      let s = senders.get(SENDER);
      if (!s) senders.set(SENDER, (s = { restrictedUntil: 0, attempts: [], ongoing: new Map() }));
      if (at < s.restrictedUntil) return undefined; // S4
      while (s.attempts.length && at >= s.attempts[0]![0] + MINUTE + DAY) s.attempts.shift();
      let attempts = 0;
      for (const [, n] of s.attempts) attempts += n;
      if (attempts >= policy.senderCallAttemptsPerDay) return undefined; // S1
      for (const [id, call] of s.ongoing) if (at >= call[2] + policy.ongoingCallMaxMs) s.ongoing.delete(id);
      if (s.ongoing.size >= policy.senderConcurrentCalls) return undefined; // S2
      for (const call of s.ongoing.values()) if (call[1] === user) return undefined; // G6
      const minute = at - (at % MINUTE);
      const last = s.attempts[s.attempts.length - 1];
      if (last && last[0] === minute) last[1]++;
      else s.attempts.push([minute, 1]);
      s.ongoing.set(callId, [callId, user, at]);
      relationships.set(key, next);
      await effect();
      return callId;
    },
    async ended(user: string, callId: string, at: number) {
      const key = `${SENDER}:${user}`;
      relationships.set(key, baseline.apply(relationships.get(key)!, { type: 'CALL_FAILED', at, callId, reason: 'SERVICE_UNAVAILABLE' }));
      senders.get(SENDER)?.ongoing.delete(callId);
    },
    counts: (at: number) => {
      const s = senders.get(SENDER)!;
      return [s.attempts.filter(([m]) => at < m + MINUTE + DAY).reduce((n, [, c]) => n + c, 0), s.ongoing.size];
    },
  };
}

async function effect(): Promise<void> {}

/** `users` users granted at T0; op i calls user i mod users at T0 + i·10 s and ends the call: 8,640 attempts a day, under S1. */
export async function benchMemoryHotSender(options: MeasureOptions, users = 1000): Promise<{ rows: HotSenderRow[]; ratio: number }> {
  const policy = definePolicy('infobip');
  const makeEngine = async () => {
    let now = T0;
    const engine = createCallPermissionEngine({ store: new MemoryStore(), policy, clock: () => now, effects: { sendPermissionRequest: effect, startCall: effect } });
    for (let i = 0; i < users; i++) await engine.record(SENDER, userOf(i), { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true });
    return { engine, setNow: (t: number) => (now = t) };
  };
  const makeBaseline = () => {
    const b = createTwoKeyBaseline(policy);
    for (let i = 0; i < users; i++) b.grant(userOf(i), T0);
    return b;
  };

  // Agreement first: the same ops through both, the same outcome every time and the same counters.
  {
    const { engine, setNow } = await makeEngine();
    const b = makeBaseline();
    for (let i = 0; i < 3 * users; i++) {
      const at = T0 + i * 10_000;
      setNow(at);
      const user = userOf(i % users);
      const started = await engine.startCall(SENDER, user);
      const baselineId = await b.startCall(user, at);
      if ((started.outcome === 'started') !== (baselineId !== undefined)) throw new Error(`hot sender bench: engine and baseline disagree at op ${i}`);
      // Every 7th call is left going on (it ends by ongoingCallMaxMs), so S2 and G6 hold something.
      if (i % 7 !== 0) {
        if (started.outcome === 'started') await engine.record(SENDER, user, { type: 'CALL_FAILED', at, callId: started.callId, reason: 'SERVICE_UNAVAILABLE' });
        if (baselineId) await b.ended(user, baselineId, at);
      }
    }
    const at = T0 + 3 * users * 10_000;
    const status = await engine.senderStatus(SENDER, at);
    const counts = b.counts(at);
    if (status.limits[0].currentUsage !== counts[0]) throw new Error(`hot sender bench: S1 counts differ (${status.limits[0].currentUsage} vs ${counts[0]})`);
  }

  let engineOp = 0;
  let baselineOp = 0;
  const { engine, setNow } = await makeEngine();
  const b = makeBaseline();
  const CHUNK = 200;
  const pair = await measurePair(
    async () => {
      for (let k = 0; k < CHUNK; k++, engineOp++) {
        const at = T0 + engineOp * 10_000;
        setNow(at);
        const user = userOf(engineOp % users);
        const started = await engine.startCall(SENDER, user);
        if (started.outcome === 'started') await engine.record(SENDER, user, { type: 'CALL_FAILED', at, callId: started.callId, reason: 'SERVICE_UNAVAILABLE' });
        else sink.value++;
      }
      return CHUNK;
    },
    async () => {
      for (let k = 0; k < CHUNK; k++, baselineOp++) {
        const at = T0 + baselineOp * 10_000;
        const user = userOf(baselineOp % users);
        const id = await b.startCall(user, at);
        if (id) await b.ended(user, id, at);
        else sink.value++;
      }
      return CHUNK;
    },
    options,
  );
  const ratio = pair.baseline / pair.contender;
  return {
    ratio,
    rows: [
      { name: `startCall + its end, one sender, ${users} users, MemoryStore`, opsPerSec: pair.contender, note: 'engine.startCall + record(CALL_FAILED)' },
      { name: '… hand-written two-key baseline (Maps, same checks)', opsPerSec: pair.baseline, note: `engine is ${ratio.toFixed(1)}× slower (goal ≤ 5×)` },
    ],
  };
}

/** N engines over one PostgreSQL server calling distinct users of one sender for `ms`. */
export async function benchPostgresHotSender(options: { quick?: boolean; databaseUrl?: string } = {}): Promise<HotSenderRow[]> {
  const url = options.databaseUrl ?? process.env.DATABASE_URL;
  if (!url) return [{ name: 'startCall, one hot sender (PostgreSQL server)', opsPerSec: Number.NaN, note: 'not measured: DATABASE_URL is not set' }];
  const ms = options.quick ? 600 : 4000;
  const LOOPS = 4;
  const policy = definePolicy({ senderCallAttemptsPerDay: 10_000_000, senderConcurrentCalls: 100_000, connectedCallsPerWindow: 1000 });
  const admin = new pg.Pool({ connectionString: url, max: 2 });
  const rows: HotSenderRow[] = [];
  let table = 0;
  try {
    for (const shards of [1, 16]) {
      for (const engines of [1, 4, 16]) {
        const store: PostgresStore = createPostgresStore({ client: admin, table: `bench_hot_${process.pid}_${++table}` });
        await store.migrate();
        // Enough users that no one is called twice: every call is a fresh reservation on both keys.
        const users = Math.ceil((options.quick ? 4000 : 30000) * Math.sqrt(engines));
        const granted = JSON.stringify({ v: 1, s: 'granted', t: T0 });
        await admin.query(
          `INSERT INTO ${store.names.relationships} (sender, user_number, snapshot, version) SELECT $1, '4478' || lpad(i::text, 8, '0'), $2::jsonb, 1 FROM generate_series(0, $3::integer - 1) i`,
          [SENDER, granted, users],
        );
        let next = 0;
        let reservations = 0;
        let conflicts = 0;
        let started = 0;
        let storeConflictErrors = 0;
        const pools = Array.from({ length: engines }, () => new pg.Pool({ connectionString: url, max: 2 }));
        const fleet = pools.map((client) => {
          const inner = createPostgresStore({ client, table: store.names.relationships.replace(/"/g, '') });
          const counting: RelationshipStore = {
            load: (k) => inner.load(k),
            save: (r) => inner.save(r),
            dueBefore: (t, l) => inner.dueBefore(t, l),
            loadSender: (k) => inner.loadSender(k),
            saveSender: (r) => inner.saveSender(r),
            async reserve(r) {
              reservations++;
              const result = await inner.reserve(r);
              if (!result.ok) conflicts++;
              return result;
            },
          };
          return createCallPermissionEngine({ store: counting, policy, senderShards: shards, maxConflictRetries: 64, effects: { sendPermissionRequest: effect, startCall: effect } });
        });
        const deadline = performance.now() + ms;
        const began = performance.now();
        await Promise.all(
          fleet.flatMap((engine) =>
            Array.from({ length: LOOPS }, async () => {
              while (performance.now() < deadline && next < users) {
                const user = `4478${String(next++).padStart(8, '0')}`;
                try {
                  const result = await engine.startCall(SENDER, user);
                  if (result.outcome === 'started') started++;
                } catch (error) {
                  if ((error as { code?: string }).code === 'STORE_CONFLICT') storeConflictErrors++;
                  else throw error;
                }
              }
            }),
          ),
        );
        const elapsed = performance.now() - began;
        // Agreement: the sender's stored S1 count is exactly the calls started.
        const status = await fleet[0]!.senderStatus(SENDER);
        const agreed = status.limits[0].currentUsage === started && status.limits[1].currentUsage === started;
        rows.push({
          name: `startCall, one hot sender, ${engines} engine${engines > 1 ? 's' : ''} × ${LOOPS} loops, ${shards === 1 ? 'one sender row' : `${shards} shards`}`,
          opsPerSec: (started * 1000) / elapsed,
          note: `conflict rate ${((100 * conflicts) / Math.max(1, reservations)).toFixed(1)} % (${conflicts}/${reservations})${storeConflictErrors ? `, ${storeConflictErrors} gave up (STORE_CONFLICT)` : ''}; stored S1/S2 = calls started: ${agreed ? 'yes' : `NO (${status.limits[0].currentUsage}/${status.limits[1].currentUsage} vs ${started})`}`,
        });
        await Promise.all(pools.map((p) => p.end()));
        await admin.query(`DROP TABLE IF EXISTS ${store.names.relationships}, ${store.names.facts}, ${store.names.senders}`);
        await admin.query(`DROP FUNCTION IF EXISTS ${store.names.reserveFunction}`);
      }
    }
  } finally {
    await admin.end();
  }
  return rows;
}

export function formatHotSenderRows(rows: readonly HotSenderRow[]): string {
  const fmt = (n: number) => (Number.isNaN(n) ? '—' : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0));
  return ['| measurement | calls/s | |', '| --- | ---: | --- |', ...rows.map((r) => `| ${r.name} | ${fmt(r.opsPerSec)} | ${r.note} |`)].join('\n');
}
