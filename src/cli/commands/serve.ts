import { createRequire } from 'node:module';
import { MissingPeerDependencyError } from '../../errors.js';
import type { CliCommand } from '../command.js';
import { EXIT_OK, EXIT_USAGE } from '../errors.js';
import { loadSiblingModule } from '../siblingModule.js';

/** What `wacp serve` needs of `src/service/index` (declared here so the CLI builds without it). */
interface ServiceModule {
  startService(options: Record<string, unknown>): Promise<{ readonly url: string; close(): Promise<void> }>;
  readonly SERVE_USAGE?: string;
  mergeServeArgs?(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Readonly<Record<string, string | undefined>>;
  serviceOptionsFromEnv?(env: Readonly<Record<string, string | undefined>>, log?: (line: string) => void): Record<string, unknown>;
}

/**
 * Whether Graphviz, the optional peer that draws the statechart, is missing (the service still runs
 * without it). Only resolved, not loaded: its WebAssembly is large, and the service loads it when drawing.
 */
function graphvizMissing(entryUrl: string): MissingPeerDependencyError | undefined {
  const name = '@hpcc-js/wasm-graphviz';
  try {
    createRequire(entryUrl).resolve(name);
    return undefined;
  } catch (error) {
    // ERR_PACKAGE_PATH_NOT_EXPORTED and the like: it is there (ESM only); only MODULE_NOT_FOUND means absent.
    return (error as { code?: unknown }).code === 'MODULE_NOT_FOUND' ? new MissingPeerDependencyError(name, 'The statechart drawing') : undefined;
  }
}

const FALLBACK_USAGE = `Usage: wacp serve [flags]

Starts the reference service (src/service) on http://127.0.0.1, with the inspector page at /.
Its flags and environment variables are listed by the service itself: wacp serve --help.
`;

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'start the reference service with the inspector page (src/service)',
  usage: FALLBACK_USAGE,
  async run(args, io) {
    const help = args.includes('--help') || args.includes('-h');
    let service: ServiceModule;
    try {
      service = await loadSiblingModule<ServiceModule>(io.entryUrl, '../service/index', 'The reference service (src/service)');
    } catch (error) {
      if (help) {
        io.stdout.write(FALLBACK_USAGE);
        return EXIT_OK;
      }
      throw error;
    }
    if (help) {
      io.stdout.write(service.SERVE_USAGE ?? FALLBACK_USAGE);
      return EXIT_OK;
    }
    if (!(service.mergeServeArgs && service.serviceOptionsFromEnv) && args.length > 0) {
      io.stderr.write('wacp serve: this build of the service takes no flags\n');
      return EXIT_USAGE;
    }
    const log = (line: string) => void io.stdout.write(`${line}\n`);
    let options: Record<string, unknown>;
    try {
      options =
        service.mergeServeArgs && service.serviceOptionsFromEnv
          ? service.serviceOptionsFromEnv(service.mergeServeArgs(args, io.env), log)
          : { log };
    } catch (error) {
      // The service's configuration errors name their variable (`path`); it runs as its own module copy, so no instanceof.
      if (!(error instanceof Error && 'path' in error)) throw error;
      io.stderr.write(`wacp serve: ${error.message}\n(wacp serve --help lists the flags and variables)\n`);
      return EXIT_USAGE;
    }
    const graphviz = graphvizMissing(io.entryUrl);
    if (graphviz) io.stdout.write(`Note: ${graphviz.packageName} (optional) is not installed, so the inspector draws a plain statechart. For the Graphviz drawing: ${graphviz.install}\n`);
    const running = await service.startService(options);
    io.stdout.write(`Inspector: ${running.url}/   (Ctrl-C stops)\n`);
    return new Promise<number>((resolve, reject) => {
      let stopping = false;
      io.onShutdown((signal) => {
        if (stopping) return;
        stopping = true;
        io.stdout.write(`${signal}: stopping…\n`);
        running.close().then(() => resolve(EXIT_OK), reject);
      });
    });
  },
};
