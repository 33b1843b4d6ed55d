/** The compact statechart the service draws from the machine, with the relationship's state picked out. */

import { byId } from './dom.js';

export async function loadStatechart(): Promise<void> {
  const response = await fetch('/v1/statechart/compact.svg');
  byId('statechart', HTMLElement).innerHTML = await response.text();
}

export function highlightState(state: string): void {
  const chart = byId('statechart', HTMLElement);
  for (const node of chart.querySelectorAll('g.node.current')) node.classList.remove('current');
  const node = chart.querySelector(`[id="state-${state}"]`);
  if (node) node.classList.add('current');
  chart.classList.toggle('has-current', Boolean(node));
  chart.dataset.current = state;
  // A narrow screen pans the drawing: bring the current state to the middle of its card.
  if (node && chart.scrollWidth > chart.clientWidth) {
    const box = node.getBoundingClientRect();
    const frame = chart.getBoundingClientRect();
    chart.scrollLeft += box.left + box.width / 2 - (frame.left + frame.width / 2);
  }
}
