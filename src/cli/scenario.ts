import { CallPermissionError } from '../errors.js';
import type { RelationshipEventType } from '../events/types.js';
import type { TimelineInput } from '../inspector/timeline.js';
import { normalizePhoneNumber } from '../phone.js';
import { definePolicy, type Policy } from '../policy/policy.js';
import { CliError } from './errors.js';
import { JsonSyntaxError, memberPath, parseJsonSource, positionOf, type JsonSource } from './jsonSource.js';

/**
 * A scenario file: one relationship's story, replayed by `wacp simulate`.
 *
 * ```json
 * {
 *   "description": "what the story shows (optional)",
 *   "policy": "infobip",
 *   "sender": "+44 113 496 0000",
 *   "user": "+44 7700 900123",
 *   "events": [
 *     { "command": "requestPermission", "at": "2026-04-06T09:00:00Z" },
 *     { "type": "PERMISSION_ACCEPTED", "at": "2026-04-06T09:05:00Z", "permanent": false },
 *     { "command": "startCall", "at": "2026-04-06T10:00:00Z", "id": "c1" },
 *     { "type": "CALL_CONNECTED", "at": "2026-04-06T10:00:20Z", "callId": "c1" }
 *   ]
 * }
 * ```
 *
 * `policy` is a preset name or `{ "preset": …, <overrides> }` as `definePolicy` takes (default
 * `infobip`). Each step is a fact (any event, as `engine.record` takes it) or a command
 * (`requestPermission` / `startCall`, with an optional `id`), decided as the engine would.
 */
export interface Scenario {
  readonly description: string | undefined;
  readonly policy: Policy;
  readonly sender: string;
  readonly user: string;
  readonly steps: readonly TimelineInput[];
  /** The parsed file, to turn a later error's path into its line. */
  readonly source: JsonSource;
}

const FIELDS = new Set(['description', 'policy', 'sender', 'user', 'events', '$schema']);

/**
 * The fields each event type has (src/events/types.ts). `parseEvent` ignores anything else; in a
 * hand-written file an unknown field is almost always a typo (`"permanant": true`) that would
 * silently change the story, so the file is refused instead.
 */
const EVENT_FIELDS: Readonly<Record<RelationshipEventType, readonly string[]>> = {
  CLOCK: [],
  USER_MESSAGE: [],
  PERMISSION_REVOKED: [],
  REQUEST_SENT: ['requestId', 'via'],
  REQUEST_FAILED: ['requestId'],
  PERMISSION_ACCEPTED: ['expiresAt', 'permanent', 'source', 'requestId'],
  PERMISSION_REJECTED: ['source', 'requestId'],
  PERMISSION_SYNCED: ['status', 'expiresAt'],
  CALL_STARTED: ['callId'],
  CALL_ID_ASSIGNED: ['callId', 'platformCallId'],
  CALL_CONNECTED: ['callId'],
  CALL_UNANSWERED: ['callId', 'reason'],
  CALL_FAILED: ['callId', 'reason'],
  USER_CALL_RECEIVED: ['callId'],
  USER_CALL_CONNECTED: ['callId'],
};

/** A problem in a scenario file, at its exact place: `file:line:column: path: what is wrong`. */
export class ScenarioError extends CliError {
  readonly line: number;
  readonly column: number;
  readonly path: string | undefined;
  constructor(file: string, line: number, column: number, path: string | undefined, message: string) {
    super(`${file}:${line}:${column}: ${path ? `${path}: ` : ''}${message}`);
    this.name = 'ScenarioError';
    this.line = line;
    this.column = column;
    this.path = path;
  }
}

/** The error at `path` (an engine error's own `path`), placed on its line in the file. */
export function errorAt(file: string, source: JsonSource, path: string, message: string): ScenarioError {
  const { line, column } = positionOf(source, path);
  return new ScenarioError(file, line, column, path, message);
}

/** An engine error (its message starts with its path) as a scenario error on the right line. */
export function placeError(file: string, source: JsonSource, error: unknown): unknown {
  if (!(error instanceof CallPermissionError) || error.path === undefined) return error;
  const message = error.message.startsWith(`${error.path}: `) ? error.message.slice(error.path.length + 2) : error.message;
  return errorAt(file, source, error.path, message);
}

/**
 * Reads a scenario from its text. JSON syntax errors name their line and column; everything else
 * wrong names the line of the offending field (or of the step it belongs to).
 */
export function parseScenario(file: string, text: string): Scenario {
  let source: JsonSource;
  try {
    source = parseJsonSource(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) throw new ScenarioError(file, error.line, error.column, undefined, `JSON syntax: ${error.message}`);
    throw error;
  }
  const at = (path: string, message: string) => errorAt(file, source, path, message);
  const root = source.value;
  if (root === null || typeof root !== 'object' || Array.isArray(root)) throw at('', 'a scenario is a JSON object with "sender", "user" and "events"');
  const data = root as Record<string, unknown>;
  for (const key of Object.keys(data)) if (!FIELDS.has(key)) throw at(key, `is not a scenario field (known: ${[...FIELDS].filter((f) => f !== '$schema').join(', ')})`);
  if (data.description !== undefined && typeof data.description !== 'string') throw at('description', 'must be a string');

  let policy: Policy;
  try {
    policy = definePolicy((data.policy ?? 'infobip') as Parameters<typeof definePolicy>[0]);
  } catch (error) {
    throw placeError(file, source, error);
  }
  let sender: string;
  let user: string;
  try {
    sender = normalizePhoneNumber(data.sender, 'sender');
    user = normalizePhoneNumber(data.user, 'user');
  } catch (error) {
    throw placeError(file, source, error);
  }
  if (!Array.isArray(data.events)) throw at('events', data.events === undefined ? 'is missing: the list of steps to replay' : 'must be an array of steps');
  data.events.forEach((step, i) => {
    if (step === null || typeof step !== 'object' || Array.isArray(step))
      throw at(`events[${i}]`, 'must be an object: an event { "type", "at", … } or a command { "command", "at" }');
    const raw = step as Record<string, unknown>;
    if ('command' in raw && 'type' in raw) throw at(`events[${i}]`, 'is either an event ("type") or a command ("command"), not both');
    const known = typeof raw.type === 'string' ? (EVENT_FIELDS as Record<string, readonly string[]>)[raw.type] : undefined;
    if (known)
      for (const key of Object.keys(raw))
        if (key !== 'type' && key !== 'at' && !known.includes(key))
          throw at(memberPath(`events[${i}]`, key), `is not a field of ${raw.type} (its fields: type, at${known.map((f) => `, ${f}`).join('')})`);
  });
  return {
    description: data.description as string | undefined,
    policy,
    sender,
    user,
    steps: data.events as TimelineInput[],
    source,
  };
}
