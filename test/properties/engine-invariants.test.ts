/**
 * Invariants checked on the engine alone (no reference model): limits are never exceeded, the
 * missed-call ladder steps exactly at the policy's numbers, and a CLOCK between events is
 * invisible. The event logs here are kept by the test from the events themselves.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RelationshipEventInput } from '../../src/events/types.js';
import type { Policy } from '../../src/policy/policy.js';
import { canRequestPermission, canStartCall } from '../../src/pure/decide.js';
import { toSerialized } from '../../src/pure/serialize.js';
import { applyEvent, createRelationship, type RelationshipSnapshot } from '../../src/pure/snapshot.js';
import { getPermissions } from '../../src/pure/view.js';
import { check } from '../support/fc.js';
import { engineAnswers } from './support/agreement.js';
import { anyPolicy } from './support/policies.js';
import { applyOrError, replay, resolveTimeline } from './support/replay.js';
import { CALLS, MIXED, REQUESTS, startTime, timeline, type Step } from './support/timeline.js';

const DAY = 86_400_000;

/** Fresh ids for every request and call, so that a log keyed by id is unambiguous. */
const withFreshIds = (steps: Step[]) => steps.map((s) => (s.kind === 'REQUEST_SENT' || s.kind === 'CALL_STARTED' ? { ...s, fresh: true } : s));

const recorded = (snapshot: RelationshipSnapshot, key: 'rq' | 'fl', id: string) => (toSerialized(snapshot)[key] ?? []).some(([i]) => i === id);
/** When a recorded use counts from: its event's time, or a reconstructed use's own (`countedFrom`, docs/semantics.md). */
const countedFrom = (snapshot: RelationshipSnapshot, key: 'rq' | 'fl', id: string) => (toSerialized(snapshot)[key] ?? []).findLast(([i]) => i === id)![1];

/** Replays events through the engine and hands each applied one to `visit` with the snapshots around it. */
function walk(
  policy: Policy,
  start: number,
  events: readonly RelationshipEventInput[],
  visit: (event: RelationshipEventInput, at: number, before: RelationshipSnapshot, after: RelationshipSnapshot) => void,
) {
  let snapshot = createRelationship({ at: start, policy });
  for (const event of events) {
    const outcome = applyOrError(snapshot, event, 'xstate');
    if (!('snapshot' in outcome)) continue;
    // A late fact is applied at the relationship's clock; a connect keeps its own time (docs/semantics.md "Late facts").
    const keepsOwnTime = event.type === 'CALL_CONNECTED' || event.type === 'USER_CALL_CONNECTED';
    visit(event, keepsOwnTime ? (event.at as number) : Math.max(event.at as number, snapshot.context.now), snapshot, outcome.snapshot);
    snapshot = outcome.snapshot;
  }
}

