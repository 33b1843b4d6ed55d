import { CallPermissionError } from '../../errors.js';

/** The default name of the relationships table; the facts table and indexes are named after it. */
export const DEFAULT_TABLE = 'call_permissions';

/** The quoted names of everything the store creates, derived from one validated table name. */
export interface SchemaNames {
  /** `"schema"."table"` or `"table"`: the relationships, one row per (sender, user). */
  readonly relationships: string;
  /** The recorded fact keys (idempotency), one row per (sender, user, fact key). */
  readonly facts: string;
  /** The index `dueBefore` reads (unqualified: an index lives in its table's schema). */
  readonly dueIndex: string;
  /** The senders' counters (S1/S2/S4/G6), one row per (sender, shard). */
  readonly senders: string;
  /** The function that stores a reservation on both keys in one statement (`<name>_reserve`). */
  readonly reserveFunction: string;
  /** A number that names this schema for `pg_advisory_xact_lock`, so concurrent migrations queue. */
  readonly lockId: number;
}

// Lower case only: an unquoted mixed-case name would fold to lower case in hand-written SQL and
// miss the table. 40 characters leave room for the suffixes within PostgreSQL's 63.
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,39}$/;

/**
 * Validates `table` (`name` or `schema.name`, lower-case letters, digits and `_`) and derives the
 * quoted names. Validation, not escaping, is what keeps it out of SQL injection: nothing but a
 * plain identifier ever reaches a statement.
 */
export function schemaNames(table: string = DEFAULT_TABLE): SchemaNames {
  const parts = typeof table === 'string' ? table.split('.') : [];
  if (parts.length < 1 || parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part)))
    throw new CallPermissionError('INVALID_TABLE_NAME', 'must be `name` or `schema.name` of lower-case letters, digits and _ (at most 40 each), starting with a letter or _', 'options.table');
  const name = parts[parts.length - 1]!;
  const prefix = parts.length === 2 ? `"${parts[0]}".` : '';
  return {
    relationships: `${prefix}"${name}"`,
    facts: `${prefix}"${name}_facts"`,
    dueIndex: `"${name}_due_idx"`,
    senders: `${prefix}"${name}_senders"`,
    reserveFunction: `${prefix}"${name}_reserve"`,
    lockId: hash(table),
  };
}

/** A 32-bit FNV-1a hash of the table name: stable across processes and versions. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h | 0;
}

/**
 * One statement (a `DO` block, so it also runs over PGlite's and `pg`'s extended protocol, which
 * take one statement at a time) that creates the schema or brings an older one up to date. It is
 * idempotent, and it takes a transaction-scoped advisory lock first so that instances migrating at
 * the same start-up queue instead of racing on `CREATE TABLE IF NOT EXISTS`.
 *
 * Times the rules use (`next_due_at`, a fact's `at`) are epoch milliseconds in `bigint`, exactly
 * the engine's numbers; `updated_at` is the database's own wall clock, for operators.
 * @internal
 */
export function migrationStatement(names: SchemaNames): string {
  const { relationships: r, facts: f, dueIndex, senders: s, reserveFunction } = names;
  return `DO $migrate$
BEGIN
  PERFORM pg_advisory_xact_lock(${names.lockId});
  CREATE TABLE IF NOT EXISTS ${r} (
    sender text NOT NULL,
    user_number text NOT NULL,
    snapshot jsonb NOT NULL,
    version integer NOT NULL CHECK (version > 0),
    PRIMARY KEY (sender, user_number)
  );
  -- Columns added after the first schema: an older table gains them here.
  ALTER TABLE ${r} ADD COLUMN IF NOT EXISTS next_due_at bigint;
  ALTER TABLE ${r} ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now();
  -- Partial: a quiet relationship (no expiry ahead, nothing left in any window) has nothing due and stays out.
  CREATE INDEX IF NOT EXISTS ${dueIndex} ON ${r} (next_due_at, sender, user_number) WHERE next_due_at IS NOT NULL;
  CREATE TABLE IF NOT EXISTS ${f} (
    sender text NOT NULL,
    user_number text NOT NULL,
    fact_key text NOT NULL,
    at bigint NOT NULL,
    PRIMARY KEY (sender, user_number, fact_key)
  );
  CREATE TABLE IF NOT EXISTS ${s} (
    sender text NOT NULL,
    shard integer NOT NULL CHECK (shard >= 0),
    snapshot jsonb NOT NULL,
    version integer NOT NULL CHECK (version > 0),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sender, shard)
  );
  -- A reservation on two keys in one statement, so it is atomic over any client (a pool included):
  -- the relationship's compare-and-set, then the sender's (or a check of its version). If the
  -- sender's loses its race after the relationship's landed, the raised serialization failure
  -- (40001) rolls both back and the store answers conflict. The sender row, the hot one, is locked
  -- last, so it is held for the shortest time. Answers (NULL, NULL) on a conflict seen up front.
  CREATE OR REPLACE FUNCTION ${reserveFunction}(
    p_sender text, p_user text, p_snapshot jsonb, p_next_due bigint, p_version integer,
    p_shard integer, p_sender_snapshot jsonb, p_sender_version integer,
    OUT r_version integer, OUT s_version integer)
  LANGUAGE plpgsql AS $reserve$
  BEGIN
    SELECT t.version INTO s_version FROM ${s} t WHERE t.sender = p_sender AND t.shard = p_shard;
    IF coalesce(s_version, 0) <> p_sender_version THEN s_version := NULL; RETURN; END IF;
    IF p_version = 0 THEN
      INSERT INTO ${r} AS t (sender, user_number, snapshot, version, next_due_at) VALUES (p_sender, p_user, p_snapshot, 1, p_next_due)
        ON CONFLICT (sender, user_number) DO NOTHING RETURNING t.version INTO r_version;
    ELSE
      UPDATE ${r} AS t SET snapshot = p_snapshot, version = t.version + 1, next_due_at = p_next_due, updated_at = now()
        WHERE t.sender = p_sender AND t.user_number = p_user AND t.version = p_version RETURNING t.version INTO r_version;
    END IF;
    IF r_version IS NULL THEN s_version := NULL; RETURN; END IF;
    IF p_sender_snapshot IS NULL THEN
      s_version := p_sender_version;
      RETURN;
    END IF;
    s_version := NULL;
    IF p_sender_version = 0 THEN
      INSERT INTO ${s} AS t (sender, shard, snapshot, version) VALUES (p_sender, p_shard, p_sender_snapshot, 1)
        ON CONFLICT (sender, shard) DO NOTHING RETURNING t.version INTO s_version;
    ELSE
      UPDATE ${s} AS t SET snapshot = p_sender_snapshot, version = t.version + 1, updated_at = now()
        WHERE t.sender = p_sender AND t.shard = p_shard AND t.version = p_sender_version RETURNING t.version INTO s_version;
    END IF;
    IF s_version IS NULL THEN
      RAISE EXCEPTION 'the sender''s compare-and-set lost its race' USING ERRCODE = 'serialization_failure';
    END IF;
  END
  $reserve$;
END
$migrate$`;
}
