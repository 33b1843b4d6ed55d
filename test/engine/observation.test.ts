/**
 * The engine's inspection stream as a host's event log reads it: each event's source, the store's
 * version, refusals, effect outcomes, and an observer that answers a promise being waited for.
 * The property: the changed steps it reports, replayed from nothing, give the stored snapshot.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCallPermissionEngine, EffectFailedError, EffectOutcomeUnknownError, MemoryStore, type CallPermissionEffects, type InspectedEventEvent, type InspectionEvent } from '../../src/index.js';
import { toSerialized } from '../../src/pure/serialize.js';
import { applyEvent, createRelationship, type RelationshipSnapshot } from '../../src/pure/snapshot.js';
import { createManualClock } from '../../src/testing/index.js';
import { check } from '../support/fc.js';
import { DAY, T0 } from '../support/timeline.js';

const SENDER = '441134960000';
const USER = '447700900123';
const MINUTE = 60_000;

type EffectAnswer = 'ok' | 'fails' | 'unknown';

/** Effects whose next answers are scripted (a plain error: failed; a timeout: outcome unknown). */
function scriptedEffects(answers: EffectAnswer[] = []) {
  const sent: string[] = [];
  const answer = (id: string) => {
    const next = answers.shift() ?? 'ok';
    if (next === 'fails') throw new Error('HTTP 400 from the platform');
    if (next === 'unknown') throw new EffectOutcomeUnknownError('timed out: the platform may have sent it');
    sent.push(id);
  };
  const effects: CallPermissionEffects = {
    async sendPermissionRequest(command) {
      answer(command.requestId);
      return { messageId: `m-${command.requestId}` };
    },
    async startCall(command) {
      answer(command.callId);
      return { platformCallId: `p-${command.callId}` };
    },
  };
  return { effects, sent, answers };
}

function observedEngine(answers: EffectAnswer[] = [], inspect?: (event: InspectionEvent) => unknown) {
  const seen: InspectionEvent[] = [];
  const clock = createManualClock(T0);
  const store = new MemoryStore();
  const scripted = scriptedEffects(answers);
  const engine = createCallPermissionEngine({
    store,
    effects: scripted.effects,
    clock,
    inspect: (event) => {
      seen.push(event);
      return inspect?.(event);
    },
  });
  const steps = () => seen.flatMap((e) => (e.type === '@xstate.event' && !e.event.type.startsWith('wacp.') ? [`${e.event.type}:${e.source}:v${e.version}${(e as InspectedEventEvent).reservation ? ':reserved' : ''}${e.changed ? '' : ':unchanged'}`] : []));
  /** What the stream told besides the steps: refusals and effect answers. */
  const told = (type: 'wacp.refusal' | 'wacp.effect') => seen.flatMap((e) => (e.type === '@xstate.event' && e.event.type === type ? [e] : []));
  return { engine, seen, clock, store, steps, told, scripted };
}

describe('the inspection stream carries each event’s source and the store’s version', () => {
  it('record is `api` unless told; a tick is `clock`; a command is `api`, its reservation marked', async () => {
    const { engine, clock, steps } = observedEngine();
    await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: false }, { source: 'webhook' });
    await engine.record(SENDER, USER, { type: 'USER_MESSAGE', at: T0 + MINUTE });
    await engine.startCall(SENDER, USER);
    clock.set(T0 + 8 * DAY);
    await engine.tick();
    expect(steps()).toEqual([
      'PERMISSION_ACCEPTED:webhook:v1',
      'USER_MESSAGE:api:v2',
      'CALL_STARTED:api:v3:reserved',
      'CALL_ID_ASSIGNED:api:v4',
      'CLOCK:clock:v5',
    ]);
  });

  it('a source that is not a short name is refused with INVALID_SOURCE naming options.source, and nothing is stored', async () => {
    const { engine, seen } = observedEngine();
    for (const source of ['', 'x'.repeat(65), 42]) {
      await expect(engine.record(SENDER, USER, { type: 'USER_MESSAGE', at: T0 }, { source: source as string })).rejects.toMatchObject({ code: 'INVALID_SOURCE', path: 'options.source' });
      await expect(engine.recordMany([{ sender: SENDER, user: USER, event: { type: 'USER_MESSAGE', at: T0 }, source: source as string }])).resolves.toMatchObject([{ ok: false, error: { code: 'INVALID_SOURCE' } }]);
    }
    expect(await engine.snapshot(SENDER, USER)).toBeUndefined();
    expect(seen).toEqual([]);
  });

  it('R4/G1: a change the clock was due to make before a command is its own `clock` step, in the same version as the reservation', async () => {
    const { engine, clock, steps } = observedEngine();
    await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: false, expiresAt: T0 + 7 * DAY });
    clock.set(T0 + 8 * DAY); // the temporary grant has expired: no webhook says so (G1)
    const result = await engine.requestPermission(SENDER, USER);
    expect(result.outcome).toBe('sent');
    expect(steps()).toEqual(['PERMISSION_ACCEPTED:api:v1', 'CLOCK:clock:v2', 'REQUEST_SENT:api:v2:reserved']);
  });
});

