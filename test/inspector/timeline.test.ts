import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildTimeline, createTimelineRecorder, type TimelineInput } from '../../src/inspector/index.js';
import {
  applyEvent,
  canRequestPermission,
  canStartCall,
  createRelationship,
  getPermissions,
  InvalidEventError,
  nextDueAt,
  serializeSnapshot,
  type RelationshipSnapshot,
} from '../../src/index.js';
import { parseTime } from '../../src/events/parse.js';
import { resolveTimeline } from '../properties/support/replay.js';
import { startTime, timeline } from '../properties/support/timeline.js';
import { anyPolicy } from '../properties/support/policies.js';
import { check } from '../support/fc.js';
import { DAY, HOUR, T0 } from '../support/timeline.js';

const iso = (ms: number) => new Date(ms).toISOString();

describe('buildTimeline: a relationship’s history, step by step', () => {
  it('R1: a second request within 24 h is refused, and the entry names the rule and when to retry', () => {
    const [sent, refused] = buildTimeline([
      { command: 'requestPermission', at: T0 },
      { command: 'requestPermission', at: T0 + HOUR },
    ]);
    expect(sent!.command).toEqual({ name: 'requestPermission', outcome: 'sent' });
    expect(sent!.event).toEqual({ type: 'REQUEST_SENT', at: iso(T0), requestId: 'request-1', via: 'template' });
    expect(sent!.stateBefore).toBe('noPermission');
    expect(sent!.stateAfter).toBe('requested');
    expect(sent!.transitions).toEqual(['noPermission · REQUEST_SENT #0 [requestAllowed] → requested']);
    expect(sent!.rules).toEqual(['R1', 'R2', 'R3', 'U2']);
    expect(sent!.counters.requestsIn24h).toBe(1);

    expect(refused!.command).toEqual({ name: 'requestPermission', outcome: 'refused' });
    expect(refused!.changed).toBe(false);
    expect(refused!.refusal).toMatchObject({ allowed: false, rule: 'R1', retryAt: iso(T0 + DAY) });
    expect(refused!.rules).toEqual(['R1']);
    expect(refused!.decisions.request).toMatchObject({ allowed: false, rule: 'R1', retryAt: iso(T0 + DAY) });
  });

  it('R3: a request inside the customer-service window goes out interactive', () => {
    const entries = buildTimeline([
      { type: 'USER_MESSAGE', at: T0 },
      { command: 'requestPermission', at: T0 + HOUR },
    ]);
    expect(entries[0]!.counters.sessionWindowOpen).toBe(true);
    expect(entries[1]!.event).toMatchObject({ type: 'REQUEST_SENT', via: 'interactive' });
  });

  it('G1: an expired grant is applied clock-first, so the entry shows the CLOCK transition before the event’s own', () => {
    const entries = buildTimeline([
      { type: 'PERMISSION_ACCEPTED', at: T0, permanent: false },
      { type: 'USER_MESSAGE', at: T0 + 8 * DAY },
    ]);
    expect(entries[0]!.counters.grantExpiresAt).toBe(iso(T0 + 7 * DAY));
    expect(entries[0]!.view.status).toBe('TEMPORARY');
    const late = entries[1]!;
    expect(late.stateBefore).toBe('granted');
    expect(late.stateAfter).toBe('noPermission');
    expect(late.transitions).toEqual(['granted · CLOCK #0 [grantExpired] → noPermission', 'noPermission · USER_MESSAGE #0 → noPermission']);
    expect(late.rules).toEqual(['G1', 'W1']);
    expect(late.counters.grantExpiresAt).toBeNull();
  });

  it('G4: a call fact without a grant changes nothing, and the entry says why', () => {
    const [entry] = buildTimeline([{ type: 'CALL_STARTED', at: T0, callId: 'c1' }]);
    expect(entry!.changed).toBe(false);
    expect(entry!.transitions).toEqual([]);
    expect(entry!.refusal).toMatchObject({ rule: 'G4' });
    expect(entry!.decisions.call).toMatchObject({ allowed: false, rule: 'G4' });
  });

  it('M1/M2: the counters follow the misses; the platform’s automatic reject after the revoke counts nothing', () => {
    const steps: TimelineInput[] = [{ type: 'PERMISSION_ACCEPTED', at: T0, permanent: true }];
    for (let i = 0; i < 4; i++) {
      steps.push({ command: 'startCall', at: T0 + (2 * i + 1) * HOUR, id: `m${i}` });
      steps.push({ type: 'CALL_UNANSWERED', at: T0 + (2 * i + 1) * HOUR + 30_000, callId: `m${i}`, reason: 'no_answer' });
    }
    steps.push({ type: 'PERMISSION_REJECTED', at: T0 + 8 * HOUR, source: 'automatic' });
    const entries = buildTimeline(steps);
    const misses = entries.filter((e) => e.event.type === 'CALL_UNANSWERED');
    expect(misses.map((e) => e.counters.consecutiveUnanswered)).toEqual([1, 2, 3, 4]);
    expect(misses.map((e) => e.stateAfter)).toEqual(['granted', 'prompted', 'prompted', 'revoked']);
    expect(misses[3]!.rules).toEqual(['M2']);
    const automatic = entries[entries.length - 1]!;
    expect(automatic.stateAfter).toBe('revoked');
    expect(automatic.counters.consecutiveUnanswered).toBe(4);
    expect(automatic.transitions).toEqual(['revoked · PERMISSION_REJECTED #0 → revoked']);
  });

  it('a late fact is applied at the relationship’s clock, and the entry keeps its own time', () => {
    const entries = buildTimeline([
      { type: 'USER_MESSAGE', at: T0 + DAY },
      { type: 'PERMISSION_REVOKED', at: T0 },
    ]);
    expect(entries[1]!.at).toBe(iso(T0 + DAY));
    expect(entries[1]!.receivedAt).toBe(iso(T0));
  });

  it('an invalid step names itself by its place in the list, and the steps before it are not lost', () => {
    const recorder = createTimelineRecorder();
    recorder.record({ type: 'USER_MESSAGE', at: T0 });
    expect(() => recorder.record({ type: 'CALL_UNANSWERED', at: T0 + 1, callId: 'c1', reason: 'hung_up' } as never)).toThrow(
      expect.objectContaining({ path: 'events[1].reason' }),
    );
    expect(() => buildTimeline([{ type: 'USER_MESSAGE', at: T0 + 30 * DAY }, { type: 'USER_MESSAGE', at: T0 }])).toThrow(
      expect.objectContaining({ path: 'events[1].at', code: 'EVENT_TOO_LATE' }),
    );
    expect(() => buildTimeline([{ command: 'sendFax', at: T0 } as never])).toThrow(expect.objectContaining({ path: 'events[0].command' }));
    expect(recorder.snapshot?.context.now).toBe(T0);
    expect(recorder.record({ type: 'CLOCK', at: T0 + 1 }).index).toBe(1);
  });

  it('uses the policy it is given (meta: an accept without expiry is temporary)', () => {
    const [entry] = buildTimeline([{ type: 'PERMISSION_ACCEPTED', at: T0 }], { policy: 'meta' });
    expect(entry!.view.status).toBe('TEMPORARY');
    expect(entry!.counters.grantExpiresAt).toBe(iso(T0 + 7 * DAY));
  });
});

