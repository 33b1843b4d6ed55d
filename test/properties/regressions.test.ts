/**
 * Regressions: each property is the smallest story on which the engine once disagreed with the
 * reference model (docs/rules.md + docs/semantics.md sided with the reference). They keep those bugs fixed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { definePolicy } from '../../src/policy/policy.js';
import { canStartCall } from '../../src/pure/decide.js';
import { toSerialized } from '../../src/pure/serialize.js';
import { applyEvent, createRelationship } from '../../src/pure/snapshot.js';
import { getPermissions } from '../../src/pure/view.js';
import { check } from '../support/fc.js';
import { anyPolicy, customPolicy } from './support/policies.js';
import { startTime } from './support/timeline.js';

const DAY = 86_400_000;

describe('G2: a call that never got an outcome stops being in flight when its slot lapses', () => {
  it('G2: its id can start a new call once the window has passed, whether or not another event came in between', () => {
    check(
      fc.property(anyPolicy, startTime, fc.nat(DAY), fc.boolean(), (policy, start, after, tickInBetween) => {
        let s = applyEvent(createRelationship({ at: start, policy }), { type: 'PERMISSION_ACCEPTED', at: start, permanent: true });
        s = applyEvent(s, { type: 'CALL_STARTED', at: start, callId: 'c1' });
        const again = start + policy.callWindowMs + after;
        expect(canStartCall(s, again).allowed, 'the slot has lapsed').toBe(true);
        if (tickInBetween) s = applyEvent(s, { type: 'CLOCK', at: again });
        s = applyEvent(s, { type: 'CALL_STARTED', at: again, callId: 'c1' });
        expect(getPermissions(s, again).actions[1].limits[0]!.currentUsage, 'the new call holds a slot').toBe(1);
      }),
    );
  });
});

describe('R4: a failed send takes back only itself', () => {
  it('R4 U2: while another send of the same id is still open, the relationship stays requested', () => {
    const twoPerShortWindow = customPolicy.filter((p) => p.requestsPerShortWindow >= 2 && p.requestAnswerableMs > 1);
    check(
      fc.property(twoPerShortWindow, startTime, fc.boolean(), (policy, start, sameId) => {
        let s = createRelationship({ at: start, policy });
        s = applyEvent(s, { type: 'REQUEST_SENT', at: start, requestId: 'r1', via: 'template' });
        s = applyEvent(s, { type: 'REQUEST_SENT', at: start, requestId: sameId ? 'r1' : 'r2', via: 'template' });
        s = applyEvent(s, { type: 'REQUEST_FAILED', at: start + 1, requestId: 'r1' });
        expect(toSerialized(s).rq?.length, 'one send is still counted').toBe(1);
        expect(s.value, 'and still awaits an answer').toBe('requested');
      }),
    );
  });
});

describe('G5: a call from the user grants only where there is no grant', () => {
  it('G1 G5 R5: with callback permission, a user’s call never shortens, downgrades or resets a live grant', () => {
    const callbackPolicy = customPolicy.map((p) => definePolicy({ ...withoutName(p), userCallGrantsPermission: true }));
    check(
      fc.property(callbackPolicy, startTime, fc.option(fc.integer({ min: 2, max: 30 * DAY }), { nil: null }), fc.boolean(), (policy, start, lasts, prompted) => {
        // A permanent grant (lasts = null) or a temporary one; optionally prompted by N misses first.
        let s = applyEvent(createRelationship({ at: start, policy }), {
          type: 'PERMISSION_ACCEPTED',
          at: start,
          ...(lasts === null ? { permanent: true } : { expiresAt: start + lasts }),
        });
        let at = start;
        if (prompted && lasts === null)
          for (let i = 0; i < policy.unansweredBeforePrompt; i++) {
            at = start + 1 + i * policy.callWindowMs;
            s = applyEvent(s, { type: 'CALL_STARTED', at, callId: `c${i}` });
            s = applyEvent(s, { type: 'CALL_UNANSWERED', at, callId: `c${i}`, reason: 'no_answer' });
          }
        at += 1;
        fc.pre(lasts === null || at < start + lasts);
        const before = { value: s.value, view: getPermissions(s, at) };
        s = applyEvent(s, { type: 'USER_CALL_RECEIVED', at, callId: 'u1' });
        expect({ value: s.value, view: getPermissions(s, at) }).toEqual(before);
      }),
    );
  });
});

function withoutName<T extends { name: string }>(policy: T): Omit<T, 'name'> {
  const { name: _name, ...rest } = policy;
  return rest;
}
