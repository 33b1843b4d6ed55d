import { describe, expect, it } from 'vitest';
import {
  createCallPermissionEngine,
  EffectFailedError,
  EffectOutcomeUnknownError,
  InvalidEventError,
  InvalidPhoneNumberError,
  MemoryStore,
  StoreConflictError,
  type CallPermissionEffects,
  type RelationshipStore,
  type SaveRequest,
} from '../../src/index.js';
import { createManualClock, createRecordingEffects } from '../../src/testing/index.js';
import { DAY, HOUR, T0 } from '../support/timeline.js';

const SENDER = '+44 113 496 0000';
const USER = '447700900123';

function granted(effects: CallPermissionEffects = createRecordingEffects(), store: RelationshipStore = new MemoryStore()) {
  const clock = createManualClock(T0);
  const engine = createCallPermissionEngine({ effects, store, clock, policy: 'infobip-seed' });
  return { engine, clock, store, ready: engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true }) };
}

describe('engine commands: load → decide → reserve → effect → outcome', () => {
  it('G6: twenty concurrent startCall on one relationship start exactly one call', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const placed: string[] = [];
    const effects: CallPermissionEffects = {
      async sendPermissionRequest() {},
      async startCall(command) {
        placed.push(command.callId);
        await gate; // every effect is in flight at once
      },
    };
    const { engine, ready } = granted(effects);
    await ready;
    const attempts = Array.from({ length: 20 }, () => engine.startCall(SENDER, USER));
    await new Promise((r) => setTimeout(r, 10));
    release();
    const results = await Promise.all(attempts);
    expect(results.filter((r) => r.outcome === 'started')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'refused').every((r) => r.outcome === 'refused' && r.refusal.rule === 'G6')).toBe(true);
    expect(placed).toHaveLength(1);
    expect((await engine.snapshot(SENDER, USER))!.context.callsInFlight).toHaveLength(1);
  });

  it('an effect that throws releases the reservation: the slot is free again', async () => {
    const effects: CallPermissionEffects = {
      async sendPermissionRequest() {
        throw new Error('HTTP 400 bad template');
      },
      async startCall() {
        throw new Error('HTTP 403 forbidden');
      },
    };
    const { engine, ready } = granted(effects);
    await ready;
    const call = engine.startCall(SENDER, USER);
    await expect(call).rejects.toBeInstanceOf(EffectFailedError);
    await expect(call).rejects.toMatchObject({ reservationReleased: true, code: 'EFFECT_FAILED' });
    expect((await engine.snapshot(SENDER, USER))!.context.callsInFlight).toEqual([]);
    expect((await engine.permissions(SENDER, USER)).actions[1].limits[0]!.currentUsage).toBe(0);

    const fresh = createCallPermissionEngine({ effects, clock: () => T0 });
    await expect(fresh.requestPermission(SENDER, USER)).rejects.toMatchObject({ reservationReleased: true });
    expect((await fresh.snapshot(SENDER, USER))!.context.requests).toEqual([]);
    expect((await fresh.permissions(SENDER, USER)).actions[0].canPerformAction).toBe(true);
  });

  it('an effect whose outcome is unknown keeps the reservation (counting a maybe-sent request never breaks R1)', async () => {
    const effects: CallPermissionEffects = {
      async sendPermissionRequest() {
        throw new EffectOutcomeUnknownError('timed out after the request left');
      },
      async startCall() {},
    };
    const engine = createCallPermissionEngine({ effects, clock: () => T0 });
    await expect(engine.requestPermission(SENDER, USER)).rejects.toMatchObject({ reservationReleased: false, code: 'EFFECT_OUTCOME_UNKNOWN' });
    expect(await engine.requestPermission(SENDER, USER)).toMatchObject({ outcome: 'refused', refusal: { rule: 'R1', retryAt: T0 + DAY } });
  });

  it('a store that fails leaves the previous snapshot intact and the error reaches the caller', async () => {
    const inner = new MemoryStore();
    let failWrites = false;
    const flaky: RelationshipStore = {
      load: (key) => inner.load(key),
      save: (request: SaveRequest) => {
        if (failWrites) throw new Error('connection reset');
        return inner.save(request);
      },
    };
    const { engine, ready } = granted(createRecordingEffects(), flaky);
    await ready;
    const before = inner.load({ sender: '441134960000', user: USER });
    failWrites = true;
    await expect(engine.startCall(SENDER, USER)).rejects.toThrow('connection reset');
    await expect(engine.record(SENDER, USER, { type: 'PERMISSION_REVOKED', at: T0 + HOUR })).rejects.toThrow('connection reset');
    expect(inner.load({ sender: '441134960000', user: USER })).toBe(before);
    failWrites = false;
    expect((await engine.snapshot(SENDER, USER))!.value).toBe('granted');
  });

  it('a store that always conflicts ends in a typed StoreConflictError after the retry budget', async () => {
    const inner = new MemoryStore();
    let saves = 0;
    const hostile: RelationshipStore = { load: (k) => inner.load(k), save: () => (saves++, { ok: false, reason: 'conflict' }) };
    const engine = createCallPermissionEngine({ store: hostile, maxConflictRetries: 3 });
    await expect(engine.record(SENDER, USER, { type: 'USER_MESSAGE', at: T0 })).rejects.toBeInstanceOf(StoreConflictError);
    expect(saves).toBe(4);
  });

  it('a refused command calls no effect and stores nothing', async () => {
    const effects = createRecordingEffects();
    const engine = createCallPermissionEngine({ effects, clock: () => T0 });
    expect(await engine.startCall(SENDER, USER)).toMatchObject({ outcome: 'refused', refusal: { rule: 'G4' } });
    expect(effects.commands).toEqual([]);
    expect(await engine.snapshot(SENDER, USER)).toBeUndefined();
  });

  it('R3 through the engine: a request inside the window goes interactive, with the engine’s id as the message id', async () => {
    const effects = createRecordingEffects();
    const engine = createCallPermissionEngine({ effects, clock: () => T0 + HOUR, newId: () => 'req-1' });
    await engine.record(SENDER, USER, { type: 'USER_MESSAGE', at: T0 });
    const sent = await engine.requestPermission(SENDER, USER);
    expect(sent).toMatchObject({ outcome: 'sent', requestId: 'req-1', via: 'interactive' });
    expect(effects.commands).toEqual([{ kind: 'request', sender: '441134960000', user: USER, requestId: 'req-1', via: 'interactive', at: T0 + HOUR }]);
  });

  it('a call id assigned by the platform re-keys the reservation, so its webhook releases the right slot', async () => {
    const effects: CallPermissionEffects = { async sendPermissionRequest() {}, async startCall() { return { platformCallId: 'ib-1' }; } };
    const { engine, ready } = granted(effects);
    await ready;
    await engine.startCall(SENDER, USER);
    expect((await engine.snapshot(SENDER, USER))!.context.callsInFlight.map(([id]) => id)).toEqual(['ib-1']);
    await engine.record(SENDER, USER, { type: 'CALL_CONNECTED', at: T0 + 1, callId: 'ib-1' });
    expect((await engine.snapshot(SENDER, USER))!.context).toMatchObject({ callsInFlight: [], connectedCalls: [T0 + 1] });
  });
});

