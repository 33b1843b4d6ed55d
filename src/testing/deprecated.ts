import type { Policy, PolicyPresetName } from '../policy/policy.js';
import type { ModelPath } from './modelPaths.js';
import type { TestHarness, TestHarnessOptions } from './replay.js';
import { createTestModel, type TestModelOptions } from './testModel.js';

/** @deprecated Use {@link TestModelOptions} (`createTestModel(options)`); kept until 1.0. */
export type ModelPathOptions = TestModelOptions;

/** @deprecated Use {@link TestHarnessOptions} (`createTestModel({ policy }).createHarness(options)`); kept until 1.0. */
export interface ModelHarnessOptions extends TestHarnessOptions {
  /** The policy the engine runs. Default {@link MODEL_POLICY}, the paths' own default (it was the engine's, `infobip`, which no default path matched). */
  readonly policy?: Policy | PolicyPresetName;
}

/**
 * @deprecated Use `createTestModel(options).getPaths()`; kept until 1.0. The paths carry the
 * policy they were generated under, and a harness running another refuses them.
 */
export function generateModelPaths(options: TestModelOptions = {}): ModelPath[] {
  return [...createTestModel(options).getPaths()];
}

/**
 * @deprecated Use `createTestModel({ policy }).createHarness(options)`; kept until 1.0. Its engine
 * runs `options.policy`, by default {@link MODEL_POLICY} (as {@link generateModelPaths} does); a
 * path generated under another policy is refused with `ModelPolicyMismatchError`.
 */
export function createModelHarness(options: ModelHarnessOptions = {}): TestHarness {
  const { policy, ...harness } = options;
  return createTestModel(policy === undefined ? {} : { policy }).createHarness(harness);
}
