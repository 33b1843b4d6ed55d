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

/** The same event with its times as a host may also give them: epoch ms, an ISO 8601 string or a Date. */
function inHostForm(event: RelationshipEventInput, form: number): RelationshipEventInput {
  if (form % 3 === 0) return event;
  const convert = (ms: number) => (form % 3 === 1 ? new Date(ms).toISOString() : new Date(ms));
  const e = event as RelationshipEventInput & { expiresAt?: unknown };
  const converted: Record<string, unknown> = { ...e, at: convert(e.at as number) };
  if (typeof e.expiresAt === 'number') converted.expiresAt = convert(e.expiresAt);
  return converted as unknown as RelationshipEventInput;
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
    for (const [i, s] of steps.entries()) {
      const event = driver.eventFor(s);
      const given = inHostForm(event, i);
      history.push(describeEvent(event));
      const outcome = driver.reference.apply(event);
      if (outcome === 'tooLate') {
        expect(() => applyEvent(snapshot, given)).toThrow(expect.objectContaining({ code: 'EVENT_TOO_LATE', path: 'event.at' }));
        history.push('  → refused as too late');
        continue;
      }
      const previous = snapshot;
      snapshot = deepFreeze(applyEvent(snapshot, given, { interpreter: 'xstate' }));
      if (outcome === 'ignored') expect(snapshot, 'a refused command changes nothing, not even the clock').toBe(previous);
      expect(snapshot.value, 'state right after the event').toBe(driver.reference.state);
      for (const at of driver.probeTimes(s, event.at as number)) {
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
