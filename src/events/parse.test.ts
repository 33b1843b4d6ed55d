import { describe, expect, it } from 'vitest';
import { definePolicy, InvalidEventError } from '../index.js';
import { DEFAULT_POLICY } from '../policy/policy.js';
import { parseEvent } from './parse.js';

const T = Date.UTC(2026, 3, 1, 10);

describe('parseEvent', () => {
  it('accepts epoch ms, ISO strings with a zone, and Dates', () => {
    expect(parseEvent({ type: 'CLOCK', at: T }, DEFAULT_POLICY)).toEqual({ type: 'CLOCK', at: T });
    expect(parseEvent({ type: 'CLOCK', at: '2026-04-01T12:00:00+02:00' }, DEFAULT_POLICY)).toEqual({ type: 'CLOCK', at: T });
    expect(parseEvent({ type: 'CLOCK', at: new Date(T) }, DEFAULT_POLICY)).toEqual({ type: 'CLOCK', at: T });
  });

  it('R1 R2 G2: a reconstructed use’s countedFrom is kept when inside its window before the event; refused after it or older than the window (the path named)', () => {
    const H = 3_600_000;
    const request = (countedFrom: unknown) => parseEvent({ type: 'REQUEST_SENT', at: T, requestId: 'r', via: 'template', countedFrom }, DEFAULT_POLICY);
    const call = (countedFrom: unknown) => parseEvent({ type: 'CALL_STARTED', at: T, callId: 'c', countedFrom }, DEFAULT_POLICY);
    expect(request(T - 20 * H)).toEqual({ type: 'REQUEST_SENT', at: T, requestId: 'r', via: 'template', countedFrom: T - 20 * H });
    expect(request('2026-03-25T10:00:00.001Z')).toMatchObject({ countedFrom: T - 7 * 24 * H + 1 });
    expect(request(T)).toEqual({ type: 'REQUEST_SENT', at: T, requestId: 'r', via: 'template' });
    expect(call(T - 24 * H + 1)).toMatchObject({ countedFrom: T - 24 * H + 1 });
    expect(() => request(T + 1)).toThrow(expect.objectContaining({ path: 'event.countedFrom' }));
    expect(() => request(T - 7 * 24 * H)).toThrow(expect.objectContaining({ path: 'event.countedFrom' }));
    expect(() => call(T - 24 * H)).toThrow(expect.objectContaining({ path: 'event.countedFrom' }));
    expect(() => call('yesterday')).toThrow(expect.objectContaining({ path: 'event.countedFrom', code: 'INVALID_TIME' }));
    expect(() => call(T - 1000)).not.toThrow(InvalidEventError);
  });

  it('G1: resolves an accept’s expiry — explicit time, permanent flag, or the policy default', () => {
    const accept = (extra: object, policy = DEFAULT_POLICY) => parseEvent({ type: 'PERMISSION_ACCEPTED', at: T, ...extra }, policy);
    expect(accept({ expiresAt: '2026-04-03T10:00:00Z' })).toMatchObject({ expiresAt: T + 2 * 86_400_000, source: 'user' });
    expect(accept({ permanent: true })).toMatchObject({ expiresAt: null });
    expect(accept({ permanent: false })).toMatchObject({ expiresAt: T + 7 * 86_400_000 });
    // Infobip's reply has no permanent flag: without an expiry, the safe side (7 days) until the platform confirms PERMANENT.
    expect(accept({})).toMatchObject({ expiresAt: T + 7 * 86_400_000 });
    expect(accept({}, definePolicy({ acceptWithoutExpiry: 'permanent' }))).toMatchObject({ expiresAt: null });
    expect(accept({}, definePolicy('meta'))).toMatchObject({ expiresAt: T + 7 * 86_400_000 });
    // A normalised accept says permanent with `expiresAt: null`: the policy does not re-interpret it.
    expect(accept({ expiresAt: null }, definePolicy('meta'))).toMatchObject({ expiresAt: null });
  });

  it.each([
    [null, 'event', 'INVALID_EVENT'],
    [{ at: T }, 'event.type', 'UNKNOWN_EVENT_TYPE'],
    [{ type: 'CLOCK' }, 'event.at', 'INVALID_TIME'],
    [{ type: 'CLOCK', at: 'yesterday' }, 'event.at', 'INVALID_TIME'],
    [{ type: 'CLOCK', at: '2026-04-01T10:00:00' }, 'event.at', 'INVALID_TIME'],
    [{ type: 'CLOCK', at: T / 1000 }, 'event.at', 'INVALID_TIME'],
    [{ type: 'CLOCK', at: Number.NaN }, 'event.at', 'INVALID_TIME'],
    [{ type: 'REQUEST_SENT', at: T, requestId: 'r', via: 'sms' }, 'event.via', 'INVALID_EVENT'],
    [{ type: 'REQUEST_SENT', at: T, requestId: 'has space', via: 'template' }, 'event.requestId', 'INVALID_EVENT'],
    [{ type: 'CALL_STARTED', at: T }, 'event.callId', 'INVALID_EVENT'],
    [{ type: 'CALL_UNANSWERED', at: T, callId: 'c', reason: 'voicemail' }, 'event.reason', 'INVALID_EVENT'],
    [{ type: 'CALL_FAILED', at: T, callId: 'c', reason: '' }, 'event.reason', 'INVALID_EVENT'],
    [{ type: 'PERMISSION_ACCEPTED', at: T, permanent: true, expiresAt: T + 1 }, 'event.expiresAt', 'INVALID_EVENT'],
    [{ type: 'PERMISSION_ACCEPTED', at: T, expiresAt: T }, 'event.expiresAt', 'INVALID_EVENT'],
    [{ type: 'PERMISSION_ACCEPTED', at: T, permanent: 'yes' }, 'event.permanent', 'INVALID_EVENT'],
    [{ type: 'PERMISSION_REJECTED', at: T, source: 'robot' }, 'event.source', 'INVALID_EVENT'],
  ])('refuses %j at %s (%s)', (input, path, code) => {
    let thrown: unknown;
    try {
      parseEvent(input, DEFAULT_POLICY);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidEventError);
    expect(thrown).toMatchObject({ path, code });
  });
});
