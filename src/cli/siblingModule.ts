/// <reference types="node" />
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CliError } from './errors.js';

/**
 * Loads a module that sits beside the CLI (`../service/index`) without importing it statically:
 * the CLI works without it, and says so clearly when it is needed and missing. From a build it is
 * the `.js` file; from source (`npx unrun src/cli/main.ts`) the `.ts` file, loaded through unrun.
 */
export async function loadSiblingModule<T>(entryUrl: string, relative: string, what: string): Promise<T> {
  const js = new URL(`${relative}.js`, entryUrl);
  if (existsSync(fileURLToPath(js))) return (await import(js.href)) as T;
  const ts = new URL(`${relative}.ts`, entryUrl);
  if (existsSync(fileURLToPath(ts))) {
    let unrun: (options: { path: URL }) => Promise<{ module: unknown }>;
    try {
      ({ unrun } = (await import('unrun')) as unknown as { unrun: typeof unrun });
    } catch {
      throw new CliError(`${what} is here as TypeScript source (${fileURLToPath(ts)}), and running it needs the dev dependency unrun: npm install`);
    }
    return (await unrun({ path: ts })).module as T;
  }
  throw new CliError(`${what} is not part of this build: neither ${fileURLToPath(js)} nor its .ts source exists`);
}
