/// <reference types="node" />
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** `node:util` `parseArgs`, strict, with its errors turned into usage errors that say what to do. */
export function parseCommandLine<O extends Options>(command: string, args: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...args], options: { help: { type: 'boolean', short: 'h' }, ...options }, allowPositionals: true, strict: true });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(`wacp ${command}: ${message}`);
  }
}

/** Exactly `names.length` positional arguments, or a usage error naming what is missing or extra. */
export function positionals(command: string, given: readonly string[], names: readonly string[]): string[] {
  if (given.length < names.length) throw new UsageError(`wacp ${command}: missing ${names.slice(given.length).map((n) => `<${n}>`).join(' ')}`);
  if (given.length > names.length) throw new UsageError(`wacp ${command}: unexpected argument ${JSON.stringify(given[names.length])}`);
  return [...given];
}
