import { existsSync, readFileSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import ts from 'typescript';

/** One import that leaves the walked files: a package, a built-in, a URL. */
export interface ExternalImport {
  readonly specifier: string;
  /** The file that imports it, relative to the walk's root directory. */
  readonly importer: string;
}

export interface ImportGraph {
  /** Every file reached from the entry, relative to `root`, in visiting order. */
  readonly files: readonly string[];
  readonly externals: readonly ExternalImport[];
}

/**
 * Every module specifier a file names: static imports and `export … from`, side-effect imports,
 * `import type`, dynamic `import('…')` and `require('…')` with literal arguments. TypeScript's own
 * pre-processor reads them, so comments and strings that merely look like imports are ignored.
 */
export function moduleSpecifiers(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((file) => file.fileName);
}

const isFile = (candidate: string) => existsSync(candidate) && statSync(candidate).isFile();

/** A relative specifier as the build resolves it: `./x.js` may name `./x.ts` (NodeNext). */
function resolveRelative(specifier: string, importer: string): string {
  const base = path.resolve(path.dirname(importer), specifier);
  const stem = base.replace(/\.(m|c)?js$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.mts`, `${stem}.tsx`, `${base}.ts`, `${base}.js`, path.join(base, 'index.ts'), path.join(base, 'index.js')];
  const found = candidates.find(isFile);
  if (!found) throw new Error(`${importer} imports ${JSON.stringify(specifier)}, which resolves to no file`);
  return found;
}

/** Walks the static import graph from `entry`, following relative specifiers; everything else is external. */
export function walkImportGraph(entry: string, root = path.dirname(entry)): ImportGraph {
  const files: string[] = [];
  const externals: ExternalImport[] = [];
  const seen = new Set<string>();
  const pending = [path.resolve(entry)];
  while (pending.length > 0) {
    const file = pending.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    files.push(path.relative(root, file));
    for (const specifier of moduleSpecifiers(readFileSync(file, 'utf8'))) {
      if (specifier.startsWith('./') || specifier.startsWith('../')) pending.push(resolveRelative(specifier, file));
      else externals.push({ specifier, importer: path.relative(root, file) });
    }
  }
  return { files, externals };
}

/** A module only some runtimes provide: Node's built-ins (with or without `node:`), Bun's and Deno's own schemes. */
export function isRuntimeSpecific(specifier: string): boolean {
  return isBuiltin(specifier) || /^(node|bun|deno|npm|jsr):/.test(specifier);
}

/** The package a bare specifier names: `xstate/graph` → `xstate`, `@scope/pkg/x` → `@scope/pkg`. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}
