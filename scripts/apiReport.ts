/**
 * The package's public API, recorded per entry in `api/<entry>.api.md` by API Extractor from the
 * built declarations (`dist/**.d.ts`), so that every change to it shows in review.
 *
 *   npm run api          rebuilds and rewrites the reports (commit them with the change)
 *   npm run api:check    rebuilds and fails if a report differs from the committed one (.ci/run)
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig, ExtractorLogLevel, type IConfigFile } from '@microsoft/api-extractor';

const root = fileURLToPath(new URL('..', import.meta.url));
const check = process.argv.includes('--check');

/** Each `exports` entry of package.json with its declarations, named for its report. */
const exportsField = JSON.parse(readFileSync(`${root}package.json`, 'utf8')).exports as Record<string, { types?: string }>;
const entries = Object.entries(exportsField)
  .filter(([, target]) => typeof target === 'object' && target.types)
  .map(([subpath, target]) => ({ report: subpath === '.' ? 'index' : subpath.slice(2).replaceAll('/', '-'), types: target.types! }));

if (!check) mkdirSync(`${root}api`, { recursive: true });
let failed = 0;
for (const { report, types } of entries) {
  const configObject: IConfigFile = {
    projectFolder: root,
    mainEntryPointFilePath: `<projectFolder>/${types.replace(/^\.\//, '')}`,
    compiler: { overrideTsconfig: { compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, lib: ['ES2023', 'DOM'] } } },
    apiReport: { enabled: true, reportFolder: '<projectFolder>/api/', reportTempFolder: '<projectFolder>/.api-temp/', reportFileName: report },
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
  const result = Extractor.invoke(config, { localBuild: !check, showVerboseMessages: false, messageCallback: (message) => {
    if (message.logLevel === ExtractorLogLevel.Warning || message.logLevel === ExtractorLogLevel.Error) console.error(`${report}: ${message.text}`);
    message.handled = true;
  } });
  if (check && result.apiReportChanged) {
    failed++;
    console.error(`api/${report}.api.md: the public API of "${types}" changed. Run \`npm run api\` and commit the report with the change.`);
  } else if (!result.succeeded) {
    failed++;
    console.error(`api/${report}.api.md: API Extractor failed (${result.errorCount} errors)`);
  } else console.log(`api/${report}.api.md ${result.apiReportChanged ? 'written' : 'unchanged'}`);
}
if (failed > 0) process.exit(1);
