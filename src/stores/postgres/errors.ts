import { CallPermissionError } from '../../errors.js';

/**
 * The database could not be reached, or the connection broke while a statement was under way.
 * Every write is a single statement, so it either happened as a whole or not at all; when the
 * connection broke after the statement was sent, which of the two is unknown
 * (`writeOutcomeUnknown`). Either way no limit can be exceeded: a reservation that did land is
 * counted, one that did not was never acted on (the engine runs no effect after a failed save).
 */
export class StoreUnavailableError extends CallPermissionError {
  readonly writeOutcomeUnknown: boolean;
  constructor(message: string, writeOutcomeUnknown: boolean, cause: unknown) {
    super('STORE_UNAVAILABLE', message, undefined, { cause });
    this.writeOutcomeUnknown = writeOutcomeUnknown;
  }
}

/** The SQLSTATE of a driver error (`pg` and PGlite both put it in `code`), if it has one. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * SQLSTATEs that mean "someone else wrote first" under stricter isolation levels or through a key
 * the statement could not see: the engine's answer to all of them is to reload and decide again.
 */
const LOST_RACE = new Set(['23505', '40001', '40P01']);

export function isLostRace(error: unknown): boolean {
  const state = sqlState(error);
  return state !== undefined && LOST_RACE.has(state);
}

/**
 * Wraps a driver error in the library's typed errors: connection-level failures (no SQLSTATE, as
 * for a reset socket, or classes 08 connection, 53 resources, 57 operator intervention such as
 * `pg_terminate_backend`, 58 system) become {@link StoreUnavailableError}; anything else, e.g. a
 * missing table, is a `STORE_FAILED` {@link CallPermissionError}.
 */
export function storeError(error: unknown, what: string, isWrite: boolean): CallPermissionError {
  if (error instanceof CallPermissionError) return error;
  const state = sqlState(error);
  const message = (error as Error | null)?.message ?? String(error);
  if (state === undefined || /^(08|53|57|58)/.test(state))
    return new StoreUnavailableError(`${what}: the database connection failed (${message})${isWrite ? '; the write may or may not have happened' : ''}`, isWrite, error);
  const hint = state === '42P01' ? ' (has migrate() run?)' : '';
  return new CallPermissionError('STORE_FAILED', `${what}: ${message} [SQLSTATE ${state}]${hint}`, undefined, { cause: error });
}
