import { DAY_MS } from '../time.js';
import type { DueRelationship, RelationshipKey, RelationshipStore, SaveRequest, SaveResult, StoredRelationship } from './store.js';

export interface MemoryStoreOptions {
  /**
   * How long a recorded fact key is remembered for de-duplication. Default 8 days: longer than the
   * policy's `lateEventToleranceMs` (7 days), so a redelivery late enough to be accepted is still
   * recognised. Keep it above the tolerance you configure.
   */
  readonly factRetentionMs?: number;
}

interface Entry {
  /** What `load` hands out: the snapshot and version only, never the store's own bookkeeping. */
  readonly stored: StoredRelationship;
  readonly facts: FactLog | undefined;
  readonly nextDueAt: number | undefined;
}

/** A relationship's recorded fact keys with their times, owned by the store and updated in place. */
interface FactLog {
  readonly times: Map<string, number>;
  /** The earliest time in `times`: no key can expire before this plus the retention. */
  oldestAt: number;
}

/**
 * The embedded default store: a `Map` in this process, answering synchronously. It keeps the
 * snapshot objects it is given (the engine never mutates them), so a save costs no copy.
 * Fact keys are remembered for `factRetentionMs` after the fact's time.
 */
export class MemoryStore implements RelationshipStore {
  readonly #entries = new Map<string, Entry>();
  readonly #factRetentionMs: number;
  /** The last key's id: the engine loads and then saves the same relationship, so the id is built once. */
  #last: { sender: string; user: string; id: string } = { sender: '', user: '', id: ':' };

  constructor(options: MemoryStoreOptions = {}) {
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
    this.#entries.set(id, { stored: { snapshot: request.snapshot, version }, facts, nextDueAt: request.nextDueAt });
    return { ok: true, version };
  }

  /** A scan of every entry: fine for an embedded store; the PostgreSQL store uses an index. */
  dueBefore(time: number, limit: number): DueRelationship[] {
    const due: DueRelationship[] = [];
    for (const [id, entry] of this.#entries) {
      if (entry.nextDueAt !== undefined && entry.nextDueAt <= time) {
        const [sender, user] = id.split(':') as [string, string];
        due.push({ sender, user, dueAt: entry.nextDueAt });
      }
    }
    return due.sort((a, b) => a.dueAt - b.dueAt).slice(0, limit);
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
