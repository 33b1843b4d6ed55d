/** The top-level states of a sender (docs/rules.md S4): calling, or paused by the platform until an expiry. */
export type SenderState = 'active' | 'restricted';

export const SENDER_STATES: readonly SenderState[] = Object.freeze(['active', 'restricted']);

/**
 * S1: business-initiated call attempts counted per whole minute: `[minuteStart, count]`. An attempt
 * counts from its time until the end of its minute plus 24 h, so the count never lets through more
 * than S1 in any rolling 24 h, and a day of attempts is at most 1,440 entries whatever the volume.
 */
export type AttemptBucket = readonly [minuteStart: number, count: number];

/** S2 and G6: a call that holds a concurrency slot until its end is known: `[callId, user, startedAt]`. */
export type OngoingCall = readonly [callId: string, user: string, startedAt: number];

/**
 * What a sender (or one shard of it, see `senderShards`) remembers. Never mutated: every update
 * returns a new object. Counts outside their windows are pruned on every event.
 */
export interface SenderContext {
  /** The sender's clock: the time of the last event applied (epoch ms). */
  readonly now: number;
  /** S4: the end of the current restriction (meaningful in `restricted`). */
  readonly restrictedUntil: number | null;
  /** S4: the latest `LOW_BUSINESS_INITIATED_CALLING_QUALITY` warning (surfaced, never a pause). */
  readonly qualityWarningAt: number | null;
  /** S1: call attempts per minute, oldest first, inside the 24 h window. */
  readonly attempts: readonly AttemptBucket[];
  /** S2/G6: calls placed whose end is not known yet, oldest first. */
  readonly ongoing: readonly OngoingCall[];
}

export function initialSenderContext(at: number): SenderContext {
  return { now: at, restrictedUntil: null, qualityWarningAt: null, attempts: [], ongoing: [] };
}
