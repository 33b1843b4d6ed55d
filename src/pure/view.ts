import { parseTime } from '../events/parse.js';
import type { TimeInput } from '../events/types.js';
import { isoDuration, isoTime } from '../time.js';
import type { Policy } from '../policy/policy.js';
import { grantLive, permanentGrant } from '../relationship/windows.js';
import type { RelationshipSnapshot } from './snapshot.js';

export type PermissionActionName = 'SEND_CALL_PERMISSION_REQUEST' | 'START_CALL';

export type PermissionStatus = 'NO_PERMISSION' | 'TEMPORARY' | 'PERMANENT';

/** One limit of an action, as Infobip's permissions endpoint reports it. */
export interface PermissionLimit {
  /** ISO 8601 duration of the window: `PT24H`, `P7D`. */
  readonly timePeriod: string;
  readonly maxAllowed: number;
  readonly currentUsage: number;
  /** When the oldest counted use leaves the window; present once `currentUsage` reached `maxAllowed`. */
  readonly limitExpirationTime?: string;
}

/** One action of the {@link PermissionsView}, with its limits. */
export interface PermissionAction {
  readonly name: PermissionActionName;
  readonly canPerformAction: boolean;
  readonly limits: readonly PermissionLimit[];
}

/**
 * "What may I do now?" in the shape of Infobip's
 * `GET /whatsapp/1/senders/{sender}/calls/{userNumber}/permissions` response ([docs/rules.md, "The permissions view"](../../docs/rules.md#the-permissions-view)),
 * so a host can use the local answer and the remote one interchangeably.
 */
export interface PermissionsView {
  readonly status: PermissionStatus;
  /** Only for `TEMPORARY`. */
  readonly expirationTime?: string;
  /** `SEND_CALL_PERMISSION_REQUEST`, then `START_CALL`. */
  readonly actions: readonly [PermissionAction, PermissionAction];
}

// Names the package's own code uses for the view's parts (not exported by the package).

/** The ISO durations of a policy's windows, rendered once per policy. */
interface Periods {
  readonly short: string;
  readonly long: string;
  readonly call: string;
}
const periodsByPolicy = new WeakMap<Policy, Periods>();
function periodsOf(policy: Policy): Periods {
  let periods = periodsByPolicy.get(policy);
  if (!periods) {
    periods = { short: isoDuration(policy.requestShortWindowMs), long: isoDuration(policy.requestLongWindowMs), call: isoDuration(policy.callWindowMs) };
    periodsByPolicy.set(policy, periods);
  }
  return periods;
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : `${i}`));
/** 9999-12-31T23:59:59.999Z: the last time `toISOString` writes with a four-digit year. */
const LAST_FOUR_DIGIT_YEAR_MS = 253_402_300_799_999;

/**
 * `isoTime(ms)` (`new Date(ms).toISOString()`) computed with integer arithmetic: the view formats up
 * to three times on most calls and the `Date` round trip was most of its cost. Civil date from the
 * day number by Howard Hinnant's `civil_from_days`; identical output for 1970–9999, `isoTime` outside.
 */
function isoTimeOf(ms: number): string {
  if (!(ms >= 0 && ms <= LAST_FOUR_DIGIT_YEAR_MS) || !Number.isInteger(ms)) return isoTime(ms);
  const days = Math.floor(ms / 86_400_000);
  let rest = ms - days * 86_400_000;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

/** `limitExpirationTime` is when the oldest counted use leaves the window; only shown once the limit is reached. */
function limit(timePeriod: string, maxAllowed: number, currentUsage: number, oldest: number, releaseAfterMs: number): PermissionLimit {
  if (currentUsage < maxAllowed) return { timePeriod, maxAllowed, currentUsage };
  return { timePeriod, maxAllowed, currentUsage, limitExpirationTime: isoTimeOf(oldest + releaseAfterMs) };
}

/**
 * The permissions view of a relationship at `at` (pure: nothing is applied or stored).
 *
 * `canPerformAction` is exactly `canRequestPermission(…).allowed` and `canStartCall(…).allowed`,
 * computed from the same counts the limits show, so a view costs one pass over each list and no
 * refusal text (hosts ask for views far more often than they act).
 */
export function getPermissions(snapshot: RelationshipSnapshot, atInput: TimeInput): PermissionsView {
  const at = parseTime(atInput, 'at');
  const { value, context, policy } = snapshot;
  const { requestShortWindowMs: shortWindow, requestLongWindowMs: longWindow, callWindowMs: callWindow } = policy;

  // R1/R2: requests sent at or after the last reset (G3) that are still inside each window.
  let shortUsage = 0;
  let longUsage = 0;
  let oldestShort = Infinity;
  let oldestLong = Infinity;
  const { requests, limitsResetAt } = context;
  for (let i = 0; i < requests.length; i++) {
    const sentAt = requests[i]![1];
    if (limitsResetAt !== null && sentAt < limitsResetAt) continue;
    if (at < sentAt + shortWindow) {
      shortUsage++;
      if (sentAt < oldestShort) oldestShort = sentAt;
    }
    if (at < sentAt + longWindow) {
      longUsage++;
      if (sentAt < oldestLong) oldestLong = sentAt;
    }
  }
  // G2: slots held by connected calls and calls in flight.
  let callUsage = 0;
  let oldestCall = Infinity;
  const { connectedCalls, callsInFlight } = context;
  for (let i = 0; i < connectedCalls.length; i++) {
    const t = connectedCalls[i]!;
    if (at < t + callWindow) {
      callUsage++;
      if (t < oldestCall) oldestCall = t;
    }
  }
  for (let i = 0; i < callsInFlight.length; i++) {
    const t = callsInFlight[i]![1];
    if (at < t + callWindow) {
      callUsage++;
      if (t < oldestCall) oldestCall = t;
    }
  }

  const live = grantLive(value, context, at);
  const status: PermissionStatus = !live ? 'NO_PERMISSION' : context.grantExpiresAt === null ? 'PERMANENT' : 'TEMPORARY';
  // R5 binds only on a permanent grant, which is always live; a temporary one that ended is no grant (G1).
  const canRequest = !permanentGrant(value, context) && shortUsage < policy.requestsPerShortWindow && longUsage < policy.requestsPerLongWindow;
  const canCall = live && callUsage < policy.connectedCallsPerWindow;
  const periods = periodsOf(policy);
  const actions: [PermissionAction, PermissionAction] = [
    {
      name: 'SEND_CALL_PERMISSION_REQUEST',
      canPerformAction: canRequest,
      limits: [
        limit(periods.short, policy.requestsPerShortWindow, shortUsage, oldestShort, shortWindow),
        limit(periods.long, policy.requestsPerLongWindow, longUsage, oldestLong, longWindow),
      ],
    },
    {
      name: 'START_CALL',
      canPerformAction: canCall,
      limits: [limit(periods.call, policy.connectedCallsPerWindow, callUsage, oldestCall, callWindow)],
    },
  ];
  return status === 'TEMPORARY' ? { status, expirationTime: isoTimeOf(context.grantExpiresAt!), actions } : { status, actions };
}
