/**
 * The inspector page's script: TypeScript typed by the service's own response types, bundled into
 * one browser script — on demand from the sources, by `npm run build` into dist/ — and the built
 * service serves the bundle the build wrote. (What the script does is checked in Chromium by
 * inspector.browser.test.ts and inspector.screens.browser.test.ts.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { loadPage } from '../../src/service/page.js';
import { bundleInspector } from '../../src/service/pageBundle.js';
import { DIST, ensureDistBuilt, ROOT } from '../runtimes/distBuild.js';
import { moduleSpecifiers } from '../runtimes/importGraph.js';
import { T0 } from './harness.js';

const PAGE_SOURCES = new URL('../../src/service/page/', import.meta.url);
const PAGE_DIR = fileURLToPath(PAGE_SOURCES);
const PAGE_TSCONFIG = path.join(PAGE_DIR, 'tsconfig.json');

/** The page's tsconfig as tsc reads it: its options and the files it checks. */
function pageConfig(): ts.ParsedCommandLine {
  const config = ts.getParsedCommandLineOfConfigFile(PAGE_TSCONFIG, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  });
  if (!config) throw new Error(`cannot read ${PAGE_TSCONFIG}`);
  return config;
}

/** The page's program, over the service's sources as they would be after `edits` (nothing is written). */
function pageProgram(edits: Readonly<Record<string, (text: string) => string>>): ts.Program {
  const config = pageConfig();
  const host = ts.createCompilerHost(config.options);
  const read = host.readFile.bind(host);
  host.readFile = (file) => {
    const text = read(file);
    const edit = edits[path.relative(ROOT, path.resolve(file))];
    return text === undefined || edit === undefined ? text : edit(text);
  };
  return ts.createProgram(config.fileNames, config.options, host);
}

/** Replaces `from` (which must be there) with `to`. */
const replace = (from: string, to: string) => (text: string) => {
  if (!text.includes(from)) throw new Error(`the edit expects ${JSON.stringify(from)}`);
  return text.replace(from, to);
};

describe('the inspector page is typed TypeScript', () => {
  it('npm run typecheck checks the page with its own DOM-only tsconfig, which holds every module of the page', () => {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(manifest.scripts.typecheck).toContain('tsc --noEmit -p src/service/page/tsconfig.json');
    const { fileNames, options } = pageConfig();
    expect(fileNames.map((file) => path.relative(PAGE_DIR, file)).sort()).toEqual(readdirSync(PAGE_DIR).filter((name) => name.endsWith('.ts')).sort());
    expect(options.strict).toBe(true);
    // The browser's library, not Node's.
    expect(options.lib).toEqual(expect.arrayContaining(['lib.dom.d.ts']));
    expect(options.types).toEqual([]);
  });

  it('a change to a response shape fails the page typecheck, in the page module that reads it', () => {
    const program = pageProgram({
      // GET /health says `policyName` instead of `policy`.
      'src/service/responses.ts': replace('    readonly policy: string;\n    readonly error?', '    readonly policyName: string;\n    readonly error?'),
      // The relationship gains a counter the page has not named.
      'src/inspector/counters.ts': replace('  readonly callsInFlight: number;', '  readonly callsInFlight: number;\n  readonly callsAbandoned: number;'),
      // A timeline's refused command says `rules` instead of `rule`.
      'src/service/timeline.ts': replace("  readonly action: 'request' | 'call';\n  readonly rule: string;", "  readonly action: 'request' | 'call';\n  readonly rules: string;"),
    });
    const inPage = ts
      .getPreEmitDiagnostics(program)
      .filter((diagnostic) => diagnostic.file !== undefined && path.dirname(diagnostic.file.fileName) === PAGE_DIR.replace(/\/$/, ''))
      .map((diagnostic) => `${path.basename(diagnostic.file!.fileName)}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`);
    expect(inPage).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^health\.ts: .*'policy'/),
        expect.stringMatching(/^changes\.ts: .*'callsAbandoned'/),
        expect.stringMatching(/^timeline\.ts: .*'rule'/),
      ]),
    );
    expect(new Set(inPage.map((line) => line.split(':')[0]))).toEqual(new Set(['health.ts', 'changes.ts', 'timeline.ts']));
  }, 60_000);
});

describe('the inspector page is one bundled script', () => {
  it('from the sources, the page serves the bundle of inspector.ts: one module that imports nothing', async () => {
    const page = await loadPage(PAGE_SOURCES);
    expect(page.js).toBe(await bundleInspector(PAGE_SOURCES));
    expect(moduleSpecifiers(page.js)).toEqual([]);
    // JavaScript, not TypeScript: no type annotation, no `import type` left.
    expect(page.js).not.toMatch(/\bimport type\b|\): Promise<|: HTMLElement\b/);
    expect(page.js).toMatch(/new EventSource\("\/v1\/changes"\)/);
    // A second service in the same process is not made to wait for another bundle.
    const again = await loadPage(PAGE_SOURCES);
    expect(again.js).toBe(page.js);
  });

  it('npm run build writes the bundle beside the built service, which serves it (and no TypeScript ships there)', async () => {
    ensureDistBuilt();
    const builtPage = path.join(DIST, 'service', 'page');
    expect(readdirSync(builtPage).sort()).toEqual(['index.html', 'inspector.css', 'inspector.js']);
    const built = readFileSync(path.join(builtPage, 'inspector.js'), 'utf8');
    // The build and the sources give the same script: what the browser tests drive is what ships.
    expect(built).toBe(await bundleInspector(PAGE_SOURCES));

    const { startService } = (await import(pathToFileURL(path.join(DIST, 'service', 'index.js')).href)) as typeof import('../../src/service/index.js');
    const dataDir = await mkdtemp(path.join(tmpdir(), 'wacp-built-page-'));
    const service = await startService({ port: 0, dataDir, clock: 'virtual', clockStart: T0 });
    try {
      const response = await fetch(`${service.url}/assets/inspector.js`);
      expect(response.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(await response.text()).toBe(built);
      const html = await (await fetch(`${service.url}/`)).text();
      expect(html).toContain('<script type="module" src="/assets/inspector.js"></script>');
    } finally {
      await service.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
