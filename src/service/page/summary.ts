/** The relationship on screen: its pair, its state now, and what a request or a call would meet. */

import { byId, element } from './dom.js';
import { when } from './format.js';
import { ruleLink } from './rules.js';
import type { Decisions, RelationshipTimeline } from './serviceTypes.js';

export function renderSummary(timeline: RelationshipTimeline): void {
  const { now } = timeline;
  byId('pair', HTMLElement).textContent = `${timeline.sender} ↔ ${timeline.user}`;
  const state = byId('state', HTMLElement);
  state.textContent = now.stateNow;
  state.dataset.state = now.stateNow;
  byId('decisions', HTMLElement).replaceChildren(decisionLine('Request permission', now.decisions.request), decisionLine('Start a call', now.decisions.call));
}

function decisionLine(label: string, decision: Decisions['request'] | Decisions['call']): HTMLDivElement {
  if (decision.allowed)
    return element('div', { class: 'decision' }, `${label}: `, element('b', { class: 'yes' }, 'via' in decision ? `allowed (${decision.via})` : 'allowed'));
  return element(
    'div',
    { class: 'decision', title: decision.reason },
    `${label}: `,
    element('b', { class: 'no' }, 'refused by ', ruleLink(decision.rule)),
    decision.retryAt ? element('span', { class: 'muted' }, ` until ${when(decision.retryAt)}`) : null,
  );
}
