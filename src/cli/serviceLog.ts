import type { RelationshipEvent } from '../events/types.js';
import type { TimelineInput } from '../inspector/timeline.js';
import type { SqlClient } from '../stores/postgres/client.js';
import type { RelationshipKey } from '../stores/store.js';

/**
 * The reference service's event log (src/service/eventLog.ts: table `wacp_service_events`), read
 * as timeline steps: each event the engine applied, and each command the rules refused. The store
 * keeps only the latest snapshot; this log is what lets `wacp inspect` show how it came about.
 */
const TABLE = 'wacp_service_events';

interface Row {
  kind: 'event' | 'refusal';
  at: number | string;
  event: RelationshipEvent | string | null;
  detail: { action?: 'request' | 'call' } | string | null;
}

const parsed = <T>(value: T | string | null): T | null => (typeof value === 'string' ? (JSON.parse(value) as T) : value);

/** The steps, oldest first; `undefined` when the database has no service log (a store written by another host). */
export async function readServiceLog(client: SqlClient, key: RelationshipKey, limit: number): Promise<{ steps: TimelineInput[]; truncated: boolean } | undefined> {
  const { rows: found } = await client.query(`SELECT to_regclass($1::text) IS NOT NULL AS present`, [TABLE]);
  if (!(found[0] as { present?: boolean } | undefined)?.present) return undefined;
  const { rows } = await client.query(
    `SELECT kind, at, event, detail FROM ${TABLE} WHERE sender = $1::text AND user_number = $2::text ORDER BY id LIMIT $3::int`,
    [key.sender, key.user, limit + 1],
  );
  const steps: TimelineInput[] = [];
  for (const row of (rows as Row[]).slice(0, limit)) {
    if (row.kind === 'refusal') {
      const detail = parsed(row.detail);
      steps.push({ command: detail?.action === 'call' ? 'startCall' : 'requestPermission', at: Number(row.at) });
      continue;
    }
    const event = parsed(row.event);
    // Normalised events read back as themselves (an accept's `expiresAt: null` is permanent).
    if (event) steps.push(event);
  }
  return { steps, truncated: rows.length > limit };
}
