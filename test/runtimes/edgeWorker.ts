import { EdgeVM } from '@edge-runtime/vm';

export interface EdgeWorkerRun {
  /** What the script printed with `console.log`, one entry per call. */
  readonly printed: string[];
  /** `typeof` of Node's globals inside the worker, which must all be "undefined" for the run to mean anything. */
  readonly nodeGlobals: Record<'process' | 'require' | 'Buffer' | 'module', string>;
}

/**
 * Evaluates a classic script in an edge worker context (web-standard globals only: no `process`,
 * no `require`, no module loader, no code generation from strings). The script signals completion
 * through `globalThis.scenarioFinished`.
 */
export async function runInEdgeWorker(script: string): Promise<EdgeWorkerRun> {
  const printed: string[] = [];
  const vm = new EdgeVM({
    extend: (context) => {
      context.console.log = (...values: unknown[]) => void printed.push(values.map(String).join(' '));
      return context;
    },
  });
  const nodeGlobals = JSON.parse(
    vm.evaluate<string>('JSON.stringify({ process: typeof process, require: typeof require, Buffer: typeof Buffer, module: typeof module })'),
  ) as EdgeWorkerRun['nodeGlobals'];
  vm.evaluate(script);
  await vm.evaluate<Promise<void>>('globalThis.scenarioFinished');
  return { printed, nodeGlobals };
}
