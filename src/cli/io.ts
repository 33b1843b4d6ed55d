/// <reference types="node" />
import type { ProgressStream } from './progress.js';

/** What a command may touch of the process: its output streams, environment and directory. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: ProgressStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** The URL of the CLI's entry module (`dist/cli/main.js`, or `src/cli/main.ts` from source): siblings are found from it. */
  readonly entryUrl: string;
  readStdin(): Promise<string>;
  /** Runs `stop` on Ctrl-C or SIGTERM (for commands that keep running, such as `serve`). */
  onShutdown(stop: (signal: string) => void): void;
}

export function processIo(entryUrl: string): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    entryUrl,
    onShutdown(stop) {
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    },
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}
