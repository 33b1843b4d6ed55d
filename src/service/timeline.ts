import type { RelationshipEvent } from '../events/types.js';
import { inspectRelationship, type RelationshipInspection } from '../inspector/counters.js';
import type { Policy } from '../policy/policy.js';
import { toSerialized } from '../pure/serialize.js';
import { applyEvent, createRelationship, type RelationshipSnapshot } from '../pure/snapshot.js';
import type { RelationshipState } from '../relationship/context.js';
import type { RelationshipKey } from '../stores/store.js';
import { isoTime } from '../time.js';
import type { EntrySource, LogEntry } from './eventLog.js';

/** One applied event as the inspector shows it: what it was, where it came from, what it did. */
export interface TimelineEventRow {
  readonly kind: 'event';
  readonly index: number;
  /** When it was applied (ISO): a late fact is moved to the relationship's clock. */
  readonly at: string;
  readonly event: RelationshipEvent;
  readonly source: EntrySource;
  readonly stateBefore: RelationshipState;
  readonly stateAfter: RelationshipState;
  readonly changed: boolean;
  /** Counters, view and decisions just after it. */
  readonly after: RelationshipInspection;
  /** What the effect sent (or, in a dry run, would have sent), or its error. */
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** A command the rules refused (nothing applied). */
export interface TimelineRefusalRow {
  readonly kind: 'refusal';
  readonly at: string;
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
  /** Oldest first. */
  readonly rows: readonly TimelineRow[];
  /**
   * Replaying the logged events from scratch gives exactly the stored snapshot: the timeline
   * explains the state. False only if the log missed a write (it is written after the state).
   */
  readonly replayMatchesStore: boolean;
  /** More entries than the service reads at once: the oldest are shown, the replay is partial. */
  readonly truncated: boolean;
}

/**
 * Rebuilds a relationship's timeline from its log by replaying every event through the pure API,
 * and checks the result against the stored snapshot.
 *
 * Seam: when `src/inspector/timeline.ts` (`buildTimeline`) lands, the replay loop below is its job.
 */
export function buildRelationshipTimeline(input: {
  key: RelationshipKey;
  policy: Policy;
  entries: readonly LogEntry[];
  truncated: boolean;
  stored: RelationshipSnapshot | undefined;
  now: number;
}): RelationshipTimeline {
  const { key, policy, entries, stored } = input;
  const rows: TimelineRow[] = [];
  let replayed: RelationshipSnapshot | undefined;
  let index = 0;
  for (const entry of entries) {
    if (entry.kind === 'refusal') {
      rows.push({
        kind: 'refusal',
        at: isoTime(entry.at),
        source: entry.source,
        action: entry.action,
        rule: entry.rule,
        reason: entry.reason,
        ...(entry.retryAt === undefined ? {} : { retryAt: isoTime(entry.retryAt) }),
        state: replayed?.value ?? 'noPermission',
      });
      continue;
    }
    const before = replayed ?? createRelationship({ at: entry.event.at, policy });
    let after = before;
    let replayError: string | undefined;
    try {
      after = applyEvent(before, entry.event, { interpreter: 'compiled' });
    } catch (error) {
      // The engine applied it, so this cannot happen short of a policy change between runs: show it, go on.
      replayError = error instanceof Error ? error.message : String(error);
    }
    replayed = after;
    rows.push({
      kind: 'event',
      index: index++,
      at: isoTime(Math.max(entry.event.at, before.context.now)),
      event: entry.event,
      source: entry.source,
      stateBefore: before.value,
      stateAfter: after.value,
      changed: after !== before,
      after: inspectRelationship(after),
      ...(entry.detail || replayError ? { detail: { ...entry.detail, ...(replayError ? { replayError } : {}) } } : {}),
    });
  }
  const current = stored ?? createRelationship({ at: input.now, policy });
  const same = (a: RelationshipSnapshot | undefined, b: RelationshipSnapshot | undefined) =>
    a === undefined || b === undefined ? a === b : JSON.stringify(toSerialized(a)) === JSON.stringify(toSerialized(b));
  return {
    sender: key.sender,
    user: key.user,
    policy: { name: policy.name, unansweredBeforePrompt: policy.unansweredBeforePrompt, unansweredBeforeRevoke: policy.unansweredBeforeRevoke },
    stored: stored !== undefined,
    now: inspectRelationship(current, input.now),
    rows,
    replayMatchesStore: same(replayed, stored),
    truncated: input.truncated,
  };
}
