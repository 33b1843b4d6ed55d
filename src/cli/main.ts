#!/usr/bin/env node
/// <reference types="node" />
/**
 * `wacp`: the command line (Node only). `npx unrun src/cli/main.ts <command>` from the repository;
 * `wacp <command>` once installed (package.json "bin").
 */
import { readFileSync } from 'node:fs';
import { processIo } from './io.js';
import { runCli } from './run.js';

function packageVersion(): string {
  try {
    // From src/cli/main.ts and from dist/cli/main.js alike, the package root is two levels up.
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

process.exitCode = await runCli(process.argv.slice(2), processIo(import.meta.url), packageVersion());
