import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { callPermissionMachine } from '../../machines/callPermission.machine.js';
import { statechartGraph, statechartJson, toDot, toMermaid } from '../../src/diagram/index.js';
import { wacp } from './wacp.js';

const temp = await mkdtemp(join(tmpdir(), 'wacp-diagram-'));
afterAll(() => rm(temp, { recursive: true, force: true }));
const graph = statechartGraph(callPermissionMachine);

describe('wacp diagram: the statechart, drawn from the machine', () => {
  it('prints Mermaid by default, and DOT, SVG or the machine JSON with --format', async () => {
    const [mermaid, dot, svg, json] = await Promise.all([wacp(['diagram']), wacp(['diagram', '--format', 'dot']), wacp(['diagram', '--format', 'svg']), wacp(['diagram', '--format=json'])]);
    expect([mermaid.code, dot.code, svg.code, json.code]).toEqual([0, 0, 0, 0]);
    expect(mermaid.stdout).toBe(toMermaid(graph));
    expect(dot.stdout).toBe(toDot(graph));
    expect(svg.stdout).toBe(await readFile(new URL('../../docs/statechart.svg', import.meta.url), 'utf8'));
    expect(json.stdout).toBe(statechartJson(callPermissionMachine));
  });

  it('refuses a format it does not know (exit 2)', async () => {
    const run = await wacp(['diagram', '--format', 'png']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--format must be one of mermaid, dot, svg, json, got "png"');
  });

  it('--check passes on the repository’s docs; --write regenerates them elsewhere; --check fails once one is stale', async () => {
    const inRepo = await wacp(['diagram', '--check']);
    expect(inRepo.code, inRepo.stderr).toBe(0);

    const written = await wacp(['diagram', '--write', '--out-dir', temp]);
    expect(written.code).toBe(0);
    for (const file of ['statechart.md', 'statechart.svg', 'statechart.json'])
      expect(await readFile(join(temp, file), 'utf8')).toBe(await readFile(new URL(`../../docs/${file}`, import.meta.url), 'utf8'));
    expect((await wacp(['diagram', '--check', '--out-dir', temp])).code).toBe(0);

    await writeFile(join(temp, 'statechart.md'), 'edited by hand\n');
    const stale = await wacp(['diagram', '--check', '--out-dir', temp]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain(`stale or missing: ${join(temp, 'statechart.md')}`);
  });
});
