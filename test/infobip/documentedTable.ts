import { readFileSync } from 'node:fs';

/** The Markdown between `<!-- <name>:start -->` and `<!-- <name>:end -->` in docs/platform.md. */
export function documentedTable(name: string): string {
  const doc = readFileSync(new URL('../../docs/platform.md', import.meta.url), 'utf8');
  const start = doc.indexOf(`<!-- ${name}:start -->`);
  const end = doc.indexOf(`<!-- ${name}:end -->`);
  if (start < 0 || end < start) throw new Error(`docs/platform.md has no ${name} markers`);
  return doc.slice(start + `<!-- ${name}:start -->`.length, end).trim();
}
