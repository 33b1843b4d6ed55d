/**
 * Throughput of a contender against its baseline, measured in the same process and interleaved
 * (contender sample, baseline sample, …) so that drift (thermal, GC, other load) hits both alike.
 * A sample repeats a pass until it has run `minSampleMs`; the result is the median of the samples.
 */
export interface MeasureOptions {
  readonly samples: number;
  readonly minSampleMs: number;
  readonly warmupMs: number;
}

/** One pass: does some work and says how many operations it did. */
export type Pass = () => number | Promise<number>;

export interface Pair {
  readonly contender: number;
  readonly baseline: number;
}

async function sample(pass: Pass, minMs: number): Promise<number> {
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    const done = pass();
    ops += typeof done === 'number' ? done : await done;
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  return (ops * 1000) / elapsed;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export async function measurePair(contender: Pass, baseline: Pass, options: MeasureOptions): Promise<Pair> {
  await sample(contender, options.warmupMs);
  await sample(baseline, options.warmupMs);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < options.samples; i++) {
    a.push(await sample(contender, options.minSampleMs));
    b.push(await sample(baseline, options.minSampleMs));
  }
  return { contender: median(a), baseline: median(b) };
}

/** A value the optimiser cannot prove unused. */
export const sink = { value: 0 };
