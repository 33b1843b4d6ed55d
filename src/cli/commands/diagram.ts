/// <reference types="node" />
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { callPermissionMachine } from '../../../machines/callPermission.machine.js';
import { DIAGRAM_FILES, renderDiagramDocuments } from '../../diagram/documents.js';
import { toDot } from '../../diagram/dot.js';
import { statechartJson } from '../../diagram/machineJson.js';
import { toMermaid } from '../../diagram/mermaid.js';
import { statechartGraph } from '../../diagram/statechartGraph.js';
import { renderSvg } from '../../diagram/svg.js';
import { MissingPeerDependencyError } from '../../errors.js';
import { parseCommandLine, positionals } from '../args.js';
import type { CliCommand } from '../command.js';
import { CliError, EXIT_FAILED, EXIT_OK, UsageError } from '../errors.js';

const FORMATS = ['mermaid', 'dot', 'svg', 'json'] as const;
type Format = (typeof FORMATS)[number];

const USAGE = `Usage: wacp diagram [--format mermaid|dot|svg|json]
       wacp diagram --write [--out-dir DIR]
       wacp diagram --check [--out-dir DIR]

Prints the call-permission statechart, generated from the machine itself (xstate/graph), with the
guard and the rule ids (docs/rules.md) on every edge.

Options:
  --format F     mermaid (default: a stateDiagram-v2), dot (Graphviz), svg (standalone, rendered by
                 Graphviz in WebAssembly) or json (the machine's config, for Stately's editor)
  --write        write statechart.md, statechart.svg and statechart.json into DIR
  --check        write nothing; exit 1 if any of those files differs from what --write would write
  --out-dir DIR  where --write and --check look (default: docs)
  -h, --help     this text
`;

async function render(format: Format): Promise<string> {
  const graph = statechartGraph(callPermissionMachine);
  switch (format) {
    case 'mermaid':
      return toMermaid(graph);
    case 'dot':
      return toDot(graph);
    case 'svg':
      try {
        return await renderSvg(toDot(graph));
      } catch (error) {
        if (!(error instanceof MissingPeerDependencyError)) throw error;
        throw new CliError(`--format svg draws with Graphviz, the optional peer ${error.packageName}, which is not installed. Run: ${error.install} (or use --format mermaid, dot or json, which need nothing more)`);
      }
    case 'json':
      return statechartJson(callPermissionMachine);
  }
}

export const diagramCommand: CliCommand = {
  name: 'diagram',
  summary: 'print the statechart (Mermaid, DOT, SVG or JSON); --write regenerates docs/statechart.*',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals: given } = parseCommandLine('diagram', args, {
      format: { type: 'string' },
      write: { type: 'boolean' },
      check: { type: 'boolean' },
      'out-dir': { type: 'string' },
    });
    if (values.help) {
      io.stdout.write(USAGE);
      return EXIT_OK;
    }
    positionals('diagram', given, []);
    if (values.write && values.check) throw new UsageError('wacp diagram: --write and --check do not go together');
    if ((values.write || values.check) && values.format !== undefined) throw new UsageError('wacp diagram: --format prints one diagram; --write and --check handle every file');
    if (!(values.write || values.check)) {
      const format = (values.format ?? 'mermaid') as Format;
      if (!FORMATS.includes(format)) throw new UsageError(`wacp diagram: --format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(values.format)}`);
      io.stdout.write(await render(format));
      return EXIT_OK;
    }
    const dir = resolve(io.cwd, values['out-dir'] ?? 'docs');
    const documents = await renderDiagramDocuments();
    if (values.write) {
      await mkdir(dir, { recursive: true });
      for (const file of DIAGRAM_FILES) await writeFile(join(dir, file), documents[file]);
      io.stdout.write(`wrote ${DIAGRAM_FILES.map((f) => join(values['out-dir'] ?? 'docs', f)).join(', ')}\n`);
      return EXIT_OK;
    }
    const stale: string[] = [];
    for (const file of DIAGRAM_FILES) {
      const current = await readFile(join(dir, file), 'utf8').catch(() => undefined);
      if (current !== documents[file]) stale.push(join(values['out-dir'] ?? 'docs', file));
    }
    if (stale.length === 0) {
      io.stdout.write('the diagrams are up to date\n');
      return EXIT_OK;
    }
    io.stderr.write(`stale or missing: ${stale.join(', ')}\nregenerate them with: npx unrun src/cli/main.ts diagram --write\n`);
    return EXIT_FAILED;
  },
};
