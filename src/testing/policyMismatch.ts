import { CallPermissionError } from '../errors.js';
import type { Policy } from '../policy/policy.js';

/** One number (or list) in which two policies differ. */
export interface PolicyDifference {
  readonly field: Exclude<keyof Policy, 'name'>;
  /** The value in the policy the path was generated under. */
  readonly path: unknown;
  /** The value in the policy the engine runs. */
  readonly engine: unknown;
}

/** The fields in which two policies differ; the preset `name` is a label and not compared. */
export function policyDifferences(path: Policy, engine: Policy): PolicyDifference[] {
  const fields = new Set([...Object.keys(path), ...Object.keys(engine)]);
  fields.delete('name');
  const out: PolicyDifference[] = [];
  for (const field of [...fields].sort() as PolicyDifference['field'][])
    if (JSON.stringify(path[field]) !== JSON.stringify(engine[field])) out.push({ field, path: path[field], engine: engine[field] });
  return out;
}

/**
 * A model path was about to be replayed through an engine running another policy than the one it
 * was generated under. Its expected states would not hold, and every failure would read as a bug
 * in the store or engine; nothing is replayed. Replay paths with the harness of the model that
 * generated them (`createTestModel(...).createHarness(...)`).
 */
export class ModelPolicyMismatchError extends CallPermissionError {
  /** Where the two policies differ; empty when the path carries no policy at all. */
  readonly differences: readonly PolicyDifference[];
  constructor(description: string, differences: readonly PolicyDifference[] | 'none carried') {
    const what =
      differences === 'none carried'
        ? 'carries no policy, so what it expects cannot be checked against the engine'
        : `was generated under another policy than the engine runs (${differences.map((d) => `${d.field}: path ${JSON.stringify(d.path)}, engine ${JSON.stringify(d.engine)}`).join('; ')})`;
    super('MODEL_POLICY_MISMATCH', `the path "${description}" ${what}: replay the paths of createTestModel({ policy }) with that model's createHarness()`, 'path.policy');
    this.differences = differences === 'none carried' ? [] : differences;
  }
}
