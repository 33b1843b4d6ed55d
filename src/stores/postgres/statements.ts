import type { SchemaNames } from './schema.js';

/**
 * Every statement the store sends, built once per store from the validated names. Each is a single
 * statement, so PostgreSQL runs it atomically in its own implicit transaction: the compare-and-set
 * write, the fact key and the pruning of old fact keys commit together or not at all, over any
 * client, pooled or not, without `BEGIN`/`COMMIT`.
 *
 * Parameters are cast explicitly so that PGlite and `pg` (which send them untyped) agree.
 */
export interface Statements {
  /** `[sender, user]` → `{ snapshot, version }`. */
  readonly load: string;
  /** The first write of a relationship. `[sender, user, snapshot, nextDueAt]` → `{ version }` or no row (someone else created it). */
  readonly insert: string;
  /** A later write, compare-and-set on `version`. `[sender, user, snapshot, nextDueAt, expectedVersion]` → `{ version }` or no row. */
  readonly update: string;
  /** `insert` + the fact key. `[sender, user, snapshot, nextDueAt, factKey, at, pruneAtOrBefore]` → `{ version, duplicate, current_version }` (the new version when it wrote; otherwise whether the fact was already recorded and the version the statement saw). */
  readonly insertWithFact: string;
  /** `update` + the fact key. `[…insertWithFact, expectedVersion]` → as `insertWithFact`. */
  readonly updateWithFact: string;
  /** `[time, limit]` → `{ sender, user_number, next_due_at }[]`, earliest first, from the due index. */
  readonly dueBefore: string;
  /**
   * Many relationships at once. `[relationships, factKeys]`, both JSON arrays (`[{s, u}]`,
   * `[{s, u, k}]`) → `{ s, u, snapshot, version, recorded }` per relationship asked for, `recorded`
   * the JSON array of its fact keys among those asked about.
   */
  readonly loadMany: string;
  /**
   * Many relationships' writes in one statement (one transaction), each compare-and-set on its
   * own version. `[writes, facts]`, JSON arrays `[{s, u, snapshot, due, expected, prune}]` and
   * `[{s, u, k, at}]` → `{ s, u, version }` for the rows written; a row missing lost its race.
   */
  readonly saveMany: string;
  /** `[sender, shard]` → `{ snapshot, version }`. */
  readonly loadSender: string;
  /** `[sender, shard, snapshot]` → `{ version }` or no row. */
  readonly insertSender: string;
  /** `[sender, shard, snapshot, expectedVersion]` → `{ version }` or no row. */
  readonly updateSender: string;
  /** `[sender, user, snapshot, nextDueAt, version, shard, senderSnapshot | null, senderVersion]` → `{ r_version, s_version }` (both null: conflict). */
  readonly reserve: string;
}

/**
 * What a write with a fact key answers: the new version when it wrote; otherwise whether the fact
 * was already recorded and the version the statement saw, to tell a duplicate from a lost race.
 */
export interface FactWriteRow {
  readonly version: number | null;
  readonly duplicate: boolean;
  readonly current_version: number | null;
}

/**
 * The SQL the store sends, under the schema and table names it was given.
 * @internal
 */
