import { parseTime } from '../events/parse.js';
import type { TimeInput } from '../events/types.js';
import { isoDuration, isoTime } from '../time.js';
import { callSlotReleaseTimes, countedRequestTimes, grantLive } from '../relationship/windows.js';
import { canRequestPermission, canStartCall } from './decide.js';
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

function limit(timePeriodMs: number, maxAllowed: number, useTimes: readonly number[], releaseAfterMs: number): PermissionLimit {
  const currentUsage = useTimes.length;
  if (currentUsage < maxAllowed) return { timePeriod: isoDuration(timePeriodMs), maxAllowed, currentUsage };
  let oldest = useTimes[0]!;
  for (const t of useTimes) if (t < oldest) oldest = t;
  return { timePeriod: isoDuration(timePeriodMs), maxAllowed, currentUsage, limitExpirationTime: isoTime(oldest + releaseAfterMs) };
}

/** The permissions view of a relationship at `at` (pure: nothing is applied or stored). */
export function getPermissions(snapshot: RelationshipSnapshot, atInput: TimeInput): PermissionsView {
  const at = parseTime(atInput, 'at');
  const { value, context, policy } = snapshot;
  const live = grantLive(value, context, at);
  const status: PermissionStatus = !live ? 'NO_PERMISSION' : context.grantExpiresAt === null ? 'PERMANENT' : 'TEMPORARY';
  const callUses = callSlotReleaseTimes(context, policy, at).map((release) => release - policy.callWindowMs);
  const actions: [PermissionAction, PermissionAction] = [
    {
      name: 'SEND_CALL_PERMISSION_REQUEST',
      canPerformAction: canRequestPermission(snapshot, at).allowed,
      limits: [
        limit(policy.requestShortWindowMs, policy.requestsPerShortWindow, countedRequestTimes(context, policy.requestShortWindowMs, at), policy.requestShortWindowMs),
        limit(policy.requestLongWindowMs, policy.requestsPerLongWindow, countedRequestTimes(context, policy.requestLongWindowMs, at), policy.requestLongWindowMs),
      ],
    },
    {
      name: 'START_CALL',
      canPerformAction: canStartCall(snapshot, at).allowed,
      limits: [limit(policy.callWindowMs, policy.connectedCallsPerWindow, callUses, policy.callWindowMs)],
    },
  ];
  return status === 'TEMPORARY' ? { status, expirationTime: isoTime(context.grantExpiresAt!), actions } : { status, actions };
}
