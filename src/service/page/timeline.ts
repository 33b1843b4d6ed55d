/** The relationship's timeline, newest first: each event and refused command, and what it did. */

import { byId, element } from './dom.js';
import { changesText, NEW_RELATIONSHIP, type Moment } from './changes.js';
import { detailText } from './effectDetail.js';
import { eventArguments, when } from './format.js';
import { ruleLink, ruleLinks } from './rules.js';
import type { RelationshipTimeline, TimelineRow } from './serviceTypes.js';
import { stateChip } from './widgets.js';

/** Draws the timeline; answers the ids of the calls it started, newest first (for the test-event form). */
export function renderTimeline(timeline: RelationshipTimeline): string[] {
  // On a page that does not start at the relationship's beginning, the first event's "before" is not shown.
  let previous: Moment | undefined = timeline.page?.nextBefore ? undefined : NEW_RELATIONSHIP;
  const changes = new Map<TimelineRow, string>();
  for (const row of timeline.rows) {
    if (row.kind !== 'event') continue;
    changes.set(row, previous ? changesText(previous, row) : '');
    previous = row;
  }
  const rows = [...timeline.rows].reverse().map((row) => {
    if (row.kind === 'refusal')
      return element(
        'tr',
        { class: 'refusal', dataset: { kind: 'refusal', rule: row.rule } },
        element('td', {}, when(row.at)),
        element(
          'td',
          {},
          element('span', { class: 'type' }, row.action === 'request' ? 'request refused' : 'call refused'),
          row.count > 1 ? element('div', { class: 'args', title: `first at ${when(row.firstAt)}` }, `×${row.count} since ${when(row.firstAt)}`) : null,
        ),
        element('td', {}, element('span', { class: 'source' }, row.source)),
        element('td', { class: 'states' }, stateChip(row.state)),
        element('td', { class: 'what' }, element('b', { class: 'no' }, ruleLink(row.rule)), ` ${row.reason}`),
      );
    const effect = detailText(row.detail);
    return element(
      'tr',
      { class: row.changed ? '' : 'unchanged', dataset: { kind: 'event', type: row.event.type, stateAfter: row.stateAfter } },
      element('td', {}, when(row.at)),
      element('td', {}, element('span', { class: 'type' }, row.event.type), element('div', { class: 'args' }, eventArguments(row.event))),
      element('td', {}, element('span', { class: 'source' }, row.source)),
      element('td', { class: 'states' }, row.stateBefore === row.stateAfter ? stateChip(row.stateAfter) : [stateChip(row.stateBefore), element('span', { class: 'arrow' }, '→'), stateChip(row.stateAfter)]),
      element(
        'td',
        { class: 'what' },
        row.rules.length ? element('span', { class: 'rules' }, ruleLinks(row.rules)) : null,
        row.changed ? changes.get(row) : element('span', { class: 'muted' }, 'changed nothing'),
        effect ? element('div', { class: 'effect' }, effect) : null,
      ),
    );
  });
  byId('timeline', HTMLTableSectionElement).replaceChildren(...(rows.length ? rows : [element('tr', { class: 'empty' }, element('td', { colspan: 5 }, 'no events yet'))]));
  const notes = [timeline.page?.nextBefore ? `the newest ${timeline.rows.length} of ${timeline.page.total} entries` : `${timeline.rows.length} entries`];
  if (!timeline.replayMatchesStore) notes.push('⚠ the replay of this log does not match the stored state');
  if (timeline.truncated) notes.push('the log is longer than the service replays at once');
  byId('timeline-note', HTMLElement).textContent = notes.join(' · ');

  // Call ids for the form: calls started, newest first.
  const started = timeline.rows.flatMap((row) => (row.kind === 'event' && row.event.type === 'CALL_STARTED' ? [row.event.callId] : []));
  const callIds = [...new Set(started.reverse())];
  byId('call-ids', HTMLDataListElement).replaceChildren(...callIds.map((id) => element('option', { value: id })));
  return callIds;
}
