import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isRuntimeSpecific, walkImportGraph } from '../runtimes/importGraph.js';
import { canIsolateNetwork } from '../runtimes/runtimeCommands.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURE = path.join('test', 'infobip', 'fixtures', 'portable.ts');
const scratch = mkdtempSync(path.join(tmpdir(), 'wcp-infobip-'));

function run(file: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [command, argv] = canIsolateNetwork() ? ['unshare', ['-rn', file, ...args]] : [file, args];
  const { PATH = '', HOME = '' } = process.env;
  return new Promise((resolve) => {
    execFile(command, argv, { cwd: ROOT, env: { PATH, HOME, ...env }, timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

/** whatsapp-call-permissions/infobip runs on Node, Bun, Deno and workers: platform fetch only. */
describe('the Infobip entry is portable', () => {
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('src/infobip/index.ts reaches no Node built-in and no package but xstate', () => {
    const graph = walkImportGraph(path.join(ROOT, 'src', 'infobip', 'index.ts'), ROOT);
    expect(graph.files).toEqual(expect.arrayContaining(['src/infobip/index.ts', 'src/infobip/http.ts', 'src/infobip/webhooks/handler.ts', 'src/engine/engine.ts']));
    expect(graph.externals.filter(({ specifier }) => isRuntimeSpecific(specifier))).toEqual([]);
    expect([...new Set(graph.externals.map(({ specifier }) => specifier))]).toEqual(['xstate']);
  });

  const offline = canIsolateNetwork() ? ', with no network' : '';
  it(`Bun runs the webhook handler and the client's timeout from source${offline}`, async () => {
    const result = await run(path.join(ROOT, 'node_modules', '.bin', 'bun'), ['--no-install', '--no-env-file', FIXTURE], { DO_NOT_TRACK: '1' });
    expect({ code: result.code, stdout: result.stdout.trim().split('\n') }).toEqual({ code: 0, stdout: ['webhook 200 TEMPORARY', 'client INFOBIP_TIMEOUT'] });
  });

  it(`Deno runs the webhook handler and the client's timeout from source${offline}`, async () => {
    const result = await run(
      path.join(ROOT, 'node_modules', '.bin', 'deno'),
      // --sloppy-imports: the sources name `./x.js` for `./x.ts`, as TypeScript's NodeNext resolution wants.
      ['run', '--sloppy-imports', '--node-modules-dir=manual', '--cached-only', '--no-lock', '--no-prompt', FIXTURE],
      { DENO_NO_UPDATE_CHECK: '1', DENO_DIR: path.join(scratch, 'deno'), NO_COLOR: '1' },
    );
    expect({ code: result.code, stdout: result.stdout.trim().split('\n') }).toEqual({ code: 0, stdout: ['webhook 200 TEMPORARY', 'client INFOBIP_TIMEOUT'] });
  });
});
