import { transition } from 'xstate';
import { InvalidEventError } from '../errors.js';
import { parseEvent, parseTime } from '../events/parse.js';
import type { RelationshipEvent, RelationshipEventInput, TimeInput } from '../events/types.js';
import { DEFAULT_POLICY, definePolicy, type Policy, type PolicyPresetName } from '../policy/policy.js';
import type { RelationshipContext, RelationshipState } from '../relationship/context.js';
import { relationshipLogic } from '../../machines/relationshipLogic.js';
import { nextChangeAt, nextStateChangeAt } from '../relationship/windows.js';
import { compileInitial, compileTransitions, stepCompiled, type TransitionTable } from './compiled.js';

/**
 * One relationship at one moment: its state, what it remembers, and the policy it lives under.
 * Plain and immutable; persist it with `serializeSnapshot`.
 */
export interface RelationshipSnapshot {
  readonly value: RelationshipState;
  readonly context: RelationshipContext;
  readonly policy: Policy;
}

/** Which interpreter applies events: XState's pure `transition()`, or the table compiled from the same machine. */
export type Interpreter = 'xstate' | 'compiled';

/** Resolves a policy given as a preset name, overrides, or an already defined policy. */
export function resolvePolicy(policy: Policy | PolicyPresetName | undefined): Policy {
  if (policy === undefined) return DEFAULT_POLICY;
  if (typeof policy === 'string') return definePolicy(policy);
  return policy;
}

/**
 * A new relationship in `noPermission`, its clock at `at`: the machine's initial state and context,
 * as `initialTransition(machine, { at })` gives them (read from the machine once, see `compileInitial`).
 */
export function createRelationship(options: { at: TimeInput; policy?: Policy | PolicyPresetName }): RelationshipSnapshot {
  const policy = resolvePolicy(options.policy);
  const at = parseTime(options.at, 'at');
  const initial = compileInitial(relationshipLogic(policy));
  return { value: initial.value, context: initial.context(at), policy };
}

/**
 * Applies one event and returns the next snapshot (the same object when the event changes
 * nothing, e.g. a call start that the rules refuse).
 *
 * Time: if the event comes after a moment at which the state changes by the clock alone
 * (a grant expiring, a request lapsing), that `CLOCK` is applied first, so the event meets the
 * state as it is at its time. An event earlier than the relationship's clock is a late fact:
 * within `policy.lateEventToleranceMs` it is applied, the clock never running backwards, and it
 * counts as of its own time where the rules are about time (docs/semantics.md, "Late facts"); beyond
 * it, an `EVENT_TOO_LATE` error. Invalid events throw an `InvalidEventError` naming the field; the
 * snapshot is never modified.
 */
export function applyEvent(snapshot: RelationshipSnapshot, input: RelationshipEventInput | RelationshipEvent, options?: {
    /** Default `xstate`. The engine uses `compiled`; property tests prove the two equal. */
    readonly interpreter?: Interpreter;
  },
): RelationshipSnapshot {
  const event = normaliseEvent(snapshot, input);
  return applyNormalised(snapshot, event, options?.interpreter ?? 'xstate');
}

/** Validates an event for this snapshot: parsed, and clamped to the relationship's clock if late. */
export function normaliseEvent(snapshot: RelationshipSnapshot, input: unknown): RelationshipEvent {
  return clampLateEvent(snapshot, parseEvent(input, snapshot.policy));
}

/**
 * Facts that keep their own time when they arrive late (docs/semantics.md "Late facts"): what they
 * record counts as of when it happened (a connect's G2 slot and G3 reset, a reply, a revoke, a
 * miss, a contact, the platform's view at the time it was read). Any other late event (a
 * reservation, a release, a re-keying, a clock tick) is moved to the relationship's clock.
 */
const KEEP_OWN_TIME: ReadonlySet<RelationshipEvent['type']> = new Set([
  'USER_MESSAGE',
  'PERMISSION_ACCEPTED',
  'PERMISSION_REJECTED',
  'PERMISSION_REVOKED',
  'PERMISSION_SYNCED',
  'CALL_CONNECTED',
  'CALL_UNANSWERED',
  'USER_CALL_RECEIVED',
  'USER_CALL_CONNECTED',
]);

