import { transition } from 'xstate';
import { InvalidEventError } from '../../errors.js';
import type { Interpreter } from '../snapshot.js';
import { compileSenderTransitions, stepSenderCompiled } from './compiled.js';
import { initialSenderContext, type SenderContext, type SenderState } from '../../sender/context.js';
import type { SenderEvent } from '../../sender/events.js';
import type { SenderLimits } from '../../sender/limits.js';
import { senderLogic } from '../../../machines/senderLogic.js';
import { nextSenderStateChangeAt } from '../../sender/windows.js';

/**
 * One sender (or one shard of it) at one moment: its state, what it remembers, and the limits it
 * lives under. Plain and immutable; persist it with `toSerializedSender`.
 */
export interface SenderSnapshot {
  readonly value: SenderState;
  readonly context: SenderContext;
  readonly limits: SenderLimits;
}

/** A new sender, `active`, its clock at `at`. */
export function createSender(at: number, limits: SenderLimits): SenderSnapshot {
  return { value: 'active', context: initialSenderContext(at), limits };
}

/**
 * An event earlier than the sender's clock is applied at the clock (within the policy's late-fact
 * tolerance), as for relationships: the clock never runs backwards.
 */
export function clampLateSenderEvent(snapshot: SenderSnapshot, event: SenderEvent): SenderEvent {
  const now = snapshot.context.now;
  if (event.at >= now) return event;
  if (now - event.at > snapshot.limits.policy.lateEventToleranceMs)
    throw new InvalidEventError(
      `is ${now - event.at} ms before the sender's clock (${new Date(now).toISOString()}); late facts are accepted up to policy.lateEventToleranceMs`,
      'event.at',
      'EVENT_TOO_LATE',
    );
  return { ...event, at: now };
}

/**
 * Applies one normalised event (a restriction's end that is due by the event's time is applied
 * first). The same object comes back when the event changes nothing — a call reservation the rules
 * refuse, a repeated clock tick.
 */
export function applySenderEvent(snapshot: SenderSnapshot, event: SenderEvent, interpreter: Interpreter = 'xstate'): SenderSnapshot {
  const step = interpreter === 'compiled' ? stepWithTable : stepWithXState;
  let current = snapshot;
  if (event.type !== 'CLOCK') {
    const due = nextSenderStateChangeAt(current.value, current.context);
    if (due !== undefined && due <= event.at) current = step(current, { type: 'CLOCK', at: event.at });
  }
  return step(current, event);
}

function stepWithTable(snapshot: SenderSnapshot, event: SenderEvent): SenderSnapshot {
  const next = stepSenderCompiled(compileSenderTransitions(senderLogic(snapshot.limits)), snapshot.value, snapshot.context, event);
  if (!next || (next.value === snapshot.value && next.context === snapshot.context)) return snapshot;
  return { value: next.value, context: next.context, limits: snapshot.limits };
}

function stepWithXState(snapshot: SenderSnapshot, event: SenderEvent): SenderSnapshot {
  const machine = senderLogic(snapshot.limits).machine;
  const [next] = transition(machine, machine.resolveState({ value: snapshot.value, context: snapshot.context }), event);
  const value = next.value as SenderState;
  if (value === snapshot.value && sameContext(next.context, snapshot.context)) return snapshot;
  return { value, context: next.context, limits: snapshot.limits };
}

function sameContext(a: SenderContext, b: SenderContext): boolean {
  return a === b || (Object.keys(a) as (keyof SenderContext)[]).every((key) => a[key] === b[key]);
}
