import type { StatechartEdge, StatechartGraph } from './statechartGraph.js';

/**
 * How the diagrams show handlers on the machine's root (`on` at the top level, tried after a
 * state's own transitions): one "any state" box. Root handlers that change the state are edges
 * from that box; those that only update the context are listed in a note beside it, because a
 * self-loop on every state would bury the chart under fifty loops.
 */
export const ANY_STATE_ID = 'anyState';
export const ANY_STATE_LABEL = 'any state';
export const ROOT_NOTE_TITLE = 'Handled in every state unless the state takes the event itself';

export interface RootHandlers {
  /** Root transitions that enter a state: drawn as edges from the "any state" box. */
  readonly moving: readonly StatechartEdge[];
  /** Root transitions that stay: listed in the note. */
  readonly staying: readonly StatechartEdge[];
}

export function rootHandlers(graph: StatechartGraph): RootHandlers {
  const root = graph.edges.filter((e) => e.source === '*');
  return { moving: root.filter((e) => e.target !== undefined), staying: root.filter((e) => e.target === undefined) };
}

/**
 * Where a root handler does not reach every state (a state takes the event itself): ` (not in
 * prompted)` or ` (only in noPermission, revoked)`, whichever is shorter; nothing when it reaches all.
 */
export function scopeSuffix(graph: StatechartGraph, edge: StatechartEdge): string {
  if (edge.appliesIn.length === graph.states.length) return '';
  const excluded = graph.states.filter((s) => !edge.appliesIn.includes(s));
  return excluded.length <= edge.appliesIn.length ? ` (not in ${excluded.join(', ')})` : ` (only in ${edge.appliesIn.join(', ')})`;
}

/** `EVENT [guard] / action, action` — the note's wording of a handler. */
export function handlerText(edge: StatechartEdge): string {
  const trigger = edge.guard ? `${edge.event} [${edge.guard}]` : edge.event;
  return `${trigger} / ${edge.actions.join(', ')}`;
}
