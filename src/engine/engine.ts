import { CallPermissionError, EffectFailedError, StoreConflictError } from '../errors.js';
import { parseEvent } from '../events/parse.js';
import type { RelationshipEvent, RelationshipEventInput, RequestChannel } from '../events/types.js';
import { applyLearnedLimits, MemoryLearnedLimits, mergeLearnedLimits, type LearnedLimit, type LearnedLimitsStore, type LimitLearning } from '../policy/learnedLimits.js';
import { validatePolicy, type Policy, type PolicyPresetName } from '../policy/policy.js';
import { normalizePhoneNumber } from '../phone.js';
import { canRequestPermission, canStartCall, type Refusal } from '../pure/decide.js';
import { deserializeSnapshot, toSerialized, type SerializedSnapshot } from '../pure/serialize.js';
import {
  applyNormalised,
  clampLateEvent,
  createRelationship,
  nextChangeDueAt,
  nextDueAt,
  resolvePolicy,
  type Interpreter,
  type RelationshipSnapshot,
} from '../pure/snapshot.js';
import { bindToTrustedClock } from '../pure/trustedTime.js';
import { getPermissions, type PermissionsView } from '../pure/view.js';
import type { RelationshipState } from '../relationship/context.js';
import { MemoryStore } from '../stores/memory.js';
import type { DueRelationship, RelationshipKey, RelationshipStore, SaveRequest, SaveResult, StoredRelationship } from '../stores/store.js';
import { isOutcomeUnknown, type CallPermissionEffects, type CallReceipt, type EffectReceipt } from './effects.js';
import { createSerialQueue } from './serialQueue.js';
import { createBatchRecorder, type BatchFact, type BatchOutcome } from './recordMany.js';
import { canSenderCall, canSenderRequest, type SenderDecision } from '../pure/sender/decide.js';
import type { SenderEvent } from '../sender/events.js';
import { createSenderLedger, type LoadedSender } from './senderLedger.js';
import { validateShards } from '../sender/limits.js';
import { parseSenderEvent, type SenderEventInput } from '../sender/parse.js';
import { applySenderEvent, clampLateSenderEvent, type SenderSnapshot } from '../pure/sender/snapshot.js';
import { bindSenderToTrustedClock } from '../pure/sender/trustedTime.js';
import { senderStatusOf, type SenderStatus } from '../pure/sender/view.js';
import type { EventSource, RecordOptions, RecordResult } from './record.js';
import { relationshipOf, type CommandOutcome, type Relationship } from './relationship.js';
import { tickEngine, type TickOptions, type TickResult } from './tick.js';
import { createInspectionEmitter, type InspectionObserver } from './inspection.js';

export interface CallPermissionEngineOptions {
  /** Where relationships live. Default: a new {@link MemoryStore}. */
  readonly store?: RelationshipStore;
  /** The side effects (Infobip or your own). Needed for `requestPermission` and `startCall` only. */
  readonly effects?: CallPermissionEffects;
  /**
   * A preset name or a policy from `definePolicy`. Default `infobip`. A policy object is checked as
   * `definePolicy` checks it (an `InvalidPolicyError` naming the setting), e.g. a late tolerance
   * below twice the clock bound.
   */
  readonly policy?: Policy | PolicyPresetName;
  /**
   * The trusted clock, in epoch ms: commands are decided at its time, and no fact may move a
   * relationship's clock beyond it plus `policy.maxClockSkewMs`. Default `Date.now`; inject a
   * virtual clock to replay or test.
   */
  readonly clock?: () => number;
  /** Ids for requests and calls. Default: 16 random hex digits from Web Crypto. */
  readonly newId?: () => string;
  /** `compiled` (default) or `xstate`; both are proven to give the same snapshots. */
  readonly interpreter?: Interpreter;
  /** How often a write that lost a compare-and-set race is retried before `STORE_CONFLICT`. Default 16. */
  readonly maxConflictRetries?: number;
  /**
   * @deprecated No longer needed, and ignored: a decoded snapshot is now kept for exactly as long as
   * the store keeps the stored object it came from, however many relationships there are.
   */
  readonly snapshotCacheSize?: number;
  /**
   * An XState-style inspection observer (a function, or `{ next }` such as `@statelyai/inspect`'s
   * `inspector.inspect`): called with `@xstate.actor`, `@xstate.event` and `@xstate.snapshot` events
   * for every fact recorded and command reserved (with each event's source and the store's version),
   * and, as `@xstate.event`s, a `wacp.refusal` for a command the rules refused and a `wacp.effect` for what an effect answered.
   * An observer that returns a promise is waited for (a command's effect is sent only after its
   * reservation was observed). See docs/inspecting.md.
   */
  readonly inspect?: InspectionObserver;
  /**
   * Where the numbers the platform stated for each sender are kept (docs/platform.md "Learned
   * limits"). Default: in memory. Each sender's relationships live under the policy with them put in.
   */
  readonly learnedLimits?: LearnedLimitsStore;
  /** How learned numbers combine with the policy's. Default `adopt`. */
  readonly limitLearning?: LimitLearning;
  /**
   * How many rows hold each sender's S1/S2/G6 counters (default 1). Every user belongs to one shard
   * (by a hash of the number) and each shard enforces its share of S1 and S2, so engine instances
   * calling many users of one hot sender contend on `1/senderShards` of its traffic each. Changing
   * it starts the counters afresh: change it while the sender is quiet. See docs/semantics.md.
   */
  readonly senderShards?: number;
}

