import { execFile, spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './distBuild.js';

export type ModuleRuntime = 'node' | 'bun' | 'deno';

const bin = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);

/**
 * How each runtime runs an ES module file that imports dist/index.js, offline and without writing
 * into the repository: nothing here may reach a registry or the network.
 */
function commandFor(runtime: ModuleRuntime, modulePath: string, scratchDir: string): { file: string; args: string[]; env: NodeJS.ProcessEnv } {
  switch (runtime) {
    case 'node':
      return { file: process.execPath, args: [modulePath], env: {} };
    case 'bun':
      // --no-install: never auto-install a missing package; xstate must come from node_modules.
      return { file: bin('bun'), args: ['--no-install', '--no-env-file', modulePath], env: { DO_NOT_TRACK: '1' } };
    case 'deno':
      // --node-modules-dir=manual: resolve `xstate` from node_modules as Node would (the module lives
      // outside the project, so Deno would not infer it); --cached-only: never download;
      // --no-lock: write no deno.lock; DENO_DIR: keep Deno's caches out of the home directory.
      return {
        file: bin('deno'),
        args: ['run', '--node-modules-dir=manual', '--cached-only', '--no-lock', '--no-prompt', modulePath],
        env: { DENO_NO_UPDATE_CHECK: '1', DENO_DIR: path.join(scratchDir, 'deno'), NO_COLOR: '1' },
      };
  }
}

let networkIsolation: boolean | undefined;
/**
 * Whether this machine lets us run a command in a fresh network namespace with no interfaces
 * (`unshare -rn`): then any attempt to reach the network fails outright instead of going unnoticed.
 */
export function canIsolateNetwork(): boolean {
  networkIsolation ??= spawnSync('unshare', ['-rn', 'true'], { stdio: 'ignore' }).status === 0;
  return networkIsolation;
}

export interface RuntimeRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Only what a runtime needs to start: nothing from the test runner's own environment leaks in. */
function baseEnvironment(): NodeJS.ProcessEnv {
  const { PATH, HOME, TMPDIR, SystemRoot } = process.env;
  return Object.fromEntries(Object.entries({ PATH, HOME, TMPDIR, SystemRoot }).filter(([, value]) => value !== undefined));
}

/** Runs the module under `runtime` from the repository root, without network when the machine allows it. */
export function runModule(runtime: ModuleRuntime, modulePath: string, scratchDir: string): Promise<RuntimeRun> {
  const { file, args, env } = commandFor(runtime, modulePath, scratchDir);
  const [command, argv] = canIsolateNetwork() ? ['unshare', ['-rn', file, ...args]] : [file, args];
  return new Promise((resolve) => {
    execFile(command, argv, { cwd: ROOT, env: { ...baseEnvironment(), ...env }, timeout: 30_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr: stderr || (error && typeof error.code !== 'number' ? String(error) : '') });
    });
  });
}

/** A run's printed lines (Windows line ends tolerated), without the final newline. */
export function printedLines(output: string): string[] {
  const trimmed = output.replace(/\r?\n$/, '');
  return trimmed === '' ? [] : trimmed.split(/\r?\n/);
}
