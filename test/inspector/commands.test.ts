import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTimelineRecorder, type TimelineInput } from '../../src/inspector/index.js';
import { createCallPermissionEngine, MemoryStore, serializeSnapshot, type RelationshipEventInput } from '../../src/index.js';
import { createIdQueue, createManualClock, createRecordingEffects } from '../../src/testing/index.js';
import { presetPolicy } from '../properties/support/policies.js';
import { check } from '../support/fc.js';
import { DAY, HOUR, T0 } from '../support/timeline.js';

/*
 * A timeline's commands are decided the way the engine decides them: the same steps through
 * `engine.requestPermission` / `startCall` / `record` (memory store, a clock set to each step's
 * time) and through the timeline recorder give the same outcomes and the same stored relationship.
 */
const KINDS = ['request', 'call', 'acceptTemporary', 'acceptPermanent', 'reject', 'revoke', 'connect', 'hangup', 'miss', 'fail', 'message', 'userCall', 'clock'] as const;
type Kind = (typeof KINDS)[number];

const stepArbitrary = fc.record({
  kind: fc.constantFrom<Kind>(...KINDS),
  gap: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: HOUR }), fc.integer({ min: 1, max: 3 * DAY }), fc.integer({ min: 1, max: 9 * DAY })),
});

describe('timeline commands decide as the engine does', () => {
  it('R1–R5, G1–G4, G6: same outcomes, same refusal rules, same stored relationship after every step', async () => {
    await check(
      fc.asyncProperty(presetPolicy, fc.array(stepArbitrary, { minLength: 1, maxLength: 40 }), async (policy, steps) => {
        const clock = createManualClock(T0);
        const ids = createIdQueue();
        const engine = createCallPermissionEngine({ policy, store: new MemoryStore(), effects: createRecordingEffects(), clock, newId: ids });
        const recorder = createTimelineRecorder({ policy });
        const sender = '441134960000';
        const user = '447700900123';
        let at = T0;
        let lastCall = 'none';
        for (const [i, { kind, gap }] of steps.entries()) {
          at += gap;
          clock.set(at);
          let step: TimelineInput;
          let engineOutcome: string;
          if (kind === 'request' || kind === 'call') {
            const id = `${kind}-${i}`;
            if (kind === 'call') lastCall = id;
            ids.clear(); // a refused command takes no id: the next one must not inherit it
            ids.push(id);
            step = { command: kind === 'request' ? 'requestPermission' : 'startCall', at, id };
            const result = kind === 'request' ? await engine.requestPermission(sender, user) : await engine.startCall(sender, user);
            engineOutcome = result.outcome === 'refused' ? `refused ${result.refusal.rule}` : result.outcome;
          } else if (kind === 'hangup') {
            // A connected call ends: the engine hears it as a sender fact (G6/S2), the timeline as CALL_ENDED.
            step = { type: 'CALL_ENDED', at, callId: lastCall };
            await engine.recordSender(sender, { type: 'CALL_ENDED', at, callId: lastCall, user });
            engineOutcome = 'recorded';
          } else {
            const fact: RelationshipEventInput = {
              acceptTemporary: { type: 'PERMISSION_ACCEPTED', at, permanent: false },
              acceptPermanent: { type: 'PERMISSION_ACCEPTED', at, permanent: true },
              reject: { type: 'PERMISSION_REJECTED', at, source: 'user' },
              revoke: { type: 'PERMISSION_REVOKED', at },
              connect: { type: 'CALL_CONNECTED', at, callId: lastCall },
              miss: { type: 'CALL_UNANSWERED', at, callId: lastCall, reason: 'no_answer' },
              fail: { type: 'CALL_FAILED', at, callId: lastCall, reason: 'SERVICE_UNAVAILABLE' },
              message: { type: 'USER_MESSAGE', at },
              userCall: { type: 'USER_CALL_CONNECTED', at, callId: `u${i}` },
              clock: { type: 'CLOCK', at },
            }[kind] as RelationshipEventInput;
            step = fact;
            await engine.record(sender, user, fact);
            engineOutcome = 'recorded';
          }
          const entry = recorder.record(step);
          const outcome = entry.command ? (entry.command.outcome === 'refused' ? `refused ${entry.refusal?.rule}` : entry.command.outcome) : 'recorded';
          expect(outcome, `step ${i} (${kind})`).toBe(engineOutcome);
          const stored = await engine.snapshot(sender, user);
          expect(recorder.snapshot && stored ? serializeSnapshot(recorder.snapshot) : recorder.snapshot, `step ${i} (${kind})`).toEqual(
            stored ? serializeSnapshot(stored) : undefined,
          );
        }
      }),
    );
  });
});