describe('engine facts: validation, idempotency, time', () => {
  it('a fact recorded twice under one factKey is applied once', async () => {
    const engine = createCallPermissionEngine();
    const event = { type: 'CALL_UNANSWERED', at: T0, callId: 'c1', reason: 'no_answer' } as const;
    await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0 - 1, permanent: true });
    expect(await engine.record(SENDER, USER, event, { factKey: 'CALL_FINISHED:c1' })).toMatchObject({ duplicate: false, changed: true });
    expect(await engine.record(SENDER, USER, event, { factKey: 'CALL_FINISHED:c1' })).toMatchObject({ duplicate: true, changed: false });
    expect((await engine.snapshot(SENDER, USER))!.context.unanswered).toBe(1);
  });

  it('bad input gets a typed error naming the field, and nothing is stored', async () => {
    const store = new MemoryStore();
    const engine = createCallPermissionEngine({ store });
    await expect(engine.record('12', USER, { type: 'USER_MESSAGE', at: T0 })).rejects.toMatchObject({ name: 'InvalidPhoneNumberError', path: 'sender' });
    await expect(engine.record(SENDER, USER, { type: 'USER_MESSAGE', at: 1_775_000_000 } as never)).rejects.toMatchObject({ code: 'INVALID_TIME', path: 'event.at' });
    await expect(engine.record(SENDER, USER, { type: 'CALL_UNANSWERED', at: T0, callId: 'c', reason: 'voicemail' } as never)).rejects.toMatchObject({ path: 'event.reason' });
    await expect(engine.record(SENDER, USER, { type: 'TELEPORT', at: T0 } as never)).rejects.toBeInstanceOf(InvalidEventError);
    await expect(engine.record(SENDER, 'not a number', { type: 'USER_MESSAGE', at: T0 })).rejects.toBeInstanceOf(InvalidPhoneNumberError);
    expect(store.size).toBe(0);
  });

  it('a late fact is applied at the relationship’s clock; one older than the tolerance is refused with EVENT_TOO_LATE', async () => {
    const engine = createCallPermissionEngine();
    await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true });
    await engine.record(SENDER, USER, { type: 'CLOCK', at: T0 + 10 * DAY });
    const late = await engine.record(SENDER, USER, { type: 'CALL_STARTED', at: T0 + 9 * DAY, callId: 'c1' });
    expect(late.snapshot.context.callsInFlight).toEqual([['c1', T0 + 10 * DAY]]);
    await expect(engine.record(SENDER, USER, { type: 'USER_MESSAGE', at: T0 + 2 * DAY })).rejects.toMatchObject({ code: 'EVENT_TOO_LATE', path: 'event.at' });
    expect((await engine.snapshot(SENDER, USER))!.context.now).toBe(T0 + 10 * DAY);
  });

  it('G1 through the engine: an expiry is stored when a refused command finds it, and due() lists relationships whose state will change', async () => {
    const clock = createManualClock(T0);
    const engine = createCallPermissionEngine({ effects: createRecordingEffects(), clock });
    await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0, expiresAt: T0 + DAY });
    await engine.record(SENDER, '447700900999', { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true });
    expect(await engine.due(T0 + DAY)).toEqual([{ sender: '441134960000', user: USER, dueAt: T0 + DAY }]);
    clock.set(T0 + DAY);
    expect(await engine.startCall(SENDER, USER)).toMatchObject({ outcome: 'refused', refusal: { rule: 'G4' } });
    expect((await engine.snapshot(SENDER, USER))!.value).toBe('noPermission');
    expect(await engine.due(T0 + 30 * DAY)).toEqual([]);
  });

  it('requestPermission without effects is a configuration error, not a silent no-op', async () => {
    const engine = createCallPermissionEngine();
    await expect(engine.requestPermission(SENDER, USER)).rejects.toMatchObject({ code: 'NO_EFFECTS', path: 'options.effects' });
  });
});
