import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../scripts/runtime-scenario.js';
import * as core from '../../src/index.js';
import { ensureDistBuilt } from './distBuild.js';
import { runInEdgeWorker } from './edgeWorker.js';
import { moduleSpecifiers } from './importGraph.js';
import { canIsolateNetwork, printedLines, runModule, type ModuleRuntime } from './runtimeCommands.js';
import { buildScenarioBundles, type ScenarioBundles } from './scenarioBundles.js';

/**
 * "Import into any runtime": the same week of events, run against the built dist/index.js under
 * Node, Bun, Deno and an edge worker, must print exactly what the sources print in this process.
 */
describe('the built core gives the same decisions in every runtime', () => {
  let scratch: string;
  let bundles: ScenarioBundles;
  let expected: string[];

  beforeAll(async () => {
    ensureDistBuilt();
    scratch = mkdtempSync(path.join(tmpdir(), 'wcp-runtimes-'));
    bundles = await buildScenarioBundles(scratch);
    expected = await runScenario(core);
  });
  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('the week, computed from src in this process, tells the whole story (R1, R2, R3, R5, G2, G4, M1, M2, M4)', () => {
    expect(expected.length).toBeGreaterThanOrEqual(30);
    const said = (pattern: RegExp) => expected.filter((line) => pattern.test(line)).length;
    expect(said(/request permission → sent .* via template/)).toBeGreaterThanOrEqual(1);
    expect(said(/request permission → sent .* via interactive/)).toBeGreaterThanOrEqual(1);
    expect(said(/request permission → refused R1, retry at /)).toBe(2);
    expect(said(/request permission → refused R2, retry at /)).toBe(1);
    expect(said(/request permission → refused R5/)).toBe(1);
    expect(said(/start call → started/)).toBeGreaterThanOrEqual(6);
    expect(said(/start call → refused G2, retry at /)).toBe(1);
    expect(said(/start call → refused G4/)).toBe(1);
    expect(said(/CALL_UNANSWERED .*→ granted → prompted/)).toBe(1);
    expect(said(/CALL_UNANSWERED .*→ prompted → revoked/)).toBe(1);
    expect(said(/CALL_FAILED .*→ prompted → prompted/)).toBe(1);
    expect(said(/PERMISSION_REJECTED \(automatic\) → revoked → revoked/)).toBe(1);
    expect(said(/duplicate, ignored/)).toBe(1);
    expect(said(/permissions \{"status":"(TEMPORARY|NO_PERMISSION|PERMANENT)"/)).toBeGreaterThanOrEqual(4);
    expect(expected.at(-1)).toBe(`compiled interpreter: the same ${expected.length - 1} lines`);
  });

  it('the module the runtimes load imports the library only through dist/index.js', () => {
    expect(moduleSpecifiers(readFileSync(bundles.modulePath, 'utf8'))).toEqual([bundles.coreSpecifier]);
    expect(bundles.coreSpecifier).toMatch(/\/dist\/index\.js$/);
  });

  const offline = canIsolateNetwork() ? ', with no network' : '';
  it.each<ModuleRuntime>(['node', 'bun', 'deno'])(`%s prints the same week from dist/index.js${offline}`, async (runtime) => {
    const run = await runModule(runtime, bundles.modulePath, scratch);

    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(printedLines(run.stdout)).toEqual(expected);
  });

  it('an edge worker (no module loader, no Node globals) prints the same week from dist/index.js bundled with xstate', async () => {
    const run = await runInEdgeWorker(bundles.workerScript);

    expect(run.nodeGlobals).toEqual({ process: 'undefined', require: 'undefined', Buffer: 'undefined', module: 'undefined' });
    expect(run.printed).toEqual(expected);
  });
});
