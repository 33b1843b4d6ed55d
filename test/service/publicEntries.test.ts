/**
 * The reference service is a host like any other: it is built on the package's public entries only
 * (what `whatsapp-call-permissions`, `/infobip`, `/stores/postgres`, `/inspector` and `/diagram`
 * export), never on the engine's internals. So whatever the service needs, a host writing its own
 * service has too. Three pieces of plumbing the entries share, not API, are allowed: the loader of
 * optional peers (one install hint everywhere), epoch-ms → ISO formatting, and the one Node adapter
 * (a web-standard handler as a `node:http` listener, which `/infobip`'s `toNodeListener` also is).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SERVICE = path.resolve(import.meta.dirname, '../../src/service');
const SRC = path.resolve(SERVICE, '..');
const ENTRIES = ['index.ts', 'infobip/index.ts', 'stores/postgres/index.ts', 'inspector/index.ts', 'diagram/index.ts'].map((file) => path.join(SRC, file));
const PLUMBING = ['optionalPeer.ts', 'time.ts', 'adapters/node.ts'].map((file) => path.join(SRC, file));

async function sources(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await sources(full)));
    else if (/\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name)) found.push(full);
  }
  return found;
}

/** Every module specifier of a file's static and dynamic imports and re-exports. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/g)) found.push(match[1]!);
  for (const match of text.matchAll(/import\(\s*'([^']+)'\s*\)/g)) found.push(match[1]!);
  return found;
}

describe('the service is built on public entries only', () => {
  it('every import that leaves src/service names a package entry (or the shared plumbing)', async () => {
    const outside: string[] = [];
    const files = await sources(SERVICE);
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      for (const specifier of specifiers(await readFile(file, 'utf8'))) {
        if (!specifier.startsWith('.')) continue;
        const target = path.resolve(path.dirname(file), specifier).replace(/\.js$/, '.ts');
        if (target.startsWith(SERVICE + path.sep)) continue;
        if (ENTRIES.includes(target) || PLUMBING.includes(target)) continue;
        outside.push(`${path.relative(SRC, file)} → ${specifier}`);
      }
    }
    expect(outside).toEqual([]);
  });

  it('the check sees an internal import (it can fail)', () => {
    const text = "import { applyNormalised } from '../pure/snapshot.js';\nexport { x } from '../engine/engine.js';\nconst y = await import('../stores/memory.js');";
    expect(specifiers(text)).toEqual(['../pure/snapshot.js', '../engine/engine.js', '../stores/memory.js']);
  });
});