export type { EventSource, RecordOptions, RecordResult } from './record.js';

export type RequestPermissionResult =
  | { readonly outcome: 'sent'; readonly requestId: string; readonly via: RequestChannel; readonly at: number; readonly receipt: EffectReceipt | void }
  | { readonly outcome: 'refused'; readonly refusal: Refusal };

export type StartCallResult =
  | { readonly outcome: 'started'; readonly callId: string; readonly at: number; readonly receipt: CallReceipt | void }
  | { readonly outcome: 'refused'; readonly refusal: Refusal };

export interface CallPermissionEngine {
  readonly policy: Policy;
  readonly store: RelationshipStore;
  /** R1–R5: reserve a request, send it through the effects, release it if the send definitely failed. */
  requestPermission(sender: string, user: string): Promise<RequestPermissionResult>;
  /** G2/G4: reserve a call slot, place the call through the effects, release it if placing definitely failed. */
  startCall(sender: string, user: string): Promise<StartCallResult>;
  /**
   * Record a fact about a sender as a whole (S2/S4/G6): a restriction (`RESTRICTED` with `until`), its
   * lifting, a quality warning, the end of a connected call (`CALL_ENDED`) that frees its slot, or a
   * call with a user the engine did not place (`CALL_GOING_ON`, the platform's 138003) that holds the pair's turn.
   */
  recordSender(sender: string, event: SenderEventInput): Promise<SenderStatus>;
  /** The sender's state and S1/S2 counters at `at` (default: the engine's clock). */
  senderStatus(sender: string, at?: number): Promise<SenderStatus>;
  /**
   * Record a fact (from a webhook, a reconciliation, the host's scheduler). A fact dated more than
   * `policy.maxClockSkewMs` ahead of the engine's clock is recorded at the engine's clock if it can
   * only tighten the rules (a reject, a revoke, a miss), else refused with `EVENT_IN_FUTURE`
   * ({@link EventInFutureError}); one older than the relationship's clock is a late fact.
   */
  record(sender: string, user: string, event: RelationshipEventInput | RelationshipEvent, options?: RecordOptions): Promise<RecordResult>;
  /**
   * Record a batch of facts (a webhook's `results[]`): each as `record` would, in order, with its
   * result or the error `record` would have thrown, position by position. Over PostgreSQL the batch
   * is one read and one write (one transaction) whatever its size.
   */
  recordMany(facts: readonly BatchFact[]): Promise<BatchOutcome[]>;
  /** The Infobip-shaped permissions view at `at` (default: the engine's clock). */
  permissions(sender: string, user: string, at?: number): Promise<PermissionsView>;
  /** The stored snapshot, or `undefined` for a relationship never seen. */
  snapshot(sender: string, user: string): Promise<RelationshipSnapshot | undefined>;
  /**
   * Relationships that change by the clock alone at or before `before` (an expiry, a lapse, a
   * window freeing up), earliest first. Record a `CLOCK` for each to move them on.
   */
  due(before: number, limit?: number): Promise<DueRelationship[]>;
  /** The policy a sender's relationships live under: {@link CallPermissionEngine.policy} with the limits learned from the platform. */
  policyFor(sender: string): Promise<Policy>;
  /** The numbers the platform stated for a sender, as stored. */
  learnedLimits(sender: string): Promise<readonly LearnedLimit[]>;
  /** Adopts numbers the platform stated for a sender (its latest statement per action and window wins). */
  learnLimits(sender: string, limits: readonly LearnedLimit[]): Promise<{ readonly changed: boolean; readonly policy: Policy }>;
  /**
   * One relationship's handle: its commands (one {@link CommandOutcome} each: done, refused by the
   * rules, or failed in the effect), its facts, its view and its snapshot. The numbers are
   * normalised here (`INVALID_PHONE_NUMBER` naming `key.sender` or `key.user`).
   */
  relationship(key: { readonly sender: string; readonly user: string }): Relationship;
  /**
   * Moves on every relationship due to change by the clock alone, up to `options.now` (default the
   * engine's clock), in bounded batches; needs a store with a due index. Run it on a timer.
   */
  tick(options?: TickOptions): Promise<TickResult>;
}

