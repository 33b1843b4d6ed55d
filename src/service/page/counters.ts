/** The relationship's counters against their limits (R1, R2, G2, M1, M2), its grant and session window. */

import { byId, element, type Child } from './dom.js';
import { humanDuration, when } from './format.js';
import { labelWithRules, ruleLink } from './rules.js';
import type { PermissionLimit, RelationshipTimeline } from './serviceTypes.js';
import { meter } from './widgets.js';

export function renderCounters(timeline: RelationshipTimeline): void {
  const { counters, view } = timeline.now;
  const [requestAction, callAction] = view.actions;
  const shortLimit = limit(requestAction.limits, 0, 'R1');
  const longLimit = limit(requestAction.limits, 1, 'R2');
  const callLimit = limit(callAction.limits, 0, 'G2');
  const row = (label: Child | readonly Child[], value: Child | readonly Child[], id: string) => element('tr', { 'data-counter': id }, element('td', {}, label), element('td', {}, value));
  byId('counters', HTMLTableElement).replaceChildren(
    row(labelWithRules(`Requests in ${humanDuration(shortLimit.timePeriod)}`, ['R1']), [meter(counters.requestsIn24h, shortLimit.maxAllowed), `${counters.requestsIn24h} / ${shortLimit.maxAllowed}`], 'requests-short'),
    row(labelWithRules(`Requests in ${humanDuration(longLimit.timePeriod)}`, ['R2']), [meter(counters.requestsIn7d, longLimit.maxAllowed), `${counters.requestsIn7d} / ${longLimit.maxAllowed}`], 'requests-long'),
    row(labelWithRules(`Call slots in ${humanDuration(callLimit.timePeriod)}`, ['G2']), [meter(callLimit.currentUsage, callLimit.maxAllowed), `${callLimit.currentUsage} / ${callLimit.maxAllowed}`], 'call-slots'),
    row('Calls in flight', String(counters.callsInFlight), 'in-flight'),
    row(
      ['Consecutive unanswered (', ruleLink('M1'), ` at ${timeline.policy.unansweredBeforePrompt}, `, ruleLink('M2'), ` at ${timeline.policy.unansweredBeforeRevoke})`],
      String(counters.consecutiveUnanswered),
      'unanswered',
    ),
    row('Grant', view.status === 'PERMANENT' ? 'permanent' : view.status === 'TEMPORARY' ? `until ${when(view.expirationTime)}` : 'none', 'grant'),
    row(labelWithRules('Session window', ['W1']), counters.sessionWindowOpen ? 'open' : 'closed', 'session'),
  );
}

/** The view's limits come in Infobip's order: a request's R1 then R2, a call's G2. */
function limit(limits: readonly PermissionLimit[], index: number, rule: string): PermissionLimit {
  const found = limits[index];
  if (found === undefined) throw new Error(`the permissions view lacks its ${rule} limit`);
  return found;
}
