import { parseTime } from '../../events/parse.js';
import { inspectRelationship } from '../../inspector/counters.js';
import { formatInspection, formatTimeline } from '../../inspector/format.js';
import { createTimelineRecorder, type TimelineEntry } from '../../inspector/timeline.js';
import { normalizePhoneNumber } from '../../phone.js';
import { definePolicy, POLICY_PRESETS, type Policy, type PolicyPresetName } from '../../policy/policy.js';
import { deserializeSnapshot, toSerialized } from '../../pure/serialize.js';
import { createRelationship, type RelationshipSnapshot } from '../../pure/snapshot.js';
import { createPostgresStore } from '../../stores/postgres/store.js';
import { parseCommandLine, positionals } from '../args.js';
import type { CliCommand } from '../command.js';
import { CliError, EXIT_OK, UsageError } from '../errors.js';
import { readServiceLog } from '../serviceLog.js';
import { openPgliteStore, openPostgresStore, type StoreDatabase } from '../storeDatabase.js';

const DEFAULT_DATA_DIR = './.wacp-data';
const LOG_LIMIT = 10_000;

const USAGE = `Usage: wacp inspect <sender> <user> [--data-dir DIR | --database-url URL] [--at TIME] [--json]

Shows one relationship from a store: its state, counters, permissions view and both decisions at
TIME, and, when the database also holds the reference service's event log, its whole timeline
(each event, the state after it, the transitions and rules, the counters and the view).

Where the store is (the first that is given):
  --database-url URL   a PostgreSQL server (also: DATABASE_URL)
  --data-dir DIR       the service's embedded PGlite directory (also: WACP_DATA_DIR; default ${DEFAULT_DATA_DIR}).
                       PGlite is one process's database: stop a service that has it open, or ask
                       the service itself (GET /v1/relationships/{sender}/{user}/timeline).
Options:
  --table NAME         the store's table (default call_permissions)
  --policy NAME        ${Object.keys(POLICY_PRESETS).join(' | ')} (also: WACP_POLICY; default infobip): the one the service runs
  --at TIME            ISO 8601 time to look at (default: now, or the relationship's clock if later)
  --json               everything as JSON
  -h, --help           this text

Exit codes: 0 shown (a relationship never seen is shown as new, noPermission); 1 the store cannot
be read; 2 the command line is wrong.
`;

async function openStore(values: { 'data-dir'?: string | undefined; 'database-url'?: string | undefined }, env: Readonly<Record<string, string | undefined>>): Promise<StoreDatabase> {
  if (values['database-url'] && values['data-dir']) throw new UsageError('wacp inspect: --data-dir and --database-url do not go together');
  if (values['database-url']) return openPostgresStore(values['database-url']);
  if (values['data-dir']) return openPgliteStore(values['data-dir']);
  if (env.DATABASE_URL) return openPostgresStore(env.DATABASE_URL);
  return openPgliteStore(env.WACP_DATA_DIR || DEFAULT_DATA_DIR);
}

function policyFrom(name: string | undefined): Policy {
  const chosen = name ?? 'infobip';
  if (!(chosen in POLICY_PRESETS)) throw new UsageError(`wacp inspect: --policy must be one of ${Object.keys(POLICY_PRESETS).join(', ')}, got ${JSON.stringify(chosen)}`);
  return definePolicy(chosen as PolicyPresetName);
}

function timeFrom(value: string | undefined): number {
  if (value === undefined) return Date.now();
  try {
    return parseTime(/^\d+$/.test(value) ? Number(value) : value, '--at');
  } catch (error) {
    throw new UsageError(`wacp inspect: ${(error as Error).message}`);
  }
}

export const inspectCommand: CliCommand = {
  name: 'inspect',
  summary: 'show one relationship from a store: state, counters, view, decisions and its timeline',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals: given } = parseCommandLine('inspect', args, {
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
      table: { type: 'string' },
      policy: { type: 'string' },
      at: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.help) {
      io.stdout.write(USAGE);
      return EXIT_OK;
    }
    const [senderInput, userInput] = positionals('inspect', given, ['sender', 'user']);
    let key: { sender: string; user: string };
    try {
      key = { sender: normalizePhoneNumber(senderInput, 'sender'), user: normalizePhoneNumber(userInput, 'user') };
    } catch (error) {
      throw new UsageError(`wacp inspect: ${(error as Error).message}`);
    }
    const policy = policyFrom(values.policy ?? (io.env.WACP_POLICY || undefined));
    const at = timeFrom(values.at);

    const database = await openStore(values, io.env);
    let stored: RelationshipSnapshot | undefined;
    let log: Awaited<ReturnType<typeof readServiceLog>>;
    try {
      const store = createPostgresStore({ client: database.client, ...(values.table ? { table: values.table } : {}) });
      const { rows } = await database.client.query('SELECT to_regclass($1::text) IS NOT NULL AS present', [store.names.relationships]);
      if (!(rows[0] as { present?: boolean } | undefined)?.present)
        throw new CliError(`${database.description} has no table ${store.names.relationships}: is it the service's database, or another --table?`);
      const found = await store.load(key);
      stored = found ? deserializeSnapshot(found.snapshot, policy) : undefined;
      log = await readServiceLog(database.client, key, LOG_LIMIT);
    } finally {
      await database.close();
    }

    let timeline: TimelineEntry[] | null = null;
    let replayed: RelationshipSnapshot | undefined;
    if (log) {
      const recorder = createTimelineRecorder({ policy });
      timeline = log.steps.map((step, i) => recorder.record(step, `log[${i}]`));
      replayed = recorder.snapshot;
    }
    const current = stored ?? createRelationship({ at, policy });
    const now = inspectRelationship(current, at);
    const replayMatchesStore = log === undefined || log.truncated ? null : sameSnapshot(replayed, stored);

    if (values.json) {
      io.stdout.write(
        `${JSON.stringify({ sender: key.sender, user: key.user, policy: policy.name, store: database.description, stored: stored !== undefined, now, timeline, timelineTruncated: log?.truncated ?? false, replayMatchesStore }, null, 2)}\n`,
      );
      return EXIT_OK;
    }
    const out: string[] = [`Relationship ${key.sender} ↔ ${key.user} · policy ${policy.name} · ${database.description}`];
    out.push(stored ? `Stored: ${stored.value}, its clock at ${new Date(stored.context.now).toISOString()}` : 'Not in the store: a new relationship (noPermission)');
    out.push('');
    if (timeline) {
      out.push(`Timeline from the service's event log (${timeline.length} step(s)${log!.truncated ? `, the first ${LOG_LIMIT} only` : ''}):`, '');
      out.push(formatTimeline(timeline));
      if (replayMatchesStore === false) out.push('Note: replaying the log does not give the stored snapshot (the log missed a write, or the policy differs: --policy).', '');
    } else out.push('No event log in this database (only the reference service keeps one): the current state only.', '');
    out.push(formatInspection(now));
    io.stdout.write(out.join('\n'));
    return EXIT_OK;
  },
};

function sameSnapshot(a: RelationshipSnapshot | undefined, b: RelationshipSnapshot | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return JSON.stringify(toSerialized(a)) === JSON.stringify(toSerialized(b));
}
