/**
 * Model-based tests of the sender statechart: `xstate/graph` walks the machine with time abstracted
 * (counts inside windows instead of timestamps), every path is replayed through the engine (its
 * commands and `recordSender`), and the engine must reach what the statechart says at every step.
 * Every transition of the machine must be taken by some path.
 */
import type { AnyStateNode } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { describe, expect, it } from 'vitest';
import { createCallPermissionEngine, definePolicy, MemoryStore } from '../../src/index.js';
import { SENDER_STATES } from '../../src/sender/context.js';
import { SENDER_EVENT_TYPES, type SenderEvent } from '../../src/sender/events.js';
import { senderLimits } from '../../src/sender/limits.js';
import { senderLogic } from '../../machines/senderLogic.js';
import { applySenderEvent, createSender, type SenderSnapshot } from '../../src/pure/sender/snapshot.js';
import { countAttempts, countOngoing, restrictedAt } from '../../src/sender/windows.js';
import type { SenderContext, SenderState } from '../../src/sender/context.js';
import { createManualClock } from '../../src/testing/index.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 3, 1, 10);
const SENDER = '441134960000';
const USERS = ['447700900001', '447700900002'] as const;
const policy = definePolicy({ senderCallAttemptsPerDay: 3, senderConcurrentCalls: 1, connectedCallsPerWindow: 1000 });
const limits = senderLimits(policy);
const { machine } = senderLogic(limits);

type Labelled = { label: string; event: SenderEvent };

function candidates(context: SenderContext): Labelled[] {
  const at = context.now + 1_000;
  const latest = context.ongoing.at(-1);
  const out: Labelled[] = [
    { label: 'CLOCK +1h', event: { type: 'CLOCK', at: context.now + HOUR } },
    { label: 'CLOCK +25h', event: { type: 'CLOCK', at: context.now + 25 * HOUR } },
    { label: 'RESTRICTED 2h', event: { type: 'RESTRICTED', at, until: at + 2 * HOUR } },
    { label: 'RESTRICTED over', event: { type: 'RESTRICTED', at, until: at } },
    { label: 'RESTRICTION_LIFTED', event: { type: 'RESTRICTION_LIFTED', at } },
    { label: 'QUALITY_WARNING', event: { type: 'QUALITY_WARNING', at } },
    { label: 'ATTEMPTS_EXHAUSTED', event: { type: 'ATTEMPTS_EXHAUSTED', at } },
    ...USERS.map((user, i) => ({ label: `CALL_RESERVED u${i}`, event: { type: 'CALL_RESERVED', at, callId: `c${at}`, user } as SenderEvent })),
  ];
  if (latest) {
    out.push({ label: 'CALL_ENDED', event: { type: 'CALL_ENDED', at, callId: latest[0] } });
    out.push({ label: 'CALL_ID_ASSIGNED', event: { type: 'CALL_ID_ASSIGNED', at, callId: latest[0], platformCallId: `p${at}` } });
  }
  return out;
}

function abstract(value: SenderState, context: SenderContext): string {
  const at = context.now;
  return JSON.stringify([
    value,
    restrictedAt(value, context, at),
    countAttempts(context, at),
    countOngoing(context, limits, at),
    USERS.map((u) => context.ongoing.some((c) => c[1] === u)),
    context.qualityWarningAt !== null,
  ]);
}

function transitionsOf(): string[] {
  const out: string[] = [];
  for (const state of SENDER_STATES) {
    const node = machine.root.states[state] as AnyStateNode;
    for (const type of SENDER_EVENT_TYPES) {
      const list = [...(node.transitions.get(type) ?? []), ...(machine.root.transitions.get(type) ?? [])];
      for (let i = 0; i < list.length; i++) {
        out.push(`${state} · ${type} #${i}`);
        if (!list[i]!.guard) break;
      }
    }
  }
  return out;
}

/** Which candidate transition the machine takes (state's first, then the root's), as `transitionsOf` names it. */
function taken(snapshot: SenderSnapshot, event: SenderEvent): string | undefined {
  const logic = senderLogic(limits);
  const node = machine.root.states[snapshot.value] as AnyStateNode;
  const list = [...(node.transitions.get(event.type) ?? []), ...(machine.root.transitions.get(event.type) ?? [])];
  const i = list.findIndex((t) => !t.guard || (logic.guards as Record<string, (c: SenderContext, e: SenderEvent) => boolean>)[t.guard as string]!(snapshot.context, event));
  return i < 0 ? undefined : `${snapshot.value} · ${event.type} #${i}`;
}

