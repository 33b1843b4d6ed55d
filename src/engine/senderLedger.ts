import { StoreConflictError } from '../errors.js';
import type { Policy } from '../policy/policy.js';
import type { Interpreter } from '../pure/snapshot.js';
import { MemoryStore } from '../stores/memory.js';
import type { RelationshipStore, SenderKey, SenderSaveResult, StoredSender } from '../stores/store.js';
import type { SenderEvent } from '../sender/events.js';
import { senderLimits, shardOfUser } from '../sender/limits.js';
import { deserializeSenderSnapshot, toSerializedSender, type SerializedSenderSnapshot } from '../pure/sender/serialize.js';
import { applySenderEvent, clampLateSenderEvent, createSender, type SenderSnapshot } from '../pure/sender/snapshot.js';

/** A sender shard as read: the snapshot (new ones start at `at`), its version and the stored object. */
export interface LoadedSender {
  readonly key: SenderKey;
  readonly snapshot: SenderSnapshot;
  readonly version: number;
  /** Whether anything was stored. */
  readonly exists: boolean;
}

/** Where the engine keeps senders: the store's sender methods, or (a store without them) this process. */
export interface SenderLedger {
  readonly shards: number;
  /** Whether the store keeps senders itself, so a reservation is one atomic two-key write. */
  readonly shared: boolean;
  /** The store that holds sender shards (the engine's store, or the process-local fallback). */
  readonly store: Required<Pick<RelationshipStore, 'loadSender' | 'saveSender'>>;
  keyOf(sender: string, user: string): SenderKey;
  load(key: SenderKey, at: number): LoadedSender | Promise<LoadedSender>;
  /** Applies one event to one shard (compare-and-set, retried); answers the snapshot after it. */
  apply(key: SenderKey, event: SenderEvent): Promise<SenderSnapshot>;
  /** Applies one event to every shard of a sender (a restriction is sender-wide). */
  broadcast(sender: string, event: SenderEvent): Promise<SenderSnapshot[]>;
  /** Every shard of a sender, as stored (new ones at `at`). */
  loadAll(sender: string, at: number): Promise<LoadedSender[]>;
  serialized(snapshot: SenderSnapshot): SerializedSenderSnapshot;
  /** Remembers the decoded form of a snapshot just written, so the next load skips decoding it. */
  remember(key: SenderKey, stored: SerializedSenderSnapshot, snapshot: SenderSnapshot): void;
}

function thenable<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

export function createSenderLedger(options: {
  readonly store: RelationshipStore;
  readonly policy: Policy;
  readonly shards: number;
  readonly interpreter: Interpreter;
  readonly maxRetries: number;
}): SenderLedger {
  const { policy, shards, interpreter, maxRetries } = options;
  const shared = typeof options.store.loadSender === 'function' && typeof options.store.saveSender === 'function' && typeof options.store.reserve === 'function';
  const store = (shared ? options.store : new MemoryStore()) as SenderLedger['store'];
  /** Decoded snapshots by the stored object they came from, held weakly (as the engine does for relationships). */
  const decoded = new WeakMap<SerializedSenderSnapshot, SenderSnapshot>();

  function materialise(key: SenderKey, stored: StoredSender | undefined, at: number): LoadedSender {
    const limits = senderLimits(policy, key.shard, shards);
    if (!stored) return { key, snapshot: createSender(at, limits), version: 0, exists: false };
    let snapshot = decoded.get(stored.snapshot);
    if (!snapshot) {
      snapshot = deserializeSenderSnapshot(stored.snapshot, limits);
      decoded.set(stored.snapshot, snapshot);
    }
    return { key, snapshot, version: stored.version, exists: true };
  }

  function remember(_key: SenderKey, stored: SerializedSenderSnapshot, snapshot: SenderSnapshot) {
    decoded.set(stored, snapshot);
  }

  function load(key: SenderKey, at: number): LoadedSender | Promise<LoadedSender> {
    const stored = store.loadSender(key);
    return thenable(stored) ? stored.then((s) => materialise(key, s, at)) : materialise(key, stored, at);
  }

  async function apply(key: SenderKey, input: SenderEvent): Promise<SenderSnapshot> {
    for (let attempt = 0; attempt <= maxRetries; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2 ** attempt, 50)));
      const loaded = await load(key, input.at);
      const event = clampLateSenderEvent(loaded.snapshot, input);
      const next = applySenderEvent(loaded.snapshot, event, interpreter);
      if (next === loaded.snapshot) return next;
      const serialized = toSerializedSender(next);
      const saving = store.saveSender({ key, snapshot: serialized, expectedVersion: loaded.version });
      const saved: SenderSaveResult = thenable(saving) ? await saving : saving;
      if (saved.ok) {
        remember(key, serialized, next);
        return next;
      }
    }
    throw new StoreConflictError(`gave up recording ${input.type} for sender ${key.sender} (shard ${key.shard}) after ${maxRetries + 1} compare-and-set conflicts`);
  }

  const shardKeys = (sender: string) => Array.from({ length: shards }, (_, shard) => ({ sender, shard }));

  return {
    shards,
    shared,
    store,
    keyOf: (sender, user) => ({ sender, shard: shardOfUser(user, shards) }),
    load,
    apply,
    broadcast: (sender, event) => Promise.all(shardKeys(sender).map((key) => apply(key, event))),
    loadAll: (sender, at) => Promise.all(shardKeys(sender).map((key) => load(key, at))),
    serialized: toSerializedSender,
    remember,
  };
}
