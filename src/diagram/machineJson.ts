import { initialTransition } from 'xstate';
import type { CallPermissionMachine } from '../../machines/callPermission.machine.js';

/** A fixed time for the example context, so the file is the same on every run. */
const EXAMPLE_AT = Date.UTC(2026, 3, 1, 10);

/**
 * The machine's own config as JSON, for Stately's editor (stately.ai/registry/new → Import, or
 * `createMachine(<this JSON>)` in the Studio's code import): ids, states, events, guard and action
 * names. The config's `context` is a function of the input; the file carries the initial context
 * it yields for a relationship created at 2026-04-01T10:00:00Z instead.
 */
export function statechartJson(machine: CallPermissionMachine): string {
  const [initial] = initialTransition(machine, { at: EXAMPLE_AT });
  const { id, initial: initialState, on, states, context: _inputToContext, ...rest } = machine.config as Record<string, unknown>;
  return `${JSON.stringify({ id, initial: initialState, context: initial.context, on, states, ...rest }, null, 2)}\n`;
}
