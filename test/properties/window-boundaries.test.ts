/**
 * docs/semantics.md "Time": a use at `t` counts while `at < t + W` and frees its slot at exactly
 * `t + W`; a temporary grant is live while `at < expiresAt`. Checked on the engine alone, at the
 * millisecond before each edge and at the edge, under presets and random policies.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RelationshipEventInput } from '../../src/events/types.js';
import { canRequestPermission, canStartCall } from '../../src/pure/decide.js';
import { applyEvent, createRelationship, type RelationshipSnapshot } from '../../src/pure/snapshot.js';
import { getPermissions } from '../../src/pure/view.js';
import { check } from '../support/fc.js';
import { anyPolicy } from './support/policies.js';
import { startTime } from './support/timeline.js';

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const stateAt = (s: RelationshipSnapshot, at: number) => applyEvent(s, { type: 'CLOCK', at }).value;

/** How an accept may state its expiry (G1): explicitly, as temporary, or not at all (the policy decides). */
const acceptForm = fc.oneof(
  fc.integer({ min: 1, max: 30 * DAY }).map((lasts) => ({ kind: 'explicit' as const, lasts })),
  fc.constant({ kind: 'temporary' as const }),
  fc.constant({ kind: 'unstated' as const }),
);

describe('G1: grant expiry', () => {
  it('G1: a temporary grant is live at expiresAt − 1 ms and gone at expiresAt; a permanent one never ends', () => {
    check(
      fc.property(anyPolicy, startTime, acceptForm, (policy, start, form) => {
        const accept =
          form.kind === 'explicit'
            ? { type: 'PERMISSION_ACCEPTED' as const, at: start, expiresAt: start + form.lasts }
            : form.kind === 'temporary'
              ? { type: 'PERMISSION_ACCEPTED' as const, at: start, permanent: false }
              : { type: 'PERMISSION_ACCEPTED' as const, at: start };
        const s = applyEvent(createRelationship({ at: start, policy }), accept);
        expect(s.value).toBe('granted');
        const permanent = form.kind === 'unstated' && policy.acceptWithoutExpiry === 'permanent';
        if (permanent) {
          const muchLater = start + 3650 * DAY;
          expect(stateAt(s, muchLater)).toBe('granted');
          expect(getPermissions(s, muchLater).status).toBe('PERMANENT');
          expect(canRequestPermission(s, muchLater)).toMatchObject({ allowed: false, rule: 'R5' });
          return;
        }
        const expiresAt = start + (form.kind === 'explicit' ? form.lasts : policy.temporaryGrantMs);
        const justBefore = expiresAt - 1;
        expect(stateAt(s, justBefore)).toBe('granted');
        expect(getPermissions(s, justBefore)).toMatchObject({ status: 'TEMPORARY', expirationTime: iso(expiresAt) });
        expect(canStartCall(s, justBefore).allowed).toBe(true);
        expect(stateAt(s, expiresAt)).toBe('noPermission');
        expect(getPermissions(s, expiresAt).status).toBe('NO_PERMISSION');
        expect(getPermissions(s, expiresAt).expirationTime).toBeUndefined();
        expect(canStartCall(s, expiresAt)).toMatchObject({ allowed: false, rule: 'G4' });
        // No webhook announces the expiry: a call start at that very millisecond is refused.
        const tried = applyEvent(s, { type: 'CALL_STARTED', at: expiresAt, callId: 'c1' });
        expect(tried.value).toBe('noPermission');
        expect(getPermissions(tried, expiresAt).actions[1].limits[0]!.currentUsage).toBe(0);
      }),
    );
  });
});

