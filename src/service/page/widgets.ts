/** Small pieces several panels draw. */

import { element } from './dom.js';

/** A state's name in its statechart colour. */
export function stateChip(state: string): HTMLSpanElement {
  return element('span', { class: 'chip', dataset: { state } }, state);
}

/** How much of a limit is used, as a bar (full at the limit). */
export function meter(used: number, max: number): HTMLSpanElement {
  return element('span', { class: `meter${used >= max ? ' full' : ''}` }, element('i', { style: `width:${Math.min(100, (100 * used) / max)}%` }));
}