describe('refusals and effect outcomes are observed', () => {
  it('R1 (no permission, G1): a refused call is a `wacp.refusal` event with its rule and the version it read, and no step', async () => {
    const { engine, seen, steps, told } = observedEngine();
    await engine.record(SENDER, USER, { type: 'USER_MESSAGE', at: T0 });
    const result = await engine.startCall(SENDER, USER);
    if (result.outcome !== 'refused') throw new Error('expected a refusal');
    expect(told('wacp.refusal')).toMatchObject([
      { type: '@xstate.event', event: { type: 'wacp.refusal', action: 'call', at: T0, refusal: result.refusal }, source: 'api', changed: false, version: 1, relationship: { sender: SENDER, user: USER } },
    ]);
    // Nothing changed: no snapshot follows it.
    expect(seen.at(-1)?.type).toBe('@xstate.event');
    expect(steps()).toEqual(['USER_MESSAGE:api:v1']);
  });

  it('an effect that answered: a `wacp.effect` event, ok with its receipt, after the reservation', async () => {
    const { engine, seen, told } = observedEngine(['ok']);
    await engine.record(SENDER, USER, { type: 'USER_MESSAGE', at: T0 });
    const result = await engine.requestPermission(SENDER, USER);
    if (result.outcome !== 'sent') throw new Error('expected sent');
    const types = seen.flatMap((e) => (e.type === '@xstate.event' ? [e.event.type] : []));
    expect(types).toEqual(['USER_MESSAGE', 'REQUEST_SENT', 'wacp.effect']);
    expect(told('wacp.effect')).toMatchObject([{ event: { action: 'request', id: result.requestId, outcome: { ok: true, receipt: { messageId: `m-${result.requestId}` } } }, version: 2 }]);
  });

  it('R1: an effect that failed: a `wacp.effect` event with the error, then the release as its own `api` step', async () => {
    const { engine, seen, steps, told } = observedEngine(['fails']);
    await engine.record(SENDER, USER, { type: 'USER_MESSAGE', at: T0 });
    await expect(engine.requestPermission(SENDER, USER)).rejects.toBeInstanceOf(EffectFailedError);
    const [effect] = told('wacp.effect');
    if (effect?.event.type !== 'wacp.effect' || effect.event.outcome.ok) throw new Error('expected a failed effect');
    expect(effect.event.outcome.error.reservationReleased).toBe(true);
    expect((effect.event.outcome.error.cause as Error).message).toBe('HTTP 400 from the platform');
    expect(steps()).toEqual(['USER_MESSAGE:api:v1', 'REQUEST_SENT:api:v2:reserved', 'REQUEST_FAILED:api:v3']);
    expect(seen.indexOf(effect)).toBeLessThan(seen.findIndex((e) => e.type === '@xstate.event' && e.event.type === 'REQUEST_FAILED'));
  });

  it('G2: an effect whose outcome is unknown keeps its reservation: no release step', async () => {
    const { engine, steps, told } = observedEngine(['unknown']);
    await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true });
    await expect(engine.startCall(SENDER, USER)).rejects.toMatchObject({ code: 'EFFECT_OUTCOME_UNKNOWN' });
    expect(told('wacp.effect')).toMatchObject([{ event: { action: 'call', outcome: { ok: false, error: { reservationReleased: false } } } }]);
    expect(steps()).toEqual(['PERMISSION_ACCEPTED:api:v1', 'CALL_STARTED:api:v2:reserved']);
  });
});

describe('an observer that answers a promise is waited for', () => {
  it('the effect is sent only once the reservation’s observer has finished (an event log’s row comes first)', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let reservationSeen = false;
    const { engine, scripted } = observedEngine(['ok'], (event) => {
      if (event.type === '@xstate.event' && (event as InspectedEventEvent).reservation) {
        reservationSeen = true;
        return held;
      }
      return undefined;
    });
    await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true });
    const calling = engine.startCall(SENDER, USER);
    await expect.poll(() => reservationSeen).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(scripted.sent).toEqual([]);
    release();
    expect((await calling).outcome).toBe('started');
    expect(scripted.sent).toHaveLength(1);
  });

  it('an observer that throws or rejects fails nothing: the fact is stored and the command answered', async () => {
    const { engine } = observedEngine(['ok'], (event) => {
      if (event.type === '@xstate.event' && !event.event.type.startsWith('wacp.')) throw new Error('broken observer');
      if (event.type === '@xstate.snapshot') return Promise.reject(new Error('broken log'));
      return undefined;
    });
    await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true });
    expect((await engine.startCall(SENDER, USER)).outcome).toBe('started');
    expect((await engine.snapshot(SENDER, USER))?.value).toBe('granted');
  });
});

