import { describe, expect, it } from 'vitest';
import { canRequestPermission, getPermissions } from '../../src/index.js';
import { DAY, HOUR, story, T0 } from '../support/timeline.js';

describe('Request limits (docs/rules.md R1–R5)', () => {
  it('R1: one permission request in any rolling 24 h — the next is refused until exactly 24 h later', () => {
    const s = story().at(0, { type: 'REQUEST_SENT', requestId: 'r1', via: 'template' });
    expect(canRequestPermission(s.now, T0 + DAY - 1)).toMatchObject({ allowed: false, rule: 'R1', retryAt: T0 + DAY });
    expect(canRequestPermission(s.now, T0 + DAY)).toEqual({ allowed: true, via: 'template' });
    // The statechart itself refuses a second request inside the window: nothing changes.
    const before = s.now;
    s.at(DAY - 1, { type: 'REQUEST_SENT', requestId: 'r2', via: 'template' });
    expect(s.now).toBe(before);
  });

  it('R2: two requests in any rolling 7 days, answered or not — a declined one counts too', () => {
    const s = story()
      .at(0, { type: 'REQUEST_SENT', requestId: 'r1', via: 'template' })
      .at(HOUR, { type: 'PERMISSION_REJECTED', source: 'user' })
      .at(DAY, { type: 'REQUEST_SENT', requestId: 'r2', via: 'template' });
    expect(s.now.value).toBe('requested');
    const refusal = canRequestPermission(s.now, T0 + 3 * DAY);
    expect(refusal).toMatchObject({ allowed: false, rule: 'R2', retryAt: T0 + 7 * DAY });
    expect(canRequestPermission(s.now, T0 + 7 * DAY)).toMatchObject({ allowed: true });
    const limits = getPermissions(s.now, T0 + 3 * DAY).actions[0].limits;
    expect(limits[1]).toEqual({ timePeriod: 'P7D', maxAllowed: 2, currentUsage: 2, limitExpirationTime: new Date(T0 + 7 * DAY).toISOString() });
  });

  it('R3: the engine chooses interactive inside the 24 h customer-service window and a template outside it', () => {
    const s = story().at(0, { type: 'USER_MESSAGE' });
    expect(canRequestPermission(s.now, T0 + DAY - 1)).toEqual({ allowed: true, via: 'interactive' });
    expect(canRequestPermission(s.now, T0 + DAY)).toEqual({ allowed: true, via: 'template' });
  });

  it('R4: an unanswered request lapses 7 days after it was sent; a declined one can still be accepted while answerable', () => {
    const lapsing = story().at(0, { type: 'REQUEST_SENT', requestId: 'r1', via: 'template' });
    lapsing.at(7 * DAY - 1, { type: 'CLOCK' });
    expect(lapsing.now.value).toBe('requested');
    lapsing.at(7 * DAY, { type: 'CLOCK' });
    expect(lapsing.now.value).toBe('noPermission');

    const changedMind = story()
      .at(0, { type: 'REQUEST_SENT', requestId: 'r1', via: 'template' })
      .at(HOUR, { type: 'PERMISSION_REJECTED', requestId: 'r1', source: 'user' });
    expect(changedMind.now.value).toBe('noPermission');
    changedMind.at(3 * DAY, { type: 'PERMISSION_ACCEPTED', requestId: 'r1', permanent: false });
    expect(changedMind.now.value).toBe('granted');
  });

  it('R5: no request while a permanent permission exists; a temporary grant may be renewed', () => {
    const permanent = story().at(0, { type: 'PERMISSION_ACCEPTED', permanent: true, source: 'profile' });
    expect(canRequestPermission(permanent.now, T0 + 30 * DAY)).toMatchObject({ allowed: false, rule: 'R5' });
    expect('retryAt' in canRequestPermission(permanent.now, T0)).toBe(false);

    const temporary = story().at(0, { type: 'PERMISSION_ACCEPTED', expiresAt: T0 + 7 * DAY });
    expect(canRequestPermission(temporary.now, T0 + DAY)).toMatchObject({ allowed: true });
    temporary.at(DAY, { type: 'REQUEST_SENT', requestId: 'renew', via: 'template' });
    expect(temporary.now.value).toBe('granted');
  });
});
