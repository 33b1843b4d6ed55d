import { PGlite } from '@electric-sql/pglite';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCallPermissionEngine,
  MemoryLearnedLimits,
  MemoryStore,
  POLICY_PRESETS,
  type LearnedLimit,
  serializeSnapshot,
  type BatchFact,
  type BatchOutcome,
  type CallPermissionEngine,
  type RelationshipEventInput,
} from '../../src/index.js';
import { createPostgresStore, type PostgresStore, type SqlClient } from '../../src/stores/postgres/index.js';
import { resolveTimeline } from '../properties/support/replay.js';
import { applyLearnedLimits } from '../../src/policy/learnedLimits.js';
import { CALLS, startTime, timeline } from '../properties/support/timeline.js';
import { FC_RUNS, check } from '../support/fc.js';
import { DAY, HOUR, T0 } from '../support/timeline.js';

const policy = POLICY_PRESETS.infobip;
const SENDER = '441134960000';
const USERS = ['447700900001', '447700900002', '447700900003'];
const COMMANDS = new Set(['REQUEST_SENT', 'REQUEST_FAILED', 'CALL_STARTED', 'CALL_ID_ASSIGNED', 'CLOCK']);

/** A client that counts the statements it sends. */
function counting(db: SqlClient) {
  const sent: string[] = [];
  const client: SqlClient = { query: (text, params) => (sent.push(text.trim().split(/\s+/).slice(0, 3).join(' ')), db.query(text, params)) };
  return { client, sent };
}

/** `record` one by one, its results or its errors in the shape `recordMany` answers. */
async function oneByOne(engine: CallPermissionEngine, facts: readonly BatchFact[]): Promise<BatchOutcome[]> {
  const outcomes: BatchOutcome[] = [];
  for (const fact of facts) {
    try {
      outcomes.push({ ok: true, result: await engine.record(fact.sender, fact.user, fact.event, fact.factKey === undefined ? undefined : { factKey: fact.factKey }) });
    } catch (error) {
      outcomes.push({ ok: false, error: error as never });
    }
  }
  return outcomes;
}

const comparable = (outcomes: readonly BatchOutcome[]) =>
  outcomes.map((o) =>
    o.ok
      ? { previous: o.result.previousState, state: o.result.state, changed: o.result.changed, duplicate: o.result.duplicate, snapshot: serializeSnapshot(o.result.snapshot) }
      : { error: o.error.code },
  );

let db: PGlite;
let seq = 0;
async function freshStore(client: SqlClient = db): Promise<PostgresStore> {
  const store = createPostgresStore({ client, table: `batch_${process.pid}_${++seq}` });
  await store.migrate();
  return store;
}
/** Everything a store holds for the relationships, versions aside (a batch writes each relationship once). */
async function contents(store: PostgresStore) {
  const rows = (await db.query(`SELECT sender, user_number, snapshot::text AS snapshot, next_due_at FROM ${store.names.relationships} ORDER BY 1, 2`)).rows;
  const facts = (await db.query(`SELECT sender, user_number, fact_key, at FROM ${store.names.facts} ORDER BY 1, 2, 3`)).rows;
  return { rows, facts };
}

beforeAll(async () => {
  db = await PGlite.create();
});
afterAll(async () => {
  await db.close();
});