/** One thing a host does to a relationship, at some minutes after the last. */
type Op =
  | { readonly after: number; readonly kind: 'request' | 'call'; readonly answer: EffectAnswer }
  | { readonly after: number; readonly kind: 'tick' }
  | { readonly after: number; readonly kind: 'fact'; readonly fact: 'accept' | 'acceptTemporary' | 'reject' | 'revoke' | 'message' | 'connect' | 'unanswered' | 'clock'; readonly late: number; readonly source: 'webhook' | 'reconcile' | 'api' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ after: fc.integer({ min: 0, max: 3 * 24 * 60 }), kind: fc.constantFrom('request' as const, 'call' as const), answer: fc.constantFrom<EffectAnswer>('ok', 'ok', 'fails', 'unknown') }),
  fc.record({ after: fc.integer({ min: 0, max: 9 * 24 * 60 }), kind: fc.constant('tick' as const) }),
  fc.record({
    after: fc.integer({ min: 0, max: 24 * 60 }),
    kind: fc.constant('fact' as const),
    fact: fc.constantFrom('accept' as const, 'acceptTemporary' as const, 'reject' as const, 'revoke' as const, 'message' as const, 'connect' as const, 'unanswered' as const, 'clock' as const),
    late: fc.constantFrom(0, 0, 0, 1, 30, 600),
    source: fc.constantFrom('webhook' as const, 'reconcile' as const, 'api' as const),
  }),
);

describe('property: the observed steps replay to the stored snapshot', () => {
  it('R1–R5, G1–G4, M1: any commands, facts (some late) and ticks: the changed steps, applied in order from the first one’s time, give exactly what the store holds, at its version', async () => {
    await check(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async (ops) => {
        const answers: EffectAnswer[] = [];
        const { engine, seen, clock, store } = observedEngine(answers);
        const calls: string[] = [];
        let now = T0;
        for (const o of ops) {
          now += o.after * MINUTE;
          clock.set(now);
          try {
            if (o.kind === 'request' || o.kind === 'call') {
              answers.push(o.answer);
              const result = o.kind === 'request' ? await engine.requestPermission(SENDER, USER) : await engine.startCall(SENDER, USER);
              if (result.outcome === 'started') calls.push(result.callId);
              else if (result.outcome === 'refused') answers.pop();
            } else if (o.kind === 'tick') await engine.tick();
            else {
              const f = o as Extract<Op, { kind: 'fact' }>;
              const at = Math.max(T0, now - f.late * MINUTE);
              const callId = calls[calls.length - 1];
              const event =
                f.fact === 'accept' ? { type: 'PERMISSION_ACCEPTED', at, permanent: true }
                : f.fact === 'acceptTemporary' ? { type: 'PERMISSION_ACCEPTED', at, permanent: false }
                : f.fact === 'reject' ? { type: 'PERMISSION_REJECTED', at }
                : f.fact === 'revoke' ? { type: 'PERMISSION_REVOKED', at }
                : f.fact === 'message' ? { type: 'USER_MESSAGE', at }
                : f.fact === 'clock' || callId === undefined ? { type: 'CLOCK', at }
                : f.fact === 'connect' ? { type: 'CALL_CONNECTED', at, callId }
                : { type: 'CALL_UNANSWERED', at, callId, reason: 'no_answer' };
              await engine.record(SENDER, USER, event as never, { source: f.source });
            }
          } catch (error) {
            // An effect's failure (or a fact refused as too late) is an answer, not a broken run.
            if (!(error instanceof EffectFailedError) && (error as { code?: string }).code !== 'EVENT_TOO_LATE') throw error;
          }
        }
        const stored = store.load({ sender: SENDER, user: USER });
        const all = seen.flatMap((e) => (e.type === '@xstate.event' && !e.event.type.startsWith('wacp.') ? [e as InspectedEventEvent] : []));
        if (!stored) {
          expect(all).toEqual([]);
          return;
        }
        // A relationship starts at its first step's time (a first fact that changed nothing still creates it).
        let replayed: RelationshipSnapshot = createRelationship({ at: all[0]!.event.at });
        let version = 0;
        for (const step of all) {
          expect(step.version, 'versions never go back').toBeGreaterThanOrEqual(version);
          version = step.version;
          if (step.changed) replayed = applyEvent(replayed, step.event);
        }
        expect(version).toBe(stored.version);
        expect(toSerialized(replayed)).toEqual(stored.snapshot);
      }),
    );
  }, 120_000);
});


