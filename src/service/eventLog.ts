import type { RelationshipEvent, RefusalRule, RelationshipState, RelationshipKey } from '../index.js';
import type { SqlClient } from '../stores/postgres/index.js';

/** Who made an entry: a route of ours, Infobip's webhook, the test-event form, the clock sweep, or a reconciliation with Infobip's view. */
export type EntrySource = 'api' | 'webhook' | 'test' | 'clock' | 'reconcile';

/** An event the engine applied, in the order it applied them (with what was sent, for a reservation). */
export interface EventEntry {
  readonly id: number;
  readonly kind: 'event';
  readonly sender: string;
  readonly user: string;
  readonly source: EntrySource;
  readonly event: RelationshipEvent;
  /** What the effect did for a request or call: the dry run's would-be request, Infobip's receipt, or the error. */
  readonly detail?: Readonly<Record<string, unknown>>;
  /** The store's version of the relationship after this event (absent on rows logged before versions were). */
  readonly version?: number;
  readonly recordedAt: string;
}

/**
 * A command the rules refused: nothing was applied, but the inspector shows that it was asked.
 * Repeats are kept as one entry: the same action refused by the same rule, from the same source,
 * since the relationship's last applied event, only counts up (`count`, from `firstAt` to `at`).
 * So refusals stay bounded by the events between them, however often a command is retried.
 */
export interface RefusalEntry {
  readonly id: number;
  readonly kind: 'refusal';
  readonly sender: string;
  readonly user: string;
  readonly source: EntrySource;
  readonly at: number;
  readonly action: 'request' | 'call';
  readonly rule: RefusalRule;
  readonly reason: string;
  readonly retryAt?: number;
  /** How many times it was refused so (1 for the first). */
  readonly count: number;
  /** The first of them (`at` is the latest). */
  readonly firstAt: number;
  /** The store's version of the relationship the refusal was decided on. */
  readonly version?: number;
  readonly recordedAt: string;
}

export type LogEntry = EventEntry | RefusalEntry;

export type NewLogEntry = Omit<EventEntry, 'id' | 'recordedAt'> | Omit<RefusalEntry, 'id' | 'recordedAt' | 'count' | 'firstAt'>;

/** A relationship the store holds, for the list. */
export interface RelationshipSummary extends RelationshipKey {
  readonly state: RelationshipState;
  /** The relationship's own clock (its last event), ISO. */
  readonly clock: string;
  readonly updatedAt: string;
}

export interface EventLog {
  migrate(): Promise<void>;
  /** Adds an entry (or counts a repeated refusal on its row); answers the row's id. */
  append(entry: NewLogEntry): Promise<number>;
  /**
   * Replaces an event entry's `detail`: what an effect did, known only once it answered, on the
   * reservation's row that was appended before it was sent (the row keeps its place in the order).
   */
  annotate(id: number, detail: Readonly<Record<string, unknown>> | undefined): Promise<void>;
  /**
   * In the store's order (by the version each entry belongs to; a refusal after the events of the
   * version it was decided on; then as appended), every entry (the replay needs every event);
   * `truncated` only past `limit` (default 100,000).
   */
  entries(key: RelationshipKey, limit?: number): Promise<{ entries: LogEntry[]; truncated: boolean }>;
  relationships(limit: number): Promise<RelationshipSummary[]>;
  /** A small named value of the service's own (the virtual clock's time). */
  setting(name: string): Promise<unknown>;
  setSetting(name: string, value: unknown): Promise<void>;
  /** Stores `value` unless the setting exists; answers the stored value (atomic: several instances starting at once agree). */
  initSetting(name: string, value: unknown): Promise<unknown>;
  /** Raises a numeric setting to `value` unless it is already higher; answers the stored number (atomic). */
  raiseSetting(name: string, value: number): Promise<number>;
}

const EVENTS = 'wacp_service_events';
const SETTINGS = 'wacp_service_settings';
/** A safety bound on one relationship's read; refusals are aggregated, so only events count toward it. */
const MAX_ENTRIES = 100_000;

