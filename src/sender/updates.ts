import type { SenderContext } from './context.js';
import type { SenderCallEndedEvent, SenderCallIdAssignedEvent, SenderCallReservedEvent, SenderEvent, SenderRestrictedEvent } from './events.js';
import { ATTEMPT_BUCKET_MS, type SenderLimits } from './limits.js';
import { countAttempts, pruned, withAttempt } from './windows.js';

/** An action of the sender statechart: the next context from the current one and the event. */
export type SenderUpdate = (context: SenderContext, event: SenderEvent) => SenderContext;

/**
 * The sender statechart's named actions, bound to one shard's limits. Each returns a new context
 * with the clock moved to the event and anything that can no longer count pruned.
 */
export function senderUpdates(limits: SenderLimits) {
  const advance = (ctx: SenderContext, at: number): SenderContext => {
    const kept = pruned(ctx, limits, at);
    if (ctx.now === at && kept.attempts === ctx.attempts && kept.ongoing === ctx.ongoing) return ctx;
    return { ...ctx, ...kept, now: at };
  };
  return {
    /** Time passed. */
    advanceClock: (c, e) => advance(c, e.at),
    /** S4: calls and permission requests stop until the expiry. */
    restrict: (c, e) => ({ ...advance(c, e.at), restrictedUntil: (e as SenderRestrictedEvent).until }),
    /** S4: the restriction ended (its expiry, or the platform lifted it). */
    liftRestriction: (c, e) => ({ ...advance(c, e.at), restrictedUntil: null }),
    /** S4: the quality warning is remembered and shown; calls go on. */
    recordQualityWarning: (c, e) => ({ ...advance(c, e.at), qualityWarningAt: e.at }),
    /** S1 + S2 + G6: the attempt counts in its minute; the call holds a slot until it ends. */
    reserveCall: (c, e) => {
      const ctx = advance(c, e.at);
      const { callId, user, at } = e as SenderCallReservedEvent;
      const minute = at - (((at % ATTEMPT_BUCKET_MS) + ATTEMPT_BUCKET_MS) % ATTEMPT_BUCKET_MS);
      return { ...ctx, attempts: withAttempt(ctx.attempts, minute), ongoing: [...ctx.ongoing, [callId, user, at] as const] };
    },
    /** S1: the count is raised to the limit in the current minute (what the platform counted beyond ours). */
    fillAttempts: (c, e) => {
      const ctx = advance(c, e.at);
      const missing = limits.attemptsPerDay - countAttempts(ctx, e.at);
      if (missing <= 0) return ctx;
      const minute = e.at - (((e.at % ATTEMPT_BUCKET_MS) + ATTEMPT_BUCKET_MS) % ATTEMPT_BUCKET_MS);
      return { ...ctx, attempts: withAttempt(ctx.attempts, minute, missing) };
    },
    /** The call is known by the platform's id from now on. */
    assignCallId: (c, e) => {
      const ctx = advance(c, e.at);
      const { callId, platformCallId } = e as SenderCallIdAssignedEvent;
      const i = ctx.ongoing.findIndex((call) => call[0] === callId);
      if (i < 0) return ctx;
      const ongoing = [...ctx.ongoing];
      ongoing[i] = [platformCallId, ongoing[i]![1], ongoing[i]![2]] as const;
      return { ...ctx, ongoing };
    },
    /** S2 + G6: the call's slot is free; the attempt still counts toward S1. */
    endCall: (c, e) => {
      const ctx = advance(c, e.at);
      const { callId } = e as SenderCallEndedEvent;
      const ongoing = ctx.ongoing.filter((call) => call[0] !== callId);
      return ongoing.length === ctx.ongoing.length ? ctx : { ...ctx, ongoing };
    },
  } satisfies Record<string, SenderUpdate>;
}

export type SenderUpdates = ReturnType<typeof senderUpdates>;
export type SenderUpdateName = keyof SenderUpdates;
