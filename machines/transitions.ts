import type { AnyStateNode, AnyTransitionDefinition } from 'xstate';
import { EVENT_TYPES, type RelationshipEvent, type RelationshipEventType } from '../src/events/types.js';
import type { CallPermissionMachine } from './callPermission.machine.js';
import { RELATIONSHIP_STATES, type RelationshipContext, type RelationshipState } from '../src/relationship/context.js';
import type { RuleId } from '../src/rules.js';
import { rulesOfTransition } from './transitionRules.js';

/**
 * A transition as a test names it: `state · EVENT #n → target [guard]`, where `n` is its place among
 * the candidates XState tries in that state (the state's own transitions, then the root's).
 */
export interface TransitionId {
  readonly id: string;
  readonly state: RelationshipState;
  readonly event: RelationshipEventType;
  readonly index: number;
  readonly guard: string | undefined;
  readonly target: RelationshipState | undefined;
  readonly actions: readonly string[];
  /** The rules it cites (`meta.rules`), in docs/rules.md order. */
  readonly rules: readonly RuleId[];
}

function candidates(machine: CallPermissionMachine, state: RelationshipState, event: RelationshipEventType): AnyTransitionDefinition[] {
  const node = machine.root.states[state] as AnyStateNode;
  return [...(node.transitions.get(event) ?? []), ...(machine.root.transitions.get(event) ?? [])];
}

function describe(state: RelationshipState, event: RelationshipEventType, index: number, t: AnyTransitionDefinition): TransitionId {
  const guard = typeof t.guard === 'string' ? t.guard : undefined;
  const target = t.target?.[0]?.key as RelationshipState | undefined;
  const actions = t.actions.map((a) => (typeof a === 'string' ? a : String((a as { type?: unknown }).type)));
  return {
    id: `${state} · ${event} #${index}${guard ? ` [${guard}]` : ''} → ${target ?? state}`,
    state,
    event,
    index,
    guard,
    target,
    actions,
    rules: rulesOfTransition(t),
  };
}

/**
 * Every transition that can be taken, read from the machine: for each state and event type, each
 * candidate up to and including the first unguarded one (those after it can never be picked).
 */
export function reachableTransitions(machine: CallPermissionMachine): TransitionId[] {
  const out: TransitionId[] = [];
  for (const state of RELATIONSHIP_STATES) {
    for (const event of EVENT_TYPES) {
      const list = candidates(machine, state, event);
      for (let i = 0; i < list.length; i++) {
        out.push(describe(state, event, i, list[i]!));
        if (list[i]!.guard === undefined) break;
      }
    }
  }
  return out;
}

/** Which transition the machine takes for `event` in this state, or `undefined` if it ignores it. */
export function takenTransition(
  machine: CallPermissionMachine,
  value: RelationshipState,
  context: RelationshipContext,
  event: RelationshipEvent,
): TransitionId | undefined {
  const snapshot = machine.resolveState({ value, context });
  const [taken] = machine.getTransitionData(snapshot, event);
  if (!taken) return undefined;
  const list = candidates(machine, value, event.type);
  const index = list.indexOf(taken);
  if (index < 0) throw new Error(`transition for ${value} · ${event.type} not found among its candidates`);
  return describe(value, event.type, index, taken);
}
