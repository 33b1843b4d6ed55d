import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyEvent,
  createCallPermissionEngine,
  createRelationship,
  MemoryStore,
  type CallPermissionEngine,
  type RelationshipKey,
  type RelationshipStore,
  type SaveRequest,
  type StoredRelationship,
} from '../../src/index.js';
import { toSerialized } from '../../src/pure/serialize.js';
import { createPostgresStore, StoreUnavailableError, type PostgresStore } from '../../src/stores/postgres/index.js';
import { check } from '../support/fc.js';
import { fakePlatform, pairs, type Pair } from '../../src/testing/contractPlatform.js';
import { uniqueTable, type Connection, type PostgresBackend } from './postgres-backends.js';

const T0 = Date.UTC(2026, 3, 1, 9, 0, 0);

interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Index Name'?: string;
  readonly Plans?: PlanNode[];
}
const planNodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(planNodes)];

/** What only the PostgreSQL store has to show: its schema, its index, and how it survives a broken connection. */
export function describePostgresStore(backendOf: () => PostgresBackend, options: { server?: boolean } = {}): void {
  describe(`PostgreSQL store specifics`, () => {
    let connection: Connection;
    const backend = () => backendOf();
    const storeOn = (table = uniqueTable(), options: { factRetentionMs?: number } = {}) => createPostgresStore({ client: connection.client, table, ...options });
    const drop = async (store: PostgresStore) => {
      await connection.client.query(`DROP TABLE IF EXISTS ${store.names.relationships}, ${store.names.facts}, ${store.names.senders}`);
      await connection.client.query(`DROP FUNCTION IF EXISTS ${store.names.reserveFunction}`);
    };

    beforeAll(async () => {
      connection = await backend().connect();
    });
    afterAll(async () => {
      await connection.release();
    });

    it('migrate() is idempotent and brings a table from before the due index up to date, keeping its rows', async () => {
      const store = storeOn();
      const key = { sender: '4930901820', user: '4915112345678' };
      const snapshot = toSerialized(createRelationship({ at: T0 }));
      // The first schema had no next_due_at / updated_at.
      await connection.client.query(
        `CREATE TABLE ${store.names.relationships} (sender text NOT NULL, user_number text NOT NULL, snapshot jsonb NOT NULL, version integer NOT NULL, PRIMARY KEY (sender, user_number))`,
      );
      await connection.client.query(`INSERT INTO ${store.names.relationships} VALUES ($1, $2, $3::jsonb, 4)`, [key.sender, key.user, JSON.stringify(snapshot)]);
      await store.migrate();
      await store.migrate();

      expect(await store.load(key)).toEqual({ snapshot, version: 4 });
      expect(await store.save({ key, snapshot, expectedVersion: 4, at: T0, nextDueAt: T0 + 1 })).toEqual({ ok: true, version: 5 });
      expect(await store.dueBefore(T0 + 1, 10)).toEqual([{ ...key, dueAt: T0 + 1 }]);
      await drop(store);
    });

    it('migrate() from several instances at the same start-up queues instead of failing', async () => {
      const table = uniqueTable();
      const connections = await Promise.all([1, 2, 3, 4].map(() => backend().connect()));
      try {
        const stores = connections.map(({ client }) => createPostgresStore({ client, table }));
        await Promise.all(stores.map((store) => store.migrate()));
        expect(await stores[0]!.load({ sender: '4930901820', user: '4915112345678' })).toBeUndefined();
        await drop(stores[0]!);
      } finally {
        await Promise.all(connections.map((c) => c.release()));
      }
    });

    it('a schema-qualified table name is honoured', async () => {
      await connection.client.query('CREATE SCHEMA IF NOT EXISTS wcp_contract');
      const store = storeOn(`wcp_contract.${uniqueTable()}`);
      await store.migrate();
      const key = { sender: '4930901820', user: '4915112345678' };
      expect(await store.save({ key, snapshot: toSerialized(createRelationship({ at: T0 })), expectedVersion: 0, at: T0 })).toEqual({ ok: true, version: 1 });
      const { rows } = await connection.client.query(`SELECT count(*)::int AS n FROM ${store.names.relationships}`);
      expect(rows).toEqual([{ n: 1 }]);
      await drop(store);
    });

    it('a store whose tables were never migrated fails with STORE_FAILED naming migrate()', async () => {
      const store = storeOn();
      await expect(store.load({ sender: '4930901820', user: '4915112345678' })).rejects.toMatchObject({ code: 'STORE_FAILED', message: expect.stringContaining('migrate()') });
    });

    it('dueBefore reads the partial index on next_due_at (EXPLAIN), not the whole table', async () => {
      const store = storeOn();
      await store.migrate();
      await connection.client.query(
        `INSERT INTO ${store.names.relationships} (sender, user_number, snapshot, version, next_due_at)
         SELECT '4930901820', (4915100000000 + g)::text, '{"v":1,"s":"noPermission","t":0}', 1, CASE WHEN g % 3 = 0 THEN NULL ELSE $1::bigint + g * 1000 END
         FROM generate_series(1, 5000) AS g`,
        [T0],
      );
      await connection.client.query(`ANALYZE ${store.names.relationships}`);
      const params = [T0 + 2_500_000, 100];
      const { rows } = await connection.client.query(`EXPLAIN (FORMAT JSON) ${store.statements.dueBefore}`, params);
      const plan = (rows[0] as { 'QUERY PLAN': [{ Plan: PlanNode }] })['QUERY PLAN'][0].Plan;
      const nodes = planNodes(plan);
      const text = (await connection.client.query(`EXPLAIN ${store.statements.dueBefore}`, params)).rows.map((r) => (r as { 'QUERY PLAN': string })['QUERY PLAN']);
      console.info(`[${backend().label}] EXPLAIN dueBefore:\n  ${text.join('\n  ')}`);
      expect(nodes.map((n) => n['Node Type'])).not.toContain('Seq Scan');
      expect(nodes.map((n) => n['Index Name'])).toContain(store.names.dueIndex.replaceAll('"', ''));
      expect(await store.dueBefore(T0 + 2_500, 10)).toEqual([1, 2].map((g) => ({ sender: '4930901820', user: String(4915100000000 + g), dueAt: T0 + g * 1000 })));
      await drop(store);
    });

    describe('a connection cut off in the middle of a write', () => {
      let store: PostgresStore;
      const now = T0 + 60_000;
      const platform = fakePlatform();
      const engineOver = (s: RelationshipStore) => createCallPermissionEngine({ store: s, effects: platform.effects, clock: () => now });
      const keyOf = ([sender, user]: Pair): RelationshipKey => ({ sender, user });
      /** A relationship with a temporary grant and one call placed. */
      async function withOneCall(pair: Pair) {
        const healthy = engineOver(store);
        await healthy.record(...pair, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: false });
        const started = await healthy.startCall(...pair);
        if (started.outcome !== 'started') throw new Error(`expected a call to start, got ${JSON.stringify(started)}`);
        return { healthy, callId: started.callId, before: (await store.load(keyOf(pair)))! };
      }
      /** The same command from another instance whose connection is cut off mid-write. */
      const cutOff = (pair: Pair, command: (engine: CallPermissionEngine) => Promise<unknown>) =>
        backend().cutMidWrite(store, keyOf(pair), (client) => command(engineOver(createPostgresStore({ client, table: tableOf(store) }))));

      beforeAll(async () => {
        store = storeOn();
        await store.migrate();
      });
      afterAll(async () => {
        await drop(store);
      });

      it('G2: a call reservation cut off before it commits leaves the old snapshot and version intact, and places no call', async () => {
        const pair = pairs[0]!;
        const { healthy, callId, before } = await withOneCall(pair);
        // The first call is over (G6 would refuse a second one while it goes on).
        await healthy.recordSender(pair[0], { type: 'CALL_ENDED', at: now, callId, user: pair[1] });
        const senderBefore = await store.loadSender({ sender: pair[0], shard: 0 });

        const cut = await cutOff(pair, (engine) => engine.startCall(...pair));
        expect(cut.reachedDatabase).toBe(true);
        expect(cut.error).toBeInstanceOf(StoreUnavailableError);
        expect(cut.error).toMatchObject({ code: 'STORE_UNAVAILABLE', writeOutcomeUnknown: true });
        expect(await store.load(keyOf(pair))).toEqual(before);
        expect(await store.loadSender({ sender: pair[0], shard: 0 })).toEqual(senderBefore); // both keys or neither
        expect(platform.callsTo(pair)).toHaveLength(1);

        // The database and the other instances carry on from the intact snapshot.
        expect(await healthy.startCall(...pair)).toMatchObject({ outcome: 'started' });
        expect((await store.load(keyOf(pair)))!.version).toBe(before.version + 1);
      });

      it('G2: a webhook cut off before it commits is neither applied nor marked seen, so its redelivery is applied once', async () => {
        const pair = pairs[1]!;
        const { healthy, callId, before } = await withOneCall(pair);
        const webhook = { type: 'CALL_CONNECTED', at: now, callId } as const;
        const factKey = `CALL_CONNECTED:${callId}`;

        const cut = await cutOff(pair, (engine) => engine.record(...pair, webhook, { factKey }));
        expect(cut.reachedDatabase).toBe(true);
        expect(cut.error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
        expect(await store.load(keyOf(pair))).toEqual(before);

        expect(await healthy.record(...pair, webhook, { factKey })).toMatchObject({ duplicate: false, changed: true });
        expect(await healthy.record(...pair, webhook, { factKey })).toMatchObject({ duplicate: true });
        expect((await healthy.snapshot(...pair))!.context.connectedCalls).toEqual([now]);
      });
    });

    it('U1: with the default fact retention, an accept redelivered as late as the policy still accepts is a duplicate, so it cannot undo a revoke', async () => {
      const store = storeOn();
      await store.migrate();
      const engine = createCallPermissionEngine({ store });
      const [sender, user] = pairs[0]!;
      const accept = { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true } as const;
      await engine.record(sender, user, accept, { factKey: 'PERMISSION_ACCEPTED:wamid.1' });
      await engine.record(sender, user, { type: 'PERMISSION_REVOKED', at: T0 + 1 }, { factKey: 'PERMISSION_REVOKED:wamid.2' });
      // A later fact exactly one late-fact tolerance after the accept: the accept is still a late fact the policy takes.
      await engine.record(sender, user, { type: 'USER_MESSAGE', at: T0 + engine.policy.lateEventToleranceMs }, { factKey: 'USER_MESSAGE:wamid.3' });

      const redelivered = await engine.record(sender, user, accept, { factKey: 'PERMISSION_ACCEPTED:wamid.1' });
      expect(redelivered).toMatchObject({ duplicate: true, state: 'revoked' });
      await drop(store);
    });

    it.runIf(options.server)('compare-and-set under SERIALIZABLE: concurrent writers get conflict answers, not errors, and exactly one wins', async () => {
      const table = uniqueTable();
      const connections = await Promise.all([1, 2, 3, 4].map(() => backend().connectSerializable!()));
      try {
        const stores = connections.map(({ client }) => createPostgresStore({ client, table }));
        await stores[0]!.migrate();
        // Every pooled connection open before the race, so that the writes really overlap.
        await Promise.all(connections.flatMap(({ client }) => [1, 2, 3].map(() => client.query('SELECT pg_sleep(0.02)'))));
        const key = { sender: '4930901820', user: '4915112345678' };
        const snapshotAt = (at: number) => toSerialized(applyEvent(createRelationship({ at: T0 }), { type: 'USER_MESSAGE', at }));
        for (const expectedVersion of [0, 1, 2, 3]) {
          // Half the rounds with a fact key (the statement with CTEs), half without.
          const factKey = (i: number, j: number) => (expectedVersion % 2 ? { factKey: `f${expectedVersion}-${i}-${j}` } : {});
          const results = await Promise.all(
            stores.flatMap((store, i) => [0, 1, 2].map((j) => store.save({ key, snapshot: snapshotAt(T0 + i * 3 + j), expectedVersion, at: T0, ...factKey(i, j) }))),
          );
          expect(results.filter((r) => r.ok)).toEqual([{ ok: true, version: expectedVersion + 1 }]);
          expect(new Set(results.filter((r) => !r.ok).map((r) => !r.ok && r.reason))).toEqual(new Set(['conflict']));
        }
        await drop(stores[0]!);
      } finally {
        await Promise.all(connections.map((c) => c.release()));
      }
    });

    it('saveMany forgets fact keys as one save per fact would, a late fact among them (it does not bring back a key a later fact pruned)', async () => {
      const retention = 5;
      const batch = storeOn(uniqueTable(), { factRetentionMs: retention });
      const single = storeOn(uniqueTable(), { factRetentionMs: retention });
      await Promise.all([batch.migrate(), single.migrate()]);
      const key: RelationshipKey = { sender: '4930901820', user: '4915112345670' };
      const snapshot = toSerialized(createRelationship({ at: T0 }));
      // b prunes a (T0 ≤ T0 + 5 − 5); c is late (earlier than b) and prunes nothing of b's.
      const facts = [
        { factKey: 'a', at: T0 },
        { factKey: 'b', at: T0 + retention },
        { factKey: 'c', at: T0 + retention - 1 },
      ];
      expect(await batch.saveMany([{ key, snapshot, expectedVersion: 0, facts }])).toEqual([{ ok: true, version: 1 }]);
      for (const [i, fact] of facts.entries()) expect((await single.save({ key, snapshot, expectedVersion: i, at: fact.at, factKey: fact.factKey })).ok).toBe(true);
      const recorded = async (store: PostgresStore) => (await store.loadMany([{ key, factKeys: ['a', 'b', 'c'] }]))[0]!.recorded;
      expect(await recorded(single)).toEqual(['b', 'c']);
      expect(await recorded(batch)).toEqual(await recorded(single));
      await Promise.all([drop(batch), drop(single)]);
    });

    it('answers every sequence of load, save and dueBefore exactly as MemoryStore does', async () => {
      const retention = 5;
      const store = storeOn(uniqueTable(), { factRetentionMs: retention });
      await store.migrate();
      const keys: RelationshipKey[] = [0, 1, 2].map((n) => ({ sender: '4930901820', user: `491511234567${n}` }));
      const operation = fc.oneof(
        fc.record({
          kind: fc.constant('save' as const),
          rel: fc.nat(2),
          version: fc.constantFrom('current', 'previous', 'next', 'zero'),
          factKey: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: undefined }),
          step: fc.nat(3),
          due: fc.option(fc.nat(5), { nil: undefined }),
        }),
        fc.record({ kind: fc.constant('load' as const), rel: fc.nat(2) }),
        fc.record({ kind: fc.constant('due' as const), time: fc.nat(60), limit: fc.integer({ min: 1, max: 3 }) }),
      );
      await check(
        fc.asyncProperty(fc.array(operation, { maxLength: 12 }), async (operations) => {
          await connection.client.query(`TRUNCATE ${store.names.relationships}, ${store.names.facts}`);
          const model = new MemoryStore({ factRetentionMs: retention });
          let at = T0;
          for (const op of operations) {
            if (op.kind === 'load') {
              expect(await store.load(keys[op.rel]!)).toEqual(stored(model.load(keys[op.rel]!)));
            } else if (op.kind === 'due') {
              expect(await store.dueBefore(T0 + op.time, op.limit)).toEqual(model.dueBefore(T0 + op.time, op.limit));
            } else {
              at += op.step;
              const current = model.load(keys[op.rel]!)?.version ?? 0;
              const expectedVersion = { current, previous: Math.max(0, current - 1), next: current + 1, zero: 0 }[op.version]!;
              const snapshot = toSerialized(applyEvent(createRelationship({ at: T0 }), { type: 'USER_MESSAGE', at }));
              // Due times differ per relationship, so "earliest first" has no ties to break.
              const request: SaveRequest = { key: keys[op.rel]!, snapshot, expectedVersion, at, factKey: op.factKey, ...(op.due === undefined ? {} : { nextDueAt: T0 + op.due * 10 + op.rel }) };
              expect(await store.save(request)).toEqual(model.save(request));
            }
          }
        }),
      );
      await drop(store);
    });
  });
}

/** The part of a loaded relationship the contract speaks of (the memory store hands back its whole entry). */
function stored(relationship: StoredRelationship | undefined): StoredRelationship | undefined {
  return relationship && { snapshot: relationship.snapshot, version: relationship.version };
}

/** The table name a store was made with (its quoted relationships name, unquoted). */
function tableOf(store: PostgresStore): string {
  return store.names.relationships.replaceAll('"', '');
}
