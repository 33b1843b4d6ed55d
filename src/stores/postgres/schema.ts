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
  const { relationships: r, facts: f, dueIndex } = names;
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
END
$migrate$`;
}
