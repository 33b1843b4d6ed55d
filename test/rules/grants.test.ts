import { describe, expect, it } from 'vitest';
import { canRequestPermission, canStartCall, definePolicy, getPermissions } from '../../src/index.js';
import { DAY, HOUR, story, T0 } from '../support/timeline.js';

const connect = (id: string) => [
  { type: 'CALL_STARTED' as const, callId: id },
  { type: 'CALL_CONNECTED' as const, callId: id },
];

describe('After permission is granted (docs/rules.md G1–G5)', () => {
  it('G1: a temporary grant lasts 7 days from acceptance — live 1 ms before, gone at the exact end, with no webhook', () => {
    const s = story().at(0, { type: 'PERMISSION_ACCEPTED', permanent: false });
    expect(getPermissions(s.now, T0 + 7 * DAY - 1)).toMatchObject({ status: 'TEMPORARY', expirationTime: new Date(T0 + 7 * DAY).toISOString() });
    expect(getPermissions(s.now, T0 + 7 * DAY).status).toBe('NO_PERMISSION');
    s.at(7 * DAY, { type: 'CLOCK' });
    expect(s.now.value).toBe('noPermission');
  });

  it('G1: the reply’s expirationTimestamp wins over 7 days, and a permanent grant never expires', () => {
    const s = story().at(0, { type: 'PERMISSION_ACCEPTED', expiresAt: T0 + 2 * DAY });
    expect(getPermissions(s.now, T0 + 2 * DAY - 1).status).toBe('TEMPORARY');
    expect(canStartCall(s.now, T0 + 2 * DAY)).toMatchObject({ allowed: false, rule: 'G4' });
    const permanent = story().at(0, { type: 'PERMISSION_ACCEPTED', permanent: true });
    expect(getPermissions(permanent.now, T0 + 365 * DAY).status).toBe('PERMANENT');
    const meta = story('meta').at(0, { type: 'PERMISSION_ACCEPTED' }); // meta (and infobip): no expiry → 7 days
    expect(getPermissions(meta.now, T0).expirationTime).toBe(new Date(T0 + 7 * DAY).toISOString());
  });

  it('G2: at most 5 connected calls in any rolling 24 h (the seed’s number) — the 6th is refused until the oldest leaves the window, and nothing is revoked', () => {
    const s = story('infobip-seed').at(0, { type: 'PERMISSION_ACCEPTED', permanent: true });
    for (let i = 0; i < 5; i++) s.at(HOUR + i, ...connect(`c${i}`));
    const refusal = canStartCall(s.now, T0 + 2 * HOUR);
    expect(refusal).toMatchObject({ allowed: false, rule: 'G2', retryAt: T0 + HOUR + DAY });
    expect(s.now.value).toBe('granted');
    expect(canStartCall(s.now, T0 + HOUR + DAY)).toEqual({ allowed: true });
    expect(getPermissions(s.now, T0 + 2 * HOUR).actions[1]).toEqual({
      name: 'START_CALL',
      canPerformAction: false,
      limits: [{ timePeriod: 'PT24H', maxAllowed: 5, currentUsage: 5, limitExpirationTime: new Date(T0 + HOUR + DAY).toISOString() }],
    });
  });

  it('G2: calls in flight hold their slot, so five placed at once leave no room for a sixth', () => {
    const s = story('infobip-seed').at(0, { type: 'PERMISSION_ACCEPTED', permanent: true });
    for (let i = 0; i < 5; i++) s.at(i, { type: 'CALL_STARTED', callId: `c${i}` });
    expect(canStartCall(s.now, T0 + 10)).toMatchObject({ allowed: false, rule: 'G2' });
    s.at(11, { type: 'CALL_FAILED', callId: 'c0', reason: 'SERVICE_UNAVAILABLE' });
    expect(canStartCall(s.now, T0 + 12)).toEqual({ allowed: true });
  });

  it('G3: when a call connects — business- or user-initiated — the request limits reset and a new request may go out at once', () => {
    const business = story()
      .at(0, { type: 'REQUEST_SENT', requestId: 'r1', via: 'template' })
      .at(HOUR, { type: 'PERMISSION_ACCEPTED', expiresAt: T0 + 7 * DAY }, ...connect('c1'));
    expect(canRequestPermission(business.now, T0 + HOUR + 1)).toMatchObject({ allowed: true, via: 'interactive' });

    const user = story()
      .at(0, { type: 'REQUEST_SENT', requestId: 'r1', via: 'template' })
      .at(DAY, { type: 'REQUEST_SENT', requestId: 'r2', via: 'template' });
    expect(canRequestPermission(user.now, T0 + 2 * DAY)).toMatchObject({ allowed: false, rule: 'R2' });
    user.at(2 * DAY, { type: 'USER_CALL_RECEIVED', callId: 'in1' }, { type: 'USER_CALL_CONNECTED', callId: 'in1' });
    expect(canRequestPermission(user.now, T0 + 2 * DAY)).toEqual({ allowed: true, via: 'interactive' });
  });

  it('G4: no business-initiated call in noPermission, requested or revoked — the statechart ignores the attempt', () => {
    const s = story();
    expect(canStartCall(s.now, T0)).toMatchObject({ allowed: false, rule: 'G4' });
    s.at(0, { type: 'REQUEST_SENT', requestId: 'r1', via: 'template' });
    expect(canStartCall(s.now, T0 + 1)).toMatchObject({ allowed: false, rule: 'G4' });
    const requested = s.now;
    s.at(2, { type: 'CALL_STARTED', callId: 'c1' });
    expect(s.now).toBe(requested);
    s.at(3, { type: 'PERMISSION_REVOKED' });
    expect(canStartCall(s.now, T0 + 4)).toMatchObject({ allowed: false, rule: 'G4' });
  });

  it('G5: permission arriving without a request of ours is honoured; callback permission grants on a user call when enabled', () => {
    const profile = story().at(0, { type: 'PERMISSION_ACCEPTED', permanent: true, source: 'profile' });
    expect(profile.now.value).toBe('granted');
    const callbackOff = story().at(0, { type: 'USER_CALL_RECEIVED', callId: 'in1' });
    expect(callbackOff.now.value).toBe('noPermission');
    const callbackOn = story(definePolicy({ userCallGrantsPermission: true })).at(0, { type: 'USER_CALL_RECEIVED', callId: 'in1' });
    expect(getPermissions(callbackOn.now, T0)).toMatchObject({ status: 'TEMPORARY', expirationTime: new Date(T0 + 7 * DAY).toISOString() });
  });

  it('G1 (reconciliation): Infobip’s view wins — its expiry replaces ours, its NO_PERMISSION ends our grant without a revoke', () => {
    const s = story().at(0, { type: 'PERMISSION_ACCEPTED', permanent: false });
    s.at(HOUR, { type: 'CALL_STARTED', callId: 'a' }, { type: 'CALL_UNANSWERED', callId: 'a', reason: 'busy' });
    s.at(2 * HOUR, { type: 'CALL_STARTED', callId: 'b' }, { type: 'CALL_UNANSWERED', callId: 'b', reason: 'busy' });
    expect(s.now.value).toBe('prompted');
    s.at(3 * HOUR, { type: 'PERMISSION_SYNCED', status: 'TEMPORARY', expiresAt: T0 + 2 * DAY });
    expect(s.now.value).toBe('prompted'); // the missed calls still count toward M2
    expect(getPermissions(s.now, T0 + 3 * HOUR).expirationTime).toBe(new Date(T0 + 2 * DAY).toISOString());
    s.at(4 * HOUR, { type: 'PERMISSION_SYNCED', status: 'NO_PERMISSION' });
    expect(s.now.value).toBe('noPermission');
    s.at(5 * HOUR, { type: 'PERMISSION_SYNCED', status: 'PERMANENT' });
    expect(getPermissions(s.now, T0 + 5 * HOUR).status).toBe('PERMANENT');
  });
});
