import { EventInFutureError } from '../errors.js';
import type { RelationshipEvent, RelationshipEventType } from '../events/types.js';
import type { Policy } from '../policy/policy.js';
import { isoTime } from '../time.js';

/**
 * What happens to a fact dated further ahead of the engine's clock than `policy.maxClockSkewMs`:
 * - `atTrustedNow`: it is recorded at the engine's clock. Only facts that can never let out more
 *   than the rules allow when dated "now" (a user's no, a miss, a reservation that then counts from
 *   now) are treated so: whatever happened was delivered by now, so it happened by now.
 * - `refuse`: an {@link InvalidEventError} `EVENT_IN_FUTURE`; nothing is recorded, and the sender
 *   delivers it again (a webhook answers 425). These are the facts that could loosen a limit if
 *   their time were moved: a grant, a reset (G3), a released slot, a window opening (W1), a clock tick.
 */
export type FutureFactTreatment = 'atTrustedNow' | 'refuse';

/** Per fact kind, the treatment of a fact dated beyond the trusted clock bound (docs/semantics.md "Trusted time"). */
export const FUTURE_FACT_TREATMENT: Readonly<Record<RelationshipEventType, FutureFactTreatment>> = Object.freeze({
  CLOCK: 'refuse', // a tick beyond the bound is exactly what the bound exists to stop
  USER_MESSAGE: 'refuse', // W1: a window opened at a made-up time
  REQUEST_SENT: 'atTrustedNow', // R1/R2: counted from now (the latest it can have happened)
  REQUEST_FAILED: 'refuse', // gives a request's count back
  PERMISSION_ACCEPTED: 'refuse', // G1: its expiry would be computed from a made-up time
  PERMISSION_REJECTED: 'atTrustedNow', // U1/R4: a user's no is never dropped
  PERMISSION_REVOKED: 'atTrustedNow', // U1: a user's no is never dropped
  PERMISSION_SYNCED: 'refuse', // a grant it reports is refused; "no permission" is applied (see below)
  CALL_STARTED: 'atTrustedNow', // G2: holds its slot from now
  CALL_ID_ASSIGNED: 'atTrustedNow', // only re-keys the call (its later outcome must find it)
  CALL_CONNECTED: 'refuse', // G3: would reset the request limits at a made-up time
  CALL_UNANSWERED: 'atTrustedNow', // M1/M2: a miss is counted
  CALL_FAILED: 'refuse', // M4: gives a call slot back
  USER_CALL_RECEIVED: 'refuse', // W1/G5: a window or a callback grant at a made-up time
  USER_CALL_CONNECTED: 'refuse', // G3: would reset the request limits at a made-up time
});

/** How a fact dated beyond the bound is treated (a platform's "no permission" only tightens). */
export function futureFactTreatment(event: RelationshipEvent): FutureFactTreatment {
  if (event.type === 'PERMISSION_SYNCED' && event.status === 'NO_PERMISSION') return 'atTrustedNow';
  return FUTURE_FACT_TREATMENT[event.type];
}

/**
 * Binds a parsed fact to the trusted clock: a fact dated at most `policy.maxClockSkewMs` after
 * `trustedNow` (the engine's clock) is returned as it is; one dated further ahead is recorded at
 * `trustedNow` or refused with `EVENT_IN_FUTURE` (see {@link FUTURE_FACT_TREATMENT}). So no fact
 * moves a relationship's clock beyond the engine's clock plus the skew.
 */
export function bindToTrustedClock(event: RelationshipEvent, trustedNow: number, policy: Policy): RelationshipEvent {
  const bound = trustedNow + policy.maxClockSkewMs;
  if (event.at <= bound) return event;
  if (futureFactTreatment(event) === 'atTrustedNow') {
    // A reconstructed use keeps its own time only if that is not after where the fact now lands.
    if ('countedFrom' in event && event.countedFrom !== undefined && event.countedFrom >= trustedNow) {
      const { countedFrom: _dropped, ...rest } = event;
      return { ...rest, at: trustedNow };
    }
    return { ...event, at: trustedNow };
  }
  throw new EventInFutureError(
    `${isoTime(event.at)} is ${event.at - trustedNow} ms ahead of the engine's clock (${isoTime(trustedNow)}); facts may be dated at most policy.maxClockSkewMs = ${policy.maxClockSkewMs} ms ahead. A ${event.type} dated further ahead is refused: deliver it again once its time has come`,
    event.at - policy.maxClockSkewMs,
  );
}
