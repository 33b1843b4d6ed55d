import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCallPermissionEngine, type CallPermissionEngine } from '../../src/index.js';
import { MemoryCorrelationDirectory } from '../../src/infobip/correlations.js';
import { definePolicy } from '../../src/policy/policy.js';
import { createDryRunEffects } from '../../src/service/dryRunEffects.js';
import { createEventLog, type EventLog } from '../../src/service/eventLog.js';
import { createEventLogSubscriber } from '../../src/service/eventLogSubscriber.js';
import { createRedactor } from '../../src/service/redact.js';
import { buildRelationshipTimeline } from '../../src/service/timeline.js';
import { createPostgresStore } from '../../src/stores/postgres/store.js';
import { createScratchDatabase, type ScratchDatabase } from './scratchDatabase.js';
import { SENDER, T0 } from './harness.js';

const serverUrl = process.env.DATABASE_URL;
if (!serverUrl) console.info('[test/service] skipping the shared event log tests: DATABASE_URL is not set (run them with `.ci/postgres.sh run -- npx vitest run test/service`)');

const policy = definePolicy('infobip');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Holds an instance's log appends: `reached` when one is waiting, until `released`. */
interface AppendGate {
  reached(): void;
  readonly released: Promise<void>;
}

/**
 * Two engines with the service's event log subscribed, as two service instances run them: each with
 * its own connection pool to one database, nothing locked across them. Instance A's log can be made
 * slow (its append waits), which opens the window between a store write and its log entry that
 * another instance writes into.
 */
