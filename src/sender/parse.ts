import { InvalidEventError } from '../errors.js';
import { parseTime } from '../events/parse.js';
import type { TimeInput } from '../events/types.js';
import type { Policy } from '../policy/policy.js';
import { normalizePhoneNumber } from '../phone.js';
import type { SenderEvent } from './events.js';

/** A sender fact as a host records it with `engine.recordSender` (times as epoch ms, ISO strings or `Date`s). */
export type SenderEventInput =
  | { readonly type: 'CLOCK'; readonly at: TimeInput }
  | {
      readonly type: 'RESTRICTED';
      readonly at: TimeInput;
      /** The restriction's `expiration`; without one it lasts `policy.qualityPauseMs`. */
      readonly until?: TimeInput;
    }
  | { readonly type: 'RESTRICTION_LIFTED'; readonly at: TimeInput }
  | { readonly type: 'QUALITY_WARNING'; readonly at: TimeInput }
  /** S1: the platform refused a call with 138005: its count of the day's attempts is the floor from now on. */
  | { readonly type: 'ATTEMPTS_EXHAUSTED'; readonly at: TimeInput }
  | {
      /**
       * G6: the platform says a call with `user` is going on that the engine did not place (138003):
       * the pair's turn (and an S2 slot, an S1 attempt: the safe side) is held until its end
       * (`CALL_ENDED` with the same `callId`) or `policy.ongoingCallMaxMs`.
       */
      readonly type: 'CALL_GOING_ON';
      readonly at: TimeInput;
      readonly callId: string;
      readonly user: string;
    }
  | {
      readonly type: 'CALL_ENDED';
      readonly at: TimeInput;
      readonly callId: string;
      /** The user called, when known: the engine then goes straight to the shard that holds the call. */
      readonly user?: string;
    };

/** The sender facts a host may record; reservations and id assignments are the engine's own. */
export const SENDER_INPUT_TYPES = Object.freeze(['CLOCK', 'RESTRICTED', 'RESTRICTION_LIFTED', 'QUALITY_WARNING', 'ATTEMPTS_EXHAUSTED', 'CALL_GOING_ON', 'CALL_ENDED'] as const);

const ID_PATTERN = /^[\x21-\x7e]{1,128}$/;

/**
 * Checks a sender fact from outside and returns it normalised. Anything wrong is an
 * {@link InvalidEventError} naming the field; the input is never modified.
 */
export function parseSenderEvent(input: unknown, policy: Policy, path = 'event'): SenderEvent {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new InvalidEventError('must be an object with a "type"', path);
  const raw = input as Record<string, unknown>;
  if (raw.type === 'CALL_RESERVED' || raw.type === 'CALL_ID_ASSIGNED')
    throw new InvalidEventError(`${raw.type} is recorded by the engine itself (startCall, record)`, `${path}.type`, 'UNKNOWN_EVENT_TYPE');
  if (typeof raw.type !== 'string' || !(SENDER_INPUT_TYPES as readonly string[]).includes(raw.type))
    throw new InvalidEventError(`unknown sender event type ${JSON.stringify(raw.type)} (known: ${SENDER_INPUT_TYPES.join(', ')})`, `${path}.type`, 'UNKNOWN_EVENT_TYPE');
  const at = parseTime(raw.at, `${path}.at`);
  switch (raw.type as (typeof SENDER_INPUT_TYPES)[number]) {
    case 'CLOCK':
    case 'RESTRICTION_LIFTED':
    case 'QUALITY_WARNING':
    case 'ATTEMPTS_EXHAUSTED':
      return { type: raw.type as 'CLOCK' | 'RESTRICTION_LIFTED' | 'QUALITY_WARNING' | 'ATTEMPTS_EXHAUSTED', at };
    case 'RESTRICTED': {
      const until = raw.until === undefined || raw.until === null ? at + policy.qualityPauseMs : parseTime(raw.until, `${path}.until`);
      return { type: 'RESTRICTED', at, until };
    }
    case 'CALL_ENDED': {
      if (typeof raw.callId !== 'string' || !ID_PATTERN.test(raw.callId))
        throw new InvalidEventError('must be 1–128 printable ASCII characters without spaces', `${path}.callId`);
      return { type: 'CALL_ENDED', at, callId: raw.callId };
    }
    case 'CALL_GOING_ON': {
      if (typeof raw.callId !== 'string' || !ID_PATTERN.test(raw.callId))
        throw new InvalidEventError('must be 1–128 printable ASCII characters without spaces', `${path}.callId`);
      return { type: 'CALL_RESERVED', at, callId: raw.callId, user: normalizePhoneNumber(raw.user, `${path}.user`) };
    }
  }
}
