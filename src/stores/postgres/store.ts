import { CallPermissionError } from '../../errors.js';
import type { SerializedSnapshot } from '../../pure/serialize.js';
import { DAY_MS } from '../../time.js';
import type {
  BatchRelationshipStore,
  DueRelationship,
  LoadedRelationship,
  LoadManyRequest,
  RelationshipKey,
  RelationshipStore,
  ReservationRequest,
  ReservationResult,
  SaveManyRequest,
  SaveRequest,
  SaveResult,
  SenderKey,
  SenderSaveRequest,
  SenderSaveResult,
  StoredRelationship,
  StoredSender,
} from '../store.js';
import type { SerializedSenderSnapshot } from '../../pure/sender/serialize.js';
import type { SqlClient } from './client.js';
import { isLostRace, storeError } from './errors.js';
import { DEFAULT_TABLE, migrationStatement, schemaNames, type SchemaNames } from './schema.js';
import { buildStatements, type FactWriteRow, type Statements } from './statements.js';

export interface PostgresStoreOptions {
  /** A `pg` `Pool` (recommended), a `Client`, a PGlite instance: anything with `query(text, params)`. */
  readonly client: SqlClient;
  /** The relationships table, `name` or `schema.name`; the facts table is `<name>_facts`. Default `call_permissions`. */
  readonly table?: string;
  /**
   * How long a recorded fact key is remembered for de-duplication, counted from the fact's time.
   * It must exceed the policy's `lateEventToleranceMs`: a redelivery that is still accepted as a
   * late fact must still find its key. Default 8 days (the presets accept facts up to 7 days late).
   */
  readonly factRetentionMs?: number;
}

/** The engine's {@link RelationshipStore} over PostgreSQL, plus the schema migration. */
export interface PostgresStore extends RelationshipStore, BatchRelationshipStore {
  /** The quoted names of the tables and index, for operators' queries and `EXPLAIN`. */
  readonly names: SchemaNames;
  /** The SQL it sends (for `EXPLAIN` and review). */
  readonly statements: Statements;
  /** Creates the tables and index, or brings older ones up to date. Idempotent; safe to run from every instance at start-up. */
  migrate(): Promise<void>;
  load(key: RelationshipKey): Promise<StoredRelationship | undefined>;
  save(request: SaveRequest): Promise<SaveResult>;
  dueBefore(time: number, limit: number): Promise<DueRelationship[]>;
  loadMany(requests: readonly LoadManyRequest[]): Promise<LoadedRelationship[]>;
  saveMany(requests: readonly SaveManyRequest[]): Promise<SaveResult[]>;
  loadSender(key: SenderKey): Promise<StoredSender | undefined>;
  saveSender(request: SenderSaveRequest): Promise<SenderSaveResult>;
  reserve(request: ReservationRequest): Promise<ReservationResult>;
}

interface ReserveRow {
  readonly r_version: number | string | null;
  readonly s_version: number | string | null;
}

interface LoadRow {
  readonly snapshot: SerializedSnapshot | string;
  readonly version: number | string;
}
interface VersionRow {
  readonly version: number | string;
}
interface LoadManyRow {
  readonly s: string;
  readonly u: string;
  readonly snapshot: SerializedSnapshot | string | null;
  readonly version: number | string | null;
  readonly recorded: string[] | string;
}
interface SavedRow {
  readonly s: string;
  readonly u: string;
  readonly version: number | string;
}
interface DueRow {
  readonly sender: string;
  readonly user_number: string;
  readonly next_due_at: number | string;
}

const CONFLICT = Object.freeze({ ok: false, reason: 'conflict' } as const);

function versionOf(version: number, path: string): void {
  if (!Number.isSafeInteger(version) || version < 0) throw new CallPermissionError('INVALID_VERSION', 'must be a whole number ≥ 0', path);
}

function shardOf(key: SenderKey): number {
  if (!Number.isSafeInteger(key.shard) || key.shard < 0 || key.shard > 2_147_483_647) throw new CallPermissionError('INVALID_SHARD', 'must be a whole number ≥ 0', 'key.shard');
  return key.shard;
}
const DUPLICATE: SaveResult = Object.freeze({ ok: false, reason: 'duplicate' });
const MAX_LIMIT = 2_147_483_647;
/** The presets' late-fact tolerance (7 days) and a day more: a fact at the very edge of it is still recognised. */
export const DEFAULT_FACT_RETENTION_MS = 8 * DAY_MS;

/**
 * A {@link RelationshipStore} in PostgreSQL, shared by any number of engine instances.
 *
 * - `save` is one compare-and-set statement (`UPDATE … WHERE version = $n`, or `INSERT … ON
 *   CONFLICT DO NOTHING` for a new relationship) that also records the fact key, so a lost race
 *   writes nothing and a redelivered webhook is a `duplicate` in every process.
 * - `dueBefore` reads a partial index on `next_due_at`.
 * - `loadMany`/`saveMany` take a whole batch of facts (`engine.recordMany`) in one read and one
 *   write statement, each row compare-and-set on its own.
 * - `reserve` stores a command's reservation on the relationship and the sender in one statement
 *   (a function the migration creates): both compare-and-sets or neither.
 *
 * Run {@link PostgresStore.migrate} once before use.
 */