describe('buildTimeline agrees with the pure API on random histories', () => {
  it('every entry’s state, view and decisions are those of applyEvent at the step’s time; errors fall on the same steps', () => {
    check(
      fc.property(anyPolicy, startTime, timeline(), (policy, start, steps) => {
        const events = resolveTimeline(policy, start, steps);
        const recorder = createTimelineRecorder({ policy });
        let pure: RelationshipSnapshot | undefined;
        events.forEach((event, i) => {
          let expected: RelationshipSnapshot | Error;
          try {
            expected = applyEvent(pure ?? createRelationship({ at: event.at, policy }), event);
          } catch (error) {
            expected = error as Error;
          }
          if (expected instanceof Error) {
            expect(() => recorder.record(event, `events[${i}]`)).toThrow(InvalidEventError);
            return;
          }
          const before = pure ?? createRelationship({ at: event.at, policy });
          const entry = recorder.record(event, `events[${i}]`);
          pure = expected;
          // The step's time: its own, or the relationship's clock for a late fact (an ignored step leaves the clock where it was).
          const at = Math.max(parseTime(event.at, 'at'), before.context.now);
          expect(serializeSnapshot(recorder.snapshot!)).toBe(serializeSnapshot(expected));
          expect(entry.at).toBe(iso(at));
          expect(entry.stateBefore).toBe(before.value);
          expect(entry.stateAfter).toBe(expected.value);
          expect(entry.view).toEqual(getPermissions(expected, at));
          expect(entry.decisions.request.allowed).toBe(canRequestPermission(expected, at).allowed);
          expect(entry.decisions.call.allowed).toBe(canStartCall(expected, at).allowed);
          // The transitions end where the relationship is; a CLOCK comes first exactly when one was due.
          if (entry.transitions.length > 0) expect(entry.transitions[entry.transitions.length - 1]!.endsWith(`→ ${expected.value}`)).toBe(true);
          const due = nextDueAt(before);
          const clockFirst = event.type !== 'CLOCK' && due !== undefined && due <= at;
          expect(entry.transitions[0]?.includes(' · CLOCK ') ?? false).toBe(clockFirst || (event.type === 'CLOCK' && entry.transitions.length > 0));
        });
      }),
    );
  });
});
