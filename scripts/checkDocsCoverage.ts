/**
 * Run after TypeDoc (`npm run docs`): no file name in a comment linked as a web address, and every
 * identifier the README names — what its examples import from the package, the functions it calls,
 * the types and classes it mentions — documented in docs/api, so a reader can look each one up.
 * Exits 1 naming what is wrong.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const api = join(root, 'docs/api');
if (!existsSync(api)) {
  console.error('docs/api is missing: run typedoc first');
  process.exit(1);
}

/** Names documented by TypeDoc: pages are `<kind>/<module>.<Name>.html` (a namespace's under `modules/`). */
const documented = new Set<string>();
for (const kind of ['classes', 'functions', 'interfaces', 'types', 'variables', 'modules']) {
  if (!existsSync(join(api, kind))) continue;
  for (const file of readdirSync(join(api, kind))) documented.add(file.replace(/\.html$/, '').split('.').pop()!);
}

/** Members (methods, properties): their anchors, lower-cased as TypeDoc writes them, on any page. */
const members = new Set<string>();
for (const kind of ['classes', 'interfaces']) {
  if (!existsSync(join(api, kind))) continue;
  for (const file of readdirSync(join(api, kind))) for (const m of readFileSync(join(api, kind, file), 'utf8').matchAll(/ id="([a-z0-9_]+)"/g)) members.add(m[1]!);
}

/** Names that are the platform's or another library's (`import()`, XState's `setup()`, a driver's `query()`), not this package's. */
const FOREIGN = new Set(['import', 'require', 'setup', 'transition', 'query', 'Date', 'Request', 'Response', 'AbortController', 'AbortSignal', 'TextEncoder', 'Pool', 'Client', 'PGlite', 'Bun', 'Deno', 'Graphviz', 'JSON', 'Promise', 'Map', 'Error']);

const readme = readFileSync(join(root, 'README.md'), 'utf8');
const named = new Set<string>();
// Imported from the package in the README's examples.
for (const m of readme.matchAll(/import\s*\{([^}]*)\}\s*from\s*'whatsapp-call-permissions[^']*'/g))
  for (const part of m[1]!.split(',')) {
    const name = part.replace(/\btype\b/, '').trim().split(/\s+as\s+/)[0]!;
    if (name) named.add(name);
  }
// Inline code outside the code blocks: `someFunction(…)` and `PascalCaseType`.
for (const m of readme.replace(/```[\s\S]*?```/g, '').matchAll(/`([^`\n]+)`/g)) {
  const code = m[1]!;
  const call = /^(?:await\s+)?([a-z][A-Za-z0-9]*)\(/.exec(code);
  if (call && !code.includes('.')) named.add(call[1]!);
  const type = /^([A-Z][a-z]+(?:[A-Z][a-z0-9]*)+)$/.exec(code);
  if (type) named.add(type[1]!);
}

// A file name in a comment that TypeDoc turned into a web address (`NAME.md` → http://NAME.md).
const fileLinks: string[] = [];
const walk = (dir: string) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) walk(join(dir, entry.name));
    else if (entry.name.endsWith('.html'))
      for (const m of readFileSync(join(dir, entry.name), 'utf8').matchAll(/href="(https?:\/\/[^"/]+\.(?:md|ts|json|svg))"/g)) fileLinks.push(`${entry.name}: ${m[1]}`);
  }
};
walk(api);
if (fileLinks.length) {
  console.error(`API docs link file names as web addresses:\n  ${fileLinks.join('\n  ')}`);
  process.exit(1);
}

const missing = [...named].filter((name) => !FOREIGN.has(name) && !documented.has(name) && !members.has(name.toLowerCase())).sort();
if (missing.length) {
  console.error(`README names ${missing.length} identifier(s) that the API docs do not document:\n  ${missing.join('\n  ')}`);
  process.exit(1);
}
console.log(`docs/api documents all ${named.size} identifiers the README names.`);
