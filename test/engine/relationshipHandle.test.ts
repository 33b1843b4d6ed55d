import { describe, expect, it } from 'vitest';
import {
  createCallPermissionEngine,
  EffectOutcomeUnknownError,
  MemoryStore,
  type CallPermissionEffects,
  type RelationshipStore,
} from '../../src/index.js';
import { HOUR_MS } from '../../src/time.js';

const SENDER = '+44 113 496 0000';
const USER = '+44 7700 900123';
const T0 = Date.parse('2026-04-01T10:00:00.000Z');
const DAY = 24 * HOUR_MS;

function world(options: { effects?: Partial<CallPermissionEffects>; store?: RelationshipStore; policy?: 'infobip' | 'infobip-seed' } = {}) {
  let now = T0;
  const sent: string[] = [];
  const effects: CallPermissionEffects = {
    sendPermissionRequest: async (command) => {
      sent.push(`request ${command.requestId}`);
      return { messageId: command.requestId };
    },
    startCall: async (command) => {
      sent.push(`call ${command.callId}`);
      return { platformCallId: `ib-${command.callId}` };
    },
    ...options.effects,
  };
  const engine = createCallPermissionEngine({ store: options.store ?? new MemoryStore(), effects, clock: () => now, policy: options.policy ?? 'infobip' });
  return {
    engine,
    sent,
    advance: (ms: number) => (now += ms),
    get now() {
      return now;
    },
  };
}

describe('engine.relationship({ sender, user }): one handle, one result shape', () => {
  it('normalises the pair once, naming the field of a bad number', () => {
    const { engine } = world();
    expect(engine.relationship({ sender: SENDER, user: USER }).key).toEqual({ sender: '441134960000', user: '447700900123' });
    expect(() => engine.relationship({ sender: SENDER, user: 'not a number' })).toThrow(expect.objectContaining({ code: 'INVALID_PHONE_NUMBER', path: 'key.user' }));
  });

  it('R1: a request is sent, the next refused by the rules with the rule, reason and retryAt — both as results', async () => {
    const { engine, sent } = world();
    const pair = engine.relationship({ sender: SENDER, user: USER });
    const first = await pair.requestPermission();
    expect(first).toMatchObject({ ok: true, kind: 'sent', via: 'template', at: T0, receipt: { messageId: expect.any(String) } });
    const second = await pair.requestPermission();
    expect(second).toMatchObject({ ok: false, kind: 'refused', by: 'rules', rule: 'R1', rules: ['R1'], retryAt: T0 + DAY });
    expect(sent).toHaveLength(1);
  });

  it('G4, G6, then G2: a call without a grant is refused; granted, one at a time (G6), until the slots are full (G2)', async () => {
    const { engine } = world({ policy: 'infobip-seed' });
    const pair = engine.relationship({ sender: SENDER, user: USER });
    expect(await pair.startCall()).toMatchObject({ ok: false, kind: 'refused', by: 'rules', rule: 'G4' });
    expect(await pair.record({ type: 'PERMISSION_ACCEPTED', at: T0, permanent: true }, { factKey: 'reply-1' })).toMatchObject({ ok: true, kind: 'recorded', changed: true, previousState: 'noPermission', state: 'granted' });
    expect(await pair.record({ type: 'PERMISSION_ACCEPTED', at: T0, permanent: true }, { factKey: 'reply-1' })).toMatchObject({ ok: true, kind: 'duplicate', changed: false });
    const started = await pair.startCall();
    expect(started).toMatchObject({ ok: true, kind: 'started', receipt: { platformCallId: expect.stringMatching(/^ib-/) } });
    expect(await pair.startCall()).toMatchObject({ ok: false, kind: 'refused', by: 'rules', rule: 'G6' });
    /** The call connects and ends: its G2 slot stays used for 24 h, the pair is free again (G6). */
    const connectAndEnd = async (callId: string) => {
      await pair.record({ type: 'CALL_CONNECTED', at: T0, callId });
      await engine.recordSender(pair.key.sender, { type: 'CALL_ENDED', at: T0, callId, user: pair.key.user });
    };
    // Infobip's id names the call from its re-keying on (CALL_ID_ASSIGNED).
    const platformId = (outcome: unknown) => (outcome as { receipt: { platformCallId: string } }).receipt.platformCallId;
    await connectAndEnd(platformId(started));
    const limit = engine.policy.connectedCallsPerWindow;
    for (let i = 1; i < limit; i++) {
      const next = await pair.startCall();
      expect(next.ok).toBe(true);
      await connectAndEnd(platformId(next));
    }
    expect(await pair.startCall()).toMatchObject({ ok: false, kind: 'refused', by: 'rules', rule: 'G2' });
    expect((await pair.permissions()).status).toBe('PERMANENT');
    expect((await pair.snapshot())!.value).toBe('granted');
  });

  it('an effect that failed is a result, not a throw: released when it surely did not go out, kept when it may have', async () => {
    let mode: 'fail' | 'unknown' = 'fail';
    const { engine } = world({
      effects: {
        startCall: async () => {
          throw mode === 'fail' ? new Error('HTTP 400') : new EffectOutcomeUnknownError('timed out after the request left');
        },
      },
    });
    const pair = engine.relationship({ sender: SENDER, user: USER });
    await pair.record({ type: 'PERMISSION_ACCEPTED', at: T0, permanent: true });
    const failed = await pair.startCall();
    expect(failed).toMatchObject({ ok: false, kind: 'failed', reservationReleased: true, outcomeUnknown: false, error: { code: 'EFFECT_FAILED' } });
    expect((await pair.permissions()).actions.find((a) => a.name === 'START_CALL')!.limits[0]!.currentUsage).toBe(0);
    mode = 'unknown';
    expect(await pair.startCall()).toMatchObject({ ok: false, kind: 'failed', reservationReleased: false, outcomeUnknown: true, error: { code: 'EFFECT_OUTCOME_UNKNOWN' } });
    expect((await pair.permissions()).actions.find((a) => a.name === 'START_CALL')!.limits[0]!.currentUsage).toBe(1);
  });

  it('what is not a refusal or an effect failure is still thrown (a store that is down, bad input)', async () => {
    const down: RelationshipStore = {
      load: async () => {
        throw Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
      },
      save: async () => ({ ok: true, version: 1 }),
    };
    const { engine } = world({ store: down });
    const pair = engine.relationship({ sender: SENDER, user: USER });
    await expect(pair.startCall()).rejects.toThrow(/connection refused/);
    await expect(pair.record({ type: 'NOT_AN_EVENT', at: T0 } as never)).rejects.toMatchObject({ code: 'UNKNOWN_EVENT_TYPE', path: 'event.type' });
  });
});

