import { resolvePolicy } from '../pure/snapshot.js';
import type { Policy, PolicyPresetName } from '../policy/policy.js';
import { DEFAULT_MODEL_START, exploreModelPaths, MODEL_POLICY, type ModelPath } from './modelPaths.js';
import { createTestHarness, type TestHarness, type TestHarnessOptions } from './replay.js';

export interface TestModelOptions {
  /** The policy to explore and to replay under. Small numbers keep the graph small; default: {@link MODEL_POLICY}. */
  readonly policy?: Policy | PolicyPresetName;
  /** The new relationship's time (epoch ms). Default 2026-04-01T10:00:00Z. */
  readonly start?: number;
  /** Bound on simple paths kept per final state. Default 3. */
  readonly simplePathsPerState?: number;
}

/**
 * The call-permission statechart under one policy, as XState's `createTestModel` has it: the paths
 * `xstate/graph` finds through it, and harnesses that replay them through an engine over your
 * store and effects. The policy is given once, here; every path carries it and every harness runs
 * it, so a path can never be replayed under numbers it was not generated for.
 */
export interface TestModel {
  /** The policy the paths were generated under and every harness of this model runs. */
  readonly policy: Policy;
  /** The new relationship's time at the start of every path (epoch ms). */
  readonly start: number;
  /** Every path: shortest, per transition and simple (generated on the first call, then kept). */
  getPaths(): readonly ModelPath[];
  /** The shortest path to every distinct relationship (time abstracted to counts inside windows). */
  getShortestPaths(): readonly ModelPath[];
  /** For every transition the traversal can take, a path that ends by taking it. */
  getTransitionPaths(): readonly ModelPath[];
  /** A few simple (loop-free) paths to each top-level state. */
  getSimplePaths(): readonly ModelPath[];
  /** An engine over your store and effects, running this model's policy, that replays its paths. */
  createHarness(options?: TestHarnessOptions): TestHarness;
}

/**
 * A test model of the call-permission statechart under a policy (default {@link MODEL_POLICY}).
 *
 * @example
 * ```ts
 * import { test } from 'vitest';
 * import { createTestModel } from 'whatsapp-call-permissions/testing';
 *
 * const model = createTestModel({ policy: 'infobip' });
 * test.each(model.getPaths().map((p) => [p.description, p] as const))('%s', async (_, path) => {
 *   await model.createHarness({ store: myStore(), effects: myEffects() }).replay(path);
 * });
 * ```
 */
export function createTestModel(options: TestModelOptions = {}): TestModel {
  const policy = options.policy === undefined ? MODEL_POLICY : resolvePolicy(options.policy);
  const start = options.start ?? DEFAULT_MODEL_START;
  const perState = options.simplePathsPerState ?? 3;
  let paths: readonly ModelPath[] | undefined;
  const all = () => (paths ??= Object.freeze(exploreModelPaths(policy, start, perState)));
  const ofKind = (kind: ModelPath['kind']) => all().filter((p) => p.kind === kind);
  return {
    policy,
    start,
    getPaths: all,
    getShortestPaths: () => ofKind('shortest'),
    getTransitionPaths: () => ofKind('transition'),
    getSimplePaths: () => ofKind('simple'),
    createHarness: (harness) => createTestHarness(policy, harness),
  };
}
