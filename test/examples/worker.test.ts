import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ensureDistBuilt, ROOT } from '../runtimes/distBuild.js';
import { exerciseExample, startExampleWorld, type ExampleWorld } from './exampleWorld.js';

/**
 * examples/worker/worker.ts, unchanged, served by Bun and by Deno as separate processes: it imports
 * the package by name, which resolves to the built dist/ (as in an installed package). Offline:
 * Bun never installs (--no-install), Deno only reads its cache and node_modules (--cached-only,
 * --node-modules-dir=manual) and may open connections to 127.0.0.1 only (--allow-net).
 */
const WORKER = path.join(ROOT, 'examples', 'worker', 'worker.ts');
const bin = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function command(runtime: 'bun' | 'deno', port: number, scratch: string): { file: string; args: string[]; env: Record<string, string> } {
  if (runtime === 'bun') return { file: bin('bun'), args: ['--no-install', '--no-env-file', WORKER], env: { DO_NOT_TRACK: '1' } };
  return {
    file: bin('deno'),
    args: ['serve', '--port', String(port), '--host', '127.0.0.1', '--allow-net=127.0.0.1', '--allow-env', '--node-modules-dir=manual', '--cached-only', '--no-lock', '--no-prompt', WORKER],
    env: { DENO_NO_UPDATE_CHECK: '1', DENO_DIR: path.join(scratch, 'deno'), NO_COLOR: '1' },
  };
}

/** Starts the worker and waits (at most 20 s) until it answers HTTP on its port. */
async function startWorker(runtime: 'bun' | 'deno', world: ExampleWorld, scratch: string): Promise<{ url: string; child: ChildProcess; output: () => string }> {
  const port = await freePort();
  const { file, args, env } = command(runtime, port, scratch);
  const { PATH, HOME } = process.env;
  const child = spawn(file, args, { cwd: ROOT, env: { PATH, HOME, ...env, ...world.environment, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${runtime} exited with ${child.exitCode}:\n${output}`);
    const answered = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(1_000) }).then(
      () => true,
      () => false,
    );
    if (answered) return { url, child, output: () => output };
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`${runtime} did not answer on ${url} within 20 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.each(['bun', 'deno'] as const)('examples/worker under %s', (runtime) => {
  let world: ExampleWorld;
  let scratch: string;
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  beforeAll(async () => {
    ensureDistBuilt();
    scratch = mkdtempSync(path.join(tmpdir(), `wcp-worker-${runtime}-`));
    world = await startExampleWorld();
    worker = await startWorker(runtime, world, scratch);
  });
  afterAll(async () => {
    worker?.child.kill();
    await world?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('the worker: request, accept (twice), call, missed call, strangers and bad input', async () => {
    await exerciseExample(world, worker!.url);
  });
});
