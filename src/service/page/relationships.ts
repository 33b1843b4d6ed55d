/** The known relationships, the most recently changed first, each a link that opens it. */

import { byId, element } from './dom.js';
import type { RelationshipKey, RelationshipSummary } from './serviceTypes.js';
import { stateChip } from './widgets.js';

export function renderRelationships(list: readonly RelationshipSummary[], current: RelationshipKey): void {
  const items = list.map(({ sender, user, state }) =>
    element(
      'li',
      {},
      element(
        'a',
        { href: `?sender=${sender}&user=${user}`, class: sender === current.sender && user === current.user ? 'current' : '', dataset: { sender, user } },
        element('span', { class: 'numbers' }, `${sender} ↔ ${user}`),
        stateChip(state),
      ),
    ),
  );
  byId('relationship-list', HTMLUListElement).replaceChildren(...(items.length ? items : [element('li', { class: 'muted' }, 'none yet')]));
}

/** Marks the link of the relationship now on screen. */
export function markCurrent(current: RelationshipKey): void {
  for (const link of document.querySelectorAll<HTMLElement>('#relationship-list a')) link.classList.toggle('current', link.dataset.sender === current.sender && link.dataset.user === current.user);
}
