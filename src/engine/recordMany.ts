import { CallPermissionError, StoreConflictError } from '../errors.js';
import type { RelationshipEvent, RelationshipEventInput } from '../events/types.js';
import type { Policy } from '../policy/policy.js';
import { toSerialized, type SerializedSnapshot } from '../pure/serialize.js';
import { applyNormalised, clampLateEvent, createRelationship, nextChangeDueAt, type Interpreter, type RelationshipSnapshot } from '../pure/snapshot.js';
import type { BatchRelationshipStore, RelationshipKey, RelationshipStore, SaveManyRequest, StoredRelationship } from '../stores/store.js';
import type { InspectedStep, InspectionEmitter } from './inspection.js';
import type { EventSource, RecordOptions, RecordResult } from './record.js';

/** One fact of a batch: what `record(sender, user, event, { factKey })` takes. */
export interface BatchFact {
  readonly sender: string;
  readonly user: string;
  readonly event: RelationshipEventInput | RelationshipEvent;
  /** The fact's idempotency key, as in {@link RecordOptions}. */
  readonly factKey?: string;
  /** Who brought the fact, as in {@link RecordOptions}. Default `api`. */
  readonly source?: EventSource;
}

/**
 * What `record` would have done with the fact: its result, or the error it would have thrown (bad
 * input, a fact too late to apply, `STORE_CONFLICT` after the retries). The other facts of the
 * batch are not affected by one fact's error.
 */
export type BatchOutcome = { readonly ok: true; readonly result: RecordResult } | { readonly ok: false; readonly error: CallPermissionError };

/** What the batch recorder needs from its engine. */
export interface BatchRecorderParts {
  readonly store: RelationshipStore;
  /**
   * The policy a sender's relationships live under (the engine's, with the limits learned from the
   * platform for that sender): the one `record` uses, so a batch decides as its facts one by one would.
   */
  policyFor(sender: string): Policy | Promise<Policy>;
  readonly interpreter: Interpreter;
  readonly maxRetries: number;
  keyOf(sender: string, user: string): RelationshipKey;
  /** Parses a fact as `record` does (validation, the trusted clock bound) under its sender's policy. */
  parse(input: RelationshipEventInput | RelationshipEvent, policy: Policy): RelationshipEvent;
  /** Throws `INVALID_FACT_KEY` for a key `record` would refuse. */
  checkFactKey(factKey: unknown): string | undefined;
  /** The decoded snapshot of a stored relationship under its sender's policy (cached by the engine). */
  decode(stored: StoredRelationship, policy: Policy): RelationshipSnapshot;
  /** Tells the engine's cache that `serialized` was written for `snapshot`. */
  remember(serialized: SerializedSnapshot, snapshot: RelationshipSnapshot): void;
  record(sender: string, user: string, event: RelationshipEvent, options?: RecordOptions): Promise<RecordResult>;
  /**
   * What `record` does for a fact after the relationship's write: its sender side (a call's end
   * frees the sender's S2/G6 slot; a platform id re-keys the call there). Also for a duplicate.
   */
  followUp(key: RelationshipKey, event: RelationshipEvent): Promise<void> | undefined;
  /** Throws `INVALID_SOURCE` for a source `record` would refuse; the default `api` otherwise. */
  checkSource(source: unknown): EventSource;
  readonly inspect?: InspectionEmitter;
  backoff(attempt: number): Promise<void> | undefined;
}

interface ValidFact {
  readonly index: number;
  readonly key: RelationshipKey;
  readonly policy: Policy;
  readonly event: RelationshipEvent;
  readonly factKey: string | undefined;
  readonly source: EventSource;
}

interface Group {
  readonly key: RelationshipKey;
  readonly policy: Policy;
  readonly facts: ValidFact[];
}

/** The store's batch methods, when it has both. */
function batchStore(store: RelationshipStore): BatchRelationshipStore | undefined {
  const s = store as Partial<BatchRelationshipStore>;
  return typeof s.loadMany === 'function' && typeof s.saveMany === 'function' ? (store as BatchRelationshipStore) : undefined;
}

