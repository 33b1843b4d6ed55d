/** Milliseconds in a minute, an hour and a day: the unit every rule window is written in. */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/**
 * An ISO 8601 duration for a window, written the way Infobip's permissions endpoint writes it:
 * up to a day in hours (`PT24H`), whole days beyond (`P7D`).
 */
export function isoDuration(ms: number): string {
  if (ms > DAY_MS && ms % DAY_MS === 0) return `P${ms / DAY_MS}D`;
  if (ms % HOUR_MS === 0) return `PT${ms / HOUR_MS}H`;
  if (ms % 60_000 === 0) return `PT${ms / 60_000}M`;
  return `PT${ms / 1000}S`;
}

/** Epoch milliseconds → `2026-04-08T10:10:00.000Z`. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
