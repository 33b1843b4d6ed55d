import { describe, expect, it } from 'vitest';
import { canStartCall, definePolicy } from '../../src/index.js';
import { HOUR, story, T0 } from '../support/timeline.js';

const miss = (id: string, reason: 'no_answer' | 'busy' | 'rejected' | 'cancelled' = 'no_answer') => [
  { type: 'CALL_STARTED' as const, callId: id },
  { type: 'CALL_UNANSWERED' as const, callId: id, reason },
];

describe('Missed calls (docs/rules.md M1–M4)', () => {
  it('M1: two consecutive unanswered (or rejected) calls move the grant to prompted', () => {
    const s = story().at(0, { type: 'PERMISSION_ACCEPTED', permanent: true });
    s.at(HOUR, ...miss('c1', 'busy'));
    expect(s.now.value).toBe('granted');
    s.at(2 * HOUR, ...miss('c2', 'rejected'));
    expect(s.now.value).toBe('prompted');
    expect(canStartCall(s.now, T0 + 3 * HOUR)).toEqual({ allowed: true });
  });

  it('M2: four consecutive unanswered calls revoke; the platform’s automatic reject that follows is not counted again', () => {
    const s = story().at(0, { type: 'PERMISSION_ACCEPTED', permanent: true });
    for (let i = 1; i <= 3; i++) s.at(i * HOUR, ...miss(`c${i}`));
    expect(s.now.value).toBe('prompted');
    s.at(4 * HOUR, ...miss('c4', 'cancelled'));
    expect(s.now.value).toBe('revoked');
    const revoked = s.now.context;
    s.at(4 * HOUR + 1, { type: 'PERMISSION_REJECTED', source: 'automatic' });
    expect(s.now.value).toBe('revoked');
    expect(s.now.context.unanswered).toBe(revoked.unanswered);
    expect(s.now.context.revokedAt).toBe(revoked.revokedAt);
  });

  it('M2: if the automatic reject arrives before the 4th miss, the miss finds no grant and only frees its slot', () => {
    const s = story().at(0, { type: 'PERMISSION_ACCEPTED', permanent: true });
    for (let i = 1; i <= 3; i++) s.at(i * HOUR, ...miss(`c${i}`));
    s.at(4 * HOUR, { type: 'CALL_STARTED', callId: 'c4' }, { type: 'PERMISSION_REJECTED', source: 'automatic' });
    expect(s.now.value).toBe('revoked');
    s.at(4 * HOUR + 1, { type: 'CALL_UNANSWERED', callId: 'c4', reason: 'no_answer' });
    expect(s.now.value).toBe('revoked');
    expect(s.now.context.unanswered).toBe(3);
    expect(s.now.context.callsInFlight).toEqual([]);
  });

  it('M2 (meta-sandbox): the thresholds are policy — prompted at 5, revoked at 10', () => {
    const s = story(definePolicy('meta-sandbox')).at(0, { type: 'PERMISSION_ACCEPTED', permanent: true });
    for (let i = 1; i <= 4; i++) s.at(i * HOUR, ...miss(`c${i}`));
    expect(s.now.value).toBe('granted');
    s.at(5 * HOUR, ...miss('c5'));
    expect(s.now.value).toBe('prompted');
    for (let i = 6; i <= 9; i++) s.at(i * HOUR, ...miss(`c${i}`));
    expect(s.now.value).toBe('prompted');
    s.at(10 * HOUR, ...miss('c10'));
    expect(s.now.value).toBe('revoked');
  });

  it('M3: a connected call resets the consecutive count and takes prompted back to granted', () => {
    const s = story().at(0, { type: 'PERMISSION_ACCEPTED', permanent: true });
    s.at(HOUR, ...miss('c1')).at(2 * HOUR, ...miss('c2'));
    expect(s.now.value).toBe('prompted');
    s.at(3 * HOUR, { type: 'CALL_STARTED', callId: 'c3' }, { type: 'CALL_CONNECTED', callId: 'c3' });
    expect(s.now.value).toBe('granted');
    expect(s.now.context.unanswered).toBe(0);
    s.at(4 * HOUR, ...miss('c4'));
    expect(s.now.value).toBe('granted');
  });

  it('M4: a call that failed for a technical reason before ringing neither counts nor resets', () => {
    const s = story().at(0, { type: 'PERMISSION_ACCEPTED', permanent: true });
    s.at(HOUR, ...miss('c1'));
    s.at(2 * HOUR, { type: 'CALL_STARTED', callId: 'c2' }, { type: 'CALL_FAILED', callId: 'c2', reason: 'SERVICE_UNAVAILABLE' });
    expect(s.now.context.unanswered).toBe(1);
    expect(s.now.context.connectedCalls).toEqual([]);
    s.at(3 * HOUR, ...miss('c3'));
    expect(s.now.value).toBe('prompted');
  });
});