const labels = new WeakMap<SenderEvent, string>();
const paths = getShortestPaths(machine, {
  input: { at: T0 },
  events: (s: { context: SenderContext }) => candidates(s.context).map(({ label, event }) => (labels.set(event, label), event)),
  serializeState: (s: { value: unknown; context: SenderContext }) => abstract(s.value as SenderState, s.context),
  serializeEvent: (e: SenderEvent) => labels.get(e) ?? e.type,
} as never) as unknown as { steps: { event: SenderEvent }[] }[];

/** Concrete events of a path (given by labels), rebuilt step by step so times and ids follow the walked snapshot. */
function concrete(path: readonly string[]): { steps: Labelled[]; snapshots: SenderSnapshot[]; taken: string[] } {
  let snapshot = createSender(T0, limits);
  const steps: Labelled[] = [];
  const snapshots: SenderSnapshot[] = [];
  const takenIds: string[] = [];
  for (const label of path) {
    const next = candidates(snapshot.context).find((c) => c.label === label)!;
    const t = taken(snapshot, next.event);
    if (t) takenIds.push(t);
    const viaXState = applySenderEvent(snapshot, next.event, 'xstate');
    expect(applySenderEvent(snapshot, next.event, 'compiled'), `compiled = xstate after ${label}`).toEqual(viaXState);
    snapshot = viaXState;
    steps.push(next);
    snapshots.push(snapshot);
  }
  return { steps, snapshots, taken: takenIds };
}

const shortestLabels = paths.map((p) => p.steps.filter((s) => !s.event.type.startsWith('xstate.')).map((s) => labels.get(s.event) ?? s.event.type));

/** The shortest path to every abstract state, and for each transition first seen at a path's end, that path plus its event. */
function allPaths(): ReturnType<typeof concrete>[] {
  const out = shortestLabels.map(concrete);
  const seen = new Set(out.flatMap((w) => w.taken));
  for (const base of shortestLabels) {
    const end = concrete(base).snapshots.at(-1) ?? createSender(T0, limits);
    for (const candidate of candidates(end.context)) {
      const t = taken(end, candidate.event);
      if (!t || seen.has(t)) continue;
      seen.add(t);
      out.push(concrete([...base, candidate.label]));
    }
  }
  return out;
}

describe('sender statechart: model-based paths from xstate/graph', () => {
  const walked = allPaths();

  it('the traversal reaches every state and takes every transition of the machine', () => {
    expect(walked.length).toBeGreaterThan(10);
    const takenAll = new Set(walked.flatMap((w) => w.taken));
    expect(transitionsOf().filter((t) => !takenAll.has(t))).toEqual([]);
  });

  it.each(walked.map((w) => [w.steps.map((s) => s.label).join(' → ') || '(initial)', w] as const))('engine replays %s', async (_, { steps, snapshots }) => {
    const clock = createManualClock(T0);
    const engine = createCallPermissionEngine({ store: new MemoryStore(), policy, clock, effects: { async sendPermissionRequest() {}, async startCall() {} } });
    for (const user of USERS) await engine.record(SENDER, user, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true });
    const engineIds = new Map<string, string>();
    for (const [i, { label, event }] of steps.entries()) {
      clock.set(event.at);
      const expected = snapshots[i]!;
      switch (event.type) {
        case 'CALL_RESERVED': {
          const result = await engine.startCall(SENDER, event.user);
          const reserved = expected.context.ongoing.some((c) => c[0] === event.callId);
          expect(result.outcome, label).toBe(reserved ? 'started' : 'refused');
          if (result.outcome === 'started') engineIds.set(event.callId, result.callId);
          break;
        }
        case 'CALL_ENDED':
          await engine.recordSender(SENDER, { type: 'CALL_ENDED', at: event.at, callId: engineIds.get(event.callId) ?? event.callId });
          break;
        case 'CALL_ID_ASSIGNED':
          // The engine names the call by its own id (its effects return no platform id): map the new name to it.
          engineIds.set(event.platformCallId, engineIds.get(event.callId) ?? event.callId);
          break;
        case 'RESTRICTED':
          await engine.recordSender(SENDER, { type: 'RESTRICTED', at: event.at, until: event.until });
          break;
        default:
          await engine.recordSender(SENDER, { type: event.type, at: event.at });
      }
      const status = await engine.senderStatus(SENDER, event.at);
      expect(status.state, label).toBe(restrictedAt(expected.value, expected.context, event.at) ? 'restricted' : 'active');
      expect(status.limits.map((l) => l.currentUsage), label).toEqual([countAttempts(expected.context, event.at), countOngoing(expected.context, limits, event.at)]);
      expect(status.qualityWarningAt !== undefined, label).toBe(expected.context.qualityWarningAt !== null);
    }
  });
});
