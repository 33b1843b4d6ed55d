/**
 * How big the public API is: the runtime values and the types each `exports` entry of package.json
 * exports (from its source, as the TypeScript checker sees it), and the distinct names over all
 * entries (a name re-exported by two entries counts once). `@deprecated` aliases are counted apart.
 *
 *   npm run api:count
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const exportsField = JSON.parse(readFileSync(`${root}package.json`, 'utf8')).exports as Record<string, { types?: string }>;
/** `./dist/infobip/index.d.ts` → `src/infobip/index.ts`: the entry's source. */
const entries = Object.entries(exportsField)
  .filter(([, target]) => typeof target === 'object' && target.types)
  .map(([subpath, target]) => ({ subpath, source: `${root}${target.types!.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts')}` }));

const program = ts.createProgram(
  entries.map((e) => e.source),
  { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, skipLibCheck: true, noEmit: true },
);
const checker = program.getTypeChecker();
const distinct = { values: new Set<string>(), types: new Set<string>(), deprecated: new Set<string>() };

const rows: string[] = [];
for (const { subpath, source } of entries) {
  const file = program.getSourceFile(source);
  const module = file && checker.getSymbolAtLocation(file);
  if (!module) throw new Error(`${source}: not found`);
  let values = 0;
  let types = 0;
  for (const exported of checker.getExportsOfModule(module)) {
    const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const isValue = (target.flags & ts.SymbolFlags.Value) !== 0;
    if (isValue) values++;
    else types++;
    (isValue ? distinct.values : distinct.types).add(exported.name);
    if (target.getJsDocTags(checker).some((tag) => tag.name === 'deprecated')) distinct.deprecated.add(exported.name);
  }
  rows.push(`| ${subpath} | ${values} | ${types} |`);
}
console.log(['| entry | values | types |', '| --- | ---: | ---: |', ...rows, `| distinct names | ${distinct.values.size} | ${distinct.types.size} |`].join('\n'));
console.log(`\n@deprecated aliases among them: ${distinct.deprecated.size} (${[...distinct.deprecated].sort().join(', ')})`);