describe('limits are never exceeded', () => {
  it('R1 R2 G3: never more counted requests than allowed in any short or long window since the last reset', () => {
    check(
      fc.property(anyPolicy, startTime, timeline(REQUESTS).map(withFreshIds), (policy, start, steps) => {
        const sent = new Map<string, number>();
        let resetAt = -Infinity;
        walk(policy, start, resolveTimeline(policy, start, steps), (event, at, before, after) => {
          if (event.type === 'CALL_CONNECTED' || event.type === 'USER_CALL_CONNECTED') resetAt = Math.max(resetAt, at);
          if (event.type === 'REQUEST_FAILED') sent.delete(event.requestId);
          if (event.type !== 'REQUEST_SENT' || recorded(before, 'rq', event.requestId) || !recorded(after, 'rq', event.requestId)) return;
          sent.set(event.requestId, countedFrom(after, 'rq', event.requestId));
          // A request at the very millisecond of the reset counts (the tie).
          const counted = (windowMs: number) => [...sent.values()].filter((t) => t >= resetAt && at < t + windowMs).length;
          expect(counted(policy.requestShortWindowMs), 'R1').toBeLessThanOrEqual(policy.requestsPerShortWindow);
          expect(counted(policy.requestLongWindowMs), 'R2').toBeLessThanOrEqual(policy.requestsPerLongWindow);
          for (const limit of getPermissions(after, at).actions[0].limits) expect(limit.currentUsage).toBeLessThanOrEqual(limit.maxAllowed);
        });
      }),
    );
  });

  it('G2: never more connected plus in-flight business calls than allowed in any call window', () => {
    check(
      fc.property(anyPolicy, startTime, timeline(CALLS, { longestGap: 2 * DAY, startGranted: true }).map(withFreshIds), (policy, start, steps) => {
        const connected: number[] = [];
        const inFlight = new Map<string, number>();
        walk(policy, start, resolveTimeline(policy, start, steps), (event, at, before, after) => {
          switch (event.type) {
            case 'CALL_CONNECTED':
              connected.push(at);
              inFlight.delete(event.callId);
              return;
            case 'CALL_UNANSWERED':
            case 'CALL_FAILED':
              inFlight.delete(event.callId);
              return;
            case 'CALL_ID_ASSIGNED': {
              const startedAt = inFlight.get(event.callId);
              if (startedAt === undefined) return;
              inFlight.delete(event.callId);
              inFlight.set(event.platformCallId, startedAt);
              return;
            }
            case 'CALL_STARTED': {
              if (recorded(before, 'fl', event.callId) || !recorded(after, 'fl', event.callId)) return;
              inFlight.set(event.callId, countedFrom(after, 'fl', event.callId));
              const held = [...connected, ...inFlight.values()].filter((t) => at < t + policy.callWindowMs).length;
              expect(held, 'G2').toBeLessThanOrEqual(policy.connectedCallsPerWindow);
              return;
            }
          }
        });
      }),
    );
  });

  it('R1 R2 G2: a refusal’s retryAt is exact: still refused 1 ms before it, allowed at it', () => {
    check(
      fc.property(anyPolicy, startTime, fc.oneof(timeline(REQUESTS), timeline(CALLS, { longestGap: 2 * DAY, startGranted: true })), (policy, start, steps) => {
        walk(policy, start, resolveTimeline(policy, start, steps), (_event, at, _before, after) => {
          for (const decide of [canRequestPermission, canStartCall]) {
            const decision = decide(after, at);
            if (decision.allowed || decision.retryAt === undefined) continue;
            expect(decision.retryAt).toBeGreaterThan(at);
            expect(decide(after, decision.retryAt - 1).allowed, `${decision.rule} 1 ms before retryAt`).toBe(false);
            expect(decide(after, decision.retryAt).allowed, `${decision.rule} at retryAt`).toBe(true);
          }
        });
      }),
    );
  });
});

/** A permanent grant, then calls one per call window (so G2 never binds), each with its outcome. */
const missedCallStory = fc.record({
  policy: anyPolicy,
  start: startTime,
  outcomes: fc.array(fc.constantFrom('unanswered' as const, 'unanswered' as const, 'failed' as const, 'connected' as const), { maxLength: 24 }),
});