describe('engine.recordMany', () => {
  it('property: the same result per fact and the same stored state as record one by one (PGlite; redeliveries, late facts, bad facts, earlier state)', async () => {
    const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
    console.info(`recordMany property: seed ${seed}, ${FC_RUNS} runs (FC_SEED=${seed} replays)`);
    const batchStore = await freshStore();
    const singleStore = await freshStore();
    const lives = fc.tuple(...USERS.map(() => fc.tuple(startTime, timeline(undefined, { maxLength: 7 }))));
    await check(
      fc.asyncProperty(
        lives,
        fc.array(fc.nat(USERS.length - 1), { minLength: 21, maxLength: 21 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.nat(8),
        fc.nat(9),
        async (relationships, order, redeliveries, split, unkeyedEvery) => {
          for (const store of [batchStore, singleStore]) await db.exec(`TRUNCATE ${store.names.relationships}, ${store.names.facts}`);
          // Each relationship's facts in its own order; the batch interleaves them.
          const queues = relationships.map(([start, steps], r) =>
            resolveTimeline(policy, start, steps).map((event, i): BatchFact => {
              const keyed = !COMMANDS.has(event.type) && (unkeyedEvery === 0 || i % (unkeyedEvery + 1) !== 0);
              return { sender: SENDER, user: USERS[r]!, event, ...(keyed ? { factKey: `${event.type}:${r}:${i}` } : {}) };
            }),
          );
          const facts: BatchFact[] = [];
          for (const r of order) if (queues[r]!.length) facts.push(queues[r]!.shift()!);
          for (const queue of queues) facts.push(...queue);
          // Redeliveries: a fact delivered again later, with its key (or without, when it had none).
          for (const n of redeliveries) if (facts.length) facts.splice(n % (facts.length + 1), 0, facts[n % facts.length]!);
          // A fact no record would take.
          if (split % 5 === 0) facts.splice(split % (facts.length + 1), 0, { sender: SENDER, user: 'not a number', event: { type: 'CLOCK', at: T0 } });

          const before = facts.slice(0, split);
          const batch = facts.slice(split);
          // The engines' clock is after every generated fact, so the trusted-time bound moves none of them.
          const clock = () => Date.UTC(2031, 0, 1);
          const batchEngine = createCallPermissionEngine({ store: batchStore, policy, clock });
          const singleEngine = createCallPermissionEngine({ store: singleStore, policy, clock });
          expect(comparable(await oneByOne(batchEngine, before))).toEqual(comparable(await oneByOne(singleEngine, before)));
          const batched = await batchEngine.recordMany(batch);
          const single = await oneByOne(singleEngine, batch);
          expect(comparable(batched)).toEqual(comparable(single));
          expect(await contents(batchStore)).toEqual(await contents(singleStore));
        },
      ),
      { seed },
    );
  }, 300_000);

  it('property: under limits learned per sender, a batch decides as record one by one (PGlite; a sender with learned limits beside one without)', async () => {
    const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
    console.info(`recordMany learned-limits property: seed ${seed}, ${FC_RUNS} runs (FC_SEED=${seed} replays)`);
    const LEARNING = '441134960001';
    const batchStore = await freshStore();
    const singleStore = await freshStore();
    const learned = fc.record({
      calls: fc.integer({ min: 1, max: 3 }),
      perWeek: fc.integer({ min: 1, max: 2 }),
    });
    await check(
      fc.asyncProperty(
        learned,
        fc.tuple(startTime, timeline(CALLS, { maxLength: 10, startGranted: true })),
        fc.tuple(startTime, timeline(CALLS, { maxLength: 6, startGranted: true })),
        fc.nat(6),
        async ({ calls, perWeek }, [startA, stepsA], [startB, stepsB], split) => {
          for (const store of [batchStore, singleStore]) await db.exec(`TRUNCATE ${store.names.relationships}, ${store.names.facts}`);
          const limits: LearnedLimit[] = [
            { action: 'START_CALL', timePeriod: 'PT24H', maxAllowed: calls, learnedAt: startA, source: 'reconciliation' },
            { action: 'SEND_CALL_PERMISSION_REQUEST', timePeriod: 'P7D', maxAllowed: perWeek, learnedAt: startA, source: 'reconciliation' },
          ];
          const learnedPolicy = applyLearnedLimits(policy, limits);
          // The learning sender's facts come from a timeline played under its learned numbers, so G2 and R2 bind there.
          const facts: BatchFact[] = [
            ...resolveTimeline(learnedPolicy, startA, stepsA).map((event, i): BatchFact => ({ sender: LEARNING, user: USERS[0]!, event, ...(COMMANDS.has(event.type) ? {} : { factKey: `a${i}` }) })),
            ...resolveTimeline(policy, startB, stepsB).map((event, i): BatchFact => ({ sender: SENDER, user: USERS[1]!, event, ...(COMMANDS.has(event.type) ? {} : { factKey: `b${i}` }) })),
          ];
          const clock = () => Date.UTC(2031, 0, 1);
          const engines = [batchStore, singleStore].map((store) => {
            const learnedLimits = new MemoryLearnedLimits();
            learnedLimits.put(LEARNING, limits);
            return createCallPermissionEngine({ store, policy, clock, learnedLimits });
          });
          const [batchEngine, singleEngine] = engines as [CallPermissionEngine, CallPermissionEngine];
          expect(await batchEngine.policyFor(LEARNING)).toMatchObject({ connectedCallsPerWindow: calls, requestsPerLongWindow: perWeek });
          const before = facts.slice(0, split);
          const batch = facts.slice(split);
          expect(comparable(await oneByOne(batchEngine, before))).toEqual(comparable(await oneByOne(singleEngine, before)));
          const batched = await batchEngine.recordMany(batch);
          const single = await oneByOne(singleEngine, batch);
          expect(comparable(batched)).toEqual(comparable(single));
          // Each snapshot lives under its sender's policy, in the batch as one by one.
          expect(batched.map((o) => o.ok && o.result.snapshot.policy.connectedCallsPerWindow)).toEqual(single.map((o) => o.ok && o.result.snapshot.policy.connectedCallsPerWindow));
          expect(await contents(batchStore)).toEqual(await contents(singleStore));
        },
      ),
      { seed },
    );
  }, 300_000);

  it('a batch refuses the call over a learned G2 as record does (the platform stated 1 per 24 h)', async () => {
    const learnedLimits = new MemoryLearnedLimits();
    learnedLimits.put(SENDER, [{ action: 'START_CALL', timePeriod: 'PT24H', maxAllowed: 1, learnedAt: T0, source: 'reconciliation' }]);
    const engine = createCallPermissionEngine({ store: await freshStore(), policy, clock: () => T0 + DAY, learnedLimits });
    const outcomes = await engine.recordMany([
      { sender: SENDER, user: USERS[0]!, event: { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true }, factKey: 'accept' },
      { sender: SENDER, user: USERS[0]!, event: { type: 'CALL_STARTED', at: T0 + HOUR, callId: 'c1' } },
      { sender: SENDER, user: USERS[0]!, event: { type: 'CALL_STARTED', at: T0 + 2 * HOUR, callId: 'c2' } },
    ]);
    expect(outcomes.map((o) => o.ok && o.result.changed)).toEqual([true, true, false]);
    expect((await engine.snapshot(SENDER, USERS[0]!))?.context.callsInFlight.map(([id]) => id)).toEqual(['c1']);
  });

  it('takes a 1,000-fact batch over 100 relationships in one read and one write', async () => {
    const { client, sent } = counting(db);
    const store = await freshStore(client);
    const engine = createCallPermissionEngine({ store, policy });
    const facts: BatchFact[] = Array.from({ length: 1000 }, (_, i) => ({
      sender: SENDER,
      user: String(447_700_800_000 + (i % 100)),
      event: { type: 'USER_MESSAGE', at: T0 + i * 1000 },
      factKey: `USER_MESSAGE:m${i}`,
    }));
    sent.length = 0;
    const outcomes = await engine.recordMany(facts);
    expect(outcomes.every((o) => o.ok && !o.result.duplicate && o.result.changed)).toBe(true);
    expect(sent).toEqual(['WITH wanted AS', 'WITH input AS']);
    // Delivered again: every fact is a duplicate, and nothing is written.
    sent.length = 0;
    const again = await engine.recordMany(facts);
    expect(again.every((o) => o.ok && o.result.duplicate)).toBe(true);
    expect(sent).toEqual(['WITH wanted AS']);
    expect((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${store.names.facts}`)).rows[0]!.n).toBe(1000);
  });

  it('retries only the relationships whose write lost a race; the others are written once', async () => {
    const store = await freshStore();
    const other = createCallPermissionEngine({ store, policy });
    let saves = 0;
    const racing: PostgresStore = {
      ...store,
      async saveMany(requests) {
        // Between this batch's read and its write, another instance records on the first relationship.
        if (saves++ === 0) await other.record(SENDER, USERS[0]!, { type: 'CALL_UNANSWERED', at: T0 + 2 * HOUR, callId: 'elsewhere', reason: 'no_answer' }, { factKey: 'CALL_UNANSWERED:elsewhere' });
        return store.saveMany(requests);
      },
    };
    const engine = createCallPermissionEngine({ store: racing, policy });
    for (const user of USERS) await engine.record(SENDER, user, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true });
    const written: number[] = [];
    const counted: PostgresStore = { ...racing, saveMany: (requests) => (written.push(requests.length), racing.saveMany(requests)) };
    const batchEngine = createCallPermissionEngine({ store: counted, policy });
    const outcomes = await batchEngine.recordMany(
      USERS.map((user, i) => ({ sender: SENDER, user, event: { type: 'CALL_UNANSWERED', at: T0 + 3 * HOUR, callId: `c${i}`, reason: 'no_answer' } as RelationshipEventInput, factKey: `CALL_UNANSWERED:c${i}` })),
    );
    expect(written).toEqual([3, 1]);
    // M1: the first relationship counts both misses (the other instance's and the batch's).
    expect(outcomes.map((o) => o.ok && o.result.snapshot.context.unanswered)).toEqual([2, 1, 1]);
    expect((await other.snapshot(SENDER, USERS[0]!))?.context.unanswered).toBe(2);
  });

  it('over the memory store: the same outcomes as record, per fact (a bad fact and a late one do not stop the rest)', async () => {
    const engine = createCallPermissionEngine({ store: new MemoryStore(), policy });
    const single = createCallPermissionEngine({ store: new MemoryStore(), policy });
    const facts: BatchFact[] = [
      { sender: SENDER, user: USERS[0]!, event: { type: 'USER_MESSAGE', at: T0 + 9 * DAY }, factKey: 'm1' },
      { sender: SENDER, user: USERS[0]!, event: { type: 'USER_MESSAGE', at: T0 }, factKey: 'm0' },
      { sender: SENDER, user: 'nope', event: { type: 'USER_MESSAGE', at: T0 } },
      { sender: SENDER, user: USERS[1]!, event: { type: 'NOT_A_FACT', at: T0 } as never },
      { sender: SENDER, user: USERS[1]!, event: { type: 'USER_MESSAGE', at: T0 }, factKey: 'm1' },
      { sender: SENDER, user: USERS[1]!, event: { type: 'USER_MESSAGE', at: T0 + 1 }, factKey: 'm1' },
    ];
    const outcomes = await engine.recordMany(facts);
    expect(comparable(outcomes)).toEqual(comparable(await oneByOne(single, facts)));
    expect(outcomes.map((o) => (o.ok ? (o.result.duplicate ? 'duplicate' : 'recorded') : o.error.code))).toEqual([
      'recorded',
      'EVENT_TOO_LATE',
      'INVALID_PHONE_NUMBER',
      'UNKNOWN_EVENT_TYPE',
      'recorded',
      'duplicate',
    ]);
    await expect(engine.recordMany('no' as never)).rejects.toMatchObject({ code: 'INVALID_BATCH' });
  });
});
