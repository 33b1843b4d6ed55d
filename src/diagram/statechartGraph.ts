import type { AnyStateNode, AnyTransitionDefinition } from 'xstate';
import { toDirectedGraph, type DirectedGraphEdge } from 'xstate/graph';
import type { CallPermissionMachine } from '../../machines/callPermission.machine.js';
import type { RelationshipState } from '../relationship/context.js';
import { rulesOfTransition } from '../../machines/transitionRules.js';

/** One transition of the statechart as a diagram draws it. */
export interface StatechartEdge {
  /** The state it leaves, or `*` for a handler on the machine's root (it applies in every state). */
  readonly source: RelationshipState | '*';
  /** The state it enters; `undefined` when it stays where it is (only the context changes). */
  readonly target: RelationshipState | undefined;
  readonly event: string;
  readonly guard: string | undefined;
  readonly actions: readonly string[];
  readonly rules: readonly string[];
  /** Its place among the candidates of its source for its event (XState tries them in this order). */
  readonly order: number;
  /**
   * For a root handler: the states it reaches, those without an unguarded transition of their own
   * for the event (a guarded one that does not pass falls through to the root). All of them for a state edge's source.
   */
  readonly appliesIn: readonly RelationshipState[];
}

/** The statechart as states and edges, in the order the machine defines them. */
export interface StatechartGraph {
  readonly id: string;
  readonly initial: RelationshipState;
  readonly states: readonly RelationshipState[];
  /** Transitions of the states, then of the root. */
  readonly edges: readonly StatechartEdge[];
}

function guardName(transition: AnyTransitionDefinition): string | undefined {
  const guard = transition.guard as unknown;
  if (guard === undefined) return undefined;
  if (typeof guard === 'string') return guard;
  const type = (guard as { type?: unknown }).type;
  if (typeof type === 'string') return type;
  throw new Error('an inline guard has no name to draw: name every guard in the machine');
}

function actionNames(transition: AnyTransitionDefinition): string[] {
  return transition.actions.map((action) => {
    if (typeof action === 'string') return action;
    const type = (action as { type?: unknown }).type;
    if (typeof type === 'string') return type;
    throw new Error('an inline action has no name to draw: name every action in the machine');
  });
}

/** Does this state decide `event` itself in every case (an unguarded candidate), so the root never sees it? */
function handlesAlways(state: AnyStateNode, event: string): boolean {
  return (state.transitions.get(event) ?? []).some((t: AnyTransitionDefinition) => t.guard === undefined);
}

/**
 * Reads the statechart's states and transitions from `toDirectedGraph(machine)` (xstate/graph):
 * nothing about the machine is written down twice. The order is the machine's own, so the same
 * machine always gives the same graph (the diagrams built from it are compared byte for byte).
 */
export function statechartGraph(machine: CallPermissionMachine): StatechartGraph {
  const root = toDirectedGraph(machine);
  const states = root.children.map((child) => child.stateNode.key as RelationshipState);
  const stateNodes = root.children.map((child) => child.stateNode as AnyStateNode);
  const initial = (machine.root.initial.target[0] as AnyStateNode | undefined)?.key as RelationshipState | undefined;
  if (!initial) throw new Error('the machine has no initial state');

  const toEdge = (edge: DirectedGraphEdge, source: RelationshipState | '*'): StatechartEdge => {
    const transition = edge.transition;
    const event = transition.eventType;
    const guard = guardName(transition);
    const actions = actionNames(transition);
    const siblings: AnyTransitionDefinition[] = (edge.source as AnyStateNode).transitions.get(event) ?? [];
    const appliesIn = source === '*' ? stateNodes.filter((node) => !handlesAlways(node, event)).map((node) => node.key as RelationshipState) : [source];
    return {
      source,
      target: transition.target?.[0]?.key as RelationshipState | undefined,
      event,
      guard,
      actions,
      rules: rulesOfTransition(transition),
      order: siblings.indexOf(transition),
      appliesIn,
    };
  };

  const edges: StatechartEdge[] = [];
  for (const child of root.children) for (const edge of child.edges) edges.push(toEdge(edge, child.stateNode.key as RelationshipState));
  for (const edge of root.edges) edges.push(toEdge(edge, '*'));
  return { id: machine.id, initial, states, edges };
}

/** `EVENT [guard]`, the words every diagram puts on an edge before its rules. */
export function edgeTrigger(edge: StatechartEdge): string {
  return edge.guard ? `${edge.event} [${edge.guard}]` : edge.event;
}
