import { EventInFutureError } from '../../errors.js';
import type { FutureFactTreatment } from '../trustedTime.js';
import type { Policy } from '../../policy/policy.js';
import { isoTime } from '../../time.js';
import type { SenderEvent, SenderEventType } from '../../sender/events.js';

/**
 * Per sender fact, what happens when it is dated beyond the trusted clock bound (as for
 * relationships, docs/semantics.md "Trusted time"): what only tightens is recorded at the engine's
 * clock; what could free a slot or move the clock on is refused with `EVENT_IN_FUTURE`.
 */
export const SENDER_FUTURE_FACT_TREATMENT: Readonly<Record<SenderEventType, FutureFactTreatment>> = Object.freeze({
  CLOCK: 'refuse', // a tick beyond the bound would drop S1 attempts and S2 calls early
  RESTRICTED: 'atTrustedNow', // S4: a pause is never dropped; its expiry is the report's own
  RESTRICTION_LIFTED: 'refuse', // S4: would end a pause at a made-up time
  QUALITY_WARNING: 'atTrustedNow', // S4: only shown
  ATTEMPTS_EXHAUSTED: 'atTrustedNow', // S1: counted from now, held for a day from now
  CALL_RESERVED: 'atTrustedNow', // S1/S2: counted from now (the engine's own, never from outside)
  CALL_ID_ASSIGNED: 'atTrustedNow', // only re-keys the call
  CALL_ENDED: 'refuse', // S2/G6: gives a slot back
});

/**
 * Binds a sender fact to the trusted clock: no fact moves a sender's clock beyond `trustedNow +
 * policy.maxClockSkewMs` (which would let S1's window and S2's lapses run early for every user).
 */
export function bindSenderToTrustedClock(event: SenderEvent, trustedNow: number, policy: Policy): SenderEvent {
  const bound = trustedNow + policy.maxClockSkewMs;
  if (event.at <= bound) return event;
  if (SENDER_FUTURE_FACT_TREATMENT[event.type] === 'atTrustedNow') return { ...event, at: trustedNow };
  throw new EventInFutureError(
    `${isoTime(event.at)} is ${event.at - trustedNow} ms ahead of the engine's clock (${isoTime(trustedNow)}); sender facts may be dated at most policy.maxClockSkewMs = ${policy.maxClockSkewMs} ms ahead. A ${event.type} dated further ahead is refused: deliver it again once its time has come`,
    event.at - policy.maxClockSkewMs,
  );
}
