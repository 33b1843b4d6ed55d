/**
 * Trusted time (docs/semantics.md "Trusted time"): no fact moves a relationship's clock beyond the
 * engine's clock + policy.maxClockSkewMs, commands are decided at the engine's own clock, and a
 * user's no dated anywhere is recorded. Includes the two reproductions of the issue.
 */
import { describe, expect, it } from 'vitest';
import {
  createCallPermissionEngine,
  definePolicy,
  EventInFutureError,
  InvalidPolicyError,
  type RelationshipEventInput,
  type RelationshipEventType,
} from '../../src/index.js';
import { EVENT_TYPES } from '../../src/events/types.js';
import { FUTURE_FACT_TREATMENT } from '../../src/pure/trustedTime.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { createManualClock, createRecordingEffects } from '../../src/testing/index.js';
import { DAY, HOUR, T0 } from '../support/timeline.js';

const SENDER = '441134960000';
const USER = '447700900123';
const MINUTE = 60_000;
const SKEW = definePolicy('infobip').maxClockSkewMs;
const YEAR_2199 = Date.UTC(2199, 0, 1);

function setUp() {
  const clock = createManualClock(T0);
  const effects = createRecordingEffects();
  const engine = createCallPermissionEngine({ effects, clock, policy: 'infobip-seed' });
  return { clock, effects, engine };
}

async function startCalls(engine: ReturnType<typeof setUp>['engine'], n: number) {
  const outcomes: string[] = [];
  for (let i = 0; i < n; i++) {
    const result = await engine.startCall(SENDER, USER);
    outcomes.push(result.outcome === 'started' ? 'started' : `refused ${result.refusal.rule}`);
    // The platform ends each call's turn (G6: one call at a time per pair); with no outcome on the
    // relationship yet, the call still holds its G2 slot there.
    if (result.outcome === 'started') await engine.recordSender(SENDER, { type: 'CALL_ENDED', at: result.at, callId: result.callId, user: USER });
  }
  return outcomes;
}

