import { describe, expect, it } from 'vitest';
import { canRequestPermission, canStartCall } from '../../src/index.js';
import { RELATIONSHIP_STATES } from '../../src/relationship/context.js';
import { DAY, HOUR, story, T0 } from '../support/timeline.js';

describe('User control (docs/rules.md U1–U2)', () => {
  it('U1: the user may revoke at any time — every state goes to revoked — and a new accept grants again', () => {
    const reach = {
      noPermission: story(),
      requested: story().at(0, { type: 'REQUEST_SENT', requestId: 'r1', via: 'template' }),
      granted: story().at(0, { type: 'PERMISSION_ACCEPTED', permanent: true }),
      prompted: story().at(0, { type: 'PERMISSION_ACCEPTED', permanent: true }).at(1, { type: 'CALL_STARTED', callId: 'a' }, { type: 'CALL_UNANSWERED', callId: 'a', reason: 'busy' }, { type: 'CALL_STARTED', callId: 'b' }, { type: 'CALL_UNANSWERED', callId: 'b', reason: 'busy' }),
      revoked: story().at(0, { type: 'PERMISSION_REVOKED' }),
    };
    for (const state of RELATIONSHIP_STATES) {
      const s = reach[state];
      expect(s.now.value).toBe(state);
      s.at(HOUR, { type: 'PERMISSION_REVOKED' });
      expect(s.now.value).toBe('revoked');
      expect(canStartCall(s.now, T0 + HOUR)).toMatchObject({ allowed: false, rule: 'G4' });
      s.at(2 * HOUR, { type: 'PERMISSION_ACCEPTED', permanent: true });
      expect(s.now.value).toBe('granted');
    }
    const rejecting = story().at(0, { type: 'PERMISSION_ACCEPTED', permanent: true }).at(HOUR, { type: 'PERMISSION_REJECTED', source: 'user' });
    expect(rejecting.now.value).toBe('revoked');
  });

  it('U2: from revoked (or noPermission) a new request may be sent, subject to R1–R5', () => {
    const s = story().at(0, { type: 'REQUEST_SENT', requestId: 'r1', via: 'template' }).at(HOUR, { type: 'PERMISSION_ACCEPTED', permanent: false }).at(2 * HOUR, { type: 'PERMISSION_REVOKED' });
    expect(canRequestPermission(s.now, T0 + 3 * HOUR)).toMatchObject({ allowed: false, rule: 'R1', retryAt: T0 + DAY });
    expect(canRequestPermission(s.now, T0 + DAY)).toMatchObject({ allowed: true });
    s.at(DAY, { type: 'REQUEST_SENT', requestId: 'r2', via: 'template' });
    expect(s.now.value).toBe('requested');
    s.at(DAY + 7 * DAY, { type: 'CLOCK' });
    expect(s.now.value).toBe('revoked'); // R4: the request lapsed; the user's last word was a revoke
  });
});

describe('The customer-service window (docs/rules.md W1)', () => {
  it('W1: a user message, a call from the user (answered or not) and an answered business call each open the 24 h window', () => {
    expect(canRequestPermission(story().now, T0)).toMatchObject({ via: 'template' });
    const message = story().at(0, { type: 'USER_MESSAGE' });
    expect(canRequestPermission(message.now, T0 + DAY - 1)).toMatchObject({ via: 'interactive' });
    const missedUserCall = story().at(0, { type: 'USER_CALL_RECEIVED', callId: 'in1' });
    expect(canRequestPermission(missedUserCall.now, T0 + 1)).toMatchObject({ via: 'interactive' });
    const answered = story().at(0, { type: 'PERMISSION_ACCEPTED', expiresAt: T0 + 7 * DAY }).at(DAY * 2, { type: 'CALL_STARTED', callId: 'c' }, { type: 'CALL_CONNECTED', callId: 'c' });
    expect(canRequestPermission(answered.now, T0 + 3 * DAY - 1)).toMatchObject({ via: 'interactive' });
    expect(canRequestPermission(answered.now, T0 + 3 * DAY)).toMatchObject({ via: 'template' });
    // A message restarts the window from its own time.
    message.at(20 * HOUR, { type: 'USER_MESSAGE' });
    expect(canRequestPermission(message.now, T0 + 20 * HOUR + DAY - 1)).toMatchObject({ via: 'interactive' });
  });
});
