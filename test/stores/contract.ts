import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  applyEvent,
  createCallPermissionEngine,
  createRelationship,
  toSerialized,
  type CallPermissionEngine,
  type RelationshipKey,
  type RelationshipStore,
  type SaveRequest,
  type SaveResult,
  type SerializedSnapshot,
} from '../../src/index.js';
import { HOUR_MS } from '../../src/time.js';
import { fakePlatform, pairs, type Pair } from './platform.js';

/** One data set, reachable through several store instances (separate clients where the backend has them). */
export interface StoreHarness {
  /** The first instance, over a fresh, empty data set. */
  readonly store: RelationshipStore;
  /** Another instance over the same data set, as a second process would open it. */
  another(): Promise<RelationshipStore>;
  close(): Promise<void>;
}

export type OpenStore = (options?: { factRetentionMs?: number }) => Promise<StoreHarness>;

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
export function describeStoreContract(label: string, open: OpenStore): void {
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

    describe(`${INSTANCES} engine instances over one data set`, () => {
      async function engines(clock: () => number, platform = fakePlatform()): Promise<CallPermissionEngine[]> {
        const stores = [harness.store, ...(await Promise.all(Array.from({ length: INSTANCES - 1 }, () => harness.another())))];
        return stores.map((store) => createCallPermissionEngine({ store, effects: platform.effects, clock, policy: 'infobip-seed' }));
      }
      const grantTemporarily = (engine: CallPermissionEngine, [sender, user]: Pair, at: number) =>
        engine.record(sender, user, { type: 'PERMISSION_ACCEPTED', at, permanent: false });

      it('G2/R1: concurrent startCall and requestPermission from every instance never exceed a limit and lose no recorded event', async () => {
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

        now += 1_000;
        await burst();
        for (const pair of pairs) {
          expect(platform.callsTo(pair)).toHaveLength(policy.connectedCallsPerWindow);
          expect(platform.requestsTo(pair)).toHaveLength(policy.requestsPerShortWindow);
          // Every reservation the platform acted on is in the stored relationship: no write was lost.
          const snapshot = (await fleet[1]!.snapshot(...pair))!;
          expect(snapshot.context.callsInFlight.map(([id]) => id).sort()).toEqual(platform.callsTo(pair).sort());
          expect(snapshot.context.requests.map(([id]) => id).sort()).toEqual(platform.requestsTo(pair).sort());
        }

        // The outcomes arrive as webhooks, each delivered twice, to two different instances at once.
        now += HOUR_MS;
        const connectedPerPair = 3;
        const deliveries = pairs.flatMap((pair) =>
          platform.callsTo(pair).map((callId, i) => {
            const event = i < connectedPerPair ? ({ type: 'CALL_CONNECTED', at: now, callId } as const) : ({ type: 'CALL_FAILED', at: now, callId, reason: 'NETWORK' } as const);
            const factKey = `${event.type}:${callId}`;
            return Promise.all([0, 1].map((d) => fleet[(i + d) % INSTANCES]!.record(...pair, event, { factKey })));
          }),
        );
        for (const results of await Promise.all(deliveries)) expect(results.map((r) => r.duplicate).sort()).toEqual([false, true]);
        for (const pair of pairs) {
          const { context } = (await fleet[2]!.snapshot(...pair))!;
          expect(context.connectedCalls).toEqual(Array(connectedPerPair).fill(now));
          expect(context.callsInFlight).toEqual([]);
        }

        // The failed calls gave their slots back; the connected ones hold theirs for 24 h (G2).
        // The connected calls also reset the request limits (G3).
        now += HOUR_MS;
        platform.forget();
        await burst();
        for (const pair of pairs) {
          expect(platform.callsTo(pair)).toHaveLength(policy.connectedCallsPerWindow - connectedPerPair);
          expect(platform.requestsTo(pair)).toHaveLength(policy.requestsPerShortWindow);
        }
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
        const now = T0;
        const pair = pairs[1]!;
        const survivors = fakePlatform();
        const [first] = await engines(() => now, survivors);
        await grantTemporarily(first!, pair, now);
        const policy = first!.policy;

        // Each crashing process stores its reservation, reaches the effect, and dies there.
        const crashed = fakePlatform({ hang: true });
        for (let i = 0; i < policy.connectedCallsPerWindow; i++) {
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
        expect(survivors.callsTo(pair)).toEqual([]);
        expect(survivors.requestsTo(pair)).toEqual([]);
        const { context } = (await survivor.snapshot(...pair))!;
        expect(context.callsInFlight.map(([id]) => id).sort()).toEqual(crashed.callsTo(pair).sort());
      });

      it('G2: a reservation whose write landed but whose answer was lost stays counted, and its effect never runs', async () => {
        const now = T0;
        const pair = pairs[2]!;
        const platform = fakePlatform();
        const [healthy] = await engines(() => now, platform);
        await grantTemporarily(healthy!, pair, now);
        const policy = healthy!.policy;
        for (let i = 1; i < policy.connectedCallsPerWindow; i++) expect(await healthy!.startCall(...pair)).toMatchObject({ outcome: 'started' });

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
        expect(context.callsInFlight).toHaveLength(policy.connectedCallsPerWindow);
      });
    });
  });
}
