import { createActor, type InspectionEvent as XStateInspectionEvent } from 'xstate';
import { describe, expect, it } from 'vitest';
import { callPermissionMachine } from '../../machines/callPermission.machine.js';
import type { InspectionEvent } from '../../src/inspector/index.js';
import { createCallPermissionEngine, MemoryStore } from '../../src/index.js';
import { createIdQueue, createManualClock, createRecordingEffects } from '../../src/testing/index.js';
import { HOUR, T0 } from '../support/timeline.js';

const SENDER = '441134960000';
const USER = '447700900123';

function inspectedEngine() {
  const seen: InspectionEvent[] = [];
  const clock = createManualClock(T0);
  const ids = createIdQueue();
  const engine = createCallPermissionEngine({ store: new MemoryStore(), effects: createRecordingEffects(), clock, newId: ids, inspect: (e) => seen.push(e) });
  return { engine, seen, clock, ids };
}

describe('the engine’s inspect option: XState-style inspection events for every step', () => {
  it('U1/G1: announces a relationship once, then an event and the stored snapshot for each fact', async () => {
    const { engine, seen, clock } = inspectedEngine();
    await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: false });
    clock.set(T0 + HOUR);
    await engine.record(SENDER, USER, { type: 'PERMISSION_REVOKED', at: T0 + HOUR });
    expect(seen.map((e) => e.type)).toEqual(['@xstate.actor', '@xstate.event', '@xstate.snapshot', '@xstate.event', '@xstate.snapshot']);
    const last = seen[4]!;
    if (last.type !== '@xstate.snapshot') throw new Error('expected a snapshot event');
    const stored = await engine.snapshot(SENDER, USER);
    expect(last.snapshot).toEqual({ status: 'active', output: undefined, error: undefined, value: 'revoked', context: stored!.context });
    expect(last.event).toEqual({ type: 'PERMISSION_REVOKED', at: T0 + HOUR });
    expect(last.rootId).toBe(`${SENDER}:${USER}`);
    expect(last.actorRef.sessionId).toBe(`${SENDER}:${USER}`);
    expect(last.actorRef.getSnapshot().value).toBe('revoked');
    expect(last.relationship).toEqual({ sender: SENDER, user: USER });
    // What @statelyai/inspect reads to draw the machine.
    expect(JSON.stringify(last.actorRef.logic.config)).toBe(JSON.stringify(callPermissionMachine.config));
    expect(() => last.actorRef.send({ type: 'CLOCK' })).toThrow(/read-only/);
  });

  it('R1/G2: a reserved command is inspected as the REQUEST_SENT or CALL_STARTED it stored, then its effect’s answer; a refused one as its refusal, with no snapshot', async () => {
    const { engine, seen, clock, ids } = inspectedEngine();
    ids.push('r1');
    await engine.requestPermission(SENDER, USER);
    clock.set(T0 + HOUR);
    const refused = await engine.requestPermission(SENDER, USER);
    expect(refused.outcome).toBe('refused');
    const events = seen.filter((e) => e.type === '@xstate.event');
    expect(events.map((e) => e.type === '@xstate.event' && e.event.type)).toEqual(['REQUEST_SENT', 'wacp.effect', 'wacp.refusal']);
    expect(events[0]!.type === '@xstate.event' && events[0]!.event).toEqual({ type: 'REQUEST_SENT', at: T0, requestId: 'r1', via: 'template' });
    expect(events[2]).toMatchObject({ event: { type: 'wacp.refusal', action: 'request', at: T0 + HOUR, refusal: refused.outcome === 'refused' ? refused.refusal : undefined } });
    expect(seen.filter((e) => e.type === '@xstate.snapshot')).toHaveLength(1);
  });

  it('a fact that changes nothing is still inspected, with the unchanged snapshot; a duplicate fact key is not', async () => {
    const { engine, seen } = inspectedEngine();
    await engine.record(SENDER, USER, { type: 'USER_MESSAGE', at: T0 }, { factKey: 'm1' });
    await engine.record(SENDER, USER, { type: 'USER_MESSAGE', at: T0 }, { factKey: 'm1' });
    await engine.record(SENDER, USER, { type: 'CALL_STARTED', at: T0, callId: 'c1' });
    const snapshots = seen.filter((e) => e.type === '@xstate.snapshot');
    expect(snapshots.map((e) => e.type === '@xstate.snapshot' && e.event.type)).toEqual(['USER_MESSAGE', 'CALL_STARTED']);
  });

  it('takes an observer object (as @statelyai/inspect’s inspector.inspect), and an observer that throws never fails a command', async () => {
    const received: string[] = [];
    const engine = createCallPermissionEngine({ inspect: { next: (e) => received.push(e.type) } });
    await engine.record(SENDER, USER, { type: 'USER_MESSAGE', at: T0 });
    expect(received).toEqual(['@xstate.actor', '@xstate.event', '@xstate.snapshot']);
    const throwing = createCallPermissionEngine({
      inspect: () => {
        throw new Error('broken inspector');
      },
    });
    await expect(throwing.record(SENDER, USER, { type: 'USER_MESSAGE', at: T0 })).resolves.toMatchObject({ state: 'noPermission', changed: true });
  });

  it('mirrors an XState actor of the same machine: the same keys on each event, the same value and context after each step', async () => {
    const xstate: XStateInspectionEvent[] = [];
    const actor = createActor(callPermissionMachine, { input: { at: T0 }, inspect: (e) => void xstate.push(e) });
    actor.start();
    const { engine, seen } = inspectedEngine();
    const facts = [
      { type: 'USER_MESSAGE', at: T0 + 1 },
      { type: 'PERMISSION_ACCEPTED', at: T0 + 2, expiresAt: T0 + 10 * HOUR, source: 'user' },
      { type: 'PERMISSION_REJECTED', at: T0 + 3, source: 'user' },
    ] as const;
    for (const fact of facts) {
      actor.send(fact);
      await engine.record(SENDER, USER, fact);
    }
    const ours = seen.filter((e) => e.type !== '@xstate.actor');
    const theirs = xstate.filter((e) => (e.type === '@xstate.event' || e.type === '@xstate.snapshot') && e.event.type !== 'xstate.init');
    expect(ours.map((e) => e.type)).toEqual(theirs.map((e) => e.type));
    ours.forEach((e, i) => {
      const x = theirs[i]!;
      for (const key of Object.keys(x)) expect(e, `${e.type} has ${key}`).toHaveProperty(key);
      if (e.type === '@xstate.snapshot' && x.type === '@xstate.snapshot') {
        const snapshot = x.snapshot as unknown as { value: unknown; context: unknown; status: unknown };
        expect({ value: e.snapshot.value, context: e.snapshot.context, status: e.snapshot.status }).toEqual({
          value: snapshot.value,
          context: snapshot.context,
          status: snapshot.status,
        });
      }
    });
    // And an observer written for XState's own inspection events accepts ours.
    const forXState: (event: XStateInspectionEvent) => void = () => undefined;
    for (const e of seen) forXState(e);
  });
});