/** The store could not be used at all: the whole batch fails (as `record` would throw), nothing per fact. */
function isFatal(error: unknown): boolean {
  return !(error instanceof CallPermissionError) || error.code === 'STORE_UNAVAILABLE' || error.code === 'STORE_FAILED';
}

/**
 * `engine.recordMany`: the facts of a batch applied as `record` applies them one by one, in their
 * order (per relationship; relationships are independent), with the same result per fact.
 *
 * Over a store with `loadMany`/`saveMany` (PostgreSQL) the whole batch costs two round trips: one
 * read of every relationship it touches with the fact keys already recorded, then every
 * relationship's facts applied in memory, then one write of every changed relationship in one
 * transaction, each compare-and-set on its own version. Relationships whose write lost a race are
 * read and applied again (with backoff); the others are done. Over any other store (the synchronous
 * MemoryStore, where a round trip costs nothing) the facts are recorded one by one.
 */
export function createBatchRecorder(parts: BatchRecorderParts): (facts: readonly BatchFact[]) => Promise<BatchOutcome[]> {
  const { interpreter, maxRetries } = parts;

  return async function recordMany(facts) {
    if (!Array.isArray(facts)) throw new CallPermissionError('INVALID_BATCH', 'must be an array of { sender, user, event, factKey? }', 'facts');
    const outcomes: BatchOutcome[] = new Array(facts.length);
    const valid: ValidFact[] = [];
    // Each sender's policy is looked up once per batch (learned limits differ from sender to sender).
    const policies = new Map<string, Policy>();
    for (let index = 0; index < facts.length; index++) {
      const fact = facts[index];
      try {
        if (fact === null || typeof fact !== 'object') throw new CallPermissionError('INVALID_BATCH', 'must be { sender, user, event, factKey? }', `facts[${index}]`);
        const key = parts.keyOf(fact.sender, fact.user);
        let policy = policies.get(key.sender);
        if (!policy) policies.set(key.sender, (policy = await parts.policyFor(key.sender)));
        const event = parts.parse(fact.event, policy);
        valid.push({ index, key, policy, event, factKey: parts.checkFactKey(fact.factKey), source: parts.checkSource(fact.source) });
      } catch (error) {
        if (!(error instanceof CallPermissionError)) throw error;
        outcomes[index] = { ok: false, error };
      }
    }

    const store = batchStore(parts.store);
    if (!store) {
      for (const { index, key, event, factKey, source } of valid) {
        try {
          outcomes[index] = { ok: true, result: await parts.record(key.sender, key.user, event, factKey === undefined ? { source } : { factKey, source }) };
        } catch (error) {
          if (isFatal(error)) throw error;
          outcomes[index] = { ok: false, error: error as CallPermissionError };
        }
      }
      return outcomes;
    }

    const groups = new Map<string, Group>();
    for (const fact of valid) {
      const id = `${fact.key.sender}:${fact.key.user}`;
      let group = groups.get(id);
      if (!group) groups.set(id, (group = { key: fact.key, policy: fact.policy, facts: [] }));
      group.facts.push(fact);
    }
    let pending = [...groups.values()];
    for (let attempt = 0; attempt <= maxRetries && pending.length > 0; attempt++) {
      if (attempt > 0) await parts.backoff(attempt);
      const loaded = await store.loadMany(pending.map(({ key, facts }) => ({ key, factKeys: [...new Set(facts.flatMap((f) => (f.factKey === undefined ? [] : [f.factKey])))] })));
      const planned = pending.map((group, g) => plan(group, loaded[g]!.stored, loaded[g]!.recorded));
      const writes = planned.filter((p) => p.write !== undefined);
      const saved = writes.length ? await store.saveMany(writes.map((p) => p.write!)) : [];
      /** Each write's answer, by the relationship's plan. */
      const answers = new Map(writes.map((p, w) => [p, saved[w]] as const));
      pending = [];
      const done: { planned: Planned; version: number }[] = [];
      planned.forEach((p, g) => {
        const answer = answers.get(p);
        if (p.write && !answer?.ok) return void pending.push(p.group);
        if (p.write && p.final) parts.remember(p.write.snapshot, p.final);
        for (const { index, outcome } of p.outcomes) outcomes[index] = outcome;
        // Steps are told at the version written, or the version read when the plan wrote nothing.
        done.push({ planned: p, version: answer?.ok ? answer.version : (loaded[g]!.stored?.version ?? 0) });
      });
      if (parts.inspect)
        for (const { planned: p, version } of done)
          for (const step of p.inspected) await parts.inspect.step({ key: p.group.key, ...step, version });
    }
    for (const group of pending)
      for (const { index } of group.facts)
        outcomes[index] = { ok: false, error: new StoreConflictError(`gave up recording a batch for ${group.key.sender}:${group.key.user} after ${maxRetries + 1} compare-and-set conflicts`) };
    // The sender's side of every fact recorded (or recognised as a duplicate), in order, as `record` does it.
    for (const { index, key, event } of valid) {
      if (!outcomes[index]?.ok) continue;
      const following = parts.followUp(key, event);
      if (following) await following;
    }
    return outcomes;
  };

  interface Planned {
    readonly group: Group;
    readonly outcomes: { index: number; outcome: BatchOutcome }[];
    readonly inspected: Omit<InspectedStep, 'key' | 'version'>[];
    readonly write: SaveManyRequest | undefined;
    readonly final: RelationshipSnapshot | undefined;
  }

  /** One relationship's facts applied in order, as `record` would apply them one at a time. */
  function plan(group: Group, stored: StoredRelationship | undefined, alreadyRecorded: readonly string[]): Planned {
    const { policy } = group;
    let current = stored ? parts.decode(stored, policy) : undefined;
    const recorded = new Set(alreadyRecorded);
    const outcomes: { index: number; outcome: BatchOutcome }[] = [];
    const inspected: Omit<InspectedStep, 'key' | 'version'>[] = [];
    const written: { factKey: string; at: number }[] = [];
    let dirty = false;
    for (const { index, event: parsed, factKey, source } of group.facts) {
      const base = current ?? createRelationship({ at: parsed.at, policy });
      // As `record`: a fact too late to apply is refused before its key is looked at.
      let event: RelationshipEvent;
      try {
        event = clampLateEvent(base, parsed);
      } catch (error) {
        if (!(error instanceof CallPermissionError)) throw error;
        outcomes.push({ index, outcome: { ok: false, error } });
        continue;
      }
      if (factKey !== undefined && recorded.has(factKey)) {
        outcomes.push({ index, outcome: { ok: true, result: { previousState: base.value, state: base.value, changed: false, duplicate: true, snapshot: base } } });
        continue;
      }
      const next = applyNormalised(base, event, interpreter);
      const changed = next !== base;
      // As `record`: a fact that changed nothing and wrote nothing is observed too, unchanged.
      inspected.push({ event, snapshot: next, source, changed, ...(factKey === undefined ? {} : { factKey }) });
      outcomes.push({ index, outcome: { ok: true, result: { previousState: base.value, state: next.value, changed, duplicate: false, snapshot: next } } });
      // As `record`: an unkeyed fact that changes nothing on a stored relationship writes nothing.
      if (!changed && factKey === undefined && current) continue;
      dirty = true;
      current = next;
      if (factKey !== undefined) {
        recorded.add(factKey);
        written.push({ factKey, at: event.at });
      }
    }
    if (!dirty || !current) return { group, outcomes, inspected, write: undefined, final: undefined };
    const due = nextChangeDueAt(current);
    const write: SaveManyRequest = {
      key: group.key,
      snapshot: toSerialized(current),
      expectedVersion: stored?.version ?? 0,
      facts: written,
      ...(due === undefined ? {} : { nextDueAt: due }),
    };
    return { group, outcomes, inspected, write, final: current };
  }
}
