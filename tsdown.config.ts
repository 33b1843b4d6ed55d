import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { defineConfig } from 'tsdown';
import { bundleInspector } from './src/service/pageBundle.ts';

/**
 * One output per package.json export. The adapters ("./infobip", "./stores/postgres") are built
 * only once their source exists, so the core builds on its own while they are being written.
 */
const entries: Record<string, string> = {
  index: 'src/index.ts',
  'infobip/index': 'src/infobip/index.ts',
  'stores/postgres/index': 'src/stores/postgres/index.ts',
  'testing/index': 'src/testing/index.ts',
  'inspector/index': 'src/inspector/index.ts',
  'diagram/index': 'src/diagram/index.ts',
  'service/index': 'src/service/index.ts',
  'cli/main': 'src/cli/main.ts',
};

/** Output name (under dist/, without extension) → source, for the entries whose source exists. */
export const presentEntries: Record<string, string> = Object.fromEntries(
  Object.entries(entries).filter(([, source]) => existsSync(new URL(source, import.meta.url))),
);

export default defineConfig({
  entry: presentEntries,
  format: 'esm',
  // neutral: the core must load in Node, Bun, Deno, workers and browsers alike (test/runtimes proves it).
  platform: 'neutral',
  dts: true,
  sourcemap: true,
  clean: true,
  // xstate is a peer dependency: the host's copy must be the one the statechart runs on.
  // The database drivers belong to the host too, and only the Postgres adapter reaches them.
  deps: { neverBundle: [/^xstate(\/|$)/, /^node:/, /^pg(\/|$)/, /^@electric-sql\/pglite(\/|$)/, /^@hpcc-js\/wasm-graphviz(\/|$)/, /^unrun$/, /^rolldown(\/|$)/] },
  // The inspector page is served from files beside the service module: its HTML and CSS as they are,
  // its TypeScript as one browser script (bundled as the service bundles it when run from the sources).
  copy: [{ from: ['src/service/page/index.html', 'src/service/page/inspector.css'], to: 'dist/service/page' }],
  hooks: {
    async 'build:done'() {
      const script = await bundleInspector(new URL('src/service/page/', import.meta.url));
      await mkdir(new URL('dist/service/page/', import.meta.url), { recursive: true });
      await writeFile(new URL('dist/service/page/inspector.js', import.meta.url), script);
    },
  },
  // Declarations come from tsc (the code is not written for isolated declarations), which is the slow
  // part of every build; the timing warning says only that.
  checks: { pluginTimings: false },
});
