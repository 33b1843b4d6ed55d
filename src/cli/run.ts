import type { CliCommand } from './command.js';
import { diagramCommand } from './commands/diagram.js';
import { inspectCommand } from './commands/inspect.js';
import { serveCommand } from './commands/serve.js';
import { simulateCommand } from './commands/simulate.js';
import { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError } from './errors.js';
import type { CliIo } from './io.js';

export const COMMANDS: readonly CliCommand[] = [simulateCommand, inspectCommand, diagramCommand, serveCommand];

function usage(version: string): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `wacp ${version}: WhatsApp business-initiated calling permissions, from the command line

Usage: wacp <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run "wacp <command> --help" for a command's options.
Exit codes: 0 done, 1 the input or the work failed, 2 the command line is wrong.
`;
}

/** An engine error (a `CallPermissionError`, from this copy of the code or another) reports as its message. */
function isEngineError(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && /^[A-Z_]+$/.test(code);
}

/** Runs `wacp <args>`; resolves to the exit code. Errors become one line on stderr; only a bug prints a stack. */
export async function runCli(args: readonly string[], io: CliIo, version: string): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage(version));
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${version}\n`);
    return EXIT_OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`wacp: unknown command ${JSON.stringify(name)} (commands: ${COMMANDS.map((c) => c.name).join(', ')}; wacp --help)\n`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`${error.message}\n(wacp ${command.name} --help shows how to use it)\n`);
      return error.exitCode;
    }
    if (error instanceof CliError) {
      io.stderr.write(`${error.message.startsWith('wacp ') || /^[^\s:]+:\d+:\d+: /.test(error.message) ? '' : `wacp ${command.name}: `}${error.message}\n`);
      return error.exitCode;
    }
    if (isEngineError(error)) {
      io.stderr.write(`wacp ${command.name}: ${error.message}\n`);
      return EXIT_FAILED;
    }
    io.stderr.write(`wacp ${command.name}: unexpected error\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT_FAILED;
  }
}