describe.skipIf(!serverUrl)('the event log shared by several instances (engines on one PostgreSQL)', () => {
  let database: ScratchDatabase;
  beforeAll(async () => {
    database = await createScratchDatabase(serverUrl!, 'wacp_fleet_log');
  });
  afterAll(async () => {
    await database?.drop();
  });

  async function instance(options: { appendGate?: AppendGate; clock: () => number }): Promise<{ engine: CallPermissionEngine; log: EventLog }> {
    const pool = database.pool({ max: 4 });
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
    const engine = createCallPermissionEngine({
      store,
      policy,
      clock: options.clock,
      effects: createDryRunEffects({ correlations: new MemoryCorrelationDirectory() }),
      inspect: createEventLogSubscriber({ log, onChange: () => undefined, redact: createRedactor(), say: () => undefined }),
    });
    return { engine, log: sharedLog };
  }

  test('a revoke on A whose log entry is held back and an accept on B meanwhile: the log reads in the store order, and its replay matches', async () => {
    const user = '447700800002';
    let reached!: () => void;
    const atLog = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const a = await instance({ appendGate: { reached, released }, clock: () => T0 + 3 * MINUTE });
    const b = await instance({ clock: () => T0 + 3 * MINUTE });
    await b.engine.record(SENDER, user, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true }, { source: 'test' });
    const revoking = a.engine.record(SENDER, user, { type: 'PERMISSION_REVOKED', at: T0 + MINUTE }, { source: 'test' });
    // A has stored its revoke and waits to log it: B's accept is stored and logged first (forced by the gate, not by timing).
    await atLog;
    await b.engine.record(SENDER, user, { type: 'PERMISSION_ACCEPTED', at: T0 + 2 * MINUTE, permanent: true }, { source: 'test' });
    release();
    await revoking;
    const key = { sender: SENDER, user };
    const { entries, truncated } = await b.log.entries(key);
    // Appended in the order accept, accept, revoke; read in the store's.
    expect([...entries].sort((x, y) => x.id - y.id).map((entry) => (entry.kind === 'event' ? entry.event.type : entry.kind))).toEqual(['PERMISSION_ACCEPTED', 'PERMISSION_ACCEPTED', 'PERMISSION_REVOKED']);
    expect(entries.map((entry) => (entry.kind === 'event' ? `${entry.event.type}@${entry.version}` : entry.kind))).toEqual(['PERMISSION_ACCEPTED@1', 'PERMISSION_REVOKED@2', 'PERMISSION_ACCEPTED@3']);
    const stored = await b.engine.snapshot(SENDER, user);
    const timeline = buildRelationshipTimeline({ key, policy, entries, truncated, stored, now: T0 + 3 * MINUTE });
    expect(timeline.now.state).toBe('granted');
    expect(timeline.replayMatchesStore).toBe(true);
  });

  test('two instances tick at once: each due relationship is moved once, with one clock entry, and its replay matches', async () => {
    const at = T0 + 8 * 24 * 60 * MINUTE;
    let now = T0;
    const a = await instance({ clock: () => now });
    const b = await instance({ clock: () => now });
    const users = Array.from({ length: 12 }, (_, i) => `4477008001${String(i).padStart(2, '0')}`);
    for (const user of users) expect((await a.engine.requestPermission(SENDER, user)).outcome).toBe('sent');
    now = at; // the tick runs at the instances' clock (a CLOCK beyond it by more than maxClockSkewMs is refused)
    const [fromA, fromB] = await Promise.all([a.engine.tick({ now: at }), b.engine.tick({ now: at })]);
    expect(fromA.failed).toEqual([]);
    expect(fromB.failed).toEqual([]);
    expect(fromA.moved + fromB.moved).toBe(users.length);
    for (const user of users) {
      const key = { sender: SENDER, user };
      const { entries, truncated } = await b.log.entries(key);
      expect(entries.filter((entry) => entry.kind === 'event' && entry.event.type === 'CLOCK')).toHaveLength(1);
      const timeline = buildRelationshipTimeline({ key, policy, entries, truncated, stored: await b.engine.snapshot(SENDER, user), now: at });
      expect(timeline.replayMatchesStore).toBe(true);
    }
    // Ticked again (another instance's tick after these): nothing is due, nothing moves.
    expect((await a.engine.tick({ now: at })).moved).toBe(0);
  });

  test('commands on one relationship from two instances at once: each reservation and refusal is logged once, in the store order', async () => {
    const user = '447700800031';
    const a = await instance({ clock: () => T0 });
    const b = await instance({ clock: () => T0 });
    await a.engine.record(SENDER, user, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true });
    const results = await Promise.all([...Array.from({ length: 4 }, () => a.engine.startCall(SENDER, user)), ...Array.from({ length: 4 }, () => b.engine.startCall(SENDER, user))]);
    const started = results.filter((result) => result.outcome === 'started').length;
    const key = { sender: SENDER, user };
    const { entries, truncated } = await a.log.entries(key);
    const reservations = entries.filter((entry) => entry.kind === 'event' && entry.event.type === 'CALL_STARTED');
    expect(reservations).toHaveLength(started);
    // Versions strictly increase over the events: one row per stored write, none missing.
    const versions = entries.flatMap((entry) => (entry.kind === 'event' ? [entry.version!] : []));
    expect(versions).toEqual(versions.map((_, i) => i + 1));
    const timeline = buildRelationshipTimeline({ key, policy, entries, truncated, stored: await a.engine.snapshot(SENDER, user), now: T0 });
    expect(timeline.replayMatchesStore).toBe(true);
  });

  test('a webhook batch (recordMany: one read, one write) is logged with the version each relationship was written at', async () => {
    const a = await instance({ clock: () => T0 + HOUR });
    const users = ['447700800041', '447700800042'];
    await a.engine.record(SENDER, users[0]!, { type: 'USER_MESSAGE', at: T0 });
    const outcomes = await a.engine.recordMany([
      { sender: SENDER, user: users[0]!, event: { type: 'PERMISSION_ACCEPTED', at: T0 + MINUTE, permanent: true }, factKey: 'accept-1', source: 'webhook' },
      { sender: SENDER, user: users[1]!, event: { type: 'USER_MESSAGE', at: T0 + MINUTE }, source: 'webhook' },
      { sender: SENDER, user: users[0]!, event: { type: 'PERMISSION_REVOKED', at: T0 + 2 * MINUTE }, source: 'webhook' },
    ]);
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    const first = await a.log.entries({ sender: SENDER, user: users[0]! });
    expect(first.entries.map((entry) => (entry.kind === 'event' ? `${entry.event.type}:${entry.source}@${entry.version}` : entry.kind))).toEqual([
      'USER_MESSAGE:api@1',
      'PERMISSION_ACCEPTED:webhook@2',
      'PERMISSION_REVOKED:webhook@2',
    ]);
    for (const user of users) {
      const key = { sender: SENDER, user };
      const { entries, truncated } = await a.log.entries(key);
      const timeline = buildRelationshipTimeline({ key, policy, entries, truncated, stored: await a.engine.snapshot(SENDER, user), now: T0 + HOUR });
      expect(timeline.replayMatchesStore).toBe(true);
    }
  });
});
