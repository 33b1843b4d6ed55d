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
  /** `insert` + the fact key. `[sender, user, snapshot, nextDueAt, factKey, at, pruneAtOrBefore]` → {@link FactWriteRow}. */
  readonly insertWithFact: string;
  /** `update` + the fact key. `[…insertWithFact, expectedVersion]` → {@link FactWriteRow}. */
  readonly updateWithFact: string;
  /** `[time, limit]` → `{ sender, user_number, next_due_at }[]`, earliest first, from the due index. */
  readonly dueBefore: string;
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

export function buildStatements(names: SchemaNames): Statements {
  const { relationships: r, facts: f } = names;
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

  return {
    load: `SELECT snapshot, version FROM ${r} WHERE ${thisRelationship}`,
    insert: `${insert} VALUES ($1::text, $2::text, $3::jsonb, 1, $4::bigint) ON CONFLICT (sender, user_number) DO NOTHING RETURNING version`,
    update: `${update} WHERE ${thisRelationship} AND version = $5::integer RETURNING version`,
    insertWithFact: withFact(
      `${insert} SELECT $1::text, $2::text, $3::jsonb, 1, $4::bigint WHERE NOT EXISTS (SELECT 1 FROM recorded)
  ON CONFLICT (sender, user_number) DO NOTHING`,
    ),
    updateWithFact: withFact(`${update} WHERE ${thisRelationship} AND version = $8::integer AND NOT EXISTS (SELECT 1 FROM recorded)`),
    dueBefore: `SELECT sender, user_number, next_due_at FROM ${r} WHERE next_due_at <= $1::bigint ORDER BY next_due_at, sender, user_number LIMIT $2::integer`,
  };
}
