import type { StateNode } from 'xstate';
import { EVENT_TYPES, type RelationshipEvent, type RelationshipEventType } from '../events/types.js';
import { RELATIONSHIP_STATES, type RelationshipContext, type RelationshipState } from '../relationship/context.js';
import type { Guard } from '../relationship/guards.js';
import type { RelationshipLogic } from '../../machines/relationshipLogic.js';
import type { Update } from '../relationship/updates.js';

/** One candidate transition: its named guard and actions resolved to functions. */
export interface CompiledTransition {
  readonly guard: Guard | undefined;
  readonly target: RelationshipState | undefined;
  readonly updates: readonly Update[];
}

/** For each state and event type: the candidate transitions in XState's order of priority. */
export type TransitionTable = Readonly<Record<RelationshipState, Readonly<Record<RelationshipEventType, readonly CompiledTransition[]>>>>;

const tables = new WeakMap<RelationshipLogic, TransitionTable>();

/**
 * Reads the machine's own transition definitions into a lookup table, so an event costs a map
 * lookup, the named guards and the named actions — the same functions XState runs, picked in the
 * order XState picks them (the state's transitions, then the root's). The table is derived from
 * the machine, never written by hand; property tests prove both paths give the same snapshots.
 *
 * Only what this machine uses is supported (flat states, `on` transitions, named guards and
 * assign actions); anything else makes compiling throw rather than silently diverge.
 */
export function compileTransitions(logic: RelationshipLogic): TransitionTable {
  const cached = tables.get(logic);
  if (cached) return cached;
  const root = logic.machine.root;
  assertSupported(root);
  const table = {} as Record<RelationshipState, Record<RelationshipEventType, CompiledTransition[]>>;
  for (const state of RELATIONSHIP_STATES) {
    const node = root.states[state];
    if (!node) throw new Error(`the machine has no state "${state}"`);
    assertSupported(node);
    const row = {} as Record<RelationshipEventType, CompiledTransition[]>;
    for (const type of EVENT_TYPES) {
      const candidates = [...(node.transitions.get(type) ?? []), ...(root.transitions.get(type) ?? [])];
      row[type] = candidates.map((t) => ({
        guard: t.guard === undefined ? undefined : named(logic.guards, t.guard, `guard of ${state}.${type}`),
        target: t.target?.length ? (t.target[0]!.key as RelationshipState) : undefined,
        updates: t.actions.map((a) => named(logic.updates, a, `action of ${state}.${type}`)),
      }));
    }
    table[state] = row;
  }
  tables.set(logic, table);
  return table;
}

/** The machine's initial state and context, read from its definition (no entry actions, flat states). */
export interface CompiledInitial {
  readonly value: RelationshipState;
  /** The machine's own context factory, given `{ input: { at } }` as XState gives it. */
  readonly context: (at: number) => RelationshipContext;
}

const initials = new WeakMap<RelationshipLogic, CompiledInitial>();

/**
 * What `initialTransition(machine, { at })` yields, without running an actor scope per
 * relationship: the machine's initial state node and its context factory, looked up once.
 */
export function compileInitial(logic: RelationshipLogic): CompiledInitial {
  const cached = initials.get(logic);
  if (cached) return cached;
  const root = logic.machine.root;
  assertSupported(root);
  const { target, actions } = root.initial;
  const node = target[0];
  if (target.length !== 1 || !node || actions.length > 0) throw new Error('compiled interpreter: the machine must start in one state without initial actions');
  assertSupported(node);
  const factory: unknown = logic.machine.config.context;
  if (typeof factory !== 'function') throw new Error('compiled interpreter: the machine\'s context must be a factory of its input');
  const value = node.key as RelationshipState;
  if (!(RELATIONSHIP_STATES as readonly string[]).includes(value)) throw new Error(`compiled interpreter: unknown initial state "${value}"`);
  const make = factory as (args: { input: { at: number } }) => RelationshipContext;
  const initial: CompiledInitial = { value, context: (at) => ({ ...make({ input: { at } }) }) };
  initials.set(logic, initial);
  return initial;
}

/** One event through the compiled table; the same object back when nothing was taken. */
export function stepCompiled(
  table: TransitionTable,
  value: RelationshipState,
  context: RelationshipContext,
  event: RelationshipEvent,
): { value: RelationshipState; context: RelationshipContext } | undefined {
  const candidates = table[value][event.type];
  for (let i = 0; i < candidates.length; i++) {
    const candidate = candidates[i]!;
    if (candidate.guard && !candidate.guard(context, event)) continue;
    let next = context;
    const updates = candidate.updates;
    for (let u = 0; u < updates.length; u++) next = updates[u]!(next, event);
    return { value: candidate.target ?? value, context: next };
  }
  return undefined;
}

function named<T>(implementations: Record<string, T>, reference: unknown, where: string): T {
  const name = typeof reference === 'string' ? reference : undefined;
  const implementation = name === undefined ? undefined : implementations[name];
  if (!implementation) throw new Error(`compiled interpreter: ${where} must be a named implementation, got ${JSON.stringify(reference)}`);
  return implementation;
}

function assertSupported(node: StateNode<any, any>): void {
  const unsupported =
    node.entry.length > 0 || node.exit.length > 0 || node.always !== undefined || node.after.length > 0 || (node !== node.machine.root && Object.keys(node.states).length > 0);
  if (unsupported) throw new Error(`compiled interpreter: state "${node.id}" uses entry/exit/always/after or nested states; extend compileTransitions first`);
}