/** A reservation stored: the snapshot written and its version (what its effect's answer is told against). */
interface Reserved {
  readonly snapshot: RelationshipSnapshot;
  readonly version: number;
}

interface Loaded {
  readonly snapshot: RelationshipSnapshot | undefined;
  readonly version: number;
  readonly stored: SerializedSnapshot | undefined;
}

/**
 * Before retrying a lost compare-and-set race: a random wait up to min(2^attempt, 50) ms, so engine
 * instances contending for one hot relationship spread out instead of colliding again.
 */
function backoff(attempt: number): Promise<void> | undefined {
  if (attempt === 0) return undefined;
  return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2 ** attempt, 50)));
}

function thenable<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

/** Already E.164 digits without `+` (what `normalizePhoneNumber` would return unchanged)? */
function isCanonicalNumber(value: string): boolean {
  const n = value.length;
  if (n < 7 || n > 15) return false;
  let c = value.charCodeAt(0);
  if (c < 49 || c > 57) return false;
  for (let i = 1; i < n; i++) {
    c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Hosts mostly pass numbers already normalised: those skip the regular expressions. */
function phoneNumber(value: unknown, path: string): string {
  return typeof value === 'string' && isCanonicalNumber(value) ? value : normalizePhoneNumber(value, path);
}

/** The relationship facts that have a sender side (see `senderFollowUp`). */
const SENDER_SIDE: ReadonlySet<string> = new Set(['CALL_UNANSWERED', 'CALL_FAILED', 'CALL_ID_ASSIGNED']);

function defaultId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  let id = '';
  for (const b of bytes) id += b.toString(16).padStart(2, '0');
  return id;
}

/**
 * The engine: for each command, load → decide → persist the reservation (compare-and-set, retried on
 * conflict) → run the injected effect → record its outcome. The quota is stored before the effect
 * runs, so no crash or failed store can let out more than the rules allow.
 */
export function createCallPermissionEngine(options: CallPermissionEngineOptions = {}): CallPermissionEngine {
  const policy = resolvePolicy(options.policy);
  // A policy built by hand rather than by definePolicy gets the same checks (an InvalidPolicyError naming the setting).
  validatePolicy(policy);
  const store = options.store ?? new MemoryStore();
  const clock = options.clock ?? Date.now;
  const newId = options.newId ?? defaultId;
  const interpreter = options.interpreter ?? 'compiled';
  const maxRetries = options.maxConflictRetries ?? 16;
  const inspect = options.inspect ? createInspectionEmitter(options.inspect, policy) : undefined;
  const learned = options.learnedLimits ?? new MemoryLearnedLimits();
  const learning = options.limitLearning ?? 'adopt';
  /** A sender's policy by the limits record it was made from (a store that hands back the same record skips the work). */
  const policies = new WeakMap<readonly LearnedLimit[], Policy>();
  const policyOf = (limits: readonly LearnedLimit[] | undefined): Policy => {
    if (!limits?.length) return policy;
    let derived = policies.get(limits);
    if (!derived) policies.set(limits, (derived = applyLearnedLimits(policy, limits, learning)));
    return derived;
  };
  /** Synchronous when the learned-limits store is. */
  function senderPolicy(sender: string): Policy | Promise<Policy> {
    const limits = learned.get(sender);
    return thenable(limits) ? limits.then(policyOf) : policyOf(limits);
  }
  /**
   * Deserialised snapshots by the stored object they came from, held weakly: a store that hands back
   * what it was given (the memory store) skips parsing for as long as it keeps that object, with no
   * cache size to outgrow; a store that hands out fresh objects (PostgreSQL) leaves nothing behind.
   */
  const decoded = new WeakMap<SerializedSnapshot, RelationshipSnapshot>();
  const senders = createSenderLedger({ store, policy, shards: validateShards(options.senderShards ?? 1, policy), interpreter, maxRetries });

  const keyOf = (sender: string, user: string): RelationshipKey => ({
    sender: phoneNumber(sender, 'sender'),
    user: phoneNumber(user, 'user'),
  });
  const idOf = (key: RelationshipKey) => `${key.sender}:${key.user}`;

  function materialise(stored: StoredRelationship | undefined, policy: Policy): Loaded {
    if (!stored) return { snapshot: undefined, version: 0, stored: undefined };
    let snapshot = decoded.get(stored.snapshot);
    // A sender's policy changes when the platform states a new number: the snapshot is rebuilt under it.
    if (!snapshot || snapshot.policy !== policy) {
      snapshot = deserializeSnapshot(stored.snapshot, policy);
      decoded.set(stored.snapshot, snapshot);
    }
    return { snapshot, version: stored.version, stored: stored.snapshot };
  }

  /** A synchronous store (the MemoryStore) answers without a promise: no microtask is spent waiting for it. */
  function loadNow(key: RelationshipKey, id: string, policy: Policy): Loaded | Promise<Loaded> {
    const result = store.load(key);
    asyncStore = thenable(result);
    return thenable(result) ? result.then((stored) => materialise(stored, policy)) : materialise(result, policy);
  }

  function saveNow(key: RelationshipKey, id: string, loaded: Loaded, next: RelationshipSnapshot, at: number, factKey?: string): SaveResult | Promise<SaveResult> {
    const serialized = toSerialized(next);
    const due = nextChangeDueAt(next);
    const request: { -readonly [K in keyof SaveRequest]: SaveRequest[K] } = { key, snapshot: serialized, expectedVersion: loaded.version, at };
    if (factKey !== undefined) request.factKey = factKey;
    if (due !== undefined) request.nextDueAt = due;
    const pending = store.save(request);
    const saved = (result: SaveResult) => {
      if (result.ok) decoded.set(serialized, next);
      return result;
    };
    return thenable(pending) ? pending.then(saved) : saved(pending);
  }

  /** The relationship's stored version now (`0`: none). */
  async function storedVersion(key: RelationshipKey): Promise<number> {
    const loading = store.load(key);
    return ((thenable(loading) ? await loading : loading)?.version) ?? 0;
  }

  /** Commands (and, over an async store, records) on one relationship run one after another in this process (fewer compare-and-set races). */
  const serially = createSerialQueue();
  /** Whether the store's last load answered with a promise (until the first load: assumed). */
  let asyncStore = true;

  /**
   * A relationship fact, then its sender side (see `senderFollowUp`) — also for a fact that changed
   * nothing or was a duplicate: a call's end must free its sender slot even when the relationship
   * had already let the call go, or when a crash came between the two writes and the webhook is redelivered.
   */
  async function record(sender: string, user: string, input: RelationshipEventInput | RelationshipEvent, options?: RecordOptions): Promise<RecordResult> {
    const key = keyOf(sender, user);
    const policying = senderPolicy(key.sender);
    const policy = thenable(policying) ? await policying : policying;
    const parsed = bindToTrustedClock(parseEvent(input, policy), clock(), policy);
    const result = await recordRelationship(key, parsed, checkFactKey(options?.factKey), policy, checkSource(options?.source));
    if (SENDER_SIDE.has(parsed.type)) await senderFollowUp(key, parsed);
    return result;
  }

  function recordRelationship(key: RelationshipKey, parsed: RelationshipEvent, factKey: string | undefined, policy: Policy, source: EventSource): Promise<RecordResult> {
    const id = idOf(key);
    // A synchronous store runs a record to the end in one go, so nothing can interleave and a queue
    // would only cost; over an async store, records queue per relationship as commands do, instead of
    // racing each other to compare-and-set.
    return asyncStore ? serially(id, () => recordNow(key, id, parsed, factKey, policy, source)) : recordNow(key, id, parsed, factKey, policy, source);
  }

  function checkSource(source: unknown): EventSource {
    if (source === undefined) return 'api';
    if (typeof source !== 'string' || source.length === 0 || source.length > 64) throw new CallPermissionError('INVALID_SOURCE', 'must be a non-empty string of at most 64 characters', 'options.source');
    return source;
  }

  function checkFactKey(factKey: unknown): string | undefined {
    if (factKey !== undefined && (typeof factKey !== 'string' || factKey.length === 0 || factKey.length > 256))
      throw new CallPermissionError('INVALID_FACT_KEY', 'must be a non-empty string of at most 256 characters', 'options.factKey');
    return factKey;
  }

  async function recordNow(key: RelationshipKey, id: string, parsed: RelationshipEvent, factKey: string | undefined, policy: Policy, source: EventSource): Promise<RecordResult> {
    for (let attempt = 0; attempt <= maxRetries; attempt++) {
      if (attempt > 0) await backoff(attempt);
      // Awaited only when the store answered with a promise: with a synchronous store, a record runs to the end in one go.
      const loading = loadNow(key, id, policy);
      const loaded = thenable(loading) ? await loading : loading;
      const current = loaded.snapshot ?? createRelationship({ at: parsed.at, policy });
      const event = clampLateEvent(current, parsed);
      const next = applyNormalised(current, event, interpreter);
      const changed = next !== current;
      if (!changed && factKey === undefined && loaded.snapshot) {
        if (inspect) await inspect.step({ key, event, snapshot: current, source, changed, version: loaded.version });
        return { previousState: current.value, state: current.value, changed: false, duplicate: false, snapshot: current };
      }
      const saving = saveNow(key, id, loaded, next, event.at, factKey);
      const result = thenable(saving) ? await saving : saving;
      if (result.ok) {
        if (inspect) await inspect.step({ key, event, snapshot: next, source, changed, version: result.version, factKey });
        return { previousState: current.value, state: next.value, changed, duplicate: false, snapshot: next };
      }
      if (result.reason === 'duplicate') return { previousState: current.value, state: current.value, changed: false, duplicate: true, snapshot: current };
    }
    throw new StoreConflictError(`gave up recording ${parsed.type} for ${id} after ${maxRetries + 1} compare-and-set conflicts`);
  }

  /**
   * The sender's side of a relationship fact: a call's end frees its S2 slot and G6 (its S1 attempt
   * stays counted); a platform id is carried over so the call's end can name it.
   */
  async function senderFollowUp(key: RelationshipKey, event: RelationshipEvent): Promise<void> {
    let senderEvent: SenderEvent;
    if (event.type === 'CALL_UNANSWERED' || event.type === 'CALL_FAILED') senderEvent = { type: 'CALL_ENDED', at: event.at, callId: event.callId };
    else if (event.type === 'CALL_ID_ASSIGNED') senderEvent = { type: 'CALL_ID_ASSIGNED', at: event.at, callId: event.callId, platformCallId: event.platformCallId };
    else return;
    try {
      await senders.apply(senders.keyOf(key.sender, key.user), senderEvent);
    } catch (error) {
      // Older than the sender's clock by more than the late-fact tolerance: the call's slot lapsed
      // long before (ongoingCallMaxMs), so there is nothing left to free or re-key.
      if (error instanceof CallPermissionError && error.code === 'EVENT_TOO_LATE') return;
      throw error;
    }
  }

  /**
   * Stores a reservation on both keys: the relationship's write and the sender's (or a check of the
   * sender's version), all or nothing. A store without sender methods keeps senders in this process:
   * the sender is written first and, if the relationship's write then loses its race, its call slot
   * is given back (the S1 attempt stays counted, the safe side).
   */
  async function saveReservation(key: RelationshipKey, id: string, loaded: Loaded, next: RelationshipSnapshot, at: number, sender: LoadedSender, senderNext: SenderSnapshot | undefined): Promise<number | undefined> {
    const serialized = toSerialized(next);
    const due = nextChangeDueAt(next);
    const relationship: SaveRequest = due === undefined ? { key, snapshot: serialized, expectedVersion: loaded.version, at } : { key, snapshot: serialized, expectedVersion: loaded.version, at, nextDueAt: due };
    const senderSerialized = senderNext && senders.serialized(senderNext);
    if (senders.shared) {
      const pending = store.reserve!({
        relationship,
        sender: senderSerialized ? { key: sender.key, snapshot: senderSerialized, expectedVersion: sender.version } : { key: sender.key, expectedVersion: sender.version },
      });
      const result = thenable(pending) ? await pending : pending;
      if (!result.ok) return undefined;
      decoded.set(serialized, next);
      if (senderNext && senderSerialized) senders.remember(sender.key, senderSerialized, senderNext);
      return result.version;
    }
    if (senderNext && senderSerialized) {
      const written = senders.store.saveSender({ key: sender.key, snapshot: senderSerialized, expectedVersion: sender.version }) as { ok: boolean };
      if (!written.ok) return undefined;
      senders.remember(sender.key, senderSerialized, senderNext);
    }
    const saving = saveNow(key, id, loaded, next, at);
    const saved = thenable(saving) ? await saving : saving;
    if (!saved.ok && senderNext) {
      const reserved = senderNext.context.ongoing[senderNext.context.ongoing.length - 1]!;
      await senders.apply(sender.key, { type: 'CALL_ENDED', at, callId: reserved[0] });
    }
    return saved.ok ? saved.version : undefined;
  }

  /** Load, bring to `now`, decide on the relationship and the sender, and store both reservations in one step. */
  async function reserve<R>(
    key: RelationshipKey,
    id: string,
    action: 'request' | 'call',
    decide: (snapshot: RelationshipSnapshot, at: number) => { refusal: Refusal } | { event: RelationshipEvent; result: R },
    decideSender: (sender: SenderSnapshot, at: number, result: R) => { refusal: Refusal } | { event: SenderEvent | undefined },
  ): Promise<{ refusal: Refusal } | { result: R; snapshot: RelationshipSnapshot; version: number }> {
    const senderKey = senders.keyOf(key.sender, key.user);
    // The sender's shard first, then the relationship: every reservation queues in the same order.
    return serially(`${senderKey.sender}#${senderKey.shard}`, () => serially(id, async () => {
      for (let attempt = 0; attempt <= maxRetries; attempt++) {
        if (attempt > 0) await backoff(attempt);
        const policy = await senderPolicy(key.sender);
        const loaded = await loadNow(key, id, policy);
        const sender = await senders.load(senderKey, clock());
        // Decided at the engine's own clock, never at a time a fact dragged forward. The relationship's
        // clock may be ahead of it (by at most maxClockSkewMs, or a skewed instance sharing the store):
        // then the command must also be allowed at that time, where it is recorded (the clock never runs back).
        const trusted = clock();
        const now = Math.max(trusted, loaded.snapshot?.context.now ?? -Infinity);
        const base = loaded.snapshot ?? createRelationship({ at: now, policy });
        const current = applyNormalised(base, { type: 'CLOCK', at: now }, interpreter);
        // Decided on the stored snapshot (the same answer as on `current`), so a refusal can still say that a grant expired.
        let decision = decide(base, trusted);
        if (now > trusted && !('refusal' in decision)) decision = decide(base, now);
        const senderAt = Math.max(now, sender.snapshot.context.now);
        if ('refusal' in decision) {
          // A refusal writes nothing, unless the clock alone changed the state (an expiry): that is kept.
          let version = loaded.version;
          if (current.value !== base.value) {
            const saved = await saveNow(key, id, loaded, current, now);
            if (saved.ok) {
              version = saved.version;
              if (inspect) await inspect.step({ key, event: { type: 'CLOCK', at: now }, snapshot: current, source: 'clock', changed: true, version });
            }
          }
          const refusal = moreBinding(decision.refusal, canSenderRequest(sender.snapshot, key.sender, senderAt));
          if (inspect) await inspect.refusal(key, version === loaded.version ? base : current, { type: 'wacp.refusal', action, refusal, at: trusted }, version);
          return { refusal };
        }
        // As for the relationship: decided at the engine's clock, and also at the sender's if that is ahead.
        let senderDecision = decideSender(sender.snapshot, trusted, decision.result);
        if (senderAt > trusted && !('refusal' in senderDecision)) senderDecision = decideSender(sender.snapshot, senderAt, decision.result);
        if ('refusal' in senderDecision) {
          // The relationship was read before the sender: another instance's reservation may have been
          // stored in between (on both, atomically). Then the relationship's own refusal (G2 full)
          // comes first, as it would have on a fresh read: decide again on one.
          if (attempt < maxRetries && (await storedVersion(key)) !== loaded.version) continue;
          if (inspect) await inspect.refusal(key, base, { type: 'wacp.refusal', action, refusal: senderDecision.refusal, at: trusted }, loaded.version);
          return senderDecision;
        }
        let senderNext: SenderSnapshot | undefined;
        if (senderDecision.event) {
          senderNext = applySenderEvent(sender.snapshot, clampLateSenderEvent(sender.snapshot, senderDecision.event), interpreter);
          if (senderNext === sender.snapshot) throw new CallPermissionError('INTERNAL', `the sender statechart refused ${senderDecision.event.type} that the decision allowed`);
        }
        const next = applyNormalised(current, decision.event, interpreter);
        if (next === current) throw new CallPermissionError('INTERNAL', `the statechart refused ${decision.event.type} that the decision allowed`);
        const version = await saveReservation(key, id, loaded, next, now, sender, senderNext);
        if (version !== undefined) {
          if (inspect) {
            // A change the clock alone was due to make is its own step before the command's, as a replay of the steps needs it.
            const due = loaded.snapshot && nextDueAt(base);
            if (due !== undefined && due <= now) await inspect.step({ key, event: { type: 'CLOCK', at: now }, snapshot: current, source: 'clock', changed: true, version });
            await inspect.step({ key, event: decision.event, snapshot: next, source: 'api', changed: true, version, reservation: true });
          }
          return { result: decision.result, snapshot: next, version };
        }
      }
      throw new StoreConflictError(`gave up reserving for ${id} after ${maxRetries + 1} compare-and-set conflicts`);
    }));
  }

  /**
   * When the relationship refuses and the sender would too (S3, S4), the refusal that waiting cures
   * last is cited: S3 never passes; a relationship refusal without `retryAt` (no permission) needs
   * more than waiting; otherwise the later `retryAt` wins.
   */
  function moreBinding(relationship: Refusal, sender: SenderDecision): Refusal {
    if (sender.allowed) return relationship;
    if (sender.rule === 'S3') return sender;
    if (relationship.retryAt === undefined) return relationship;
    return sender.retryAt !== undefined && sender.retryAt > relationship.retryAt ? sender : relationship;
  }

  /** The sender side of a refusal or an allowance, in `reserve`'s terms. */
  function bySender(decision: SenderDecision, event?: SenderEvent): { refusal: Refusal } | { event: SenderEvent | undefined } {
    return decision.allowed ? { event } : { refusal: decision };
  }

  async function recordSender(sender: string, input: SenderEventInput): Promise<SenderStatus> {
    const number = phoneNumber(sender, 'sender');
    const event = bindSenderToTrustedClock(parseSenderEvent(input, policy), clock(), policy);
    const given = (input as { user?: unknown } | null)?.user;
    // A call going on is held on its user's shard; a call's end goes there straight when its user is given.
    const user = event.type === 'CALL_RESERVED' ? event.user : event.type === 'CALL_ENDED' && given !== undefined ? phoneNumber(given, 'event.user') : undefined;
    if (user !== undefined) await senders.apply(senders.keyOf(number, user), event);
    else await senders.broadcast(number, event); // a restriction is sender-wide; a call's end without its user changes only the shard holding it
    return senderStatus(number, event.at);
  }

  async function senderStatus(sender: string, at?: number): Promise<SenderStatus> {
    const number = phoneNumber(sender, 'sender');
    const loaded = await senders.loadAll(number, at ?? clock());
    const when = Math.max(at ?? clock(), ...loaded.map((l) => l.snapshot.context.now));
    return senderStatusOf(number, loaded.map((l) => applySenderEvent(l.snapshot, { type: 'CLOCK', at: when }, interpreter)), when);
  }

  function requireEffects(): CallPermissionEffects {
    if (!options.effects) throw new CallPermissionError('NO_EFFECTS', 'createCallPermissionEngine({ effects }) is needed to send requests and place calls', 'options.effects');
    return options.effects;
  }

  /** After an effect threw: release the reservation unless the outcome is unknown, then report. */
  async function failed(key: RelationshipKey, reserved: Reserved, action: 'request' | 'call', id: string, error: unknown, release: RelationshipEventInput, what: string): Promise<never> {
    const unknown = isOutcomeUnknown(error);
    const failure = unknown ? new EffectFailedError(`${what}: outcome unknown, the reservation is kept`, false, error) : new EffectFailedError(`${what} failed; the reservation was released`, true, error);
    if (inspect) await inspect.effect(key, reserved.snapshot, { type: 'wacp.effect', action, id, outcome: { ok: false, error: failure } }, reserved.version);
    if (!unknown) await record(key.sender, key.user, release);
    throw failure;
  }

  const engine: Omit<CallPermissionEngine, 'relationship' | 'tick'> = {
    policy,
    store,
    record,
    recordMany: createBatchRecorder({
      store,
      policyFor: senderPolicy,
      interpreter,
      maxRetries,
      keyOf,
      parse: (input, policy) => bindToTrustedClock(parseEvent(input, policy), clock(), policy),
      checkFactKey,
      decode: (stored, policy) => materialise(stored, policy).snapshot!,
      remember: (serialized, snapshot) => decoded.set(serialized, snapshot),
      record,
      followUp: (key, event) => (SENDER_SIDE.has(event.type) ? senderFollowUp(key, event) : undefined),
      checkSource,
      ...(inspect ? { inspect } : {}),
      backoff,
    }),
    async requestPermission(sender, user) {
      const effects = requireEffects();
      const key = keyOf(sender, user);
      const reserved = await reserve<{ requestId: string; via: RequestChannel; at: number }>(key, idOf(key), 'request', (snapshot, at) => {
        const decision = canRequestPermission(snapshot, at);
        if (!decision.allowed) return { refusal: decision };
        const requestId = newId();
        return { event: { type: 'REQUEST_SENT', at, requestId, via: decision.via }, result: { requestId, via: decision.via, at } };
      }, (sender, at) => bySender(canSenderRequest(sender, key.sender, at))); // S3, S4
      if ('refusal' in reserved) return { outcome: 'refused', refusal: reserved.refusal };
      const { requestId, via, at } = reserved.result;
      let receipt: EffectReceipt | void;
      try {
        receipt = await effects.sendPermissionRequest({ sender: key.sender, user: key.user, requestId, via, at });
      } catch (error) {
        return failed(key, reserved, 'request', requestId, error, { type: 'REQUEST_FAILED', at: Math.max(clock(), at), requestId }, `Permission request ${requestId}`);
      }
      if (inspect) await inspect.effect(key, reserved.snapshot, { type: 'wacp.effect', action: 'request', id: requestId, outcome: { ok: true, receipt: receipt ?? undefined } }, reserved.version);
      return { outcome: 'sent', requestId, via, at, receipt };
    },
    async startCall(sender, user) {
      const effects = requireEffects();
      const key = keyOf(sender, user);
      const reserved = await reserve<{ callId: string; at: number }>(key, idOf(key), 'call', (snapshot, at) => {
        const decision = canStartCall(snapshot, at);
        if (!decision.allowed) return { refusal: decision };
        const callId = newId();
        return { event: { type: 'CALL_STARTED', at, callId }, result: { callId, at } };
      }, (sender, at, { callId }) => bySender(canSenderCall(sender, key.sender, key.user, at), { type: 'CALL_RESERVED', at, callId, user: key.user })); // S1–S4, G6
      if ('refusal' in reserved) return { outcome: 'refused', refusal: reserved.refusal };
      const { callId, at } = reserved.result;
      let receipt: CallReceipt | void;
      try {
        receipt = await effects.startCall({ sender: key.sender, user: key.user, callId, at });
      } catch (error) {
        return failed(key, reserved, 'call', callId, error, { type: 'CALL_FAILED', at: Math.max(clock(), at), callId, reason: 'NOT_PLACED' }, `Call ${callId}`);
      }
      if (inspect) await inspect.effect(key, reserved.snapshot, { type: 'wacp.effect', action: 'call', id: callId, outcome: { ok: true, receipt: receipt ?? undefined } }, reserved.version);
      const platformCallId = receipt?.platformCallId;
      if (typeof platformCallId === 'string' && platformCallId !== callId)
        await record(key.sender, key.user, { type: 'CALL_ID_ASSIGNED', at: Math.max(clock(), at), callId, platformCallId });
      return { outcome: 'started', callId, at, receipt };
    },
    async permissions(sender, user, at) {
      const key = keyOf(sender, user);
      const policy = await senderPolicy(key.sender);
      const loaded = await loadNow(key, idOf(key), policy);
      // At the engine's clock (or the time asked), never at a time a fact dragged the relationship's clock to.
      const when = at ?? clock();
      return getPermissions(loaded.snapshot ?? createRelationship({ at: when, policy }), when);
    },
    recordSender,
    senderStatus,
    async snapshot(sender, user) {
      const key = keyOf(sender, user);
      return (await loadNow(key, idOf(key), await senderPolicy(key.sender))).snapshot;
    },
    async policyFor(sender) {
      return senderPolicy(phoneNumber(sender, 'sender'));
    },
    async learnedLimits(sender) {
      return (await learned.get(phoneNumber(sender, 'sender'))) ?? [];
    },
    async learnLimits(sender, limits) {
      const number = phoneNumber(sender, 'sender');
      const merged = mergeLearnedLimits(await learned.get(number), limits);
      if (merged.changed) await learned.put(number, merged.limits);
      return { changed: merged.changed, policy: await senderPolicy(number) };
    },
    async due(before, limit = 100) {
      if (!store.dueBefore) throw new CallPermissionError('UNSUPPORTED', 'this store does not index due times (no dueBefore method)', 'options.store');
      if (!Number.isSafeInteger(limit) || limit < 1) throw new CallPermissionError('INVALID_LIMIT', 'must be a whole number ≥ 1', 'limit');
      return store.dueBefore(before, limit);
    },
  };
  return {
    ...engine,
    relationship: (key) => relationshipOf(engine, { sender: phoneNumber(key?.sender, 'key.sender'), user: phoneNumber(key?.user, 'key.user') }),
    tick: (tickOptions) => tickEngine(engine, clock, tickOptions),
  };
}
