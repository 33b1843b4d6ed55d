import type { StateNode } from 'xstate';
import { SENDER_STATES, type SenderContext, type SenderState } from '../../sender/context.js';
import { SENDER_EVENT_TYPES, type SenderEvent, type SenderEventType } from '../../sender/events.js';
import type { SenderGuard } from '../../sender/guards.js';
import type { SenderLogic } from '../../../machines/senderLogic.js';
import type { SenderUpdate } from '../../sender/updates.js';

interface CompiledSenderTransition {
  readonly guard: SenderGuard | undefined;
  readonly target: SenderState | undefined;
  readonly updates: readonly SenderUpdate[];
}

type SenderTable = Readonly<Record<SenderState, Readonly<Record<SenderEventType, readonly CompiledSenderTransition[]>>>>;

const tables = new WeakMap<SenderLogic, SenderTable>();

/**
 * The sender machine's transitions read into a lookup table (as `compileTransitions` does for the
 * relationship): the same named guards and actions, in XState's order of priority — the state's
 * transitions, then the root's. Derived from the machine, never written by hand; property tests
 * prove it gives the snapshots XState's `transition()` gives.
 */
export function compileSenderTransitions(logic: SenderLogic): SenderTable {
  const cached = tables.get(logic);
  if (cached) return cached;
  const root = logic.machine.root;
  assertFlat(root);
  const table = {} as Record<SenderState, Record<SenderEventType, CompiledSenderTransition[]>>;
  for (const state of SENDER_STATES) {
    const node = root.states[state];
    if (!node) throw new Error(`the sender machine has no state "${state}"`);
    assertFlat(node);
    const row = {} as Record<SenderEventType, CompiledSenderTransition[]>;
    for (const type of SENDER_EVENT_TYPES) {
      row[type] = [...(node.transitions.get(type) ?? []), ...(root.transitions.get(type) ?? [])].map((t) => ({
        guard: t.guard === undefined ? undefined : named(logic.guards, t.guard, `guard of ${state}.${type}`),
        target: t.target?.length ? (t.target[0]!.key as SenderState) : undefined,
        updates: t.actions.map((a) => named(logic.updates, a, `action of ${state}.${type}`)),
      }));
    }
    table[state] = row;
  }
  tables.set(logic, table);
  return table;
}

/** One event through the compiled table; `undefined` when no transition is taken. */
export function stepSenderCompiled(table: SenderTable, value: SenderState, context: SenderContext, event: SenderEvent): { value: SenderState; context: SenderContext } | undefined {
  const candidates = table[value][event.type];
  for (let i = 0; i < candidates.length; i++) {
    const candidate = candidates[i]!;
    if (candidate.guard && !candidate.guard(context, event)) continue;
    let next = context;
    for (const update of candidate.updates) next = update(next, event);
    return { value: candidate.target ?? value, context: next };
  }
  return undefined;
}

function named<T>(implementations: Record<string, T>, reference: unknown, where: string): T {
  const implementation = typeof reference === 'string' ? implementations[reference] : undefined;
  if (!implementation) throw new Error(`compiled sender interpreter: ${where} must be a named implementation, got ${JSON.stringify(reference)}`);
  return implementation;
}

function assertFlat(node: StateNode<any, any>): void {
  if (node.entry.length > 0 || node.exit.length > 0 || node.always !== undefined || node.after.length > 0 || (node !== node.machine.root && Object.keys(node.states).length > 0))
    throw new Error(`compiled sender interpreter: state "${node.id}" uses entry/exit/always/after or nested states`);
}
