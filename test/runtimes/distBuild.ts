import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { presentEntries } from '../../tsdown.config.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DIST = path.join(ROOT, 'dist');
/** The built core entry: package.json maps "." to it. */
export const CORE_ENTRY = path.join(DIST, 'index.js');

/** Everything a build reads: when any of it is newer than the outputs, dist/ is stale. */
const BUILD_INPUTS = ['src', 'machines', 'tsdown.config.ts', 'package.json', 'tsconfig.json'];
const LOCK = path.join(ROOT, 'node_modules', '.cache', 'whatsapp-call-permissions', 'dist-build.lock');
const LOCK_WAIT_MS = 120_000;

function newestMtime(target: string): number {
  if (!existsSync(target)) return 0;
  const stats = statSync(target);
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs;
  for (const name of readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, name)));
  return newest;
}

function distIsFresh(): boolean {
  const outputs = Object.keys(presentEntries).flatMap((name) => [path.join(DIST, `${name}.js`), path.join(DIST, `${name}.d.ts`)]);
  // The inspector page's bundle, which the build writes beside the built service.
  if ('service/index' in presentEntries) outputs.push(path.join(DIST, 'service', 'page', 'inspector.js'));
  if (!outputs.every((output) => existsSync(output))) return false;
  const oldestOutput = Math.min(...outputs.map((output) => statSync(output).mtimeMs));
  return BUILD_INPUTS.every((input) => newestMtime(path.join(ROOT, input)) <= oldestOutput);
}

function sleep(ms: number) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** mkdir is atomic: the test files that need dist/ run in parallel workers, and only one may build it. */
function withBuildLock(work: () => void) {
  mkdirSync(path.dirname(LOCK), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // A lock older than the longest wait was left by a killed run.
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > LOCK_WAIT_MS) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`dist/ build lock ${LOCK} still held after ${LOCK_WAIT_MS} ms`);
      sleep(200);
    }
  }
  try {
    work();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/**
 * Builds dist/ with the project's own tsdown.config.ts unless it is newer than every source, so
 * `npm test` works on a fresh clone and always tests what the sources say.
 */
export function ensureDistBuilt(): void {
  if (distIsFresh()) return;
  withBuildLock(() => {
    if (distIsFresh()) return;
    const tsdownCli = createRequire(import.meta.url).resolve('tsdown/run');
    try {
      execFileSync(process.execPath, [tsdownCli], { cwd: ROOT, stdio: 'pipe', timeout: LOCK_WAIT_MS });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
      throw new Error(`tsdown failed:\n${stdout?.toString() ?? ''}${stderr?.toString() ?? ''}`);
    }
  });
}
