import { parseTime } from '../events/parse.js';
import type { TimeInput } from '../events/types.js';
import { isoDuration, isoTime } from '../time.js';
import type { Policy } from '../policy/policy.js';
import { grantLive, permanentGrant } from '../relationship/windows.js';
import type { RelationshipSnapshot } from './snapshot.js';

/** One limit of an action, as Infobip's permissions endpoint reports it. */
export interface PermissionLimit {
  /** ISO 8601 duration of the window: `PT24H`, `P7D`. */
  readonly timePeriod: string;
  readonly maxAllowed: number;
  readonly currentUsage: number;
  /** When the oldest counted use leaves the window; present once `currentUsage` reached `maxAllowed`. */
  readonly limitExpirationTime?: string;
}

export type PermissionActionName = 'SEND_CALL_PERMISSION_REQUEST' | 'START_CALL';

export interface PermissionAction {
  readonly name: PermissionActionName;
  readonly canPerformAction: boolean;
  readonly limits: readonly PermissionLimit[];
}

export type PermissionStatus = 'NO_PERMISSION' | 'TEMPORARY' | 'PERMANENT';

/**
 * "What may I do now?" in the shape of Infobip's
 * `GET /whatsapp/1/senders/{sender}/calls/{userNumber}/permissions` response (RULES.md "The view"),
 * so a host can use the local answer and the remote one interchangeably.
 */
export interface PermissionsView {
  readonly status: PermissionStatus;
  /** Only for `TEMPORARY`. */
  readonly expirationTime?: string;
  readonly actions: readonly [PermissionAction, PermissionAction];
}

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

/** `limitExpirationTime` is when the oldest counted use leaves the window; only shown once the limit is reached. */
function limit(timePeriod: string, maxAllowed: number, currentUsage: number, oldest: number, releaseAfterMs: number): PermissionLimit {
  if (currentUsage < maxAllowed) return { timePeriod, maxAllowed, currentUsage };
  return { timePeriod, maxAllowed, currentUsage, limitExpirationTime: isoTime(oldest + releaseAfterMs) };
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

  // R1/R2: requests sent after the last reset (G3) that are still inside each window.
  let shortUsage = 0;
  let longUsage = 0;
  let oldestShort = Infinity;
  let oldestLong = Infinity;
  const { requests, limitsResetAt } = context;
  for (let i = 0; i < requests.length; i++) {
    const sentAt = requests[i]![1];
    if (limitsResetAt !== null && sentAt <= limitsResetAt) continue;
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
  return status === 'TEMPORARY' ? { status, expirationTime: isoTime(context.grantExpiresAt!), actions } : { status, actions };
}
