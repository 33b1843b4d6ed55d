import { DAY_MS } from '../time.js';
import { CallPermissionError } from '../errors.js';
import { DueIndex, type DueNode } from './memory/dueIndex.js';
import type {
  DueRelationship,
  RelationshipKey,
  RelationshipStore,
  ReservationRequest,
  ReservationResult,
  SaveRequest,
  SaveResult,
  SenderKey,
  SenderSaveRequest,
  SenderSaveResult,
  StoredRelationship,
  StoredSender,
} from './store.js';

interface Entry {
  /** What `load` hands out: the snapshot and version only, never the store's own bookkeeping. */
  readonly stored: StoredRelationship;
  readonly facts: FactLog | undefined;
  /** Its place in the due index, while it has a due time. */
  readonly due: DueNode | undefined;
}

/** A relationship's recorded fact keys with their times, owned by the store and updated in place. */
interface FactLog {
  readonly times: Map<string, number>;
  /** The earliest time in `times`: no key can expire before this plus the retention. */
  oldestAt: number;
}

const CONFLICT = Object.freeze({ ok: false, reason: 'conflict' } as const);

function senderId(key: SenderKey): string {
  return `${key.sender}#${key.shard}`;
}

/**
 * The embedded default store: a `Map` in this process, answering synchronously. It keeps the
 * snapshot objects it is given (the engine never mutates them), so a save costs no copy.
 * Fact keys are remembered for `factRetentionMs` after the fact's time.
 */
export class MemoryStore implements RelationshipStore {
  readonly #entries = new Map<string, Entry>();
  readonly #due = new DueIndex();
  readonly #senders = new Map<string, StoredSender>();
  readonly #factRetentionMs: number;
  /** The last key's id: the engine loads and then saves the same relationship, so the id is built once. */
  #last: { sender: string; user: string; id: string } = { sender: '', user: '', id: ':' };

  constructor(
    options: {
      /**
       * How long a recorded fact key is remembered for de-duplication. Default 8 days: longer than the
       * policy's `lateEventToleranceMs` (7 days), so a redelivery late enough to be accepted is still
       * recognised. Keep it above the tolerance you configure.
       */
      readonly factRetentionMs?: number;
    } = {},
  ) {
    this.#factRetentionMs = options.factRetentionMs ?? 8 * DAY_MS;
  }

  #idOf(key: RelationshipKey): string {
    const last = this.#last;
    if (key.sender === last.sender && key.user === last.user) return last.id;
    const id = `${key.sender}:${key.user}`;
    this.#last = { sender: key.sender, user: key.user, id };
    return id;
  }

  load(key: RelationshipKey): StoredRelationship | undefined {
    return this.#entries.get(this.#idOf(key))?.stored;
  }

  save(request: SaveRequest): SaveResult {
    const id = this.#idOf(request.key);
    const current = this.#entries.get(id);
    if ((current?.stored.version ?? 0) !== request.expectedVersion) return { ok: false, reason: 'conflict' };
    let facts = current?.facts;
    if (request.factKey !== undefined) {
      if (facts?.times.has(request.factKey)) return { ok: false, reason: 'duplicate' };
      facts ??= { times: new Map(), oldestAt: Infinity };
      // Keys past their retention are forgotten; the scan only runs once the oldest key has expired.
      if (facts.oldestAt + this.#factRetentionMs <= request.at) {
        facts.oldestAt = Infinity;
        for (const [fact, at] of facts.times) {
          if (at + this.#factRetentionMs <= request.at) facts.times.delete(fact);
          else if (at < facts.oldestAt) facts.oldestAt = at;
        }
      }
      facts.times.set(request.factKey, request.at);
      if (request.at < facts.oldestAt) facts.oldestAt = request.at;
    }
    const version = request.expectedVersion + 1;
    const due = this.#due.set(current?.due, request.key.sender, request.key.user, request.nextDueAt);
    this.#entries.set(id, { stored: { snapshot: request.snapshot, version }, facts, due });
    return { ok: true, version };
  }

  loadSender(key: SenderKey): StoredSender | undefined {
    return this.#senders.get(senderId(key));
  }

  saveSender(request: SenderSaveRequest): SenderSaveResult {
    const id = senderId(request.key);
    if ((this.#senders.get(id)?.version ?? 0) !== request.expectedVersion) return CONFLICT;
    const version = request.expectedVersion + 1;
    this.#senders.set(id, { snapshot: request.snapshot, version });
    return { ok: true, version };
  }

  /** Both compare-and-sets are checked before either is written: all or nothing, in one synchronous step. */
  reserve(request: ReservationRequest): ReservationResult {
    const { relationship, sender } = request;
    if (relationship.factKey !== undefined) throw new CallPermissionError('INVALID_RESERVATION', 'a reservation carries no fact key', 'request.relationship.factKey');
    const id = senderId(sender.key);
    const storedSender = this.#senders.get(id)?.version ?? 0;
    if (storedSender !== sender.expectedVersion) return CONFLICT;
    if ((this.#entries.get(this.#idOf(relationship.key))?.stored.version ?? 0) !== relationship.expectedVersion) return CONFLICT;
    const saved = this.save(relationship);
    if (!saved.ok) return CONFLICT;
    if (sender.snapshot === undefined) return { ok: true, version: saved.version, senderVersion: storedSender };
    this.#senders.set(id, { snapshot: sender.snapshot, version: storedSender + 1 });
    return { ok: true, version: saved.version, senderVersion: storedSender + 1 };
  }

  /** From the due index (a heap): O(k log k) for k answers, however many relationships are stored. */
  dueBefore(time: number, limit: number): DueRelationship[] {
    return this.#due.dueBefore(time, limit);
  }

  /** How many relationships are stored. */
  get size(): number {
    return this.#entries.size;
  }

  /** Every stored relationship key (for inspection and tests). */
  *keys(): IterableIterator<RelationshipKey> {
    for (const id of this.#entries.keys()) {
      const [sender, user] = id.split(':') as [string, string];
      yield { sender, user };
    }
  }
}