/**
 * A parsed event earlier than the relationship's clock (a late fact): beyond
 * `policy.lateEventToleranceMs`, `EVENT_TOO_LATE`; within it, a fact whose time the rules are about
 * keeps its time, any other event is moved to the relationship's clock.
 */
export function clampLateEvent(snapshot: RelationshipSnapshot, event: RelationshipEvent): RelationshipEvent {
  const now = snapshot.context.now;
  if (event.at >= now) return event;
  if (now - event.at > snapshot.policy.lateEventToleranceMs)
    throw new InvalidEventError(
      `is ${now - event.at} ms before the relationship's clock (${new Date(now).toISOString()}); late facts are accepted up to policy.lateEventToleranceMs = ${snapshot.policy.lateEventToleranceMs} ms`,
      'event.at',
      'EVENT_TOO_LATE',
    );
  if (KEEP_OWN_TIME.has(event.type)) return event;
  // Moved to the clock, a late command counts from there, as any late command does (its reconstructed time is dropped).
  if ('countedFrom' in event) {
    const { countedFrom: _dropped, ...rest } = event;
    return { ...rest, at: now };
  }
  return { ...event, at: now };
}

/** Applies an already normalised event (see {@link normaliseEvent}). */
export function applyNormalised(snapshot: RelationshipSnapshot, event: RelationshipEvent, interpreter: Interpreter): RelationshipSnapshot {
  const step = interpreter === 'compiled' ? stepWithTable : stepWithXState;
  let current = snapshot;
  if (event.type !== 'CLOCK') {
    // A late fact meets the state as it is now (the clock never runs back): the clock-first step is at the later time.
    const at = event.at > current.context.now ? event.at : current.context.now;
    const due = nextStateChangeAt(current.value, current.context, current.policy);
    if (due !== undefined && due <= at) current = step(current, { type: 'CLOCK', at });
  }
  return step(current, event);
}

/** The compiled table of the last policy seen: almost every process runs under one policy. */
let lastTable: { policy: Policy; table: TransitionTable } | undefined;

function stepWithTable(snapshot: RelationshipSnapshot, event: RelationshipEvent): RelationshipSnapshot {
  const policy = snapshot.policy;
  if (lastTable?.policy !== policy) lastTable = { policy, table: compileTransitions(relationshipLogic(policy)) };
  const next = stepCompiled(lastTable.table, snapshot.value, snapshot.context, event);
  if (!next || (next.value === snapshot.value && sameContext(next.context, snapshot.context))) return snapshot;
  return { value: next.value, context: next.context, policy: snapshot.policy };
}

function stepWithXState(snapshot: RelationshipSnapshot, event: RelationshipEvent): RelationshipSnapshot {
  const machine = relationshipLogic(snapshot.policy).machine;
  const [next] = transition(machine, machine.resolveState({ value: snapshot.value, context: snapshot.context }), event);
  const value = next.value as RelationshipState;
  if (value === snapshot.value && sameContext(next.context, snapshot.context)) return snapshot;
  return { value, context: next.context, policy: snapshot.policy };
}

function sameContext(a: RelationshipContext, b: RelationshipContext): boolean {
  if (a === b) return true;
  // Almost every event moves the clock: answered without listing the keys.
  if (a.now !== b.now) return false;
  for (const key of Object.keys(a) as (keyof RelationshipContext)[]) if (a[key] !== b[key]) return false;
  return true;
}

/** The next time this relationship's state changes by the clock alone, if any (for schedulers). */
export function nextDueAt(snapshot: RelationshipSnapshot): number | undefined {
  return nextStateChangeAt(snapshot.value, snapshot.context, snapshot.policy);
}

/**
 * The next time anything visible changes by the clock alone (an expiry, a lapse, a counted use
 * leaving its window, the session window closing), if any: what stores index for `due` sweeps.
 */
export function nextChangeDueAt(snapshot: RelationshipSnapshot): number | undefined {
  return nextChangeAt(snapshot.value, snapshot.context, snapshot.policy);
}
