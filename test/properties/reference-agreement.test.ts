/**
 * The engine (XState interpreter) against the independent reference model in test/reference/:
 * after every event of a random timeline, the same state, the same "may I request?" and "may I
 * call?" answers and the same permissions view, at the event's time and at later probes
 * (including the millisecond before and at every window edge).
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { check } from '../support/fc.js';
import { expectEngineAgreesWithReference } from './support/agreement.js';
import { anyPolicy, customPolicy, presetPolicy } from './support/policies.js';
import { CALLS, MIXED, REQUESTS, startTime, timeline } from './support/timeline.js';

const DAY = 86_400_000;

describe('the engine agrees with the reference model after every event', () => {
  it('R1–R5 G1–G5 M1–M4 U1 U2 W1: every event kind, under the infobip, meta and meta-sandbox presets', () => {
    check(fc.property(presetPolicy, startTime, timeline(MIXED), (policy, start, steps) => expectEngineAgreesWithReference(policy, start, steps)));
  });

  it('R1–R5 G1–G5 M1–M4 U1 U2 W1: every event kind, under random valid policies', () => {
    check(fc.property(customPolicy, startTime, timeline(MIXED), (policy, start, steps) => expectEngineAgreesWithReference(policy, start, steps)));
  });

  it('G1 G2 G3 G4 M1 M2 M3 M4: call-heavy timelines that start with a grant', () => {
    check(
      fc.property(anyPolicy, startTime, timeline(CALLS, { longestGap: 2 * DAY, startGranted: true }), (policy, start, steps) =>
        expectEngineAgreesWithReference(policy, start, steps),
      ),
    );
  });

  it('R1 R2 R3 R4 R5 U1 U2 W1: request-heavy timelines with replies, revokes and resets', () => {
    check(fc.property(anyPolicy, startTime, timeline(REQUESTS), (policy, start, steps) => expectEngineAgreesWithReference(policy, start, steps)));
  });
});
