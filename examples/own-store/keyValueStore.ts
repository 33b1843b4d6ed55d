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
  SerializedSnapshot,
  StoredRelationship,
  StoredSender,
} from 'whatsapp-call-permissions';

/**
 * What the store needs from a key-value service: a read with the entry's version, and a
 * conditional write of several entries at once (all or nothing) — Redis WATCH/MULTI, DynamoDB
 * TransactWriteItems with a ConditionExpression, etcd or FoundationDB transactions all offer it.
 * An entry given without `value` is only checked.
 */
export interface KeyValue {
  get(key: string): Promise<{ value: unknown; version: number } | undefined>;
  putIf(writes: readonly { key: string; expectedVersion: number; value?: unknown }[]): Promise<boolean>;
  keys(prefix: string): Promise<string[]>;
}

/** The service, simulated in memory for the example and its test (each call crosses an `await`, as a network call would). */
export class MemoryKeyValue implements KeyValue {
  readonly #entries = new Map<string, { value: unknown; version: number }>();
  async get(key: string) {
    await Promise.resolve();
    return this.#entries.get(key);
  }
  async putIf(writes: readonly { key: string; expectedVersion: number; value?: unknown }[]) {
    await Promise.resolve();
    if (writes.some((w) => (this.#entries.get(w.key)?.version ?? 0) !== w.expectedVersion)) return false;
    for (const w of writes) if (w.value !== undefined) this.#entries.set(w.key, { value: w.value, version: w.expectedVersion + 1 });
    return true;
  }
  async keys(prefix: string) {
    return [...this.#entries.keys()].filter((key) => key.startsWith(prefix));
  }
}

interface RelationshipRow {
  readonly snapshot: SerializedSnapshot;
  /** Fact keys recorded, with their facts' times (kept for the retention). */
  readonly facts: Readonly<Record<string, number>>;
  readonly dueAt?: number;
}

const DAY_MS = 86_400_000;
const relationshipKey = (key: RelationshipKey) => `rel:${key.sender}:${key.user}`;
const senderKey = (key: SenderKey) => `snd:${key.sender}#${key.shard}`;

/**
 * A `RelationshipStore` over any {@link KeyValue}: compare-and-set on the entry's version, fact
 * keys written with the snapshot in the same conditional write, and the sender's counters reserved
 * with the relationship in one transaction. `dueBefore` scans (a real service would keep an index).
 */
export class KeyValueStore implements RelationshipStore {
  constructor(
    private readonly kv: KeyValue,
    private readonly factRetentionMs = 8 * DAY_MS,
  ) {}

  async load(key: RelationshipKey): Promise<StoredRelationship | undefined> {
    const entry = await this.kv.get(relationshipKey(key));
    return entry && { snapshot: (entry.value as RelationshipRow).snapshot, version: entry.version };
  }

  /** The row a save writes, or why it must not: a stale version (conflict) before a recorded fact (duplicate). */
  async #next(request: SaveRequest): Promise<RelationshipRow | 'conflict' | 'duplicate'> {
    const entry = await this.kv.get(relationshipKey(request.key));
    if ((entry?.version ?? 0) !== request.expectedVersion) return 'conflict';
    const facts = { ...((entry?.value as RelationshipRow | undefined)?.facts ?? {}) };
    if (request.factKey !== undefined) {
      if (request.factKey in facts) return 'duplicate';
      for (const [fact, at] of Object.entries(facts)) if (at + this.factRetentionMs <= request.at) delete facts[fact];
      facts[request.factKey] = request.at;
    }
    return { snapshot: request.snapshot, facts, ...(request.nextDueAt === undefined ? {} : { dueAt: request.nextDueAt }) };
  }

  async save(request: SaveRequest): Promise<SaveResult> {
    const row = await this.#next(request);
    if (typeof row === 'string') return { ok: false, reason: row };
    const written = await this.kv.putIf([{ key: relationshipKey(request.key), expectedVersion: request.expectedVersion, value: row }]);
    return written ? { ok: true, version: request.expectedVersion + 1 } : { ok: false, reason: 'conflict' };
  }

  async dueBefore(time: number, limit: number): Promise<DueRelationship[]> {
    const due: DueRelationship[] = [];
    for (const key of await this.kv.keys('rel:')) {
      const dueAt = ((await this.kv.get(key))?.value as RelationshipRow | undefined)?.dueAt;
      const [, sender, user] = key.split(':') as [string, string, string];
      if (dueAt !== undefined && dueAt <= time) due.push({ sender, user, dueAt });
    }
    return due.sort((a, b) => a.dueAt - b.dueAt).slice(0, limit);
  }

  async loadSender(key: SenderKey): Promise<StoredSender | undefined> {
    const entry = await this.kv.get(senderKey(key));
    return entry && { snapshot: entry.value as StoredSender['snapshot'], version: entry.version };
  }

  async saveSender(request: SenderSaveRequest): Promise<SenderSaveResult> {
    const written = await this.kv.putIf([{ key: senderKey(request.key), expectedVersion: request.expectedVersion, value: request.snapshot }]);
    return written ? { ok: true, version: request.expectedVersion + 1 } : { ok: false, reason: 'conflict' };
  }

  async reserve({ relationship, sender }: ReservationRequest): Promise<ReservationResult> {
    const row = await this.#next(relationship);
    if (typeof row === 'string') return { ok: false, reason: 'conflict' };
    const written = await this.kv.putIf([
      { key: relationshipKey(relationship.key), expectedVersion: relationship.expectedVersion, value: row },
      { key: senderKey(sender.key), expectedVersion: sender.expectedVersion, ...(sender.snapshot === undefined ? {} : { value: sender.snapshot }) },
    ]);
    if (!written) return { ok: false, reason: 'conflict' };
    return { ok: true, version: relationship.expectedVersion + 1, senderVersion: sender.expectedVersion + (sender.snapshot === undefined ? 0 : 1) };
  }
}
