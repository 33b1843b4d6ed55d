import type { SenderContext } from './context.js';
import type { SenderCallReservedEvent, SenderEvent, SenderRestrictedEvent } from './events.js';
import type { SenderLimits } from './limits.js';
import { countAttempts, countOngoing, ongoingCallTo } from './windows.js';

/** A guard of the sender statechart: a pure question about the context and the event at its time. */
export type SenderGuard = (context: SenderContext, event: SenderEvent) => boolean;

/**
 * The sender statechart's named guards, bound to one shard's limits (docs/rules.md S1, S2, S4 and G6).
 * S3 is not here: it depends on the sender's number and the policy only, never on what happened, so
 * it is decided before the statechart is consulted (`canSenderCall`).
 */
export function senderGuards(limits: SenderLimits) {
  return {
    /** S1 + S2 + G6 (S4 by state): an attempt is left in 24 h, a concurrency slot is free, and no call to this user is going on. */
    callAllowed: (ctx: SenderContext, event: SenderEvent) => {
      const { at, user } = event as SenderCallReservedEvent;
      return countAttempts(ctx, at) < limits.attemptsPerDay && countOngoing(ctx, limits, at) < limits.concurrentCalls && !ongoingCallTo(ctx, limits, user, at);
    },
    /** S4: the restriction reported ends after the event's time (an expired one changes nothing). */
    restrictionLive: (_ctx: SenderContext, event: SenderEvent) => (event as SenderRestrictedEvent).until > event.at,
    /** S4: the restriction reached its end. */
    restrictionExpired: (ctx: SenderContext, event: SenderEvent) => ctx.restrictedUntil === null || event.at >= ctx.restrictedUntil,
  } satisfies Record<string, SenderGuard>;
}

export type SenderGuards = ReturnType<typeof senderGuards>;
export type SenderGuardName = keyof SenderGuards;
