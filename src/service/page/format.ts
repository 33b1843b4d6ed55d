/** Times, durations and events as a person reads them (the JSON keeps ISO 8601). */

import type { TimelineEvent } from './serviceTypes.js';

/** `2026-04-06 09:00:00 UTC`: one zone for everyone, as the rules count in UTC milliseconds. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** An ISO 8601 duration as a person says it: `PT24H` → `24 h`, `P7D` → `7 days`; anything else as it is. */
export function humanDuration(iso: string | undefined): string | undefined {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(iso ?? '');
  if (!match) return iso;
  const [days, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0));
  const parts: string[] = [];
  if (days) parts.push(days === 1 ? '1 day' : `${days} days`);
  if (hours) parts.push(`${hours} h`);
  if (minutes) parts.push(`${minutes} min`);
  if (seconds) parts.push(`${seconds} s`);
  return parts.length ? parts.join(' ') : '0 s';
}

/** The event's own fields besides type and time, as `key=value` (an accept's `expiresAt: null` is permanent). */
export function eventArguments(event: TimelineEvent): string {
  return Object.entries(event)
    .filter(([key]) => key !== 'type' && key !== 'at')
    .map(([key, value]: [string, unknown]) => `${key}=${key === 'expiresAt' ? (value === null ? 'permanent' : when(String(value))) : value}`)
    .join('  ');
}
