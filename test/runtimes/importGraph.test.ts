import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CORE_ENTRY, DIST, ensureDistBuilt, ROOT } from './distBuild.js';
import { isRuntimeSpecific, moduleSpecifiers, packageName, walkImportGraph, type ImportGraph } from './importGraph.js';

/** The core's only dependency is its peer, xstate: anything else would be missing or Node-only in some runtime. */
const ALLOWED_PACKAGES = ['xstate'];

function violations(graph: ImportGraph) {
  const runtimeSpecific = graph.externals.filter(({ specifier }) => isRuntimeSpecific(specifier));
  const otherPackages = graph.externals.filter(({ specifier }) => !isRuntimeSpecific(specifier) && !ALLOWED_PACKAGES.includes(packageName(specifier)));
  return { runtimeSpecific, otherPackages };
}

describe('the core imports nothing that only some runtimes have', () => {
  it('the walker finds a node: import two relative hops from the entry, and a bare built-in such as "path"', () => {
    const fixture = path.join(ROOT, 'test', 'runtimes', 'fixtures', 'leaky-core');
    const graph = walkImportGraph(path.join(fixture, 'index.ts'));

    expect(graph.files).toEqual(['index.ts', 'decide.ts', 'paths.ts', 'fingerprint.ts']);
    expect(violations(graph).runtimeSpecific).toEqual([
      { specifier: 'path', importer: 'paths.ts' },
      { specifier: 'node:crypto', importer: 'fingerprint.ts' },
    ]);
  });

  it('the walker reads every import form and ignores imports that are only text', () => {
    const source = [
      "import { a } from './a.js';",
      "import type { B } from 'node:stream';",
      "import './side-effect.js';",
      "export * from 'fs';",
      "export { c } from '@scope/pkg/sub';",
      "const lazy = () => import('node:worker_threads');",
      "const legacy = require('crypto');",
      "// import { gone } from 'node:os';",
      "const text = \"import { no } from 'node:net'\";",
    ].join('\n');

    expect(moduleSpecifiers(source)).toEqual(['./a.js', 'node:stream', './side-effect.js', 'fs', '@scope/pkg/sub', 'node:worker_threads', 'crypto']);
    expect(['node:stream', 'fs', 'crypto', 'node:worker_threads', 'bun:sqlite'].every(isRuntimeSpecific)).toBe(true);
    expect(['xstate', 'xstate/graph', '@scope/pkg/sub', './a.js'].some(isRuntimeSpecific)).toBe(false);
  });

  it('src/index.ts reaches no Node built-in and no package but xstate', () => {
    const graph = walkImportGraph(path.join(ROOT, 'src', 'index.ts'), ROOT);

    // The walk really covers the core: the statechart, the engine and the stores it exports.
    expect(graph.files).toEqual(expect.arrayContaining(['src/index.ts', 'machines/callPermission.machine.ts', 'src/engine/engine.ts', 'src/stores/memory.ts']));
    expect(graph.externals.map(({ specifier }) => specifier)).toContain('xstate');
    expect(violations(graph)).toEqual({ runtimeSpecific: [], otherPackages: [] });
  });

  describe('the built core', () => {
    beforeAll(() => ensureDistBuilt());

    it('dist/index.js and the chunks it loads import no Node built-in and no package but xstate', () => {
      const graph = walkImportGraph(CORE_ENTRY, DIST);

      expect(graph.files[0]).toBe('index.js');
      expect(graph.externals.map(({ specifier }) => specifier)).toContain('xstate');
      expect(violations(graph)).toEqual({ runtimeSpecific: [], otherPackages: [] });
    });
  });
});
