/** The permissions view in Infobip's shape: its status, each action's limits, and the JSON itself. */

import { byId, element } from './dom.js';
import { humanDuration, when } from './format.js';
import type { PermissionsView } from './serviceTypes.js';

export function renderView(view: PermissionsView): void {
  const actions = view.actions.map((action) =>
    element(
      'div',
      { class: 'view-action' },
      element('span', { class: 'name' }, action.name),
      ' ',
      element('b', { class: action.canPerformAction ? 'yes' : 'no' }, action.canPerformAction ? 'can' : 'cannot'),
      element(
        'ul',
        {},
        action.limits.map((limit) =>
          element('li', {}, `${limit.currentUsage} of ${limit.maxAllowed} in ${humanDuration(limit.timePeriod)}${limit.limitExpirationTime ? `, frees ${when(limit.limitExpirationTime)}` : ''}`),
        ),
      ),
    ),
  );
  byId('view', HTMLElement).replaceChildren(
    element('div', { class: 'view-status', 'data-testid': 'view-status' }, view.status, view.expirationTime ? element('span', { class: 'muted small' }, `  until ${when(view.expirationTime)}`) : null),
    ...actions,
    element('details', {}, element('summary', { class: 'small muted' }, 'JSON'), element('pre', {}, JSON.stringify(view, null, 2))),
  );
}
