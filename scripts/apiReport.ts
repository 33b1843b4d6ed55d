/**
 * The package's public API, recorded per entry in `api/<entry>.api.md` by API Extractor from the
 * built declarations (`dist/**.d.ts`), so that every change to it shows in review.
 *
 *   npm run api          rebuilds and rewrites the reports (commit them with the change)
 *   npm run api:check    rebuilds and fails if a report differs from the committed one (.ci/run)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig, ExtractorLogLevel, type IConfigFile } from '@microsoft/api-extractor';

const root = fileURLToPath(new URL('..', import.meta.url));
const check = process.argv.includes('--check');

/** Each `exports` entry of package.json with its declarations, named for its report. */
const exportsField = JSON.parse(readFileSync(`${root}package.json`, 'utf8')).exports as Record<string, { types?: string }>;
const entries = Object.entries(exportsField)
  .filter(([, target]) => typeof target === 'object' && target.types)
  .map(([subpath, target]) => ({ report: subpath === '.' ? 'index' : subpath.slice(2).replaceAll('/', '-'), types: target.types! }));

mkdirSync(`${root}api`, { recursive: true });
mkdirSync(`${root}.api-temp/built`, { recursive: true });

/**
 * The report with each union of string literals in one order. The declarations of an inferred
 * type (the statechart's) list a union's members in the order the compiler met them, which is not
 * the same from one build to the next: that order is not part of the API.
 */
function canonical(report: string): string {
  return report.replace(/"[^"\n]*"(?: \| "[^"\n]*")+/g, (union) => union.split(' | ').sort().join(' | '));
}
let failed = 0;
/** Per report, the declarations a public signature mentions that the entry does not export (`ae-forgotten-export`). */
const unexported = new Map<string, Set<string>>();
/** Every name some entry exports. */
const exported = new Set<string>();
for (const { report, types } of entries) {
  const configObject: IConfigFile = {
    projectFolder: root,
    mainEntryPointFilePath: `<projectFolder>/${types.replace(/^\.\//, '')}`,
    compiler: { overrideTsconfig: { compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, lib: ['ES2023', 'DOM'] } } },
    // API Extractor writes the report it builds under .api-temp/; this script compares and copies it.
    apiReport: { enabled: true, reportFolder: '<projectFolder>/.api-temp/built/', reportTempFolder: '<projectFolder>/.api-temp/', reportFileName: report },
    docModel: { enabled: false },
    dtsRollup: { enabled: false },
    tsdocMetadata: { enabled: false },
    messages: {
      compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Warning } },
      // Release tags (@public/@beta) are not used: every export of an entry is public. The report
      // holds the API only: messages cite positions in the built declarations (and their chunk
      // names), which move with every unrelated change; a type of the root entry that a sub-entry
      // uses (ae-forgotten-export) is by design; TypeDoc (npm run docs) checks the documentation.
      extractorMessageReporting: { default: { logLevel: ExtractorLogLevel.None, addToApiReportFile: false } },
      tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.None, addToApiReportFile: false } },
    },
  };
  const config = ExtractorConfig.prepare({ configObject, configObjectFullPath: undefined, packageJsonFullPath: `${root}package.json` });
  const result = Extractor.invoke(config, { localBuild: true, showVerboseMessages: false, messageCallback: (message) => {
    // Its own notes on the report file are this script's business (compared below).
    const aboutTheReport = String(message.messageId).startsWith('console-api-report');
    const forgotten = message.messageId === 'ae-forgotten-export' ? /"([^"]+)"/.exec(message.text)?.[1] : undefined;
    if (forgotten) unexported.set(report, (unexported.get(report) ?? new Set()).add(forgotten.replace(/_\d+$/, '')));
    if (!aboutTheReport && (message.logLevel === ExtractorLogLevel.Warning || message.logLevel === ExtractorLogLevel.Error)) console.error(`${report}: ${message.text}`);
    message.handled = true;
  } });
  if (!result.succeeded) {
    failed++;
    console.error(`api/${report}.api.md: API Extractor failed (${result.errorCount} errors)`);
    continue;
  }
  const built = canonical(readFileSync(`${root}.api-temp/built/${report}.api.md`, 'utf8'));
  for (const m of built.matchAll(/^export (?:declare )?(?:abstract )?(?:class|interface|type|function|const|namespace|enum) (\w+)|^export \{ \w+ as (\w+) \}|^export \{ (\w+) \}/gm)) exported.add((m[1] ?? m[2] ?? m[3])!);
  const recordedPath = `${root}api/${report}.api.md`;
  const recorded = existsSync(recordedPath) ? readFileSync(recordedPath, 'utf8') : undefined;
  if (recorded === built) console.log(`api/${report}.api.md unchanged`);
  else if (check) {
    failed++;
    console.error(`api/${report}.api.md: the public API of "${types}" changed. Run \`npm run api\` and commit the report with the change.`);
  } else {
    writeFileSync(recordedPath, built);
    console.log(`api/${report}.api.md written`);
  }
}
// A type a public signature mentions should be nameable by its users: exported by this entry, or by
// another one (the sub-entries use the root entry's types, by design). Said, not failed on.
for (const [report, names] of unexported)
  for (const name of names) if (!exported.has(name)) console.warn(`api/${report}.api.md: ${name} is part of the public API but no entry exports it (export it, or write it into the type that uses it)`);
if (failed > 0) process.exit(1);
