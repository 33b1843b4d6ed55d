import type { SerializedSnapshot } from '../pure/serialize.js';
import type { SerializedSenderSnapshot } from '../pure/sender/serialize.js';

/** One sender↔user relationship: both E.164 digits without `+`, normalised by the engine. */
export interface RelationshipKey {
  readonly sender: string;
  readonly user: string;
}

/** What a store holds for a relationship: the plain JSON snapshot and its write version. */
export interface StoredRelationship {
  readonly snapshot: SerializedSnapshot;
  /** Increases by one on every write; the engine's compare-and-set token. */
  readonly version: number;
}

export interface SaveRequest {
  readonly key: RelationshipKey;
  readonly snapshot: SerializedSnapshot;
  /** The version the engine read; `0` when it read nothing (the relationship is new). */
  readonly expectedVersion: number;
  /**
   * The idempotency key of the fact being recorded (a webhook's message or call id + type).
   * A store that has already recorded it for this relationship must answer `duplicate` and
   * write nothing; it must write the key in the same atomic step as the snapshot.
   */
  readonly factKey?: string;
  /** The time of the fact (epoch ms), for stores that expire old fact keys. */
  readonly at: number;
  /** The next time the relationship changes by the clock alone (`nextChangeDueAt`), for stores that index it (`dueBefore`). */
  readonly nextDueAt?: number;
}

export type SaveResult =
  | { readonly ok: true; readonly version: number }
  | { readonly ok: false; readonly reason: 'conflict' | 'duplicate' };

/**
 * Where relationships live. Two methods, both atomic per relationship; they may answer
 * synchronously or with a promise.
 *
 * - `load` returns the latest stored relationship, or `undefined`.
 * - `save` writes only if the stored version still equals `expectedVersion` (compare-and-set):
 *   otherwise it answers `conflict` and writes nothing, and the engine reloads and decides again.
 *
 * A store may keep the objects it is given (the engine never mutates them) or copy them.
 */
export interface RelationshipStore {
  load(key: RelationshipKey): StoredRelationship | undefined | Promise<StoredRelationship | undefined>;
  save(request: SaveRequest): SaveResult | Promise<SaveResult>;
  /**
   * Relationships whose `nextDueAt` is at or before `time`, earliest first, at most `limit`.
   * Optional: `engine.due()` needs it.
   */
  dueBefore?(time: number, limit: number): DueRelationship[] | Promise<DueRelationship[]>;
  /**
   * The stored sender (one shard of its counters), or `undefined`. With {@link RelationshipStore.saveSender}
   * and {@link RelationshipStore.reserve}: the sender-wide rules across engine instances. A store
   * without the three keeps senders in the engine's process only (see `docs/semantics.md`).
   */
  loadSender?(key: SenderKey): StoredSender | undefined | Promise<StoredSender | undefined>;
  /** Writes a sender alone (a restriction, a call's end), compare-and-set on its version like `save`. */
  saveSender?(request: SenderSaveRequest): SenderSaveResult | Promise<SenderSaveResult>;
  /**
   * A command's reservation on two keys at once: the relationship's compare-and-set **and** the
   * sender's, all or nothing. If either stored version differs from the expected one, nothing is
   * written and the answer is `conflict`. A sender given without a snapshot is only checked (its
   * version must still be the expected one), not written.
   */
  reserve?(request: ReservationRequest): ReservationResult | Promise<ReservationResult>;
}

/** One sender's counters: the business number (E.164 digits) and the shard (0 when the engine runs one). */
export interface SenderKey {
  readonly sender: string;
  readonly shard: number;
}

export interface StoredSender {
  readonly snapshot: SerializedSenderSnapshot;
  /** Increases by one on every write; `0` never stored. */
  readonly version: number;
}

export interface SenderSaveRequest {
  readonly key: SenderKey;
  readonly snapshot: SerializedSenderSnapshot;
  /** The version read; `0` when nothing was stored. */
  readonly expectedVersion: number;
}

export type SenderSaveResult = { readonly ok: true; readonly version: number } | { readonly ok: false; readonly reason: 'conflict' };

export interface ReservationRequest {
  /** The relationship's write, as for `save` (a reservation carries no fact key). */
  readonly relationship: SaveRequest;
  /**
   * The sender's write, or (without a `snapshot`) only a check that its stored version is still
   * `expectedVersion` (`0`: none stored).
   */
  readonly sender: SenderSaveRequest | { readonly key: SenderKey; readonly expectedVersion: number; readonly snapshot?: undefined };
}

export type ReservationResult =
  | { readonly ok: true; readonly version: number; readonly senderVersion: number }
  | { readonly ok: false; readonly reason: 'conflict' };

/** A relationship that changes by the clock alone at `dueAt`. */
export interface DueRelationship extends RelationshipKey {
  readonly dueAt: number;
}

/** For {@link BatchRelationshipStore.loadMany}: a relationship, and the fact keys a batch brings for it. */
export interface LoadManyRequest {
  readonly key: RelationshipKey;
  readonly factKeys: readonly string[];
}

/** What `loadMany` answers per request: the stored relationship, and which of the fact keys it has recorded. */
export interface LoadedRelationship {
  readonly stored: StoredRelationship | undefined;
  readonly recorded: readonly string[];
}

/** For {@link BatchRelationshipStore.saveMany}: one relationship's write after a batch of facts. */
export interface SaveManyRequest {
  readonly key: RelationshipKey;
  readonly snapshot: SerializedSnapshot;
  /** As in {@link SaveRequest}: the version read; `0` for a new relationship. */
  readonly expectedVersion: number;
  /** The fact keys recorded by this write with their facts' times, in the order of the facts (none recorded before). */
  readonly facts: readonly { readonly factKey: string; readonly at: number }[];
  /** As in {@link SaveRequest}. */
  readonly nextDueAt?: number;
}

/**
 * A store that can take a batch of facts (a webhook's `results[]`) in two round trips, whatever
 * its size: `loadMany` reads every relationship and which of the batch's fact keys it has
 * recorded; `saveMany` writes them all in one transaction, each row compare-and-set on its own
 * version (a row that lost answers `conflict` and writes nothing, its fact keys included; the
 * others are written). Fact keys are forgotten after the retention exactly as a sequence of
 * `save` calls with the same facts would forget them. `engine.recordMany` uses it when present.
 */
export interface BatchRelationshipStore extends RelationshipStore {
  loadMany(requests: readonly LoadManyRequest[]): Promise<LoadedRelationship[]>;
  saveMany(requests: readonly SaveManyRequest[]): Promise<SaveResult[]>;
}