describe('engine.tick(): the due sweep in bounded batches', () => {
  it('G1: temporary grants that ended are moved on once each; a second tick finds nothing; batches are bounded', async () => {
    const w = world();
    const users = Array.from({ length: 7 }, (_, i) => `4477009001${String(i).padStart(2, '0')}`);
    for (const user of users) await w.engine.record(SENDER, user, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: false, expiresAt: T0 + DAY });
    w.advance(DAY + 1);
    const bounded = await w.engine.tick({ batchSize: 3, maxBatches: 1 });
    expect(bounded).toMatchObject({ moved: 3, looked: 3, more: true, failed: [] });
    const rest = await w.engine.tick({ batchSize: 3 });
    expect(rest).toMatchObject({ now: w.now, moved: 4, looked: 4, more: false });
    expect(await w.engine.tick()).toMatchObject({ moved: 0, looked: 0, more: false });
    for (const user of users) expect((await w.engine.snapshot(SENDER, user))!.value).toBe('noPermission');
  });

  it('refuses a batch size that is not a whole number ≥ 1, and a store without a due index', async () => {
    const { engine } = world();
    await expect(engine.tick({ batchSize: 0 })).rejects.toMatchObject({ code: 'INVALID_LIMIT', path: 'options.batchSize' });
    const plain: RelationshipStore = { load: async () => undefined, save: async () => ({ ok: true, version: 1 }) };
    await expect(world({ store: plain }).engine.tick()).rejects.toMatchObject({ code: 'UNSUPPORTED' });
  });
});