describe('the trusted clock bound', () => {
  it('the default is minutes, not days, and a policy may set it', () => {
    expect(SKEW).toBe(5 * MINUTE);
    expect(definePolicy({ maxClockSkewMs: 30_000 }).maxClockSkewMs).toBe(30_000);
    expect(() => definePolicy({ maxClockSkewMs: -1 })).toThrow(InvalidPolicyError);
  });

  it('the late tolerance is at least twice the clock bound: an on-time fact is never refused as too late', async () => {
    const refused = (overrides: Parameters<typeof definePolicy>[0]) => {
      try {
        definePolicy(overrides);
      } catch (error) {
        return error;
      }
      throw new Error('expected an InvalidPolicyError');
    };
    for (const overrides of [{ lateEventToleranceMs: 9 * MINUTE }, { maxClockSkewMs: 4 * DAY }, { lateEventToleranceMs: HOUR, maxClockSkewMs: HOUR / 2 + 1 }]) {
      const error = refused(overrides);
      expect(error, JSON.stringify(overrides)).toBeInstanceOf(InvalidPolicyError);
      expect(error).toMatchObject({ code: 'INVALID_POLICY', path: 'policy.lateEventToleranceMs' });
      expect((error as Error).message).toContain('maxClockSkewMs');
    }
    expect(definePolicy({ lateEventToleranceMs: HOUR, maxClockSkewMs: HOUR / 2 }).lateEventToleranceMs).toBe(HOUR);
    expect(definePolicy({ lateEventToleranceMs: 10 * MINUTE }).maxClockSkewMs).toBe(5 * MINUTE);
    // Why: a fact dated within the skew of an instance running the skew ahead moves the relationship's clock
    // 2 × the skew past the slower instance's; a user's reject dated at that slower clock is still recorded.
    const policy = definePolicy({ lateEventToleranceMs: 10 * MINUTE });
    const store = new MemoryStore();
    const slow = createCallPermissionEngine({ policy, store, clock: () => T0 });
    const fast = createCallPermissionEngine({ policy, store, clock: () => T0 + 5 * MINUTE });
    await slow.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0 - HOUR, permanent: true });
    await fast.record(SENDER, USER, { type: 'USER_MESSAGE', at: T0 + 10 * MINUTE });
    const no = await slow.record(SENDER, USER, { type: 'PERMISSION_REJECTED', at: T0, source: 'user' });
    expect(no.state).toBe('revoked');
    // A policy object built by hand is checked by the engine as definePolicy checks it.
    const handMade = { ...definePolicy('infobip'), maxClockSkewMs: 4 * DAY };
    expect(() => createCallPermissionEngine({ policy: handMade })).toThrow(expect.objectContaining({ code: 'INVALID_POLICY', path: 'policy.lateEventToleranceMs' }));
  });

  it('reproduction 1 (G2): a USER_MESSAGE dated +25 h does not let five more calls out', async () => {
    const { engine, clock } = setUp();
    await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true });
    clock.set(T0 + 1000);
    expect(await startCalls(engine, 6)).toEqual([...Array(5).fill('started'), 'refused G2']);
    const before = await engine.snapshot(SENDER, USER);
    const error = await engine.record(SENDER, USER, { type: 'USER_MESSAGE', at: T0 + 1000 + 25 * HOUR }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventInFutureError);
    expect(error).toMatchObject({ code: 'EVENT_IN_FUTURE', path: 'event.at', acceptableAt: T0 + 1000 + 25 * HOUR - SKEW });
    expect(await engine.snapshot(SENDER, USER), 'nothing recorded').toBe(before);
    clock.set(T0 + 1005);
    expect(await startCalls(engine, 5)).toEqual(Array(5).fill('refused G2'));
  });

  it('reproduction 2 (G4, U1): after a message dated 2199, the user’s reject is recorded and the next call refused', async () => {
    const { engine, clock } = setUp();
    await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true });
    await expect(engine.record(SENDER, USER, { type: 'USER_MESSAGE', at: YEAR_2199 })).rejects.toMatchObject({ code: 'EVENT_IN_FUTURE' });
    clock.set(T0 + MINUTE);
    const rejected = await engine.record(SENDER, USER, { type: 'PERMISSION_REJECTED', at: T0 + MINUTE, source: 'user' });
    expect(rejected).toMatchObject({ previousState: 'granted', state: 'revoked', changed: true });
    expect(await startCalls(engine, 1)).toEqual(['refused G4']);
  });

  it('U1: a reject or revoke dated far ahead is recorded at the engine’s clock, never dropped', async () => {
    for (const no of [
      { type: 'PERMISSION_REJECTED', at: YEAR_2199, source: 'user' },
      { type: 'PERMISSION_REVOKED', at: T0 + 3 * DAY },
    ] as RelationshipEventInput[]) {
      const { engine, clock } = setUp();
      await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true });
      clock.set(T0 + HOUR);
      const result = await engine.record(SENDER, USER, no);
      expect(result.state).toBe('revoked');
      expect(result.snapshot.context.now, 'recorded at the engine’s clock').toBe(T0 + HOUR);
      expect(result.snapshot.context.revokedAt).toBe(T0 + HOUR);
      expect(await startCalls(engine, 1)).toEqual(['refused G4']);
    }
  });

  it('a fact within the bound is recorded at its own time; one a millisecond beyond it follows its kind’s treatment', async () => {
    const { engine } = setUp();
    const within = await engine.record(SENDER, USER, { type: 'USER_MESSAGE', at: T0 + SKEW });
    expect(within.snapshot.context.lastUserContactAt).toBe(T0 + SKEW);
    await expect(engine.record(SENDER, USER, { type: 'USER_MESSAGE', at: T0 + SKEW + 1 })).rejects.toBeInstanceOf(EventInFutureError);
  });

  it('every fact kind dated far ahead is either refused or recorded at the engine’s clock: the relationship’s clock never passes clock + skew', async () => {
    const events: Record<RelationshipEventType, (at: number) => RelationshipEventInput> = {
      CLOCK: (at) => ({ type: 'CLOCK', at }),
      USER_MESSAGE: (at) => ({ type: 'USER_MESSAGE', at }),
      REQUEST_SENT: (at) => ({ type: 'REQUEST_SENT', at, requestId: 'r9', via: 'template' }),
      REQUEST_FAILED: (at) => ({ type: 'REQUEST_FAILED', at, requestId: 'r1' }),
      PERMISSION_ACCEPTED: (at) => ({ type: 'PERMISSION_ACCEPTED', at, permanent: false }),
      PERMISSION_REJECTED: (at) => ({ type: 'PERMISSION_REJECTED', at, source: 'user' }),
      PERMISSION_REVOKED: (at) => ({ type: 'PERMISSION_REVOKED', at }),
      PERMISSION_SYNCED: (at) => ({ type: 'PERMISSION_SYNCED', at, status: 'PERMANENT' }),
      CALL_STARTED: (at) => ({ type: 'CALL_STARTED', at, callId: 'c9' }),
      CALL_ID_ASSIGNED: (at) => ({ type: 'CALL_ID_ASSIGNED', at, callId: 'c1', platformCallId: 'p1' }),
      CALL_CONNECTED: (at) => ({ type: 'CALL_CONNECTED', at, callId: 'c1' }),
      CALL_UNANSWERED: (at) => ({ type: 'CALL_UNANSWERED', at, callId: 'c1', reason: 'no_answer' }),
      CALL_FAILED: (at) => ({ type: 'CALL_FAILED', at, callId: 'c1', reason: 'SERVICE_UNAVAILABLE' }),
      USER_CALL_RECEIVED: (at) => ({ type: 'USER_CALL_RECEIVED', at, callId: 'u1' }),
      USER_CALL_CONNECTED: (at) => ({ type: 'USER_CALL_CONNECTED', at, callId: 'u1' }),
    };
    for (const type of EVENT_TYPES) {
      const { engine, clock } = setUp();
      await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0, expiresAt: T0 + 30 * DAY });
      await engine.record(SENDER, USER, { type: 'CALL_STARTED', at: T0, callId: 'c1' });
      clock.set(T0 + HOUR);
      const before = await engine.snapshot(SENDER, USER);
      const outcome = await engine.record(SENDER, USER, events[type](T0 + 2 * DAY)).then(
        (result) => ({ recorded: result.snapshot.context.now }),
        (error: unknown) => ({ refused: (error as EventInFutureError).code }),
      );
      if (FUTURE_FACT_TREATMENT[type] === 'refuse') {
        expect(outcome, type).toEqual({ refused: 'EVENT_IN_FUTURE' });
        expect(await engine.snapshot(SENDER, USER), `${type}: nothing recorded`).toBe(before);
      } else expect(outcome, type).toEqual({ recorded: T0 + HOUR });
      expect((await engine.snapshot(SENDER, USER))!.context.now).toBeLessThanOrEqual(T0 + HOUR + SKEW);
    }
  });

  it('a platform’s NO_PERMISSION dated far ahead ends the grant at the engine’s clock; a grant it reports is refused', async () => {
    const { engine, clock } = setUp();
    await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true });
    clock.set(T0 + HOUR);
    await expect(engine.record(SENDER, USER, { type: 'PERMISSION_SYNCED', at: T0 + DAY, status: 'TEMPORARY', expiresAt: T0 + 9 * DAY })).rejects.toMatchObject({ code: 'EVENT_IN_FUTURE' });
    const ended = await engine.record(SENDER, USER, { type: 'PERMISSION_SYNCED', at: T0 + DAY, status: 'NO_PERMISSION' });
    expect(ended).toMatchObject({ state: 'noPermission' });
    expect(ended.snapshot.context.now).toBe(T0 + HOUR);
  });
});