interface Row {
  id: number | string;
  sender: string;
  user_number: string;
  kind: 'event' | 'refusal';
  source: EntrySource;
  version: number | string | null;
  at: number | string;
  event: RelationshipEvent | string | null;
  detail: Record<string, unknown> | string | null;
  recorded_at: Date | string;
}

/**
 * The service's own tables beside the store's: every event applied to a relationship (so its
 * timeline can be rebuilt and shown) and every refused command, in order; and a few settings.
 * The store's snapshot stays the truth of the state; the timeline endpoint replays this log and
 * says whether the replay agrees with it.
 *
 * @param relationshipsTable the store's quoted table name (`PostgresStore.names.relationships`), for the list.
 */
export function createEventLog(client: SqlClient, relationshipsTable: string): EventLog {
  const json = <T>(value: T | string | null): T | undefined => (value === null ? undefined : typeof value === 'string' ? (JSON.parse(value) as T) : value);
  const iso = (value: Date | string) => (value instanceof Date ? value.toISOString() : new Date(value).toISOString());

  function fromRow(row: Row): LogEntry {
    const base = { id: Number(row.id), sender: row.sender, user: row.user_number, source: row.source, ...(row.version === null ? {} : { version: Number(row.version) }), recordedAt: iso(row.recorded_at) };
    const detail = json<Record<string, unknown>>(row.detail);
    if (row.kind === 'event') return { ...base, kind: 'event', event: json<RelationshipEvent>(row.event)!, ...(detail ? { detail } : {}) };
    const { count, firstAt, ...refusal } = detail as { action: 'request' | 'call'; rule: RefusalRule; reason: string; retryAt?: number; count?: number; firstAt?: number };
    return { ...base, kind: 'refusal', at: Number(row.at), ...refusal, count: count ?? 1, firstAt: firstAt ?? Number(row.at) };
  }

  return {
    async migrate() {
      // One statement: PGlite's and pg's extended protocol take one at a time.
      await client.query(`DO $migrate$
BEGIN
  PERFORM pg_advisory_xact_lock(20260406);
  CREATE TABLE IF NOT EXISTS ${EVENTS} (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sender text NOT NULL,
    user_number text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('event', 'refusal')),
    source text NOT NULL,
    at bigint NOT NULL,
    event jsonb,
    detail jsonb,
    recorded_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX IF NOT EXISTS ${EVENTS}_relationship_idx ON ${EVENTS} (sender, user_number, id);
  -- The store's version each entry belongs to: the log's order is the store's, whichever instance appended first.
  ALTER TABLE ${EVENTS} ADD COLUMN IF NOT EXISTS version bigint;
  CREATE TABLE IF NOT EXISTS ${SETTINGS} (name text PRIMARY KEY, value jsonb NOT NULL);
END
$migrate$`);
    },

    async append(entry) {
      if (entry.kind === 'refusal') {
        // A repeat of a refusal decided on the same version (no event in between): count it on that row instead of adding one.
        const repeat = JSON.stringify({ action: entry.action, rule: entry.rule, reason: entry.reason, ...(entry.retryAt === undefined ? {} : { retryAt: entry.retryAt }) });
        const { rows } = await client.query(
          `UPDATE ${EVENTS} SET at = $5::bigint, detail = (detail - 'retryAt') || $6::jsonb || jsonb_build_object('count', COALESCE((detail->>'count')::int, 1) + 1), recorded_at = now()
           WHERE id = (
             SELECT id FROM ${EVENTS} r WHERE r.sender = $1::text AND r.user_number = $2::text AND r.kind = 'refusal' AND r.source = $3::text
               AND r.detail->>'action' = $4::text AND r.detail->>'rule' = $7::text
               AND r.version IS NOT DISTINCT FROM $8::bigint
               AND r.id > COALESCE((SELECT max(e.id) FROM ${EVENTS} e WHERE e.sender = $1::text AND e.user_number = $2::text AND e.kind = 'event' AND e.version IS NOT DISTINCT FROM $8::bigint), 0)
             ORDER BY r.id DESC LIMIT 1)
           RETURNING id`,
          [entry.sender, entry.user, entry.source, entry.action, entry.at, repeat, entry.rule, entry.version ?? null],
        );
        if (rows.length > 0) return Number((rows[0] as { id: number | string }).id);
      }
      const at = entry.kind === 'event' ? entry.event.at : entry.at;
      const event = entry.kind === 'event' ? JSON.stringify(entry.event) : null;
      const detail =
        entry.kind === 'event'
          ? entry.detail === undefined
            ? null
            : JSON.stringify(entry.detail)
          : JSON.stringify({ action: entry.action, rule: entry.rule, reason: entry.reason, ...(entry.retryAt === undefined ? {} : { retryAt: entry.retryAt }), count: 1, firstAt: entry.at });
      const { rows } = await client.query(
        `INSERT INTO ${EVENTS} (sender, user_number, kind, source, at, event, detail, version) VALUES ($1::text, $2::text, $3::text, $4::text, $5::bigint, $6::jsonb, $7::jsonb, $8::bigint) RETURNING id`,
        [entry.sender, entry.user, entry.kind, entry.source, at, event, detail, entry.version ?? null],
      );
      return Number((rows[0] as { id: number | string }).id);
    },

    async annotate(id, detail) {
      await client.query(`UPDATE ${EVENTS} SET detail = $2::jsonb WHERE id = $1::bigint AND kind = 'event'`, [id, detail === undefined ? null : JSON.stringify(detail)]);
    },

    async entries(key, limit = MAX_ENTRIES) {
      const { rows } = await client.query(
        `SELECT id, sender, user_number, kind, source, version, at, event, detail, recorded_at FROM ${EVENTS}
         WHERE sender = $1::text AND user_number = $2::text ORDER BY version NULLS FIRST, kind = 'refusal', id LIMIT $3::int`,
        [key.sender, key.user, limit + 1],
      );
      const all = (rows as Row[]).map(fromRow);
      return { entries: all.slice(0, limit), truncated: all.length > limit };
    },

    async relationships(limit) {
      const { rows } = await client.query(
        `SELECT sender, user_number, snapshot->>'s' AS state, (snapshot->>'t')::bigint AS clock, updated_at
         FROM ${relationshipsTable} ORDER BY updated_at DESC, sender, user_number LIMIT $1::int`,
        [limit],
      );
      return (rows as { sender: string; user_number: string; state: RelationshipState; clock: number | string; updated_at: Date | string }[]).map((row) => ({
        sender: row.sender,
        user: row.user_number,
        state: row.state,
        clock: new Date(Number(row.clock)).toISOString(),
        updatedAt: iso(row.updated_at),
      }));
    },

    async setting(name) {
      const { rows } = await client.query(`SELECT value FROM ${SETTINGS} WHERE name = $1::text`, [name]);
      const row = rows[0] as { value: unknown } | undefined;
      return row?.value;
    },

    async setSetting(name, value) {
      await client.query(`INSERT INTO ${SETTINGS} (name, value) VALUES ($1::text, $2::jsonb) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value`, [name, JSON.stringify(value)]);
    },

    async initSetting(name, value) {
      // ON CONFLICT DO NOTHING returns no row for an existing setting: read it in the same statement.
      const { rows } = await client.query(
        `WITH inserted AS (INSERT INTO ${SETTINGS} (name, value) VALUES ($1::text, $2::jsonb) ON CONFLICT (name) DO NOTHING RETURNING value)
         SELECT value FROM inserted UNION ALL SELECT value FROM ${SETTINGS} WHERE name = $1::text LIMIT 1`,
        [name, JSON.stringify(value)],
      );
      // Empty when another instance inserted it while this statement ran (its snapshot predates that row).
      if (rows.length === 0) return this.setting(name);
      return (rows[0] as { value: unknown }).value;
    },

    async raiseSetting(name, value) {
      const { rows } = await client.query(
        `INSERT INTO ${SETTINGS} AS s (name, value) VALUES ($1::text, to_jsonb($2::bigint)) ON CONFLICT (name) DO UPDATE
         SET value = CASE WHEN jsonb_typeof(s.value) = 'number' AND (s.value)::numeric >= $2::bigint THEN s.value ELSE EXCLUDED.value END
         RETURNING value`,
        [name, value],
      );
      return Number((rows[0] as { value: unknown }).value);
    },
  };
}
