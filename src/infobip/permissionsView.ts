import type { PermissionAction, PermissionActionName, PermissionLimit, PermissionStatus, PermissionsView } from '../pure/view.js';
import { boolean, count, object, oneOf, ShapeError, string, time } from './shape.js';

const STATUSES: readonly PermissionStatus[] = ['NO_PERMISSION', 'TEMPORARY', 'PERMANENT'];
const ACTIONS: readonly PermissionActionName[] = ['SEND_CALL_PERMISSION_REQUEST', 'START_CALL'];

/**
 * Infobip's `GET …/calls/{user}/permissions` answer, checked field by field (a {@link ShapeError}
 * naming the field otherwise). Actions Infobip may add later are skipped; both known actions must
 * be there.
 */
export function parsePermissionsView(input: unknown): PermissionsView {
  const body = object(input, 'body');
  const status = oneOf(body.status, STATUSES, 'body.status');
  let expirationTime: string | undefined;
  if (status === 'TEMPORARY') {
    time(body.expirationTime, 'body.expirationTime');
    expirationTime = body.expirationTime as string;
  }
  if (!Array.isArray(body.actions)) throw new ShapeError('body.actions', 'must be an array');
  const found = new Map<PermissionActionName, PermissionAction>();
  body.actions.forEach((raw, i) => {
    const path = `body.actions[${i}]`;
    const action = object(raw, path);
    const name = string(action.name, `${path}.name`, 64);
    if (!(ACTIONS as readonly string[]).includes(name)) return;
    if (!Array.isArray(action.limits)) throw new ShapeError(`${path}.limits`, 'must be an array');
    const limits = action.limits.map((l, j): PermissionLimit => {
      const lp = `${path}.limits[${j}]`;
      const limit = object(l, lp);
      const timePeriod = string(limit.timePeriod, `${lp}.timePeriod`, 32);
      const maxAllowed = count(limit.maxAllowed, `${lp}.maxAllowed`);
      const currentUsage = count(limit.currentUsage, `${lp}.currentUsage`);
      if (limit.limitExpirationTime === undefined || limit.limitExpirationTime === null) return { timePeriod, maxAllowed, currentUsage };
      time(limit.limitExpirationTime, `${lp}.limitExpirationTime`);
      return { timePeriod, maxAllowed, currentUsage, limitExpirationTime: limit.limitExpirationTime as string };
    });
    found.set(name as PermissionActionName, { name: name as PermissionActionName, canPerformAction: boolean(action.canPerformAction, `${path}.canPerformAction`), limits });
  });
  const request = found.get('SEND_CALL_PERMISSION_REQUEST');
  const call = found.get('START_CALL');
  if (!request || !call) throw new ShapeError('body.actions', 'must contain SEND_CALL_PERMISSION_REQUEST and START_CALL');
  return expirationTime === undefined ? { status, actions: [request, call] } : { status, expirationTime, actions: [request, call] };
}
