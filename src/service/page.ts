/// <reference types="node" />
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { RULE_SUMMARIES } from '../diagram/index.js';

/** The inspector page: HTML, CSS and one script (bundled from the page's TypeScript), nothing fetched from elsewhere. */
export interface PageAssets {
  readonly html: string;
  readonly css: string;
  readonly js: string;
  /** docs/rules.md, which the page's rule badges link to; undefined when the package lacks it. */
  readonly rulebook?: string;
}

/**
 * Reads the page from `src/service/page/` (or `dist/service/page/`), beside this module, and the
 * rulebook from the package's `docs/`, three levels up from either. The rules' one-line summaries
 * go into the page as JSON, for the badges' tooltips.
 */
export async function loadPage(directory: URL = new URL('./page/', import.meta.url)): Promise<PageAssets> {
  const [html, css, js] = await Promise.all([readFile(new URL('index.html', directory), 'utf8'), readFile(new URL('inspector.css', directory), 'utf8'), inspectorScript(directory)]);
  const rulebook = await readFile(new URL('../../../docs/rules.md', directory), 'utf8').catch(() => undefined);
  const summaries = `<script type="application/json" id="rule-summaries">${JSON.stringify(RULE_SUMMARIES).replace(/</g, '\\u003c')}</script>`;
  return { html: html.replace('</head>', `  ${summaries}\n</head>`), css, js, ...(rulebook === undefined ? {} : { rulebook }) };
}

/** Bundles made from the sources in this process, by directory: every service started here shares one. */
const bundled = new Map<string, Promise<string>>();

/**
 * The page's script. Beside the sources (`npm start`, the tests: `inspector.ts` is there) it is
 * bundled from them, once per process, so what is served is always what the sources say; beside the
 * built service (dist/, the package) it is the bundle `npm run build` wrote there.
 */
function inspectorScript(directory: URL): Promise<string> {
  if (!existsSync(new URL('inspector.ts', directory)))
    return readFile(new URL('inspector.js', directory), 'utf8').catch((error: unknown) => {
      throw new Error(`the inspector page's script is missing from ${directory.pathname} (npm run build writes it there)`, { cause: error });
    });
  let bundle = bundled.get(directory.href);
  if (bundle === undefined) {
    // Imported only here: the built service never loads the bundler's side.
    bundle = import('./pageBundle.js').then(({ bundleInspector }) => bundleInspector(directory));
    // A failed bundle (a syntax error being fixed) is not kept: the next start tries again.
    bundle.catch(() => bundled.delete(directory.href));
    bundled.set(directory.href, bundle);
  }
  return bundle;
}