describe('commands are decided at the engine’s own clock', () => {
  it('G2: a fact dated within the skew does not free a slot early, even once the windows it passed were pruned', async () => {
    const { engine, clock } = setUp();
    await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true });
    expect(await startCalls(engine, 5)).toEqual(Array(5).fill('started'));
    const ids = (await engine.snapshot(SENDER, USER))!.context.callsInFlight.map(([id]) => id);
    for (const callId of ids) await engine.record(SENDER, USER, { type: 'CALL_CONNECTED', at: T0, callId });
    // The engine's clock 2 minutes before the slots free; a message dated 4 minutes ahead of it.
    clock.set(T0 + DAY - 2 * MINUTE);
    await engine.record(SENDER, USER, { type: 'USER_MESSAGE', at: T0 + DAY + 2 * MINUTE });
    expect((await engine.snapshot(SENDER, USER))!.context.now).toBe(T0 + DAY + 2 * MINUTE);
    expect(await startCalls(engine, 1)).toEqual(['refused G2']);
    expect((await engine.permissions(SENDER, USER)).actions[1].canPerformAction).toBe(false);
    clock.set(T0 + DAY);
    const [started] = await startCalls(engine, 1);
    expect(started).toBe('started');
    // Recorded at the relationship's clock (it never runs back), so it counts from the later time.
    const snapshot = (await engine.snapshot(SENDER, USER))!;
    expect(snapshot.context.callsInFlight.at(-1)![1]).toBe(T0 + DAY + 2 * MINUTE);
  });

  it('R1: a request is refused while the engine’s clock is inside the window, though a fact moved the relationship past it', async () => {
    const { engine, clock } = setUp();
    expect((await engine.requestPermission(SENDER, USER)).outcome).toBe('sent');
    clock.set(T0 + DAY - MINUTE);
    await engine.record(SENDER, USER, { type: 'USER_MESSAGE', at: T0 + DAY + MINUTE });
    const refused = await engine.requestPermission(SENDER, USER);
    expect(refused).toMatchObject({ outcome: 'refused', refusal: { rule: 'R1', retryAt: T0 + DAY } });
  });

  it('G1 G4: allowed at the engine’s clock but not at the relationship’s later clock (the grant ended in between) is refused, not an internal error', async () => {
    const { engine, clock } = setUp();
    await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0, expiresAt: T0 + DAY });
    clock.set(T0 + DAY - MINUTE);
    await engine.record(SENDER, USER, { type: 'USER_MESSAGE', at: T0 + DAY + MINUTE });
    expect(await startCalls(engine, 1)).toEqual(['refused G4']);
  });

});