describe('R1 R2: request windows', () => {
  it('R1 R2: a full short window frees at t + W exactly; the long window counts the same requests until its own edge', () => {
    check(
      fc.property(anyPolicy, startTime, (policy, start) => {
        const { requestsPerShortWindow: nShort, requestsPerLongWindow: nLong, requestShortWindowMs: wShort, requestLongWindowMs: wLong } = policy;
        let s = createRelationship({ at: start, policy });
        for (let i = 0; i < nShort; i++) s = applyEvent(s, { type: 'REQUEST_SENT', at: start, requestId: `r${i}`, via: 'template' });
        const [short, long] = getPermissions(s, start + wShort - 1).actions[0].limits;
        expect(short).toEqual({ timePeriod: expect.any(String), maxAllowed: nShort, currentUsage: nShort, limitExpirationTime: iso(start + wShort) });
        expect(long!.currentUsage).toBe(nShort);
        // When the long window is full too it frees later (or at the same time) and is the one cited.
        const longFull = nLong === nShort;
        expect(canRequestPermission(s, start + wShort - 1)).toMatchObject(
          longFull ? { allowed: false, rule: 'R2', retryAt: start + wLong } : { allowed: false, rule: 'R1', retryAt: start + wShort },
        );
        expect(getPermissions(s, start + wShort).actions[0].limits[0]!.currentUsage).toBe(0);
        expect(canRequestPermission(s, start + wShort).allowed).toBe(!longFull || wLong === wShort);
        expect(getPermissions(s, start + wLong - 1).actions[0].limits[1]!.currentUsage).toBe(nShort);
        expect(getPermissions(s, start + wLong).actions[0].limits[1]!.currentUsage).toBe(0);
        expect(canRequestPermission(s, start + wLong).allowed).toBe(true);
      }),
    );
  });

  it('R1 R2 G3: a connected call clears the counters before it; a request at the very millisecond of the reset is counted, whichever arrives first', () => {
    check(
      fc.property(anyPolicy, startTime, fc.integer({ min: 1, max: DAY }), fc.boolean(), fc.boolean(), (policy, start, later, userCall, requestFirst) => {
        let s = createRelationship({ at: start, policy });
        for (let i = 0; i < policy.requestsPerShortWindow; i++) s = applyEvent(s, { type: 'REQUEST_SENT', at: start, requestId: `r${i}`, via: 'template' });
        expect(canRequestPermission(s, start).allowed).toBe(false);
        const resetAt = start + later;
        const reset: RelationshipEventInput = userCall ? { type: 'USER_CALL_CONNECTED', at: resetAt, callId: 'u1' } : { type: 'CALL_CONNECTED', at: resetAt, callId: 'c-unknown' };
        if (requestFirst && policy.requestsPerLongWindow > policy.requestsPerShortWindow && later >= policy.requestShortWindowMs) {
          s = applyEvent(s, { type: 'REQUEST_SENT', at: resetAt, requestId: 'r-at-reset', via: 'template' });
          s = applyEvent(s, reset);
        } else {
          s = applyEvent(s, reset);
          expect(canRequestPermission(s, resetAt).allowed).toBe(true);
          s = applyEvent(s, { type: 'REQUEST_SENT', at: resetAt, requestId: 'r-at-reset', via: 'interactive' });
        }
        // Only the request at the reset counts: those before it were cleared (G3), the tie is counted (R1/R2).
        expect(getPermissions(s, resetAt).actions[0].limits.map((l) => l.currentUsage)).toEqual([1, 1]);
      }),
    );
  });
});

describe('G2: call windows', () => {
  it('G2: a full call window refuses until t + W − 1 ms and allows at t + W', () => {
    check(
      fc.property(anyPolicy, startTime, fc.boolean(), (policy, start, connect) => {
        const cap = policy.connectedCallsPerWindow;
        let s = applyEvent(createRelationship({ at: start, policy }), { type: 'PERMISSION_ACCEPTED', at: start, permanent: true });
        // Connected calls hold their slot from the connect; calls in flight from the start.
        for (let i = 0; i < cap; i++) {
          s = applyEvent(s, { type: 'CALL_STARTED', at: start, callId: `c${i}` });
          if (connect) s = applyEvent(s, { type: 'CALL_CONNECTED', at: start, callId: `c${i}` });
        }
        const edge = start + policy.callWindowMs;
        expect(canStartCall(s, start)).toEqual(expect.objectContaining({ allowed: false, rule: 'G2', retryAt: edge }));
        expect(canStartCall(s, edge - 1)).toEqual(expect.objectContaining({ allowed: false, rule: 'G2', retryAt: edge }));
        expect(getPermissions(s, edge - 1).actions[1]).toEqual({
          name: 'START_CALL',
          canPerformAction: false,
          limits: [{ timePeriod: expect.any(String), maxAllowed: cap, currentUsage: cap, limitExpirationTime: iso(edge) }],
        });
        expect(canStartCall(s, edge)).toEqual({ allowed: true });
        expect(getPermissions(s, edge).actions[1].limits[0]!.currentUsage).toBe(0);
      }),
    );
  });
});

describe('W1: the customer-service window', () => {
  it('W1 R3: a request is interactive until t + W − 1 ms after the user’s contact, a template from t + W', () => {
    const contact = fc.constantFrom('USER_MESSAGE' as const, 'USER_CALL_RECEIVED' as const, 'USER_CALL_CONNECTED' as const, 'CALL_CONNECTED' as const);
    check(
      fc.property(anyPolicy, startTime, contact, (policy, start, type) => {
        const event = type === 'USER_MESSAGE' ? { type, at: start } : { type, at: start, callId: 'x1' };
        const s = applyEvent(createRelationship({ at: start, policy }), event);
        const edge = start + policy.sessionWindowMs;
        expect(canRequestPermission(s, start)).toEqual({ allowed: true, via: 'interactive' });
        expect(canRequestPermission(s, edge - 1)).toEqual({ allowed: true, via: 'interactive' });
        expect(canRequestPermission(s, edge)).toEqual({ allowed: true, via: 'template' });
      }),
    );
  });
});

describe('R4: request answerability', () => {
  it('R4 U2: an unanswered request keeps the relationship requested until t + W − 1 ms, then it returns to where it came from', () => {
    check(
      fc.property(anyPolicy, startTime, fc.boolean(), (policy, start, revokedFirst) => {
        let s = createRelationship({ at: start, policy });
        if (revokedFirst) s = applyEvent(s, { type: 'PERMISSION_REVOKED', at: start });
        s = applyEvent(s, { type: 'REQUEST_SENT', at: start + 1, requestId: 'r1', via: 'template' });
        expect(s.value).toBe('requested');
        const edge = start + 1 + policy.requestAnswerableMs;
        expect(stateAt(s, edge - 1)).toBe('requested');
        expect(stateAt(s, edge)).toBe(revokedFirst ? 'revoked' : 'noPermission');
      }),
    );
  });
});
