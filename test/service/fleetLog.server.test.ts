import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MemoryCorrelationDirectory } from '../../src/infobip/correlations.js';
import { definePolicy } from '../../src/policy/policy.js';
import { createDryRunEffects } from '../../src/service/dryRunEffects.js';
import { createEventLog, type EventLog } from '../../src/service/eventLog.js';
import { createLoggedEngine, type LoggedEngine } from '../../src/service/loggedEngine.js';
import { createAdvisoryLocks, processLocks, type RelationshipLocks } from '../../src/service/relationshipLocks.js';
import { buildRelationshipTimeline } from '../../src/service/timeline.js';
import { createPostgresStore, type PostgresStore } from '../../src/stores/postgres/store.js';
import { createScratchDatabase, type ScratchDatabase } from './scratchDatabase.js';
import { iso, SENDER, T0 } from './harness.js';

const serverUrl = process.env.DATABASE_URL;
if (!serverUrl) console.info('[test/service] skipping the shared event log tests: DATABASE_URL is not set (run them with `.ci/postgres.sh run -- npx vitest run test/service`)');

const policy = definePolicy('infobip');
const MINUTE = 60_000;

/** Holds an instance's log appends: `reached` when one is waiting, until `released`. */
interface AppendGate {
  reached(): void;
  readonly released: Promise<void>;
}

/**
 * Two logged engines, as two service instances would run them: each with its own connection pools
 * to one database. Instance A's log is slow (its append waits), which opens the window between a
 * store write and its log entry that another instance could write into.
 */