describe('late facts keep their true time where the rules are about time', () => {
  it('reproduction 3 (G3, R1): a CALL_CONNECTED dated T delivered after a request sent at T+500 ms does not erase that request', async () => {
    const { engine, clock } = setUp();
    await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0, expiresAt: T0 + 7 * DAY });
    const call = await engine.startCall(SENDER, USER);
    if (call.outcome !== 'started') throw new Error('expected a call');
    clock.set(T0 + 500);
    expect((await engine.requestPermission(SENDER, USER)).outcome).toBe('sent');
    await engine.record(SENDER, USER, { type: 'CALL_CONNECTED', at: T0, callId: call.callId });
    const snapshot = (await engine.snapshot(SENDER, USER))!;
    expect(snapshot.context.limitsResetAt, 'the reset keeps its own time').toBe(T0);
    expect(snapshot.context.connectedCalls).toEqual([T0]);
    clock.set(T0 + 501);
    expect(await engine.requestPermission(SENDER, USER)).toMatchObject({ outcome: 'refused', refusal: { rule: 'R1' } });
  });

  it('R1 G3: the tie: a request sent at the very millisecond of the reset is counted, in either order', async () => {
    for (const connectFirst of [true, false]) {
      const { engine } = setUp();
      await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0, expiresAt: T0 + 7 * DAY });
      const call = await engine.startCall(SENDER, USER);
      if (call.outcome !== 'started') throw new Error('expected a call');
      if (connectFirst) await engine.record(SENDER, USER, { type: 'CALL_CONNECTED', at: T0, callId: call.callId });
      expect((await engine.requestPermission(SENDER, USER)).outcome).toBe('sent');
      if (!connectFirst) await engine.record(SENDER, USER, { type: 'CALL_CONNECTED', at: T0, callId: call.callId });
      expect(await engine.requestPermission(SENDER, USER), `connect first: ${connectFirst}`).toMatchObject({ outcome: 'refused', refusal: { rule: 'R1' } });
    }
  });

  it('U1: an accept delivered late, dated before the user’s reject, grants nothing; one dated after it does', async () => {
    const { engine, clock } = setUp();
    clock.set(T0 + HOUR);
    await engine.record(SENDER, USER, { type: 'PERMISSION_REJECTED', at: T0 + 10 * MINUTE, source: 'user' });
    const stale = await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0 + 5 * MINUTE, permanent: true });
    expect(stale.state).toBe('noPermission');
    expect(await startCalls(engine, 1)).toEqual(['refused G4']);
    await engine.record(SENDER, USER, { type: 'USER_MESSAGE', at: T0 + 30 * MINUTE });
    const fresh = await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0 + 20 * MINUTE, permanent: true });
    expect(fresh.state).toBe('granted');
  });

  it('U1: a revoke delivered late ends the grant for every later decision; the accept before it cannot bring it back', async () => {
    const { engine, clock } = setUp();
    await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true });
    clock.set(T0 + HOUR);
    await engine.record(SENDER, USER, { type: 'USER_MESSAGE', at: T0 + HOUR });
    const revoked = await engine.record(SENDER, USER, { type: 'PERMISSION_REVOKED', at: T0 + 10 * MINUTE });
    expect(revoked.snapshot.context.revokedAt).toBe(T0 + 10 * MINUTE);
    expect(revoked.state).toBe('revoked');
    await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0 + 5 * MINUTE, permanent: true });
    expect(await startCalls(engine, 1)).toEqual(['refused G4']);
  });

  it('G5 G1: an accept delivered after the user’s call that granted callback permission, dated at or before that call, replaces the callback grant', async () => {
    // The order-safety property's counterexample: a user's call at the same millisecond as an accept, both after an earlier accept.
    const policy = definePolicy({ userCallGrantsPermission: true, temporaryGrantMs: 1000 });
    const clock = createManualClock(T0 + 2);
    const engine = createCallPermissionEngine({ policy, clock, effects: createRecordingEffects() });
    const callback = await engine.record(SENDER, USER, { type: 'USER_CALL_RECEIVED', at: T0 + 1, callId: 'u1' });
    expect(callback.snapshot.context.grantExpiresAt).toBe(T0 + 1 + 1000);
    // In time order: accept (7 days) at T0, the user's call at T0+1 (a grant is live: no callback grant), an accept ending at T0+2.
    await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0, expiresAt: T0 + 7 * DAY });
    const shorter = await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0 + 1, expiresAt: T0 + 2 });
    expect(shorter.snapshot.context.grantExpiresAt).toBe(T0 + 2);
    expect(await startCalls(engine, 1)).toEqual(['refused G4']);
    // A permanent accept dated before a callback grant binds R5, as it would have in time order.
    const other = '447700900124';
    await engine.record(SENDER, other, { type: 'USER_CALL_RECEIVED', at: T0 + 1, callId: 'u2' });
    await engine.record(SENDER, other, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true });
    expect(await engine.requestPermission(SENDER, other)).toMatchObject({ outcome: 'refused', refusal: { rule: 'R5' } });
  });

  it('G5 U1: a no delivered late, dated before a callback grant, leaves it; a user’s call delivered late grants nothing', async () => {
    const policy = definePolicy({ userCallGrantsPermission: true });
    const clock = createManualClock(T0 + HOUR);
    const engine = createCallPermissionEngine({ policy, clock, effects: createRecordingEffects() });
    await engine.record(SENDER, USER, { type: 'USER_CALL_RECEIVED', at: T0 + 30 * MINUTE, callId: 'u1' });
    const no = await engine.record(SENDER, USER, { type: 'PERMISSION_REVOKED', at: T0 + 10 * MINUTE });
    expect(no.state).toBe('granted');
    expect(await startCalls(engine, 1)).toEqual(['started']);
    const other = '447700900124';
    await engine.record(SENDER, other, { type: 'USER_MESSAGE', at: T0 + HOUR });
    const late = await engine.record(SENDER, other, { type: 'USER_CALL_RECEIVED', at: T0 + 30 * MINUTE, callId: 'u2' });
    expect(late.state).toBe('noPermission');
  });

  it('M1 M2 R5: misses delivered late, dated before a later grant, count nothing against it (they cannot revoke a permanent grant and free R5)', async () => {
    const { engine, clock } = setUp();
    await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0, expiresAt: T0 + 7 * DAY });
    clock.set(T0 + HOUR);
    await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0 + 10 * MINUTE, permanent: true });
    for (let i = 1; i <= 4; i++) await engine.record(SENDER, USER, { type: 'CALL_UNANSWERED', at: T0 + i * MINUTE, callId: `c${i}`, reason: 'no_answer' });
    const snapshot = (await engine.snapshot(SENDER, USER))!;
    expect([snapshot.value, snapshot.context.unanswered]).toEqual(['granted', 0]);
    expect(await engine.requestPermission(SENDER, USER)).toMatchObject({ outcome: 'refused', refusal: { rule: 'R5' } });
    // One dated after the grant counts.
    const counted = await engine.record(SENDER, USER, { type: 'CALL_UNANSWERED', at: T0 + 20 * MINUTE, callId: 'c5', reason: 'busy' });
    expect(counted.snapshot.context.unanswered).toBe(1);
  });

  it('U1 G1: the platform’s view delivered late keeps its time: a grant it reports never undoes a later no; its "no permission" never ends a later grant', async () => {
    const { engine, clock } = setUp();
    await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true });
    clock.set(T0 + HOUR);
    await engine.record(SENDER, USER, { type: 'PERMISSION_REVOKED', at: T0 + 10 * MINUTE });
    // A reconciliation read the platform's view at T0+5 min, before the user's revoke, and records it late.
    const stale = await engine.record(SENDER, USER, { type: 'PERMISSION_SYNCED', at: T0 + 5 * MINUTE, status: 'PERMANENT' });
    expect(stale.state).toBe('revoked');
    expect(await startCalls(engine, 1)).toEqual(['refused G4']);
    // Read after the revoke, the platform's grant counts (it is a later decision) from its own time.
    const fresh = await engine.record(SENDER, USER, { type: 'PERMISSION_SYNCED', at: T0 + 20 * MINUTE, status: 'TEMPORARY', expiresAt: T0 + 2 * HOUR });
    expect([fresh.state, fresh.snapshot.context.decidedAt]).toEqual(['granted', T0 + 20 * MINUTE]);
    // "No permission" read before that grant leaves it; read after it, ends it.
    expect((await engine.record(SENDER, USER, { type: 'PERMISSION_SYNCED', at: T0 + 15 * MINUTE, status: 'NO_PERMISSION' })).state).toBe('granted');
    expect((await engine.record(SENDER, USER, { type: 'PERMISSION_SYNCED', at: T0 + 30 * MINUTE, status: 'NO_PERMISSION' })).state).toBe('noPermission');
    expect(await startCalls(engine, 1)).toEqual(['refused G4']);
  });

  it('M1 M2: an accept delivered after misses dated after it counts them, as in time order (the order-safety property’s counterexamples)', async () => {
    const { engine, clock } = setUp();
    clock.set(T0 + HOUR);
    // Four misses arrive first (no grant known yet), then the accept dated before them: in time order they revoked it (M2).
    for (let i = 1; i <= 4; i++) await engine.record(SENDER, USER, { type: 'CALL_UNANSWERED', at: T0 + i * MINUTE, callId: `c${i}`, reason: 'no_answer' });
    const revoked = await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0, expiresAt: T0 + 7 * DAY });
    expect([revoked.state, revoked.snapshot.context.revokedAt]).toEqual(['revoked', T0 + 4 * MINUTE]);
    expect(await startCalls(engine, 1)).toEqual(['refused G4']);
    // Two misses after it, two before: prompted, as in time order.
    const other = '447700900124';
    for (let i = 1; i <= 4; i++) await engine.record(SENDER, other, { type: 'CALL_UNANSWERED', at: T0 + i * MINUTE, callId: `c${i}`, reason: 'busy' });
    const prompted = await engine.record(SENDER, other, { type: 'PERMISSION_ACCEPTED', at: T0 + 2 * MINUTE + 30_000, permanent: true });
    expect([prompted.state, prompted.snapshot.context.unanswered]).toEqual(['prompted', 2]);
  });

  it('M2 R5: the M2 revoke is no decision an accept dated between the misses yields to: it counts only the misses after it', async () => {
    const { engine, clock } = setUp();
    await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0, expiresAt: T0 + 7 * DAY });
    clock.set(T0 + HOUR);
    for (let i = 1; i <= 4; i++) await engine.record(SENDER, USER, { type: 'CALL_UNANSWERED', at: T0 + i * MINUTE, callId: `c${i}`, reason: 'no_answer' });
    expect((await engine.snapshot(SENDER, USER))!.value).toBe('revoked');
    // In time order: two misses, a permanent accept (the count starts again), two misses: prompted, R5 binds.
    const accept = await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0 + 2 * MINUTE + 30_000, permanent: true });
    expect([accept.state, accept.snapshot.context.unanswered]).toEqual(['prompted', 2]);
    expect(await engine.requestPermission(SENDER, USER)).toMatchObject({ outcome: 'refused', refusal: { rule: 'R5' } });
  });

  it('M2 M3: a miss delivered late into the stretch before a connect counts there; reaching M2, the grant was revoked before the connect', async () => {
    const { engine, clock } = setUp();
    await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true });
    clock.set(T0 + HOUR);
    for (let i = 1; i <= 3; i++) await engine.record(SENDER, USER, { type: 'CALL_UNANSWERED', at: T0 + i * MINUTE, callId: `c${i}`, reason: 'no_answer' });
    const connected = await engine.record(SENDER, USER, { type: 'CALL_CONNECTED', at: T0 + 10 * MINUTE, callId: 'c5' });
    expect([connected.state, connected.snapshot.context.unanswered]).toEqual(['granted', 0]);
    // The fourth miss, dated before the connect, arrives late: in time order it revoked the grant (M2), and the connect did not bring it back.
    const late = await engine.record(SENDER, USER, { type: 'CALL_UNANSWERED', at: T0 + 5 * MINUTE, callId: 'c4', reason: 'busy' });
    expect([late.state, late.snapshot.context.revokedAt]).toEqual(['revoked', T0 + 5 * MINUTE]);
    expect(await startCalls(engine, 1)).toEqual(['refused G4']);
  });

  it('M3: a connect delivered late resets no misses (some may have come after it) and leaves prompted as it is', async () => {
    const { engine, clock } = setUp();
    await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const call = await engine.startCall(SENDER, USER);
      if (call.outcome !== 'started') throw new Error(`call ${i} refused: ${call.refusal.rule}`);
      ids.push(call.callId);
      // G6: one call at a time per pair; the sender lets the next go once this one's turn is over.
      await engine.recordSender(SENDER, { type: 'CALL_ENDED', at: call.at, callId: call.callId, user: USER });
    }
    clock.set(T0 + 10 * MINUTE);
    await engine.record(SENDER, USER, { type: 'CALL_UNANSWERED', at: T0 + 2 * MINUTE, callId: ids[1]!, reason: 'no_answer' });
    const prompted = await engine.record(SENDER, USER, { type: 'CALL_UNANSWERED', at: T0 + 3 * MINUTE, callId: ids[2]!, reason: 'busy' });
    expect(prompted.state).toBe('prompted');
    const late = await engine.record(SENDER, USER, { type: 'CALL_CONNECTED', at: T0 + MINUTE, callId: ids[0]! });
    expect(late.state).toBe('prompted');
    expect(late.snapshot.context.unanswered).toBe(2);
    expect(late.snapshot.context.connectedCalls).toEqual([T0 + MINUTE]);
  });
});