export function buildStatements(names: SchemaNames): Statements {
  const { relationships: r, facts: f, senders } = names;
  const thisRelationship = 'sender = $1::text AND user_number = $2::text';
  const insert = `INSERT INTO ${r} (sender, user_number, snapshot, version, next_due_at)`;
  const update = `UPDATE ${r} SET snapshot = $3::jsonb, version = version + 1, next_due_at = $4::bigint, updated_at = now()`;

  /*
   * Why this order is atomic and race-free:
   * - `recorded` and the final `current_version` read the statement's snapshot.
   * - `written` is the compare-and-set: it takes the relationship's row lock (or, for a new
   *   relationship, the primary key's insertion lock) and writes only if no earlier write and no
   *   recorded fact got there first. A concurrent writer of the same relationship waits on that
   *   lock and then finds the version moved, so it writes nothing, fact key included.
   * - `fact` inserts the key only when `written` wrote; it has no ON CONFLICT: if the key were
   *   somehow already there, the unique violation aborts the whole statement (snapshot included),
   *   and the store answers `conflict` so the engine reloads and finds the duplicate.
   * - `pruned` forgets this relationship's keys older than the retention, again only on a write.
   */
  const withFact = (write: string) => `WITH recorded AS (
  SELECT 1 FROM ${f} WHERE ${thisRelationship} AND fact_key = $5::text
), written AS (
  ${write}
  RETURNING version
), fact AS (
  INSERT INTO ${f} (sender, user_number, fact_key, at) SELECT $1::text, $2::text, $5::text, $6::bigint FROM written
), pruned AS (
  DELETE FROM ${f} WHERE ${thisRelationship} AND at <= $7::bigint AND fact_key <> $5::text AND EXISTS (SELECT 1 FROM written)
)
SELECT (SELECT version FROM written) AS version,
       EXISTS (SELECT 1 FROM recorded) AS duplicate,
       (SELECT version FROM ${r} WHERE ${thisRelationship}) AS current_version`;

  /*
   * Why the batch write is safe: each row's UPDATE is a compare-and-set on its version (a row a
   * concurrent writer changed is re-checked after its lock and skipped), a new row's INSERT does
   * nothing if another writer created it; fact keys and pruning follow only the rows written. Fact
   * keys are only ever written with a version bump, so the version the batch read vouches for the
   * keys it read too. A fact key that is somehow there already aborts the whole statement (a unique
   * violation), and a deadlock between two batches aborts one of them: both are lost races, and the
   * store answers `conflict` for every row so the engine reads and applies again.
   */
  const saveMany = `WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS i(s text, u text, snapshot jsonb, due bigint, expected integer, prune bigint)
), updated AS (
  UPDATE ${r} AS rel SET snapshot = input.snapshot, version = rel.version + 1, next_due_at = input.due, updated_at = now()
  FROM input WHERE rel.sender = input.s AND rel.user_number = input.u AND input.expected > 0 AND rel.version = input.expected
  RETURNING rel.sender AS s, rel.user_number AS u, rel.version
), inserted AS (
  INSERT INTO ${r} (sender, user_number, snapshot, version, next_due_at)
  SELECT s, u, snapshot, 1, due FROM input WHERE expected = 0
  ON CONFLICT (sender, user_number) DO NOTHING
  RETURNING sender AS s, user_number AS u, version
), written AS (
  SELECT * FROM updated UNION ALL SELECT * FROM inserted
), fact AS (
  INSERT INTO ${f} (sender, user_number, fact_key, at)
  SELECT k.s, k.u, k.k, k.at FROM jsonb_to_recordset($2::jsonb) AS k(s text, u text, k text, at bigint) JOIN written w ON w.s = k.s AND w.u = k.u
), pruned AS (
  DELETE FROM ${f} AS old USING written w, input WHERE old.sender = w.s AND old.user_number = w.u AND input.s = w.s AND input.u = w.u AND old.at <= input.prune
)
SELECT s, u, version FROM written`;

  return {
    loadMany: `WITH wanted AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS w(s text, u text)
), keys AS (
  SELECT * FROM jsonb_to_recordset($2::jsonb) AS k(s text, u text, k text)
)
SELECT wanted.s, wanted.u, rel.snapshot, rel.version,
  (SELECT coalesce(jsonb_agg(keys.k), '[]'::jsonb) FROM keys JOIN ${f} AS fact ON fact.sender = keys.s AND fact.user_number = keys.u AND fact.fact_key = keys.k
    WHERE keys.s = wanted.s AND keys.u = wanted.u) AS recorded
FROM wanted LEFT JOIN ${r} AS rel ON rel.sender = wanted.s AND rel.user_number = wanted.u`,
    saveMany,
    load: `SELECT snapshot, version FROM ${r} WHERE ${thisRelationship}`,
    insert: `${insert} VALUES ($1::text, $2::text, $3::jsonb, 1, $4::bigint) ON CONFLICT (sender, user_number) DO NOTHING RETURNING version`,
    update: `${update} WHERE ${thisRelationship} AND version = $5::integer RETURNING version`,
    insertWithFact: withFact(
      `${insert} SELECT $1::text, $2::text, $3::jsonb, 1, $4::bigint WHERE NOT EXISTS (SELECT 1 FROM recorded)
  ON CONFLICT (sender, user_number) DO NOTHING`,
    ),
    updateWithFact: withFact(`${update} WHERE ${thisRelationship} AND version = $8::integer AND NOT EXISTS (SELECT 1 FROM recorded)`),
    dueBefore: `SELECT sender, user_number, next_due_at FROM ${r} WHERE next_due_at <= $1::bigint ORDER BY next_due_at, sender, user_number LIMIT $2::integer`,
    loadSender: `SELECT snapshot, version FROM ${senders} WHERE sender = $1::text AND shard = $2::integer`,
    insertSender: `INSERT INTO ${senders} (sender, shard, snapshot, version) VALUES ($1::text, $2::integer, $3::jsonb, 1) ON CONFLICT (sender, shard) DO NOTHING RETURNING version`,
    updateSender: `UPDATE ${senders} SET snapshot = $3::jsonb, version = version + 1, updated_at = now() WHERE sender = $1::text AND shard = $2::integer AND version = $4::integer RETURNING version`,
    reserve: `SELECT r_version, s_version FROM ${names.reserveFunction}($1::text, $2::text, $3::jsonb, $4::bigint, $5::integer, $6::integer, $7::jsonb, $8::integer)`,
  };
}
