import type { AttemptBucket, OngoingCall, SenderContext, SenderState } from './context.js';
import { ATTEMPT_BUCKET_MS, ATTEMPT_WINDOW_MS, type SenderLimits } from './limits.js';

/*
 * The windows follow the relationship's convention: a use counts while `at < releaseTime` and frees
 * its slot at exactly `releaseTime`. An S1 attempt made in the minute starting at `m` is released
 * at `m + 1 min + 24 h`; an ongoing call at `startedAt + ongoingCallMaxMs` unless its end comes first.
 */

/** S1: when an attempt bucket stops counting. */
export function attemptReleaseAt(bucket: AttemptBucket): number {
  return bucket[0] + ATTEMPT_BUCKET_MS + ATTEMPT_WINDOW_MS;
}

/** The sum of a bucket list's counts, computed once per (immutable) list. */
const totals = new WeakMap<readonly AttemptBucket[], number>();

function totalOf(attempts: readonly AttemptBucket[]): number {
  let total = totals.get(attempts);
  if (total === undefined) {
    total = 0;
    for (let i = 0; i < attempts.length; i++) total += attempts[i]![1];
    totals.set(attempts, total);
  }
  return total;
}

/**
 * S1: attempts counted at `at`. Buckets are oldest first and pruned as the clock moves, so only the
 * few at the front that have left the window are read: a day of minute buckets costs no scan.
 */
export function countAttempts(ctx: SenderContext, at: number): number {
  const { attempts } = ctx;
  let count = totalOf(attempts);
  for (let i = 0; i < attempts.length && at >= attemptReleaseAt(attempts[i]!); i++) count -= attempts[i]![1];
  return count;
}

/** S1: the bucket list with `n` more attempts (default 1) in the minute starting at `minute` (never earlier than the last bucket's). */
export function withAttempt(attempts: readonly AttemptBucket[], minute: number, n = 1): readonly AttemptBucket[] {
  const last = attempts[attempts.length - 1];
  const next = last && last[0] === minute ? [...attempts.slice(0, -1), [minute, last[1] + n] as const] : [...attempts, [minute, n] as const];
  const total = totals.get(attempts);
  if (total !== undefined) totals.set(next, total + n);
  return next;
}

/** S2/G6: is this call still holding its slot at `at`? */
export function callHoldsSlot(call: OngoingCall, limits: SenderLimits, at: number): boolean {
  return at < call[2] + limits.ongoingCallMaxMs;
}

/** S2: calls holding a slot at `at`. */
export function countOngoing(ctx: SenderContext, limits: SenderLimits, at: number): number {
  let count = 0;
  const { ongoing } = ctx;
  for (let i = 0; i < ongoing.length; i++) if (callHoldsSlot(ongoing[i]!, limits, at)) count++;
  return count;
}

/** G6: the call to `user` that is still going on at `at`, if any. */
export function ongoingCallTo(ctx: SenderContext, limits: SenderLimits, user: string, at: number): OngoingCall | undefined {
  const { ongoing } = ctx;
  for (let i = 0; i < ongoing.length; i++) {
    const call = ongoing[i]!;
    if (call[1] === user && callHoldsSlot(call, limits, at)) return call;
  }
  return undefined;
}

/** S1: the earliest time at which fewer than the limit of attempts count (`undefined`: allowed now). */
export function nextAttemptFreeAt(ctx: SenderContext, limits: SenderLimits, at: number): number | undefined {
  let counted = countAttempts(ctx, at);
  if (counted < limits.attemptsPerDay) return undefined;
  // Oldest first: drop buckets until the count falls below the limit.
  for (const bucket of ctx.attempts) {
    const release = attemptReleaseAt(bucket);
    if (at >= release) continue;
    counted -= bucket[1];
    if (counted < limits.attemptsPerDay) return release;
  }
  return undefined;
}

/** S2: the time the oldest ongoing call's slot lapses if no end is reported (`undefined`: a slot is free). */
export function nextConcurrentFreeAt(ctx: SenderContext, limits: SenderLimits, at: number): number | undefined {
  const holding = ctx.ongoing.filter((call) => callHoldsSlot(call, limits, at)).map((call) => call[2] + limits.ongoingCallMaxMs);
  if (holding.length < limits.concurrentCalls) return undefined;
  holding.sort((a, b) => a - b);
  return holding[holding.length - limits.concurrentCalls];
}

/** S4: is the sender restricted at `at`? */
export function restrictedAt(state: SenderState, ctx: SenderContext, at: number): boolean {
  return state === 'restricted' && ctx.restrictedUntil !== null && at < ctx.restrictedUntil;
}

/** The next time the sender's state changes by the clock alone (a restriction's end), if any. */
export function nextSenderStateChangeAt(state: SenderState, ctx: SenderContext): number | undefined {
  return state === 'restricted' ? (ctx.restrictedUntil ?? undefined) : undefined;
}

/**
 * Keeps only what can still count: attempt buckets inside S1's window, calls still holding a slot —
 * as seen from `at - policy.maxClockSkewMs`. The sender's clock may run ahead of an engine's clock
 * by the skew (a fact dated within it, an instance whose clock runs ahead), and a command is also
 * decided at the engine's clock: what counts there must still be here (as for relationships,
 * docs/semantics.md "Trusted time").
 */
export function pruned(ctx: SenderContext, limits: SenderLimits, at: number): Pick<SenderContext, 'attempts' | 'ongoing'> {
  const seenFrom = at - limits.policy.maxClockSkewMs;
  let { attempts, ongoing } = ctx;
  if (attempts.length && seenFrom >= attemptReleaseAt(attempts[0]!)) attempts = attempts.filter((b) => seenFrom < attemptReleaseAt(b));
  if (ongoing.length && !ongoing.every((call) => callHoldsSlot(call, limits, seenFrom))) ongoing = ongoing.filter((call) => callHoldsSlot(call, limits, seenFrom));
  return { attempts, ongoing };
}
