/**
 * Replays a random timeline through the engine and the reference model side by side and
 * compares, after every event, the state and every answer at the event time and at later probes.
 */
import { expect } from 'vitest';
import type { RelationshipEventInput } from '../../../src/events/types.js';
import type { Policy } from '../../../src/policy/policy.js';
import { canRequestPermission, canStartCall } from '../../../src/pure/decide.js';
import { applyEvent, createRelationship, type RelationshipSnapshot } from '../../../src/pure/snapshot.js';
import { getPermissions } from '../../../src/pure/view.js';
import type { ReferenceRelationship } from '../../reference/referenceModel.js';
import { deepFreeze } from './freeze.js';
import { TimelineDriver, type Step } from './timeline.js';

/** A decision without its prose: the prose must exist, but only rule and time are compared. */
function withoutReason(decision: { allowed: boolean; reason?: string; retryAt?: number }) {
  if (decision.allowed) return decision;
  expect(typeof decision.reason === 'string' && decision.reason.length > 0, 'a refusal says why in words').toBe(true);
  const { reason: _reason, ...rest } = decision;
  if (rest.retryAt === undefined) delete rest.retryAt;
  return rest;
}

export function engineAnswers(snapshot: RelationshipSnapshot, at: number) {
  return {
    state: applyEvent(snapshot, { type: 'CLOCK', at }).value,
    request: withoutReason(canRequestPermission(snapshot, at)),
    call: withoutReason(canStartCall(snapshot, at)),
    view: getPermissions(snapshot, at),
  };
}

export function referenceAnswers(reference: ReferenceRelationship, at: number) {
  return { state: reference.stateAt(at), request: reference.canRequest(at), call: reference.canCall(at), view: reference.view(at) };
}

const iso = (ms: number) => new Date(ms).toISOString();

function describeEvent(e: RelationshipEventInput): string {
  const { type, at, ...rest } = e as RelationshipEventInput & Record<string, unknown>;
  const fields = Object.entries(rest).map(([k, v]) => `${k}=${k === 'expiresAt' && typeof v === 'number' ? iso(v) : JSON.stringify(v)}`);
  return `${iso(at as number)} ${type} ${fields.join(' ')}`;
}

/**
 * Replays `steps` and compares engine and reference after each. On a disagreement the error
 * carries the policy and the events so far, so the counterexample reads as a story.
 */
export function expectEngineAgreesWithReference(policy: Policy, start: number, steps: readonly Step[]): void {
  const driver = new TimelineDriver(policy, start);
  let snapshot = deepFreeze(createRelationship({ at: start, policy }));
  const history: string[] = [`start ${iso(start)} policy ${JSON.stringify({ ...policy, unavailableSenderCountries: undefined })}`];
  try {
    expect(engineAnswers(snapshot, start)).toEqual(referenceAnswers(driver.reference, start));
    for (const s of steps) {
      const event = driver.eventFor(s);
      history.push(describeEvent(event));
      const outcome = driver.reference.apply(event);
      if (outcome === 'tooLate') {
        expect(() => applyEvent(snapshot, event)).toThrow(expect.objectContaining({ code: 'EVENT_TOO_LATE', path: 'event.at' }));
        history.push('  → refused as too late');
        continue;
      }
      const previous = snapshot;
      snapshot = deepFreeze(applyEvent(snapshot, event, { interpreter: 'xstate' }));
      if (outcome === 'ignored') expect(snapshot, 'a refused command changes nothing, not even the clock').toBe(previous);
      expect(snapshot.value, 'state right after the event').toBe(driver.reference.state);
      for (const at of driver.probeTimes(s)) {
        const engine = engineAnswers(snapshot, at);
        const reference = referenceAnswers(driver.reference, at);
        expect(engine, `answers at ${iso(at)}`).toEqual(reference);
      }
    }
  } catch (error) {
    (error as Error).message += `\n--- timeline ---\n${history.join('\n')}`;
    throw error;
  }
}
