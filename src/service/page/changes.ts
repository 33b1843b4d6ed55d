/** What an event changed, as `unanswered 1 → 2 · NO_PERMISSION → TEMPORARY`. */

import type { PermissionsView, RelationshipCounters } from './serviceTypes.js';

/** The counters a timeline row names when they change (the grant's end shows in the view's status). */
type NamedCounter = Exclude<keyof RelationshipCounters, 'grantExpiresAt'>;

/** Every counter the service reports, but the grant's end, has a name here: a new one fails the typecheck until named. */
const COUNTER_NAMES: Readonly<Record<NamedCounter, string>> = {
  requestsIn24h: 'requests (R1)',
  requestsIn7d: 'requests (R2)',
  connectedCallsIn24h: 'connected calls (G2)',
  callsInFlight: 'in flight',
  consecutiveUnanswered: 'unanswered',
  sessionWindowOpen: 'session window',
};

/** The relationship as a timeline row leaves it (its view's status and its counters). */
export interface Moment {
  readonly view: Pick<PermissionsView, 'status'>;
  readonly counters: Pick<RelationshipCounters, NamedCounter>;
}

/** A relationship before its first event: nothing granted, nothing counted. */
export const NEW_RELATIONSHIP: Moment = {
  view: { status: 'NO_PERMISSION' },
  counters: { requestsIn24h: 0, requestsIn7d: 0, connectedCallsIn24h: 0, callsInFlight: 0, consecutiveUnanswered: 0, sessionWindowOpen: false },
};

export function changesText(before: Moment, after: Moment): string {
  const changes: string[] = [];
  if (before.view.status !== after.view.status) changes.push(`${before.view.status} → ${after.view.status}`);
  for (const [key, name] of Object.entries(COUNTER_NAMES) as [NamedCounter, string][]) {
    const was = before.counters[key];
    const now = after.counters[key];
    if (was === now) continue;
    changes.push(typeof now === 'boolean' ? `${name} ${now ? 'opens' : 'closes'}` : `${name} ${was} → ${now}`);
  }
  return changes.join(' · ');
}
