/**
 * The engine applies events with the transition table compiled from the statechart; that is only
 * sound if it is indistinguishable from XState's own `transition()`. Same snapshots (deep-equal),
 * the same object when nothing changed, and the same errors, at every step of every timeline.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Policy } from '../../src/policy/policy.js';
import { createRelationship } from '../../src/pure/snapshot.js';
import { check } from '../support/fc.js';
import { anyPolicy } from './support/policies.js';
import { applyOrError, resolveTimeline } from './support/replay.js';
import { CALLS, MIXED, REQUESTS, startTime, timeline, type Step } from './support/timeline.js';

const DAY = 86_400_000;

/**
 * Replays a timeline through both interpreters and compares every step. With `sameIdentity`, it
 * also requires the compiled path to return the very snapshot it was given exactly when XState's
 * does: applyEvent promises "the same object when the event changes nothing", and the engine's
 * `record()` reports `changed` (and decides whether to write) from that.
 */
function interpretersAgree({ sameIdentity }: { sameIdentity: boolean }) {
  return (policy: Policy, start: number, steps: readonly Step[]) => {
    let viaXState = createRelationship({ at: start, policy });
    let viaTable = viaXState;
    for (const [i, event] of resolveTimeline(policy, start, steps).entries()) {
      const a = applyOrError(viaXState, event, 'xstate');
      const b = applyOrError(viaTable, event, 'compiled');
      expect(b, `step ${i}: ${event.type}`).toEqual(a);
      if (!('snapshot' in a) || !('snapshot' in b)) continue;
      if (sameIdentity) expect(b.snapshot === viaTable, `step ${i}: ${event.type} leaves the snapshot as it was`).toBe(a.snapshot === viaXState);
      viaXState = a.snapshot;
      viaTable = b.snapshot;
    }
  };
}
const expectInterpretersAgree = interpretersAgree({ sameIdentity: false });

describe("the compiled interpreter equals XState's transition() at every step", () => {
  it('R1–R5 G1–G5 M1–M4 U1 U2 W1: every event kind, presets and random policies', () => {
    check(fc.property(anyPolicy, startTime, timeline(MIXED), expectInterpretersAgree));
  });

  it('G2 G4 M1–M4: call-heavy timelines', () => {
    check(fc.property(anyPolicy, startTime, timeline(CALLS, { longestGap: 2 * DAY, startGranted: true }), expectInterpretersAgree));
  });

  it('R1–R5 U2: request-heavy timelines', () => {
    check(fc.property(anyPolicy, startTime, timeline(REQUESTS), expectInterpretersAgree));
  });

  it('applyEvent: the compiled path hands back the same snapshot object exactly when XState does (a no-op stays a no-op)', () => {
    check(fc.property(anyPolicy, startTime, timeline(MIXED), interpretersAgree({ sameIdentity: true })));
  });
});
