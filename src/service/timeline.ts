import { inspectRelationship, type RelationshipInspection, createTimelineRecorder, type TimelineEntry } from '../inspector/index.js';
import { type Policy, createRelationship, serializeSnapshot, type RelationshipSnapshot, type RelationshipState, type RelationshipKey } from '../index.js';
import { isoTime } from '../time.js';
import type { EntrySource, LogEntry } from './eventLog.js';

/**
 * One applied event as the inspector shows it: the inspector's timeline entry (state before and
 * after, transitions, rules, counters, view, decisions), where it came from, and what its effect sent.
 */
export interface TimelineEventRow extends TimelineEntry {
  readonly kind: 'event';
  /** The log entry's id (the `before` of the next older page). */
  readonly id: number;
  readonly source: EntrySource;
  /** What the effect sent (or, in a dry run, would have sent), or its error. */
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** A command the rules refused (nothing applied). */
export interface TimelineRefusalRow {
  readonly kind: 'refusal';
  readonly id: number;
  /** The latest time it was refused. */
  readonly at: string;
  /** Refused this many times in a row (same action, rule and source, no event between), the first at `firstAt`. */
  readonly count: number;
  readonly firstAt: string;
  readonly source: EntrySource;
  readonly action: 'request' | 'call';
  readonly rule: string;
  readonly reason: string;
  readonly retryAt?: string;
  readonly state: RelationshipState;
}

export type TimelineRow = TimelineEventRow | TimelineRefusalRow;

/** `GET /v1/relationships/{sender}/{user}/timeline`: the relationship now, and how it got there. */
export interface RelationshipTimeline {
  readonly sender: string;
  readonly user: string;
  /** The policy's name and the miss counts that prompt (M1) and revoke (M2), for the page's labels. */
  readonly policy: { readonly name: string; readonly unansweredBeforePrompt: number; readonly unansweredBeforeRevoke: number };
  /** Whether the store holds this relationship at all (a new one is `noPermission`, with no rows). */
  readonly stored: boolean;
  /** The relationship at the service's clock: state, counters, view and decisions. */
  readonly now: RelationshipInspection;
  /** The newest `page.limit` rows (older than `page.before`, when given), oldest first. */
  readonly rows: readonly TimelineRow[];
  /** Where these rows stand: how many there are in all, and the cursor for the next older page. */
  readonly page: TimelinePage;
  /**
   * Replaying the logged events from scratch gives exactly the stored snapshot: the timeline
   * explains the state. False only if the log missed a write (it is written after the state).
   */
  readonly replayMatchesStore: boolean;
  /** Why the replay stopped early, if it did (it cannot, short of a policy changed between runs). */
  readonly replayError?: string;
  /** More entries than the service reads at once (100,000 events): the replay is partial. */
  readonly truncated: boolean;
}

export interface TimelinePage {
  readonly limit: number;
  /** The cursor asked for: rows with a smaller id. */
  readonly before?: number;
  /** Rows in the whole timeline. */
  readonly total: number;
  /** Pass as `before` for the page of older rows; absent on the oldest page. */
  readonly nextBefore?: number;
}

/** Rows a timeline answers by default, and at most. */
export const TIMELINE_PAGE_DEFAULT = 200;
export const TIMELINE_PAGE_MAX = 1000;

/**
 * Rebuilds a relationship's timeline from its log: every logged event replayed through the
 * inspector's timeline recorder (the pure API, with the transitions and rules taken), the refused
 * commands in between, and a check of the replay against the stored snapshot.
 */
export function buildRelationshipTimeline(input: {
  key: RelationshipKey;
  policy: Policy;
  entries: readonly LogEntry[];
  truncated: boolean;
  stored: RelationshipSnapshot | undefined;
  now: number;
  page?: { readonly limit: number; readonly before?: number | undefined };
}): RelationshipTimeline {
  const { key, policy, entries, stored } = input;
  const recorder = createTimelineRecorder({ policy });
  const rows: TimelineRow[] = [];
  let replayError: string | undefined;
  for (const entry of entries) {
    if (entry.kind === 'refusal') {
      rows.push({
        kind: 'refusal',
        id: entry.id,
        at: isoTime(entry.at),
        count: entry.count,
        firstAt: isoTime(entry.firstAt),
        source: entry.source,
        action: entry.action,
        rule: entry.rule,
        reason: entry.reason,
        ...(entry.retryAt === undefined ? {} : { retryAt: isoTime(entry.retryAt) }),
        state: recorder.snapshot?.value ?? 'noPermission',
      });
      continue;
    }
    try {
      const step = recorder.record(entry.event, `log[${entry.id}]`);
      rows.push({ kind: 'event', id: entry.id, ...step, source: entry.source, ...(entry.detail ? { detail: entry.detail } : {}) });
    } catch (error) {
      replayError = `log entry ${entry.id}: ${error instanceof Error ? error.message : String(error)}`;
      break;
    }
  }
  const replayed = recorder.snapshot;
  // The replay runs over every event; only the page's rows are answered (the newest, or older than `before`).
  const limit = input.page?.limit ?? TIMELINE_PAGE_DEFAULT;
  const before = input.page?.before;
  const eligible = before === undefined ? rows : rows.filter((row) => row.id < before);
  const shown = eligible.slice(Math.max(0, eligible.length - limit));
  const older = eligible.length > shown.length;
  const serialized = (snapshot: RelationshipSnapshot | undefined) => (snapshot === undefined ? undefined : serializeSnapshot(snapshot));
  return {
    sender: key.sender,
    user: key.user,
    policy: { name: policy.name, unansweredBeforePrompt: policy.unansweredBeforePrompt, unansweredBeforeRevoke: policy.unansweredBeforeRevoke },
    stored: stored !== undefined,
    now: inspectRelationship(stored ?? createRelationship({ at: input.now, policy }), input.now),
    rows: shown,
    page: { limit, ...(before === undefined ? {} : { before }), total: rows.length, ...(older ? { nextBefore: shown[0]!.id } : {}) },
    replayMatchesStore: replayError === undefined && serialized(replayed) === serialized(stored),
    ...(replayError ? { replayError } : {}),
    truncated: input.truncated,
  };
}
