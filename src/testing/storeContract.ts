import {
  applyEvent,
  createCallPermissionEngine,
  definePolicy,
  createRelationship,
  type CallPermissionEngine,
  type RelationshipKey,
  type RelationshipStore,
  type SaveRequest,
  type SaveResult,
  type SenderKey,
  type SerializedSenderSnapshot,
  type SerializedSnapshot,
} from '../index.js';
import { toSerialized } from '../pure/serialize.js';
import { HOUR_MS } from '../time.js';
import { check as expect } from './check.js';
import { fakePlatform, pairs, type Pair } from './contractPlatform.js';

/** One data set, reachable through several store instances (separate clients where the backend has them). */
export interface StoreHarness {
  /** The first instance, over a fresh, empty data set. */
  readonly store: RelationshipStore;
  /** Another instance over the same data set, as a second process would open it. */
  another(): Promise<RelationshipStore>;
  close(): Promise<void>;
}

export type OpenStore = (options?: { factRetentionMs?: number }) => Promise<StoreHarness>;

/** One case of the contract: run it as one test of your runner (it opens and closes its own data set). */
export interface StoreContractCase {
  readonly name: string;
  run(): Promise<void>;
}

type Hook = () => unknown;
interface Scope {
  readonly name: string;
  readonly before: Hook[];
  readonly after: Hook[];
}

/** describe/it/beforeEach/afterEach that collect cases instead of running them, so any runner can. */
function createSuite() {
  const cases: StoreContractCase[] = [];
  const scopes: Scope[] = [];
  return {
    cases,
    describe(name: string, body: () => void) {
      scopes.push({ name, before: [], after: [] });
      body();
      scopes.pop();
    },
    beforeEach: (hook: Hook) => void scopes.at(-1)!.before.push(hook),
    afterEach: (hook: Hook) => void scopes.at(-1)!.after.push(hook),
    it(name: string, body: () => Promise<void>) {
      const chain = [...scopes];
      cases.push({
        name: [...chain.map((scope) => scope.name), name].join(' › '),
        async run() {
          const entered: Scope[] = [];
          try {
            for (const scope of chain) {
              for (const hook of scope.before) await hook();
              entered.push(scope);
            }
            await body();
          } finally {
            for (const scope of entered.reverse()) for (const hook of scope.after) await hook();
          }
        },
      });
    },
  };
}

const T0 = Date.UTC(2026, 3, 1, 9, 0, 0);
const INSTANCES = 4;

const alice: RelationshipKey = { sender: '4930901820', user: '4915112345678' };
const bob: RelationshipKey = { sender: '4930901820', user: '4917698765432' };

/** A realistic stored snapshot: a temporary grant, a request and a call in flight. */
function snapshotAt(at: number, callId = 'c1'): SerializedSnapshot {
  let s = createRelationship({ at: T0 });
  s = applyEvent(s, { type: 'REQUEST_SENT', at: T0, requestId: 'r1', via: 'template' });
  s = applyEvent(s, { type: 'PERMISSION_ACCEPTED', at: T0 + 1, permanent: false, requestId: 'r1' });
  s = applyEvent(s, { type: 'CALL_STARTED', at, callId });
  return toSerialized(s);
}

function saveRequest(key: RelationshipKey, expectedVersion: number, extra: Partial<SaveRequest> = {}): SaveRequest {
  return { key, snapshot: snapshotAt(T0 + expectedVersion + 10, `c${expectedVersion}`), expectedVersion, at: T0 + expectedVersion + 10, ...extra };
}

/** What an engine does with a store: read, write on the version read, repeat on conflict (boundedly). */
async function saveUntilSettled(store: RelationshipStore, key: RelationshipKey, request: (expectedVersion: number) => SaveRequest): Promise<SaveResult> {
  for (let attempt = 0; attempt < 64; attempt++) {
    const loaded = await store.load(key);
    const result = await store.save(request(loaded?.version ?? 0));
    if (result.ok || result.reason === 'duplicate') return result;
  }
  throw new Error('still conflicting after 64 attempts: a store that never settles');
}

/**
 * What every relationship store must guarantee, run against the memory store and PostgreSQL
 * (PGlite and a real server) alike: the store-level contract first, then engine instances sharing
 * one data set through separate store instances.
 */
