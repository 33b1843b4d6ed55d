import { CallPermissionError } from '../errors.js';
import { parseTime } from '../events/parse.js';
import { normalizePhoneNumber } from '../phone.js';

/**
 * A value that is not the shape Infobip documents, with the path of the field. Raised by the
 * readers below and turned by the caller into the error its side needs (a webhook error answered
 * with 4xx, or a malformed-response error from the client).
 */
export class ShapeError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

/** Ids as the engine accepts them (1–128 printable characters without spaces). */
const ID = /^[\x21-\x7e]{1,128}$/;
/** Infobip's enumerations are upper snake case; anything else is not a well-formed type. */
const TYPE = /^[A-Z][A-Z0-9_]{0,63}$/;
export const MAX_TEXT = 4096;

export type Json = Record<string, unknown>;

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

export function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function object(value: unknown, path: string): Json {
  if (!isObject(value)) throw new ShapeError(path, `must be an object, got ${describe(value)}`);
  return value;
}

export function optionalObject(value: unknown, path: string): Json | undefined {
  return value === undefined || value === null ? undefined : object(value, path);
}

export function string(value: unknown, path: string, max = MAX_TEXT): string {
  if (typeof value !== 'string') throw new ShapeError(path, `must be a string, got ${describe(value)}`);
  if (value.length === 0) throw new ShapeError(path, 'must not be empty');
  if (value.length > max) throw new ShapeError(path, `must be at most ${max} characters, got ${value.length}`);
  return value;
}

export function optionalString(value: unknown, path: string, max = MAX_TEXT): string | undefined {
  return value === undefined || value === null ? undefined : string(value, path, max);
}

export function id(value: unknown, path: string): string {
  const s = string(value, path, 128);
  if (!ID.test(s)) throw new ShapeError(path, `must be 1–128 printable characters without spaces, got ${describe(s)}`);
  return s;
}

export function optionalId(value: unknown, path: string): string | undefined {
  return value === undefined || value === null ? undefined : id(value, path);
}

/** An upper-snake-case enumeration value (`CALL_FINISHED`, `TEXT`): well formed, known or not. */
export function typeName(value: unknown, path: string): string {
  const s = string(value, path, 64);
  if (!TYPE.test(s)) throw new ShapeError(path, `must be an upper-case type name such as "TEXT", got ${describe(s)}`);
  return s;
}

export function boolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw new ShapeError(path, `must be true or false, got ${describe(value)}`);
  return value;
}

export function count(value: unknown, path: string, max = 1_000_000_000): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max)
    throw new ShapeError(path, `must be a whole number 0–${max}, got ${describe(value)}`);
  return value;
}

export function phone(value: unknown, path: string): string {
  string(value, path, 32);
  try {
    return normalizePhoneNumber(value, path);
  } catch (error) {
    throw new ShapeError(path, error instanceof CallPermissionError ? error.message.replace(`${path}: `, '') : String(error));
  }
}

/**
 * An Infobip time: ISO 8601 with a zone. Infobip writes offsets without a colon
 * (`2026-04-01T10:10:00.000+0000`), which not every runtime's `Date.parse` reads; it is
 * normalised first.
 */
export function time(value: unknown, path: string): number {
  const s = string(value, path, 40);
  const normalised = s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  try {
    return parseTime(normalised, path);
  } catch (error) {
    throw new ShapeError(path, error instanceof CallPermissionError ? error.message.replace(`${path}: `, '') : String(error));
  }
}

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], path: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value))
    throw new ShapeError(path, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${describe(value)}`);
  return value as T;
}
