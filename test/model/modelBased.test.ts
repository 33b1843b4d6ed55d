import { beforeAll, describe, expect, it } from 'vitest';
import { definePolicy, MemoryStore, type RelationshipStore } from '../../src/index.js';
import { RELATIONSHIP_STATES } from '../../src/relationship/context.js';
import { relationshipLogic } from '../../machines/relationshipLogic.js';
import {
  createModelHarness,
  createRecordingEffects,
  createTestModel,
  generateModelPaths,
  MODEL_POLICY,
  ModelPolicyMismatchError,
  reachableTransitions,
  replayModelPath,
  type ModelPath,
  type TestModel,
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

const models = new Map<string, TestModel>(policies.map(({ name, policy }) => [name, createTestModel({ policy })]));
const generated = new Map<string, readonly ModelPath[]>();

beforeAll(() => {
  for (const [name, model] of models) generated.set(name, model.getPaths());
});

describe('model-based paths replayed through the engine', () => {
  for (const { name } of policies) {
    for (const kind of ['shortest', 'transition', 'simple'] as const) {
      it(`${kind} paths — ${name}: the engine reaches the statechart's state, context and view at every step`, async () => {
        const model = models.get(name)!;
        const paths = generated.get(name)!.filter((p) => p.kind === kind);
        expect(paths.length).toBeGreaterThan(kind === 'simple' ? 4 : 40);
        const effects = createRecordingEffects();
        const harness = model.createHarness({ store: new MemoryStore(), effects });
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

describe('the model carries its policy (issue 14, item 4)', () => {
  const modelPaths = () => generated.get(policies[0]!.name)!;

  it('every path carries the policy it was generated under, and the model and its harness run that one', () => {
    const model = models.get(policies[0]!.name)!;
    expect(model.policy).toBe(MODEL_POLICY);
    expect(modelPaths().every((p) => p.policy === model.policy)).toBe(true);
    expect(model.createHarness().engine.policy).toEqual(MODEL_POLICY);
    expect(model.getShortestPaths().length + model.getTransitionPaths().length + model.getSimplePaths().length).toBe(model.getPaths().length);
  });

  it('the old pair with their defaults (generateModelPaths() and createModelHarness()) now run one policy: no failures', async () => {
    // Before: the paths defaulted to MODEL_POLICY and the harness to infobip's, and 729 of 1,466 paths failed as if the store were broken.
    const paths = generateModelPaths().filter((p) => p.kind === 'transition');
    const harness = createModelHarness({ store: new MemoryStore() });
    expect(harness.policy).toEqual(MODEL_POLICY);
    expect(await harness.replayAll(paths)).toEqual([]);
  });

  it('a path replayed under another policy is refused before anything runs, naming the numbers that differ', async () => {
    const store = new MemoryStore();
    const infobip = createTestModel({ policy: 'infobip' }).createHarness({ store });
    const path = modelPaths().find((p) => p.kind === 'transition')!;
    const refused = await infobip.replay(path).then(() => undefined, (error: unknown) => error);
    expect(refused).toBeInstanceOf(ModelPolicyMismatchError);
    expect(refused).toMatchObject({ code: 'MODEL_POLICY_MISMATCH', path: 'path.policy', differences: [{ field: 'connectedCallsPerWindow', path: 2, engine: 100 }] });
    expect(String((refused as Error).message)).toContain('connectedCallsPerWindow: path 2, engine 100');
    // replayAll refuses the whole set: not one message per path that reads as a store bug.
    await expect(infobip.replayAll(modelPaths())).rejects.toBeInstanceOf(ModelPolicyMismatchError);
    // The deprecated harness given another policy, and the low-level replay on an engine of your own, refuse it too.
    await expect(createModelHarness({ policy: 'infobip' }).replay(path)).rejects.toBeInstanceOf(ModelPolicyMismatchError);
    await expect(replayModelPath(path, { ...infobip, user: '441134960999' })).rejects.toBeInstanceOf(ModelPolicyMismatchError);
    // A path that carries no policy (hand-made, or stored before paths carried one) cannot be checked: refused.
    const { policy: _, ...bare } = path;
    await expect(infobip.replay(bare as ModelPath)).rejects.toThrow(/carries no policy/);
    expect(await store.load({ sender: infobip.sender, user: '441134960999' })).toBeUndefined();
    expect(infobip.effects).toMatchObject({ commands: [] });
  });

  it('a store that drops writes (answers ok, keeps nothing) fails the model paths; the same store keeping them passes', async () => {
    const droppingEveryOther = (drop: boolean): RelationshipStore => {
      const inner = new MemoryStore();
      let writes = 0;
      return {
        load: (key) => inner.load(key),
        save: (request) => ((writes += 1) % 2 === 0 && drop ? { ok: true, version: request.expectedVersion + 1 } : inner.save(request)),
      };
    };
    const model = models.get(policies[0]!.name)!;
    const paths = model.getTransitionPaths();
    expect(await model.createHarness({ store: droppingEveryOther(false) }).replayAll(paths)).toEqual([]);
    const failures = await model.createHarness({ store: droppingEveryOther(true) }).replayAll(paths);
    const multiStep = paths.filter((p) => p.steps.length >= 2).length;
    expect(failures.length).toBeGreaterThanOrEqual(multiStep * 0.9);
    expect(failures.every((f) => f.startsWith('ModelPathMismatchError:'))).toBe(true);
  });
});
