/**
 * Tests for your own suite: a test model of the call-permission statechart under one policy
 * (`createTestModel`), whose paths `xstate/graph` generates (with concrete times, ids and expected
 * states, each carrying the policy) and whose harness replays them through an engine over your
 * store and effects, running that same policy; and the store contract every
 * `RelationshipStore` must keep (compare-and-set races, fact keys and their retention, the due
 * index, sender reservations, several engine instances on one data set), as runner-agnostic cases:
 * `for (const c of storeContractCases('my store', open)) test(c.name, c.run)`.
 *
 * @example
 * ```ts
 * import { createTestModel } from 'whatsapp-call-permissions/testing';
 * const model = createTestModel(); // or createTestModel({ policy: 'infobip' })
 * test.each(model.getPaths().map((p) => [p.description, p]))('%s', async (_, path) => {
 *   await model.createHarness({ store: myStore(), effects: myEffects() }).replay(path);
 * });
 * ```
 * @packageDocumentation
 */
export { createTestModel, type TestModel, type TestModelOptions } from './testModel.js';
export { MODEL_POLICY, type ModelPath, type ModelStep } from './modelPaths.js';
export { ModelPolicyMismatchError, type PolicyDifference } from './policyMismatch.js';
export { generateModelPaths, createModelHarness, type ModelPathOptions, type ModelHarnessOptions } from './deprecated.js';
export { reachableTransitions, takenTransition, type TransitionId } from '../../machines/transitions.js';
export {
  createManualClock,
  createIdQueue,
  createRecordingEffects,
  replayModelPath,
  ModelPathMismatchError,
  type ManualClock,
  type IdQueue,
  type RecordingEffects,
  type ReplayTarget,
  type TestHarness,
  type TestHarnessOptions,
} from './replay.js';
export { storeContractCases, type OpenStore, type StoreContractCase, type StoreHarness } from './storeContract.js';
export { ContractViolation } from './check.js';
