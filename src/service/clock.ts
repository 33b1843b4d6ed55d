import { parseTime } from '../index.js';
import { ServiceError } from './errors.js';

/**
 * The service's time. `real` is the wall clock. `virtual` stands still until someone moves it
 * (`POST /v1/clock`), so a person or a test can watch a week of a relationship pass in seconds;
 * it only ever moves forward, because every relationship's own clock does.
 */
export interface ServiceClock {
  readonly mode: 'real' | 'virtual';
  now(): number;
  /** Virtual only: move to `at` (not earlier than now). */
  set(at: number): void;
}

/** What moving a real clock answers: 409, and how to start a service whose clock can move. */
export function clockNotVirtual(): ServiceError {
  return new ServiceError(409, 'CLOCK_NOT_VIRTUAL', 'the service runs on real time; start it with --clock virtual (WACP_CLOCK=virtual) to move the clock');
}

export function createRealClock(): ServiceClock {
  return {
    mode: 'real',
    now: () => Date.now(),
    set() {
      throw clockNotVirtual();
    },
  };
}

export function createVirtualClock(start: number): ServiceClock {
  let now = start;
  return {
    mode: 'virtual',
    now: () => now,
    set(at) {
      if (at < now) throw new ServiceError(400, 'CLOCK_BACKWARDS', `the clock never runs backwards: it is ${new Date(now).toISOString()}, asked for ${new Date(at).toISOString()}`, 'body.at');
      now = at;
    },
  };
}

const UNIT_MS = { W: 7 * 86_400_000, D: 86_400_000, H: 3_600_000, M: 60_000, S: 1000 } as const;

/**
 * An ISO 8601 duration of fixed length → milliseconds: `P1D`, `PT2H`, `P1DT12H30M`, `P1W`,
 * `PT0.5S`. Years and months are refused (their length depends on the date).
 */
export function parseIsoDuration(value: unknown, path: string): number {
  const text = typeof value === 'string' ? value : '';
  const match = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,3})?)S)?)?$/.exec(text);
  if (!match || text === 'P' || text.endsWith('T'))
    throw new ServiceError(400, 'INVALID_DURATION', `must be an ISO 8601 duration in weeks, days, hours, minutes or seconds, such as "P1D" or "PT2H30M", got ${JSON.stringify(value)}`, path);
  const [, w, d, h, m, s] = match;
  const ms = Number(w ?? 0) * UNIT_MS.W + Number(d ?? 0) * UNIT_MS.D + Number(h ?? 0) * UNIT_MS.H + Number(m ?? 0) * UNIT_MS.M + Math.round(Number(s ?? 0) * UNIT_MS.S);
  // A year at most: more is a typo, and it would push every relationship past its windows at once.
  if (ms <= 0 || ms > 366 * UNIT_MS.D) throw new ServiceError(400, 'INVALID_DURATION', `must be more than 0 and at most 366 days, got ${text}`, path);
  return ms;
}

/** `{"advance": "P1D"}` or `{"at": "2026-04-07T09:00:00Z"}` → the time the clock moves to. */
export function clockTarget(body: unknown, now: number): number {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ServiceError(400, 'INVALID_BODY', 'must be {"advance": "P1D"} or {"at": "<ISO time>"}', 'body');
  const { advance, at, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw new ServiceError(400, 'UNKNOWN_FIELD', 'is not a field of a clock move (use "advance" or "at")', `body.${unknown}`);
  if ((advance === undefined) === (at === undefined)) throw new ServiceError(400, 'INVALID_BODY', 'give exactly one of "advance" and "at"', 'body');
  if (advance !== undefined) return now + parseIsoDuration(advance, 'body.advance');
  try {
    return parseTime(at, 'body.at');
  } catch (error) {
    throw new ServiceError(400, 'INVALID_TIME', (error as Error).message.replace(/^body\.at: /, ''), 'body.at');
  }
}
