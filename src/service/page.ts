/// <reference types="node" />
import { readFile } from 'node:fs/promises';

/** The inspector page: plain HTML, CSS and JavaScript served as they are (no build, no framework, nothing fetched from elsewhere). */
export interface PageAssets {
  readonly html: string;
  readonly css: string;
  readonly js: string;
}

/** Reads the page from `src/service/page/`, beside this module. */
export async function loadPage(directory: URL = new URL('./page/', import.meta.url)): Promise<PageAssets> {
  const [html, css, js] = await Promise.all(['index.html', 'inspector.css', 'inspector.js'].map((name) => readFile(new URL(name, directory), 'utf8')));
  return { html: html!, css: css!, js: js! };
}
