import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'tsdown';
import { CORE_ENTRY, ROOT } from './distBuild.js';

const SCENARIO = path.join(ROOT, 'scripts', 'runtime-scenario.ts');

export interface ScenarioBundles {
  /** An ES module for Node, Bun and Deno: the scenario inlined, the core imported from dist/index.js by URL. */
  readonly modulePath: string;
  /** The specifier by which the module bundle imports the core. */
  readonly coreSpecifier: string;
  /**
   * A classic script for a worker with no module loader: the scenario, dist/index.js and xstate in
   * one IIFE. It prints the lines and leaves `globalThis.scenarioFinished` to await.
   */
  readonly workerScript: string;
}

/** Quiet, self-contained tsdown options: no config file, no declarations, no size report. */
const bundleDefaults = {
  config: false,
  cwd: ROOT,
  tsconfig: false,
  dts: false,
  sourcemap: false,
  hash: false,
  report: false,
  logLevel: 'silent',
  target: 'es2022',
} as const;

/** Bundles the scenario (scripts/runtime-scenario.ts) around the built core, into `outDir`. */
export async function buildScenarioBundles(outDir: string): Promise<ScenarioBundles> {
  const coreSpecifier = pathToFileURL(CORE_ENTRY).href;

  const moduleEntry = path.join(outDir, 'module-entry.js');
  writeFileSync(
    moduleEntry,
    [
      `import * as core from ${JSON.stringify(coreSpecifier)};`,
      `import { runScenario } from ${JSON.stringify(SCENARIO)};`,
      'for (const line of await runScenario(core)) console.log(line);',
    ].join('\n'),
  );
  await build({
    ...bundleDefaults,
    entry: { scenario: moduleEntry },
    outDir: path.join(outDir, 'module'),
    format: 'esm',
    platform: 'neutral',
    fixedExtension: true,
    // The runtime under test must load the built core itself, with its own resolution of xstate.
    deps: { neverBundle: [/^file:/] },
  });

  const workerEntry = path.join(outDir, 'worker-entry.js');
  writeFileSync(
    workerEntry,
    [
      `import * as core from ${JSON.stringify(CORE_ENTRY)};`,
      `import { runScenario } from ${JSON.stringify(SCENARIO)};`,
      'globalThis.scenarioFinished = runScenario(core).then((lines) => { for (const line of lines) console.log(line); });',
    ].join('\n'),
  );
  await build({
    ...bundleDefaults,
    entry: { scenario: workerEntry },
    outDir: path.join(outDir, 'worker'),
    format: 'iife',
    platform: 'browser',
    // xstate is a peer dependency of the package, external by default: a worker has no loader to find it.
    deps: { alwaysBundle: [/^xstate(\/|$)/], onlyBundle: false },
  });

  return {
    modulePath: path.join(outDir, 'module', 'scenario.mjs'),
    coreSpecifier,
    workerScript: readFileSync(path.join(outDir, 'worker', 'scenario.iife.js'), 'utf8'),
  };
}