describe('trusted time and reconstructed uses (countedFrom)', () => {
  it('R1 R2: a reservation dated beyond the bound lands at the engine’s clock; its countedFrom is kept only if before that', async () => {
    const { engine } = setUp();
    await engine.record(SENDER, USER, { type: 'REQUEST_SENT', at: T0 + DAY, requestId: 'ahead', via: 'template', countedFrom: T0 + DAY - HOUR });
    expect((await engine.snapshot(SENDER, USER))!.context.requests).toEqual([['ahead', T0]]);
    const other = '447700900124';
    await engine.record(SENDER, other, { type: 'REQUEST_SENT', at: T0 + 6 * HOUR, requestId: 'kept', via: 'template', countedFrom: T0 - HOUR });
    expect((await engine.snapshot(SENDER, other))!.context.requests).toEqual([['kept', T0 - HOUR]]);
  });

  it('G2: a late reservation is moved to the relationship’s clock and counts from there (its countedFrom dropped)', async () => {
    const { clock, engine } = setUp();
    await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true });
    clock.set(T0 + 2 * HOUR);
    await engine.record(SENDER, USER, { type: 'USER_MESSAGE', at: T0 + 2 * HOUR });
    await engine.record(SENDER, USER, { type: 'CALL_STARTED', at: T0 + HOUR, callId: 'late', countedFrom: T0 });
    expect((await engine.snapshot(SENDER, USER))!.context.callsInFlight).toEqual([['late', T0 + 2 * HOUR]]);
  });
});
