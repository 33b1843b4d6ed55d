import { beforeAll, describe, expect, it } from 'vitest';
import { definePolicy, MemoryStore, RELATIONSHIP_STATES } from '../../src/index.js';
import { relationshipLogic } from '../../machines/relationshipLogic.js';
import {
  createModelHarness,
  createRecordingEffects,
  generateModelPaths,
  MODEL_POLICY,
  reachableTransitions,
  type ModelPath,
} from '../../src/testing/index.js';

/*
 * Model-based tests: xstate/graph walks the statechart (time abstracted to counts inside windows),
 * and every generated path is replayed through the engine with the in-memory store and recording
 * effects. Two policies are explored because the G5 callback-permission guard is a policy switch:
 * each one makes one branch of USER_CALL_RECEIVED unreachable.
 */
const policies = [
  { name: 'model policy (G2 cap 2)', policy: MODEL_POLICY },
  { name: 'model policy with callback permission (G5)', policy: definePolicy({ connectedCallsPerWindow: 2, userCallGrantsPermission: true }) },
];

const generated = new Map<string, ModelPath[]>();

beforeAll(() => {
  for (const { name, policy } of policies) generated.set(name, generateModelPaths({ policy }));
});

describe('model-based paths replayed through the engine', () => {
  for (const { name, policy } of policies) {
    for (const kind of ['shortest', 'transition', 'simple'] as const) {
      it(`${kind} paths — ${name}: the engine reaches the statechart's state, context and view at every step`, async () => {
        const paths = generated.get(name)!.filter((p) => p.kind === kind);
        expect(paths.length).toBeGreaterThan(kind === 'simple' ? 4 : 40);
        const effects = createRecordingEffects();
        const harness = createModelHarness({ policy, store: new MemoryStore(), effects });
        expect((await harness.replayAll(paths)).slice(0, 5)).toEqual([]);
        // Every command the statechart allowed went out through the effects, and no other.
        const allowedCommands = paths.flatMap((p) => p.steps).filter((s) => s.transitions.some((t) => t.event === s.event.type && (t.event === 'REQUEST_SENT' || t.event === 'CALL_STARTED')));
        expect(effects.commands.length).toBe(allowedCommands.length);
      });
    }
  }
});

describe('coverage of the statechart', () => {
  it('every state is reached and every transition is taken by some generated path (a new one fails this until covered)', () => {
    const machine = relationshipLogic(MODEL_POLICY).machine;
    const all = reachableTransitions(machine).map((t) => t.id);
    const covered = new Set<string>();
    const states = new Set<string>();
    for (const paths of generated.values())
      for (const path of paths)
        for (const step of path.steps) {
          states.add(step.expected.value);
          for (const t of step.transitions) covered.add(t.id);
        }
    expect([...states].sort()).toEqual([...RELATIONSHIP_STATES].sort());
    expect(all.filter((id) => !covered.has(id))).toEqual([]);
    expect(all.length).toBeGreaterThan(60);
  });
});
