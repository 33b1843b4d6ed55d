import type { CliIo } from './io.js';

/** One `wacp` sub-command. */
export interface CliCommand {
  readonly name: string;
  /** One line for `wacp --help`. */
  readonly summary: string;
  /** The whole of `wacp <name> --help`. */
  readonly usage: string;
  /** Runs it; resolves to the exit code. Errors it throws are reported by `main`. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}