export function storeContractCases(label: string, open: OpenStore): StoreContractCase[] {
  const { cases, describe, it, beforeEach, afterEach } = createSuite();
  describe(`store contract: ${label}`, () => {
    let harness: StoreHarness;
    beforeEach(async () => {
      harness = await open();
    });
    afterEach(async () => {
      await harness.close();
    });

    it('load answers undefined for a relationship never saved', async () => {
      expect(await harness.store.load(alice)).toBeUndefined();
    });

    it('the first save creates version 1 and load returns the snapshot as saved', async () => {
      const request = saveRequest(alice, 0);
      expect(await harness.store.save(request)).toEqual({ ok: true, version: 1 });
      expect(await harness.store.load(alice)).toEqual({ snapshot: request.snapshot, version: 1 });
      expect(await harness.store.load(bob)).toBeUndefined();
    });

    it('compare-and-set: a save on a version that is not the stored one is a conflict and writes nothing', async () => {
      const { store } = harness;
      const first = saveRequest(alice, 0);
      await store.save(first);
      expect(await store.save(saveRequest(alice, 0))).toEqual({ ok: false, reason: 'conflict' });
      expect(await store.save(saveRequest(alice, 2))).toEqual({ ok: false, reason: 'conflict' });
      expect(await store.load(alice)).toEqual({ snapshot: first.snapshot, version: 1 });

      const second = saveRequest(alice, 1);
      expect(await store.save(second)).toEqual({ ok: true, version: 2 });
      expect(await store.save(saveRequest(alice, 1))).toEqual({ ok: false, reason: 'conflict' });
      expect(await store.load(alice)).toEqual({ snapshot: second.snapshot, version: 2 });
    });

    it('compare-and-set: of concurrent saves from the same version, across instances, exactly one wins', async () => {
      const stores = [harness.store, ...(await Promise.all([1, 2, 3].map(() => harness.another())))];
      for (const expectedVersion of [0, 1, 2]) {
        const requests = stores.flatMap((store, i) => [0, 1].map((j) => ({ store, request: { ...saveRequest(alice, expectedVersion), snapshot: snapshotAt(T0 + 100 + expectedVersion, `c${i}-${j}`) } })));
        const results = await Promise.all(requests.map(({ store, request }) => store.save(request)));
        const winners = results.flatMap((result, i) => (result.ok ? [requests[i]!.request] : []));
        expect(winners).toHaveLength(1);
        expect(results.filter((r) => !r.ok)).toEqual(Array(requests.length - 1).fill({ ok: false, reason: 'conflict' }));
        expect(await stores[3]!.load(alice)).toEqual({ snapshot: winners[0]!.snapshot, version: expectedVersion + 1 });
      }
    });

    it('idempotency: a fact key recorded for a relationship makes the same fact a duplicate that writes nothing', async () => {
      const { store } = harness;
      await store.save(saveRequest(alice, 0, { factKey: 'CALL_CONNECTED:c1' }));
      const stored = await store.load(alice);
      expect(await store.save(saveRequest(alice, 1, { factKey: 'CALL_CONNECTED:c1' }))).toEqual({ ok: false, reason: 'duplicate' });
      expect(await store.load(alice)).toEqual(stored);
      // A key belongs to its relationship: Bob's webhook with the same id is a new fact.
      expect(await store.save(saveRequest(bob, 0, { factKey: 'CALL_CONNECTED:c1' }))).toEqual({ ok: true, version: 1 });
      // A new key is written together with the snapshot.
      expect(await store.save(saveRequest(alice, 1, { factKey: 'CALL_CONNECTED:c2' }))).toEqual({ ok: true, version: 2 });
      expect(await store.save(saveRequest(alice, 2, { factKey: 'CALL_CONNECTED:c2' }))).toEqual({ ok: false, reason: 'duplicate' });
    });

    it('idempotency: on a stale version the answer is conflict even for a recorded fact (the engine reloads first)', async () => {
      const { store } = harness;
      await store.save(saveRequest(alice, 0, { factKey: 'USER_MESSAGE:m1' }));
      await store.save(saveRequest(alice, 1));
      expect(await store.save(saveRequest(alice, 1, { factKey: 'USER_MESSAGE:m1' }))).toEqual({ ok: false, reason: 'conflict' });
      expect(await store.save(saveRequest(alice, 2, { factKey: 'USER_MESSAGE:m1' }))).toEqual({ ok: false, reason: 'duplicate' });
    });

    it('idempotency: a lost race writes no fact key, so the retry on the new version records it', async () => {
      const { store } = harness;
      await store.save(saveRequest(alice, 0));
      expect(await store.save(saveRequest(alice, 0, { factKey: 'CALL_FAILED:c9' }))).toEqual({ ok: false, reason: 'conflict' });
      expect(await store.save(saveRequest(alice, 1, { factKey: 'CALL_FAILED:c9' }))).toEqual({ ok: true, version: 2 });
    });

    it('idempotency: the same fact delivered to every instance at once is written exactly once', async () => {
      const stores = [harness.store, ...(await Promise.all([1, 2, 3].map(() => harness.another())))];
      await harness.store.save(saveRequest(alice, 0));
      const deliveries = stores.flatMap((store) => [store, store]);
      const results = await Promise.all(deliveries.map((store) => saveUntilSettled(store, alice, (v) => saveRequest(alice, v, { factKey: 'CALL_CONNECTED:c7' }))));
      expect(results.filter((r) => r.ok)).toEqual([{ ok: true, version: 2 }]);
      expect(results.filter((r) => !r.ok)).toEqual(Array(deliveries.length - 1).fill({ ok: false, reason: 'duplicate' }));
    });

    it('idempotency: a fact key is remembered for factRetentionMs after the fact, and pruned by a later fact after that', async () => {
      const retention = 1_000;
      const short = await open({ factRetentionMs: retention });
      try {
        const { store } = short;
        const fact = (v: number, factKey: string, at: number) => ({ ...saveRequest(alice, v), factKey, at });
        expect(await store.save(fact(0, 'a', T0))).toMatchObject({ ok: true });
        expect(await store.save(fact(1, 'a', T0 + retention - 1))).toEqual({ ok: false, reason: 'duplicate' });
        expect(await store.save(fact(1, 'b', T0 + retention))).toEqual({ ok: true, version: 2 });
        expect(await store.save(fact(2, 'a', T0 + retention + 1))).toEqual({ ok: true, version: 3 });
        expect(await store.save(fact(3, 'b', T0 + retention + 2))).toEqual({ ok: false, reason: 'duplicate' });
      } finally {
        await short.close();
      }
    });

    it('dueBefore: relationships due at or before the time, earliest first, at most limit; a save moves or clears the due time', async () => {
      const { store } = harness;
      if (!store.dueBefore) throw new Error(`${label} must implement dueBefore`);
      const key = (n: number): RelationshipKey => ({ sender: '4930901820', user: `49151000000${n}` });
      const dues = [5, 1, undefined, 3, 2, 4];
      for (const [n, hours] of dues.entries()) await store.save(saveRequest(key(n), 0, hours === undefined ? {} : { nextDueAt: T0 + hours * HOUR_MS }));
      const due = (n: number, hours: number) => ({ ...key(n), dueAt: T0 + hours * HOUR_MS });

      expect(await store.dueBefore(T0 + 3 * HOUR_MS, 10)).toEqual([due(1, 1), due(4, 2), due(3, 3)]);
      expect(await store.dueBefore(T0 + 10 * HOUR_MS, 2)).toEqual([due(1, 1), due(4, 2)]);
      expect(await store.dueBefore(T0, 10)).toEqual([]);

      await store.save(saveRequest(key(1), 1, { nextDueAt: T0 + 6 * HOUR_MS }));
      await store.save(saveRequest(key(4), 1));
      expect(await store.dueBefore(T0 + 10 * HOUR_MS, 10)).toEqual([due(3, 3), due(5, 4), due(0, 5), due(1, 6)]);
    });

    describe('sender reservations: two keys, one compare-and-set each, all or nothing', () => {
      const shard0: SenderKey = { sender: alice.sender, shard: 0 };
      const shard1: SenderKey = { sender: alice.sender, shard: 1 };
      const senderAt = (at: number, calls: number): SerializedSenderSnapshot => ({ v: 1, s: 'active', t: at, at: [[at - (at % 60_000), calls]] });
      const methods = (store: RelationshipStore) => {
        if (!store.loadSender || !store.saveSender || !store.reserve) throw new Error(`${label} must implement loadSender, saveSender and reserve`);
        return store as Required<Pick<RelationshipStore, 'loadSender' | 'saveSender' | 'reserve'>> & RelationshipStore;
      };

      it('loadSender/saveSender: compare-and-set per shard, like save', async () => {
        const store = methods(harness.store);
        expect(await store.loadSender(shard0)).toBeUndefined();
        expect(await store.saveSender({ key: shard0, snapshot: senderAt(T0, 1), expectedVersion: 0 })).toEqual({ ok: true, version: 1 });
        expect(await store.saveSender({ key: shard0, snapshot: senderAt(T0, 2), expectedVersion: 0 })).toEqual({ ok: false, reason: 'conflict' });
        expect(await store.loadSender(shard0)).toEqual({ snapshot: senderAt(T0, 1), version: 1 });
        expect(await store.loadSender(shard1)).toBeUndefined();
        expect(await store.saveSender({ key: shard0, snapshot: senderAt(T0, 2), expectedVersion: 1 })).toEqual({ ok: true, version: 2 });
      });

      it('reserve writes both keys when both versions match, and neither when either does not', async () => {
        const store = methods(harness.store);
        expect(await store.reserve({ relationship: saveRequest(alice, 0), sender: { key: shard0, snapshot: senderAt(T0, 1), expectedVersion: 0 } })).toEqual({ ok: true, version: 1, senderVersion: 1 });
        const both = { relationship: await store.load(alice), sender: await store.loadSender(shard0) };

        // The relationship moved on: the sender's write must not land either.
        expect(await store.reserve({ relationship: saveRequest(alice, 0), sender: { key: shard0, snapshot: senderAt(T0, 9), expectedVersion: 1 } })).toEqual({ ok: false, reason: 'conflict' });
        // The sender moved on: the relationship's write must not land either.
        expect(await store.reserve({ relationship: saveRequest(alice, 1), sender: { key: shard0, snapshot: senderAt(T0, 9), expectedVersion: 0 } })).toEqual({ ok: false, reason: 'conflict' });
        expect(await store.reserve({ relationship: saveRequest(bob, 0), sender: { key: shard0, snapshot: senderAt(T0, 9), expectedVersion: 2 } })).toEqual({ ok: false, reason: 'conflict' });
        expect({ relationship: await store.load(alice), sender: await store.loadSender(shard0) }).toEqual(both);
        expect(await store.load(bob)).toBeUndefined();

        // A check (no sender snapshot) writes the relationship only, if the sender's version still matches.
        expect(await store.reserve({ relationship: saveRequest(bob, 0), sender: { key: shard0, expectedVersion: 0 } })).toEqual({ ok: false, reason: 'conflict' });
        expect(await store.reserve({ relationship: saveRequest(bob, 0), sender: { key: shard1, expectedVersion: 0 } })).toEqual({ ok: true, version: 1, senderVersion: 0 });
        expect(await store.reserve({ relationship: saveRequest(bob, 1), sender: { key: shard0, expectedVersion: 1 } })).toEqual({ ok: true, version: 2, senderVersion: 1 });
        expect(await store.loadSender(shard0)).toEqual(both.sender);
        expect(await store.loadSender(shard1)).toBeUndefined();
      });

      it('of concurrent reservations of many relationships on one sender version, across instances, exactly one wins', async () => {
        const stores = [harness.store, ...(await Promise.all([1, 2, 3].map(() => harness.another())))].map(methods);
        await stores[0]!.saveSender({ key: shard0, snapshot: senderAt(T0, 1), expectedVersion: 0 });
        const users = Array.from({ length: 8 }, (_, i): RelationshipKey => ({ sender: alice.sender, user: `4915112300${String(i).padStart(3, '0')}` }));
        const results = await Promise.all(
          users.map((key, i) => stores[i % stores.length]!.reserve({ relationship: saveRequest(key, 0), sender: { key: shard0, snapshot: senderAt(T0, 2 + i), expectedVersion: 1 } })),
        );
        const winners = results.flatMap((r, i) => (r.ok ? [i] : []));
        expect(winners).toHaveLength(1);
        expect(await stores[3]!.loadSender(shard0)).toEqual({ snapshot: senderAt(T0, 2 + winners[0]!), version: 2 });
        for (const [i, key] of users.entries()) expect(await stores[1]!.load(key)).toEqual(i === winners[0] ? { snapshot: saveRequest(key, 0).snapshot, version: 1 } : undefined);
      });
    });

    describe(`${INSTANCES} engine instances over one data set`, () => {
      async function engines(clock: () => number, platform = fakePlatform()): Promise<CallPermissionEngine[]> {
        const stores = [harness.store, ...(await Promise.all(Array.from({ length: INSTANCES - 1 }, () => harness.another())))];
        return stores.map((store) => createCallPermissionEngine({ store, effects: platform.effects, clock, policy: 'infobip-seed' }));
      }
      const grantTemporarily = (engine: CallPermissionEngine, [sender, user]: Pair, at: number) =>
        engine.record(sender, user, { type: 'PERMISSION_ACCEPTED', at, permanent: false });

      /** A call that connects and ends (G2 slot used for 24 h; S2 slot and G6 free again). */
      async function callAndHangUp(engine: CallPermissionEngine, [sender, user]: Pair, at: number) {
        const started = await engine.startCall(sender, user);
        if (started.outcome !== 'started') throw new Error(`expected the call to start, got ${JSON.stringify(started)}`);
        await engine.record(sender, user, { type: 'CALL_CONNECTED', at, callId: started.callId });
        await engine.recordSender(sender, { type: 'CALL_ENDED', at, callId: started.callId, user });
      }

      it('G2/G6/R1: concurrent startCall and requestPermission from every instance never exceed a limit and lose no recorded event', async () => {
        let now = T0;
        const platform = fakePlatform();
        const fleet = await engines(() => now, platform);
        const policy = fleet[0]!.policy;
        // A temporary grant: calls are allowed (G4) and so are requests (R5 only bars them under a permanent grant).
        for (const pair of pairs) await grantTemporarily(fleet[0]!, pair, now);

        const burst = () =>
          Promise.all(
            pairs.flatMap(([sender, user]) =>
              fleet.flatMap((engine) => [
                ...Array.from({ length: 4 }, () => engine.startCall(sender, user)),
                engine.requestPermission(sender, user),
                engine.requestPermission(sender, user),
              ]),
            ),
          );

        // Round after round, every instance bursts at once: one call per pair at a time (G6). Its outcome
        // arrives as a webhook delivered twice, to two instances at once: even rounds connect (a G2 slot
        // for 24 h, and G3 resets the request limits), odd rounds fail (the slot comes back).
        let connected = 0;
        let resetByCall = true;
        for (let round = 0; round < 2 * policy.connectedCallsPerWindow; round++) {
          now += 1_000;
          platform.forget();
          await burst();
          for (const pair of pairs) {
            expect(platform.callsTo(pair)).toHaveLength(connected < policy.connectedCallsPerWindow ? 1 : 0);
            expect(platform.requestsTo(pair)).toHaveLength(resetByCall ? policy.requestsPerShortWindow : 0);
            // Every reservation the platform acted on is in the stored relationship: no write was lost.
            const snapshot = (await fleet[1]!.snapshot(...pair))!;
            expect(snapshot.context.callsInFlight.map(([id]) => id).sort()).toEqual(platform.callsTo(pair).sort());
          }
          const connects = round % 2 === 0;
          resetByCall = connects && connected < policy.connectedCallsPerWindow;
          if (platform.callsTo(pairs[0]!).length && connects) connected++;
          now += 1_000;
          const deliveries = pairs.flatMap((pair) =>
            platform.callsTo(pair).map((callId, i) => {
              const event = connects ? ({ type: 'CALL_CONNECTED', at: now, callId } as const) : ({ type: 'CALL_FAILED', at: now, callId, reason: 'NETWORK' } as const);
              const factKey = `${event.type}:${callId}`;
              return Promise.all([0, 1].map((d) => fleet[(i + d) % INSTANCES]!.record(...pair, event, { factKey })));
            }),
          );
          for (const results of await Promise.all(deliveries)) expect(results.map((r) => r.duplicate).sort()).toEqual([false, true]);
          // A connected call goes on until it ends: the hang-up frees its S2 slot and G6.
          if (connects) for (const pair of pairs) for (const callId of platform.callsTo(pair)) await fleet[round % INSTANCES]!.recordSender(pair[0], { type: 'CALL_ENDED', at: now, callId, user: pair[1] });
        }
        for (const pair of pairs) {
          const { context } = (await fleet[2]!.snapshot(...pair))!;
          expect(context.connectedCalls).toHaveLength(policy.connectedCallsPerWindow);
          expect(context.callsInFlight).toEqual([]);
        }
        const status = await fleet[3]!.senderStatus(pairs[0]![0]);
        expect(status.limits[1].currentUsage).toBe(0); // S2: every call ended
      });

      it('S1/S2/G6: startCall to many users of one sender from every instance at once never exceeds the sender-wide limits', async () => {
        let now = T0;
        const platform = fakePlatform();
        const policy = definePolicy({ senderCallAttemptsPerDay: 12, senderConcurrentCalls: 5 });
        const stores = [harness.store, ...(await Promise.all(Array.from({ length: INSTANCES - 1 }, () => harness.another())))];
        const fleet = stores.map((store) => createCallPermissionEngine({ store, effects: platform.effects, clock: () => now, policy }));
        const sender = alice.sender;
        const users = Array.from({ length: 20 }, (_, i) => `4915112400${String(i).padStart(3, '0')}`);
        for (const user of users) await fleet[0]!.record(sender, user, { type: 'PERMISSION_ACCEPTED', at: now, permanent: true });
        const placed = () => users.flatMap((user) => platform.callsTo([sender, user]).map((callId) => ({ user, callId })));

        let total = 0;
        for (const expected of [5, 5, 2, 0]) {
          now += 60_000;
          platform.forget();
          const results = await Promise.all(fleet.flatMap((engine) => users.map((user) => engine.startCall(sender, user))));
          const calls = placed();
          expect(calls).toHaveLength(expected); // S2 caps each burst, S1 the day
          expect(results.filter((r) => r.outcome === 'started')).toHaveLength(expected);
          expect(new Set(calls.map((c) => c.user)).size).toBe(expected); // G6: never two calls to one user
          total += expected;
          const status = await fleet[1]!.senderStatus(sender);
          expect(status.limits.map((l) => l.currentUsage)).toEqual([total, expected]);
          // Every call fails (M4): S2 slots come back, S1 attempts stay counted.
          now += 1_000;
          for (const [i, { user, callId }] of calls.entries()) await fleet[i % INSTANCES]!.record(sender, user, { type: 'CALL_FAILED', at: now, callId, reason: 'NETWORK' });
        }
        expect(total).toBe(policy.senderCallAttemptsPerDay);
      });

      it('S1: instances racing for the sender’s last attempt of the day, each for another user: exactly one call goes out', async () => {
        const now = T0;
        const platform = fakePlatform();
        const policy = definePolicy({ senderCallAttemptsPerDay: 3 });
        const stores = [harness.store, ...(await Promise.all(Array.from({ length: INSTANCES - 1 }, () => harness.another())))];
        const fleet = stores.map((store) => createCallPermissionEngine({ store, effects: platform.effects, clock: () => now, policy }));
        const sender = alice.sender;
        const users = Array.from({ length: 2 + 2 * INSTANCES }, (_, i) => `4915112500${String(i).padStart(3, '0')}`);
        for (const user of users) await fleet[0]!.record(sender, user, { type: 'PERMISSION_ACCEPTED', at: now, permanent: true });
        for (const user of users.slice(0, 2)) expect(await fleet[0]!.startCall(sender, user)).toMatchObject({ outcome: 'started' });
        // Two rounds of every instance at once: the first gives out the last attempt, the second nothing.
        for (const round of [0, 1]) {
          const racers = users.slice(2 + round * INSTANCES, 2 + (round + 1) * INSTANCES);
          const results = await Promise.all(racers.map((user, i) => fleet[i]!.startCall(sender, user)));
          expect(results.filter((r) => r.outcome === 'started')).toHaveLength(round === 0 ? 1 : 0);
          for (const r of results) if (r.outcome === 'refused') expect(r.refusal.rule).toBe('S1');
        }
        expect(users.flatMap((user) => platform.callsTo([sender, user]))).toHaveLength(3);
        expect((await fleet[3]!.senderStatus(sender)).limits[0]).toMatchObject({ currentUsage: 3, maxAllowed: 3 });
      });

      it('S2/G6: a webhook batch (recordMany) ends calls on the sender as record does, and its redelivery frees nothing more', async () => {
        let now = T0;
        const platform = fakePlatform();
        const policy = definePolicy({ senderConcurrentCalls: 1 });
        const stores = [harness.store, await harness.another()];
        const fleet = stores.map((store) => createCallPermissionEngine({ store, effects: platform.effects, clock: () => now, policy }));
        const [sender, user] = [alice.sender, alice.user];
        await fleet[0]!.record(sender, user, { type: 'PERMISSION_ACCEPTED', at: now, permanent: true });
        const first = await fleet[0]!.startCall(sender, user);
        if (first.outcome !== 'started') throw new Error(`expected a call, got ${JSON.stringify(first)}`);
        expect(await fleet[1]!.startCall(sender, bob.user)).toMatchObject({ outcome: 'refused', refusal: { rule: 'G4' } });
        await fleet[0]!.record(sender, bob.user, { type: 'PERMISSION_ACCEPTED', at: now, permanent: true });
        expect(await fleet[1]!.startCall(sender, bob.user)).toMatchObject({ outcome: 'refused', refusal: { rule: 'S2' } });
        expect(await fleet[1]!.startCall(sender, user)).toMatchObject({ outcome: 'refused', refusal: { rule: 'G6' } });

        now += 60_000;
        const batch = [{ sender, user, event: { type: 'CALL_UNANSWERED', at: now, callId: first.callId, reason: 'no_answer' } as const, factKey: `unanswered:${first.callId}` }];
        expect((await fleet[1]!.recordMany(batch))[0]).toMatchObject({ ok: true, result: { duplicate: false } });
        expect((await fleet[0]!.senderStatus(sender)).limits[1].currentUsage).toBe(0);
        const second = await fleet[0]!.startCall(sender, user); // G6 and S2 free again
        expect(second).toMatchObject({ outcome: 'started' });

        // Delivered again (to the other instance): a duplicate; the second call keeps its slot.
        expect((await fleet[0]!.recordMany(batch))[0]).toMatchObject({ ok: true, result: { duplicate: true } });
        expect((await fleet[1]!.senderStatus(sender)).limits.map((l) => l.currentUsage)).toEqual([2, 1]);
        expect(await fleet[1]!.startCall(sender, bob.user)).toMatchObject({ outcome: 'refused', refusal: { rule: 'S2' } });
      });

      it('S4: a restriction recorded by one instance stops calls and requests from every instance', async () => {
        const now = T0;
        const platform = fakePlatform();
        const fleet = await engines(() => now, platform);
        const [sender, user] = pairs[0]!;
        await fleet[0]!.record(sender, user, { type: 'PERMISSION_ACCEPTED', at: now, permanent: false });
        await fleet[1]!.recordSender(sender, { type: 'RESTRICTED', at: now, until: now + HOUR_MS });
        for (const engine of fleet) {
          expect(await engine.startCall(sender, user)).toMatchObject({ outcome: 'refused', refusal: { rule: 'S4', retryAt: now + HOUR_MS } });
          expect(await engine.requestPermission(sender, user)).toMatchObject({ outcome: 'refused', refusal: { rule: 'S4' } });
        }
        expect(platform.callsTo(pairs[0]!)).toEqual([]);
      });

      it('G1: engine.due finds a temporary grant at its expiry through the store, and a CLOCK then moves it on', async () => {
        let now = T0;
        const [engine] = await engines(() => now);
        const [temporary, permanent] = pairs;
        await engine!.record(...temporary!, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: false });
        await engine!.record(...permanent!, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true });
        const expiry = T0 + engine!.policy.temporaryGrantMs;

        expect(await engine!.due(expiry - 1)).toEqual([]);
        expect(await engine!.due(expiry)).toEqual([{ sender: temporary![0], user: temporary![1], dueAt: expiry }]);
        now = expiry; // a CLOCK is never ahead of the engine's clock by more than policy.maxClockSkewMs
        expect((await engine!.record(...temporary!, { type: 'CLOCK', at: expiry })).state).toBe('noPermission');
        expect(await engine!.due(expiry + engine!.policy.temporaryGrantMs)).toEqual([]);
      });

      it('G2: a redelivered CALL_CONNECTED webhook, sent to every instance at once and again later, is counted once', async () => {
        let now = T0;
        const platform = fakePlatform();
        const fleet = await engines(() => now, platform);
        const pair = pairs[0]!;
        await grantTemporarily(fleet[0]!, pair, now);
        const started = await fleet[0]!.startCall(...pair);
        if (started.outcome !== 'started') throw new Error(`expected the call to start, got ${JSON.stringify(started)}`);

        now += 60_000;
        const webhook = { type: 'CALL_CONNECTED', at: now, callId: started.callId } as const;
        const factKey = `CALL_CONNECTED:${started.callId}`;
        const results = await Promise.all(fleet.map((engine) => engine.record(...pair, webhook, { factKey })));
        expect(results.filter((r) => !r.duplicate)).toHaveLength(1);

        now += 60_000;
        expect((await fleet[3]!.record(...pair, { ...webhook, at: now }, { factKey })).duplicate).toBe(true);
        const { context } = (await fleet[1]!.snapshot(...pair))!;
        expect(context.connectedCalls).toEqual([webhook.at]);
        expect(context.callsInFlight).toEqual([]);
      });

      it('G2/R1: a crash between the reservation and the effect leaves the quota reserved, so no instance exceeds the limit', async () => {
        let now = T0;
        const pair = pairs[1]!;
        const survivors = fakePlatform();
        const [first] = await engines(() => now, survivors);
        await grantTemporarily(first!, pair, now);
        const policy = first!.policy;

        // All but one G2 slot are taken by calls that connected and ended; then a crashing process
        // stores its reservation of the last one, reaches the effect, and dies there.
        for (let i = 1; i < policy.connectedCallsPerWindow; i++) await callAndHangUp(first!, pair, now);
        now += 1_000; // after the connected calls' reset of the request limits (G3)
        const crashed = fakePlatform({ hang: true });
        {
          const doomed = createCallPermissionEngine({ store: await harness.another(), effects: crashed.effects, clock: () => now, policy: 'infobip-seed' });
          void doomed.startCall(...pair);
          await crashed.reached();
        }
        const doomed = createCallPermissionEngine({ store: await harness.another(), effects: crashed.effects, clock: () => now, policy: 'infobip-seed' });
        void doomed.requestPermission(...pair);
        await crashed.reached();

        const survivor = createCallPermissionEngine({ store: await harness.another(), effects: survivors.effects, clock: () => now, policy: 'infobip-seed' });
        expect(await survivor.startCall(...pair)).toMatchObject({ outcome: 'refused', refusal: { rule: 'G2' } });
        expect(await survivor.requestPermission(...pair)).toMatchObject({ outcome: 'refused', refusal: { rule: 'R1' } });
        expect(survivors.callsTo(pair)).toHaveLength(policy.connectedCallsPerWindow - 1);
        expect(survivors.requestsTo(pair)).toEqual([]);
        const { context } = (await survivor.snapshot(...pair))!;
        expect(context.callsInFlight.map(([id]) => id).sort()).toEqual(crashed.callsTo(pair).sort());
        // The crashed call also holds its sender-wide slot (S2) until its end is known.
        expect((await survivor.senderStatus(pair[0])).limits[1].currentUsage).toBe(1);
      });

      it('G2: a reservation whose write landed but whose answer was lost stays counted, and its effect never runs', async () => {
        const now = T0;
        const pair = pairs[2]!;
        const platform = fakePlatform();
        const [healthy] = await engines(() => now, platform);
        await grantTemporarily(healthy!, pair, now);
        const policy = healthy!.policy;
        for (let i = 1; i < policy.connectedCallsPerWindow; i++) await callAndHangUp(healthy!, pair, now);

        const inner = await harness.another();
        const answerLost: RelationshipStore = {
          load: (key) => inner.load(key),
          async save(request) {
            await inner.save(request);
            throw new Error('connection lost after the write was sent');
          },
        };
        const unlucky = createCallPermissionEngine({ store: answerLost, effects: platform.effects, clock: () => now });
        await expect(unlucky.startCall(...pair)).rejects.toThrow('connection lost');
        expect(platform.callsTo(pair)).toHaveLength(policy.connectedCallsPerWindow - 1);

        expect(await healthy!.startCall(...pair)).toMatchObject({ outcome: 'refused', refusal: { rule: 'G2' } });
        const { context } = (await healthy!.snapshot(...pair))!;
        expect(context.callsInFlight).toHaveLength(1);
        expect(context.connectedCalls).toHaveLength(policy.connectedCallsPerWindow - 1);
      });
    });
  });
  return cases;
}