describe.skipIf(!serverUrl)('the event log shared by several instances (logged engines on one PostgreSQL)', () => {
  let database: ScratchDatabase;
  beforeAll(async () => {
    database = await createScratchDatabase(serverUrl!, 'wacp_fleet_log');
  });
  afterAll(async () => {
    await database?.drop();
  });

  async function instance(options: { locks: 'advisory' | 'process'; appendGate?: AppendGate; clock: () => number }): Promise<{ logged: LoggedEngine; log: EventLog; locks: RelationshipLocks; store: PostgresStore }> {
    const pool = database.pool({ max: 4 });
    const lockPool = database.pool({ max: 4 });
    const store = createPostgresStore({ client: pool });
    await store.migrate();
    const sharedLog = createEventLog(pool, store.names.relationships);
    await sharedLog.migrate();
    const gate = options.appendGate;
    const log: EventLog = {
      ...sharedLog,
      async append(entry) {
        if (gate) {
          gate.reached();
          await gate.released;
        }
        return sharedLog.append(entry);
      },
    };
    const locks = options.locks === 'advisory' ? createAdvisoryLocks(lockPool) : processLocks;
    const logged = createLoggedEngine({
      engine: { store, policy, clock: options.clock },
      effects: createDryRunEffects({ correlations: new MemoryCorrelationDirectory() }),
      log,
      onChange: () => undefined,
      locks,
    });
    return { logged, log: sharedLog, locks, store };
  }

  /**
   * A revoke on A whose log entry is held back (A has stored it and waits to log it), and an accept
   * on B meanwhile. The order is forced by the gate, not by timing, so load cannot change it.
   */
  async function revokeOnAWhileBAccepts(locks: 'advisory' | 'process', user: string) {
    let reached!: () => void;
    const atLog = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const a = await instance({ locks, appendGate: { reached, released }, clock: () => T0 });
    const b = await instance({ locks, clock: () => T0 });
    await b.logged.record(SENDER, user, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true }, 'test');
    const revoking = a.logged.record(SENDER, user, { type: 'PERMISSION_REVOKED', at: T0 + MINUTE }, 'test');
    await atLog;
    const accepting = b.logged.record(SENDER, user, { type: 'PERMISSION_ACCEPTED', at: T0 + 2 * MINUTE, permanent: true }, 'test');
    // Without a lock across instances nothing stops B: its accept is stored and logged now. With
    // advisory locks B waits for A's hold, whether it asked before the gate opens or after.
    if (locks === 'process') await accepting;
    else await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    await revoking;
    await accepting;
    const key = { sender: SENDER, user };
    const { entries, truncated } = await b.log.entries(key);
    const stored = await b.logged.engine.snapshot(SENDER, user);
    return buildRelationshipTimeline({ key, policy, entries, truncated, stored, now: T0 + 3 * MINUTE });
  }

  test('without a lock across instances, the log can disagree with the store (the race this guards against)', async () => {
    const timeline = await revokeOnAWhileBAccepts('process', '447700800001');
    expect(timeline.rows.map((row) => (row.kind === 'event' ? row.event.type : row.kind))).toEqual(['PERMISSION_ACCEPTED', 'PERMISSION_ACCEPTED', 'PERMISSION_REVOKED']);
    expect(timeline.now.state).toBe('granted');
    // The log's order is not the store's. (This pair replays to the same state anyway: a revoke dated
    // before a grant already recorded leaves it, docs/semantics.md "Late facts".)
  });

  test('with advisory locks, a write on B waits until A has logged its own: the log is in the store order and its replay matches', async () => {
    const timeline = await revokeOnAWhileBAccepts('advisory', '447700800002');
    expect(timeline.rows.map((row) => (row.kind === 'event' ? row.event.type : row.kind))).toEqual(['PERMISSION_ACCEPTED', 'PERMISSION_REVOKED', 'PERMISSION_ACCEPTED']);
    expect(timeline.now.state).toBe('granted');
    expect(timeline.replayMatchesStore).toBe(true);
  });

  test('a sweep claims each due relationship: one another instance holds is left to it, then looked at again once it lets go', async () => {
    const at = T0 + 8 * 24 * 60 * MINUTE;
    let now = T0;
    const a = await instance({ locks: 'advisory', clock: () => now });
    const b = await instance({ locks: 'advisory', clock: () => now });
    const users = ['447700800011', '447700800012', '447700800013'];
    for (const user of users) await a.logged.requestPermission(SENDER, user);
    const skipped: string[] = [];
    const watched: RelationshipLocks = {
      hold: (key, work) => b.locks.hold(key, work),
      async tryHold(key, work) {
        const claimed = await b.locks.tryHold(key, work);
        if (!claimed.held) skipped.push(key.user);
        return claimed;
      },
    };
    const bWatched = createLoggedEngine({
      engine: { store: b.store, policy, clock: () => now },
      effects: createDryRunEffects({ correlations: new MemoryCorrelationDirectory() }),
      log: b.log,
      onChange: () => undefined,
      locks: watched,
    });
    // Another instance holds the first relationship (a command under way) for a while.
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    const aHolds = a.locks.hold({ sender: SENDER, user: users[0]! }, async () => {
      holding();
      await new Promise((resolve) => setTimeout(resolve, 300));
    });
    await held;
    now = at; // the sweep runs at the instances' clock (a CLOCK beyond it by more than maxClockSkewMs is refused)
    const moved = await bWatched.sweep(at);
    await aHolds;
    expect(skipped).toEqual([users[0]]);
    expect(moved).toBe(users.length);
    for (const user of users) {
      const { entries } = await b.log.entries({ sender: SENDER, user });
      expect(entries.filter((entry) => entry.kind === 'event' && entry.event.type === 'CLOCK')).toHaveLength(1);
    }
    // Swept again (another instance's sweep after this one): nothing is due, nothing moves.
    expect(await a.logged.sweep(at)).toBe(0);
  });

  test('a relationship held longer than the lock wait: the waiter gives up with STORE_CONFLICT (the service answers 503, Retry-After)', async () => {
    const holder = database.pool({ max: 1 });
    const waiter = database.pool({ max: 1, options: '-c lock_timeout=200' });
    const key = { sender: SENDER, user: '447700800021' };
    let release!: () => void;
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    const holds = createAdvisoryLocks(holder).hold(key, async () => {
      holding();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await held;
    const waiting = createAdvisoryLocks(waiter);
    await expect(waiting.hold(key, async () => 'ran')).rejects.toMatchObject({ code: 'STORE_CONFLICT' });
    expect(await waiting.tryHold(key, async () => 'ran')).toEqual({ held: false });
    release();
    await holds;
    // Let go: the next holder runs at once, on a connection that is still good.
    expect(await waiting.hold(key, async () => 'ran')).toBe('ran');
  });
});
