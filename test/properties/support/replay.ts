/**
 * Concrete event lists from random timelines, and a way to replay them through the engine that
 * records errors as results (a refused late fact is an outcome to compare, not a crash).
 */
import type { RelationshipEventInput } from '../../../src/events/types.js';
import type { Policy } from '../../../src/policy/policy.js';
import { applyEvent, type Interpreter, type RelationshipSnapshot } from '../../../src/pure/snapshot.js';
import { deepFreeze } from './freeze.js';
import { TimelineDriver, type Step } from './timeline.js';

/** The events a timeline resolves to (ids and edge times chosen as the reference model sees them). */
export function resolveTimeline(policy: Policy, start: number, steps: readonly Step[]): RelationshipEventInput[] {
  const driver = new TimelineDriver(policy, start);
  return steps.map((s) => {
    const event = driver.eventFor(s);
    driver.reference.apply(event);
    return event;
  });
}

export interface ErrorOutcome {
  readonly name: string;
  readonly code: unknown;
  readonly path: unknown;
}
export type Outcome = { readonly snapshot: RelationshipSnapshot } | { readonly error: ErrorOutcome };

/** Applies one event to a deep-frozen snapshot; an error is returned, and the snapshot stays as it was. */
export function applyOrError(snapshot: RelationshipSnapshot, event: RelationshipEventInput, interpreter: Interpreter): Outcome {
  try {
    return { snapshot: deepFreeze(applyEvent(deepFreeze(snapshot), event, { interpreter })) };
  } catch (error) {
    const e = error as { name: string; code?: unknown; path?: unknown };
    return { error: { name: e.name, code: e.code, path: e.path } };
  }
}

/** Every outcome of replaying `events` from `snapshot`, errors included (a failed event leaves the snapshot as it was). */
export function replay(snapshot: RelationshipSnapshot, events: readonly RelationshipEventInput[], interpreter: Interpreter): Outcome[] {
  let current = snapshot;
  return events.map((event) => {
    const outcome = applyOrError(current, event, interpreter);
    if ('snapshot' in outcome) current = outcome.snapshot;
    return outcome;
  });
}
