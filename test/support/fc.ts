import fc from 'fast-check';

/**
 * Property-test settings shared by every property: at least 200 runs (FC_RUNS raises it), a seed
 * that is printed on failure (FC_SEED replays one), and the counterexample path.
 */
export const FC_RUNS = Math.max(200, Number(process.env.FC_RUNS ?? 200) || 200);
const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);

export function propertyOptions<T>(extra: fc.Parameters<T> = {}): fc.Parameters<T> {
  return { numRuns: FC_RUNS, verbose: 1, ...(seed === undefined ? {} : { seed }), ...extra };
}

/** Runs an fc property with the shared settings; on failure fast-check's report includes seed and path. */
export function check<T>(property: fc.IProperty<T> | fc.IAsyncProperty<T>, extra: fc.Parameters<T> = {}) {
  return fc.assert(property as fc.IProperty<T>, propertyOptions(extra));
}