export function createPostgresStore(options: PostgresStoreOptions): PostgresStore {
  const client = options?.client;
  if (!client || typeof client.query !== 'function')
    throw new CallPermissionError('INVALID_CLIENT', 'must have a query(text, params) method (a pg Pool or Client, a PGlite instance)', 'options.client');
  const retentionMs = options.factRetentionMs ?? DEFAULT_FACT_RETENTION_MS;
  if (!Number.isSafeInteger(retentionMs) || retentionMs < 0)
    throw new CallPermissionError('INVALID_RETENTION', 'must be a whole number of milliseconds ≥ 0', 'options.factRetentionMs');
  const names = schemaNames(options.table ?? DEFAULT_TABLE);
  const statements = buildStatements(names);

  async function query<Row>(text: string, params: unknown[], what: string, isWrite: boolean): Promise<Row[]> {
    try {
      return (await client.query(text, params)).rows as Row[];
    } catch (error) {
      throw storeError(error, what, isWrite);
    }
  }

  async function writeWithFact(request: SaveRequest, factKey: string, params: unknown[]): Promise<SaveResult> {
    const withFact = [...params, factKey, request.at, request.at - retentionMs];
    const text = request.expectedVersion === 0 ? statements.insertWithFact : statements.updateWithFact;
    if (request.expectedVersion !== 0) withFact.push(request.expectedVersion);
    const [row] = await query<FactWriteRow>(text, withFact, 'save', true);
    if (row?.version != null) return { ok: true, version: Number(row.version) };
    // Nothing written: tell a recorded fact from a lost race, as the memory store does (version first).
    if (Number(row?.current_version ?? 0) !== request.expectedVersion) return CONFLICT;
    return row?.duplicate ? DUPLICATE : CONFLICT;
  }

  return {
    names,
    statements,

    async migrate() {
      await query(migrationStatement(names), [], 'migrate', true);
    },

    async load(key) {
      const [row] = await query<LoadRow>(statements.load, [key.sender, key.user], 'load', false);
      if (!row) return undefined;
      // Some clients are set up to hand jsonb back as text.
      const snapshot = typeof row.snapshot === 'string' ? (JSON.parse(row.snapshot) as SerializedSnapshot) : row.snapshot;
      return { snapshot, version: Number(row.version) };
    },

    async save(request) {
      const { key, expectedVersion } = request;
      if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0)
        throw new CallPermissionError('INVALID_VERSION', 'must be a whole number ≥ 0', 'request.expectedVersion');
      const params: unknown[] = [key.sender, key.user, JSON.stringify(request.snapshot), request.nextDueAt ?? null];
      try {
        if (request.factKey !== undefined) return await writeWithFact(request, request.factKey, params);
        if (expectedVersion !== 0) params.push(expectedVersion);
        const [row] = await query<VersionRow>(expectedVersion === 0 ? statements.insert : statements.update, params, 'save', true);
        return row ? { ok: true, version: Number(row.version) } : CONFLICT;
      } catch (error) {
        // A lost race can also surface as an error: a serialisation failure under REPEATABLE READ or
        // SERIALIZABLE, or a fact key another writer inserted. Either way: reload and decide again.
        if (isLostRace((error as { cause?: unknown }).cause)) return CONFLICT;
        throw error;
      }
    },

    async loadMany(requests) {
      if (requests.length === 0) return [];
      const wanted = requests.map(({ key }) => ({ s: key.sender, u: key.user }));
      const keys = requests.flatMap(({ key, factKeys }) => factKeys.map((k) => ({ s: key.sender, u: key.user, k })));
      const rows = await query<LoadManyRow>(statements.loadMany, [JSON.stringify(wanted), JSON.stringify(keys)], 'loadMany', false);
      const byId = new Map(rows.map((row) => [`${row.s}:${row.u}`, row]));
      return requests.map(({ key }): LoadedRelationship => {
        const row = byId.get(`${key.sender}:${key.user}`);
        const recorded = row ? (typeof row.recorded === 'string' ? (JSON.parse(row.recorded) as string[]) : row.recorded) : [];
        if (!row || row.snapshot === null || row.version === null) return { stored: undefined, recorded };
        const snapshot = typeof row.snapshot === 'string' ? (JSON.parse(row.snapshot) as SerializedSnapshot) : row.snapshot;
        return { stored: { snapshot, version: Number(row.version) }, recorded };
      });
    },

    async saveMany(requests) {
      if (requests.length === 0) return [];
      const writes: unknown[] = [];
      const facts: { s: string; u: string; k: string; at: number }[] = [];
      for (const request of requests) {
        const { key, expectedVersion } = request;
        if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0)
          throw new CallPermissionError('INVALID_VERSION', 'must be a whole number ≥ 0', 'request.expectedVersion');
        // Forgotten as one `save` per fact would forget them: each fact's write prunes every key at or
        // before its time minus the retention (its own key excepted). A late fact is earlier than the
        // one before it, so a key survives the batch only if no later fact of it prunes it, and the
        // keys stored before are pruned by the latest of them.
        let latest = -Infinity;
        const kept: typeof facts = [];
        for (let i = request.facts.length - 1; i >= 0; i--) {
          const fact = request.facts[i]!;
          if (fact.at > latest - retentionMs) kept.push({ s: key.sender, u: key.user, k: fact.factKey, at: fact.at });
          latest = Math.max(latest, fact.at);
        }
        facts.push(...kept.reverse());
        const prune = request.facts.length === 0 ? null : latest - retentionMs;
        writes.push({ s: key.sender, u: key.user, snapshot: request.snapshot, due: request.nextDueAt ?? null, expected: expectedVersion, prune });
      }
      let rows: SavedRow[];
      try {
        rows = await query<SavedRow>(statements.saveMany, [JSON.stringify(writes), JSON.stringify(facts)], 'saveMany', true);
      } catch (error) {
        if (isLostRace((error as { cause?: unknown }).cause)) return requests.map(() => CONFLICT);
        throw error;
      }
      const versions = new Map(rows.map((row) => [`${row.s}:${row.u}`, Number(row.version)]));
      return requests.map(({ key }): SaveResult => {
        const version = versions.get(`${key.sender}:${key.user}`);
        return version === undefined ? CONFLICT : { ok: true, version };
      });
    },

    async loadSender(key) {
      const [row] = await query<LoadRow>(statements.loadSender, [key.sender, shardOf(key)], 'loadSender', false);
      if (!row) return undefined;
      const snapshot = typeof row.snapshot === 'string' ? JSON.parse(row.snapshot) : row.snapshot;
      return { snapshot: snapshot as SerializedSenderSnapshot, version: Number(row.version) };
    },

    async saveSender(request) {
      const { key, expectedVersion } = request;
      versionOf(expectedVersion, 'request.expectedVersion');
      const params: unknown[] = [key.sender, shardOf(key), JSON.stringify(request.snapshot)];
      if (expectedVersion !== 0) params.push(expectedVersion);
      try {
        const [row] = await query<VersionRow>(expectedVersion === 0 ? statements.insertSender : statements.updateSender, params, 'saveSender', true);
        return row ? { ok: true, version: Number(row.version) } : CONFLICT;
      } catch (error) {
        if (isLostRace((error as { cause?: unknown }).cause)) return CONFLICT;
        throw error;
      }
    },

    async reserve({ relationship, sender }) {
      if (relationship.factKey !== undefined) throw new CallPermissionError('INVALID_RESERVATION', 'a reservation carries no fact key', 'request.relationship.factKey');
      versionOf(relationship.expectedVersion, 'request.relationship.expectedVersion');
      versionOf(sender.expectedVersion, 'request.sender.expectedVersion');
      if (sender.key.sender !== relationship.key.sender) throw new CallPermissionError('INVALID_RESERVATION', 'must be the relationship\'s sender', 'request.sender.key.sender');
      const params = [
        relationship.key.sender,
        relationship.key.user,
        JSON.stringify(relationship.snapshot),
        relationship.nextDueAt ?? null,
        relationship.expectedVersion,
        shardOf(sender.key),
        sender.snapshot === undefined ? null : JSON.stringify(sender.snapshot),
        sender.expectedVersion,
      ];
      try {
        const [row] = await query<ReserveRow>(statements.reserve, params, 'reserve', true);
        if (row?.r_version == null || row.s_version == null) return CONFLICT;
        return { ok: true, version: Number(row.r_version), senderVersion: Number(row.s_version) };
      } catch (error) {
        if (isLostRace((error as { cause?: unknown }).cause)) return CONFLICT;
        throw error;
      }
    },

    async dueBefore(time, limit) {
      if (typeof time !== 'number' || Number.isNaN(time)) throw new CallPermissionError('INVALID_TIME', 'must be epoch milliseconds', 'time');
      if (!Number.isSafeInteger(limit) || limit < 1) throw new CallPermissionError('INVALID_LIMIT', 'must be a whole number ≥ 1', 'limit');
      // Stored due times are whole milliseconds: `≤ 1.5` is `≤ 1`, and ±Infinity clamp to the ends.
      const until = Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, Math.floor(time)));
      const rows = await query<DueRow>(statements.dueBefore, [until, Math.min(limit, MAX_LIMIT)], 'dueBefore', false);
      return rows.map((row) => ({ sender: row.sender, user: row.user_number, dueAt: Number(row.next_due_at) }));
    },
  };
}