describe('the missed-call ladder (M1–M4)', () => {
  it('M1 M2 M3 M4: prompted exactly at the Nth and revoked exactly at the Mth consecutive miss; a connect resets; a failure neither counts nor resets', () => {
    check(
      fc.property(missedCallStory, ({ policy, start, outcomes }) => {
        const { unansweredBeforePrompt: N, unansweredBeforeRevoke: M, callWindowMs } = policy;
        let s = applyEvent(createRelationship({ at: start, policy }), { type: 'PERMISSION_ACCEPTED', at: start, permanent: true });
        let misses = 0;
        for (const [i, outcome] of outcomes.entries()) {
          // Two call windows apart, the outcome within the first: at most one slot is ever held.
          const at = start + 1 + i * 2 * callWindowMs;
          const callId = `c${i}`;
          if (misses >= M) {
            expect(canStartCall(s, at)).toMatchObject({ allowed: false, rule: 'G4' });
            return;
          }
          expect(canStartCall(s, at).allowed, 'one call per window never meets G2').toBe(true);
          s = applyEvent(s, { type: 'CALL_STARTED', at, callId });
          const done = at + Math.floor(callWindowMs / 2);
          if (outcome === 'unanswered') {
            s = applyEvent(s, { type: 'CALL_UNANSWERED', at: done, callId, reason: 'no_answer' });
            misses += 1;
          } else if (outcome === 'failed') {
            s = applyEvent(s, { type: 'CALL_FAILED', at: done, callId, reason: 'SERVICE_UNAVAILABLE' });
          } else {
            s = applyEvent(s, { type: 'CALL_CONNECTED', at: done, callId });
            misses = 0;
          }
          const expected = misses >= M ? 'revoked' : misses >= N ? 'prompted' : 'granted';
          expect(s.value, `after ${misses} consecutive misses (N=${N}, M=${M})`).toBe(expected);
        }
      }),
    );
  });

  it('M2: the platform’s automatic reject after the Mth miss changes nothing but the clock; arriving first, it revokes and the miss only frees its slot', () => {
    check(
      fc.property(anyPolicy, startTime, fc.boolean(), fc.integer({ min: 0, max: 5000 }), (policy, start, rejectFirst, gap) => {
        const M = policy.unansweredBeforeRevoke;
        let s = applyEvent(createRelationship({ at: start, policy }), { type: 'PERMISSION_ACCEPTED', at: start, permanent: true });
        let at = start;
        for (let i = 0; i < M; i++) {
          at = start + 1 + i * policy.callWindowMs;
          s = applyEvent(s, { type: 'CALL_STARTED', at, callId: `c${i}` });
          if (i < M - 1) s = applyEvent(s, { type: 'CALL_UNANSWERED', at: at + 1, callId: `c${i}`, reason: 'busy' });
        }
        const last = { type: 'CALL_UNANSWERED', at: at + 1, callId: `c${M - 1}`, reason: 'rejected' } as const;
        const automaticReject = { type: 'PERMISSION_REJECTED', at: at + 1 + gap, source: 'automatic' } as const;
        // Besides the clock, a reject moves the time of the latest decision (dc: an accept dated before it then grants nothing).
        const withoutClock = (snapshot: RelationshipSnapshot) => ({ ...toSerialized(snapshot), t: 0, dc: undefined });
        if (rejectFirst) {
          // At the very millisecond the last call started, so that it still holds its slot however short the window.
          const revoked = applyEvent(s, { ...automaticReject, at });
          expect(revoked.value).toBe('revoked');
          expect(recorded(revoked, 'fl', last.callId)).toBe(true);
          const after = applyEvent(revoked, { ...last, at: at + 1 + gap });
          expect(recorded(after, 'fl', last.callId), 'the miss frees its slot').toBe(false);
          // It counts against no grant; its time is remembered (mt) for an accept dated before it and delivered later.
          expect(toSerialized(after).mt?.at(-1), 'and remembers its time').toBe(at + 1 + gap);
          expect({ ...withoutClock(after), fl: undefined, mt: undefined }, 'and changes nothing else').toEqual({ ...withoutClock(revoked), fl: undefined, mt: undefined });
        } else {
          const revoked = applyEvent(s, last);
          expect(revoked.value).toBe('revoked');
          const after = applyEvent(revoked, automaticReject);
          expect(withoutClock(after)).toEqual(withoutClock(revoked));
        }
      }),
    );
  });
});

describe('time is an input: nothing happens between events that a CLOCK would change', () => {
  it('G1 G2 R1 R2 R4 W1: inserting CLOCK events between events changes no answer', () => {
    check(
      fc.property(anyPolicy, startTime, fc.oneof(timeline(MIXED), timeline(CALLS, { startGranted: true })), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 30, maxLength: 30 }), (policy, start, steps, fractions) => {
        // Events in time order: a late fact is clamped to the relationship's clock, and a refused
        // command moves that clock only when the clock-first step changed something, so with late
        // facts a CLOCK may legitimately change where one lands.
        let latest = start;
        const events = resolveTimeline(policy, start, steps).map((e) => ({ ...e, at: (latest = Math.max(latest, e.at as number)) }));
        const initial = createRelationship({ at: start, policy });
        const plain = replay(initial, events, 'xstate');
        let ticked = initial;
        events.forEach((event, i) => {
          const from = ticked.context.now;
          const to = event.at;
          if (to > from) ticked = applyEvent(ticked, { type: 'CLOCK', at: from + Math.floor((to - from) * fractions[i]!) });
          const outcome = applyOrError(ticked, event, 'xstate');
          const expected = plain[i]!;
          const label = `${event.type} at step ${i}`;
          if ('error' in expected) return expect(outcome, label).toEqual(expected);
          expect('snapshot' in outcome, label).toBe(true);
          if (!('snapshot' in outcome)) return;
          ticked = outcome.snapshot;
          expect(ticked.value, label).toBe(expected.snapshot.value);
          const now = Math.max(ticked.context.now, expected.snapshot.context.now);
          for (const at of [now, now + 1, now + policy.callWindowMs, now + policy.requestLongWindowMs])
            expect(engineAnswers(ticked, at), label).toEqual(engineAnswers(expected.snapshot, at));
        });
      }),
    );
  });
});
