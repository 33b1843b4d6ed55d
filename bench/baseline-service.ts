/**
 * The hand-written baseline behind a store, shaped like `engine.record`: relationships in a `Map`
 * by `sender:user`, an optional fact key remembered for de-duplication (8 days, as the
 * MemoryStore does), and a small result object. The async version is the same code behind an
 * `async` function, so it pays what any promise-returning store API pays and nothing more.
 */
import type { RelationshipEvent } from '../src/events/types.js';
import type { RelationshipState } from '../src/relationship/context.js';
import type { Baseline, BaselineRelationship } from './baseline.js';

export interface BaselineRecordResult {
  readonly previousState: RelationshipState;
  readonly state: RelationshipState;
  readonly changed: boolean;
  readonly duplicate: boolean;
}

interface Entry {
  readonly relationship: BaselineRelationship;
  readonly facts: Map<string, number> | undefined;
  readonly oldestFactAt: number;
}

/** As the MemoryStore's default: longer than the 7 days a late fact is accepted. */
const FACT_RETENTION_MS = 8 * 86_400_000;

export function createBaselineService(baseline: Baseline) {
  const entries = new Map<string, Entry>();

  function record(sender: string, user: string, event: RelationshipEvent, factKey?: string): BaselineRecordResult {
    const key = `${sender}:${user}`;
    const entry = entries.get(key);
    const current = entry?.relationship ?? baseline.create(event.at);
    if (factKey !== undefined && entry?.facts?.has(factKey)) return { previousState: current.state, state: current.state, changed: false, duplicate: true };
    const next = baseline.apply(current, event);
    const changed = next !== current;
    if (!changed && factKey === undefined && entry) return { previousState: current.state, state: current.state, changed, duplicate: false };
    let facts = entry?.facts;
    let oldestFactAt = entry?.oldestFactAt ?? Infinity;
    if (factKey !== undefined) {
      facts ??= new Map();
      const at = Math.max(event.at, current.now);
      if (oldestFactAt + FACT_RETENTION_MS <= at) {
        oldestFactAt = Infinity;
        for (const [fact, seen] of facts) {
          if (seen + FACT_RETENTION_MS <= at) facts.delete(fact);
          else if (seen < oldestFactAt) oldestFactAt = seen;
        }
      }
      facts.set(factKey, at);
      if (at < oldestFactAt) oldestFactAt = at;
    }
    entries.set(key, { relationship: next, facts, oldestFactAt });
    return { previousState: current.state, state: next.state, changed, duplicate: false };
  }

  return {
    record,
    async recordAsync(sender: string, user: string, event: RelationshipEvent, factKey?: string): Promise<BaselineRecordResult> {
      return record(sender, user, event, factKey);
    },
    relationship: (sender: string, user: string) => entries.get(`${sender}:${user}`)?.relationship,
  };
}
