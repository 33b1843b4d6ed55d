/// <reference types="node" />
import { readFile } from 'node:fs/promises';
import { RULE_SUMMARIES } from '../diagram/ruleSummaries.js';
import { SENDER_RULE_SUMMARIES } from '../sender/summaries.js';

/** The inspector page: plain HTML, CSS and JavaScript served as they are (no build, no framework, nothing fetched from elsewhere). */
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
  const [html, css, js] = await Promise.all(['index.html', 'inspector.css', 'inspector.js'].map((name) => readFile(new URL(name, directory), 'utf8')));
  const rulebook = await readFile(new URL('../../../docs/rules.md', directory), 'utf8').catch(() => undefined);
  const summaries = `<script type="application/json" id="rule-summaries">${JSON.stringify({ ...RULE_SUMMARIES, ...SENDER_RULE_SUMMARIES }).replace(/</g, '\\u003c')}</script>`;
  return { html: html!.replace('</head>', `  ${summaries}\n</head>`), css: css!, js: js!, ...(rulebook === undefined ? {} : { rulebook }) };
}
