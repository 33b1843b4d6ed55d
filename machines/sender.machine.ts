import { assign, setup } from 'xstate';
import { DEFAULT_POLICY } from '../src/policy/policy.js';
import { initialSenderContext, type SenderContext } from '../src/sender/context.js';
import type { SenderEvent } from '../src/sender/events.js';
import { senderGuards, type SenderGuard, type SenderGuards } from '../src/sender/guards.js';
import { senderLimits, type SenderLimits } from '../src/sender/limits.js';
import { senderUpdates, type SenderUpdate, type SenderUpdates } from '../src/sender/updates.js';

type XGuards<G> = { [K in keyof G]: (args: { context: SenderContext; event: SenderEvent }) => boolean };

function asXStateGuards<G extends Record<string, SenderGuard>>(guards: G): XGuards<G> {
  const out: Record<string, (args: { context: SenderContext; event: SenderEvent }) => boolean> = {};
  for (const [name, guard] of Object.entries(guards)) out[name] = ({ context, event }) => guard(context, event);
  return out as XGuards<G>;
}

function asXStateActions<U extends Record<string, SenderUpdate>>(updates: U) {
  const out: Record<string, ReturnType<typeof assign<SenderContext, SenderEvent, undefined, SenderEvent, never>>> = {};
  for (const [name, update] of Object.entries(updates)) out[name] = assign(({ context, event }) => update(context, event));
  return out as { [K in keyof U]: (typeof out)[string] };
}

/**
 * The statechart of one sender — the business number across all its users (docs/rules.md "Sender-wide
 * rules"). It lives beside the relationship's statechart, never inside it: a call is reserved
 * against both, atomically, by the engine. Guards and actions are named and cite their rule; their
 * implementations live in `src/sender/` (a layer below this file; the interpreter over both is
 * `src/pure/sender/`), bound to the limits of the sender (or of one of its shards).
 *
 * S3 (the sender's country) is not a state: it follows from the number and the policy alone.
 * There are no timers: time arrives as `at` on every event, and `CLOCK` ends an expired restriction.
 */
export function createSenderMachine(limits: SenderLimits = senderLimits(DEFAULT_POLICY)) {
  return setup({
    types: {} as {
      context: SenderContext;
      events: SenderEvent;
      input: { at: number };
    },
    guards: asXStateGuards<SenderGuards>(senderGuards(limits)),
    actions: asXStateActions<SenderUpdates>(senderUpdates(limits)),
  }).createMachine({
    id: 'sender',
    initial: 'active',
    // XState's pure transition() builds a scratch actor without input: tolerate it, it is never used.
    context: ({ input }) => initialSenderContext(input?.at ?? 0),
    on: {
      CLOCK: { actions: 'advanceClock' },
      RESTRICTED: [
        { guard: 'restrictionLive', target: '.restricted', actions: 'restrict' }, // S4; a later report replaces the expiry
        { actions: 'advanceClock' }, // S4: a restriction already over changes nothing
      ],
      RESTRICTION_LIFTED: { actions: 'advanceClock' },
      QUALITY_WARNING: { actions: 'recordQualityWarning' }, // S4: the warning is surfaced, calls go on
      ATTEMPTS_EXHAUSTED: { actions: 'fillAttempts' }, // S1: the platform's count (138005) is the floor
      CALL_ID_ASSIGNED: { actions: 'assignCallId' },
      CALL_ENDED: { actions: 'endCall' }, // S2, G6
    },
    states: {
      active: {
        on: {
          CALL_RESERVED: { guard: 'callAllowed', actions: 'reserveCall' }, // S1, S2, G6
        },
      },
      restricted: {
        on: {
          CLOCK: { guard: 'restrictionExpired', target: 'active', actions: 'liftRestriction' }, // S4
          RESTRICTION_LIFTED: { target: 'active', actions: 'liftRestriction' }, // S4
          // CALL_RESERVED is not handled here: no business-initiated call during a restriction (S4).
        },
      },
    },
  });
}

/** The sender machine under the default policy and one shard: import it to draw, inspect or generate tests. */
export const senderMachine = createSenderMachine();

export type SenderMachine = ReturnType<typeof createSenderMachine>;
