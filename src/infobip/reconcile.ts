import type { CallPermissionEngine } from '../engine/engine.js';
import type { RelationshipEventInput, RelationshipEventType } from '../events/types.js';
import { normalisePhoneNumber } from '../phone.js';
import type { PermissionActionName, PermissionLimit, PermissionStatus, PermissionsView } from '../pure/view.js';
import { durationMs, settingOf, type LearnedLimit } from '../policy/learnedLimits.js';
import type { InfobipClient } from './client.js';

/** One way the local state differed from Infobip's view, and whether it was folded in. */
export type ReconcileDifference =
  | {
      readonly kind: 'status';
      readonly local: PermissionStatus;
      readonly remote: PermissionStatus;
      readonly localExpirationTime?: string;
      readonly remoteExpirationTime?: string;
      readonly folded: true;
      /** The status was folded in with a `PERMISSION_SYNCED` fact. */
      readonly event: 'PERMISSION_SYNCED';
    }
  | {
      readonly kind: 'usage';
      readonly action: PermissionActionName;
      readonly timePeriod: string;
      readonly local: number;
      readonly remote: number;
      /** Raised by this many reservations (`REQUEST_SENT` / `CALL_STARTED` with `reconciled-` ids). */
      readonly folded: boolean;
      readonly note: string;
    }
  | {
      /**
       * The platform allows a different number than the local state did. Folded: the number was
       * learned for the sender (docs/platform.md "Learned limits"); not folded: a window the policy
       * does not have, or learning switched off.
       */
      readonly kind: 'maxAllowed';
      readonly action: PermissionActionName;
      readonly timePeriod: string;
      readonly local: number;
      readonly remote: number;
      readonly folded: boolean;
    }
  | {
      /** Still different after folding (a policy difference, or a count that cannot be lowered). */
      readonly kind: 'canPerformAction';
      readonly action: PermissionActionName;
      readonly local: boolean;
      readonly remote: boolean;
      readonly folded: false;
    };

export interface ReconcileResult {
  readonly sender: string;
  readonly user: string;
  readonly at: number;
  readonly remote: PermissionsView;
  readonly before: PermissionsView;
  readonly after: PermissionsView;
  readonly differences: readonly ReconcileDifference[];
  /** The facts recorded to fold the remote view in, in order. */
  readonly recorded: readonly RelationshipEventType[];
  /** With `factKeyPrefix`: the keys of those facts, in the same order. */
  readonly factKeys?: readonly string[];
}

export interface ReconcileOptions {
  /** The time of the reconciliation. Default `Date.now` (pass the engine's clock). */
  readonly clock?: () => number;
  /** Expiry times closer than this are the same grant. Default 60 s. */
  readonly expiryToleranceMs?: number;
  /**
   * When given, every fact is recorded under an idempotency key that starts with it
   * (`<prefix>:status`, `<prefix>:START_CALL:<n>`…): a correction that reconciles records each fact once.
   */
  readonly factKeyPrefix?: string;
  /** Adopt the numbers the view states (`maxAllowed` per `timePeriod`) for the sender. Default true. */
  readonly learnLimits?: boolean;
}

/**
 * Reads Infobip's view of a relationship and folds it into the local state with recordable facts;
 * the remote view wins:
 * - status: when Infobip's status or expiry differs, a `PERMISSION_SYNCED` fact carrying Infobip's
 *   view: a grant the local state lacks is adopted, a different expiry replaces ours (a `prompted`
 *   relationship stays prompted, its missed-call count kept), and NO_PERMISSION ends a local grant
 *   (→ `noPermission`, not `revoked`: nobody revoked);
 * - usage: where Infobip counts more requests or calls than the local state, reservations are added
 *   until the counts agree (requests as `REQUEST_SENT`, calls as `CALL_STARTED` holding a slot for the
 *   call window; both conservative: they free no earlier than the real ones).
 * A count Infobip has lower is reported, not folded: no recordable fact lowers a count, and a send in
 * flight may not have reached Infobip's count yet. Every difference is in the result.
 */
export async function reconcile(engine: CallPermissionEngine, client: InfobipClient, senderInput: string, userInput: string, options: ReconcileOptions = {}): Promise<ReconcileResult> {
  const sender = normalisePhoneNumber(senderInput, 'sender');
  const user = normalisePhoneNumber(userInput, 'user');
  const remote = await client.getPermissions(sender, user);
  const snapshot = await engine.snapshot(sender, user);
  // After a G3 reset at `t`, only requests sent after `t` count: a reservation folded in at the very
  // millisecond of a connect would not, so the fold happens 1 ms after it at the earliest.
  const resetAt = snapshot?.context.limitsResetAt;
  const at = Math.max((options.clock ?? Date.now)(), snapshot?.context.now ?? -Infinity, resetAt === null || resetAt === undefined ? -Infinity : resetAt + 1);
  const tolerance = options.expiryToleranceMs ?? 60_000;
  const before = await engine.permissions(sender, user, at);
  const differences: ReconcileDifference[] = [];
  const recorded: RelationshipEventType[] = [];
  const factKeys: string[] = [];
  const prefix = options.factKeyPrefix;
  const record = async (event: RelationshipEventInput, key: string) => {
    const factKey = prefix === undefined ? undefined : `${prefix}:${key}`;
    const result = await engine.record(sender, user, event, factKey === undefined ? undefined : { factKey });
    if (result.changed) {
      recorded.push(event.type);
      if (factKey !== undefined) factKeys.push(factKey);
    }
    return result.changed;
  };

  // The numbers first: the platform states them, and the counts below are folded against them.
  const learnedMax = new Set<string>();
  if (options.learnLimits !== false) {
    const stated: LearnedLimit[] = [];
    for (const action of remote.actions)
      for (const limit of action.limits)
        if (Number.isSafeInteger(limit.maxAllowed) && limit.maxAllowed >= 1 && durationMs(limit.timePeriod) !== undefined)
          stated.push({ action: action.name, timePeriod: limit.timePeriod, maxAllowed: limit.maxAllowed, learnedAt: at, source: 'reconciliation' });
    const policy = (await engine.learnLimits(sender, stated)).policy;
    for (const limit of stated) if (settingOf(policy, limit)) learnedMax.add(`${limit.action} ${durationMs(limit.timePeriod)}`);
  }

  // Status next: a grant decides whether requests and calls can be counted at all.
  const remoteExpiry = remote.status === 'TEMPORARY' ? Date.parse(remote.expirationTime!) : undefined;
  const remoteStatus: PermissionStatus = remoteExpiry !== undefined && remoteExpiry <= at ? 'NO_PERMISSION' : remote.status;
  const localExpiry = before.status === 'TEMPORARY' ? Date.parse(before.expirationTime!) : undefined;
  const differs =
    // A local expiry later than Infobip's is never kept (that would be more permissive); an earlier one within the tolerance is the same grant.
    remoteStatus !== before.status || (remoteStatus === 'TEMPORARY' && (localExpiry! > remoteExpiry! || remoteExpiry! - localExpiry! > tolerance));
  const statusEvent: RelationshipEventInput | undefined = !differs
    ? undefined
    : remoteStatus === 'TEMPORARY'
      ? { type: 'PERMISSION_SYNCED', at, status: 'TEMPORARY', expiresAt: remoteExpiry! }
      : { type: 'PERMISSION_SYNCED', at, status: remoteStatus };
  if (statusEvent) {
    await record(statusEvent, 'status');
    differences.push({
      kind: 'status',
      local: before.status,
      remote: remote.status,
      ...(before.expirationTime ? { localExpirationTime: before.expirationTime } : {}),
      ...(remote.expirationTime ? { remoteExpirationTime: remote.expirationTime } : {}),
      folded: true,
      event: 'PERMISSION_SYNCED',
    });
  }

  // Then the counts, against the state after the status fold.
  const middle = await engine.permissions(sender, user, at);
  for (const name of ['SEND_CALL_PERMISSION_REQUEST', 'START_CALL'] as const) {
    const remoteLimits = remote.actions.find((a) => a.name === name)?.limits ?? [];
    const localLimits = middle.actions.find((a) => a.name === name)?.limits ?? [];
    const pairs: [PermissionLimit, PermissionLimit][] = [];
    for (const r of remoteLimits) {
      const l = localLimits.find((x) => x.timePeriod === r.timePeriod);
      if (!l) continue;
      pairs.push([l, r]);
      const was = before.actions.find((a) => a.name === name)?.limits.find((x) => x.timePeriod === r.timePeriod)?.maxAllowed ?? l.maxAllowed;
      if (was !== r.maxAllowed)
        differences.push({ kind: 'maxAllowed', action: name, timePeriod: r.timePeriod, local: was, remote: r.maxAllowed, folded: l.maxAllowed === r.maxAllowed && learnedMax.has(`${name} ${durationMs(r.timePeriod)}`) });
    }
    const missing = Math.max(0, ...pairs.map(([l, r]) => r.currentUsage - l.currentUsage));
    let added = 0;
    for (let i = 0; i < missing; i++) {
      const reservation = `reconciled-${at.toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
      const event: RelationshipEventInput =
        name === 'START_CALL' ? { type: 'CALL_STARTED', at, callId: reservation } : { type: 'REQUEST_SENT', at, requestId: reservation, via: 'template' };
      if (!(await record(event, `${name}:${i}`))) break;
      added++;
    }
    for (const [l, r] of pairs) {
      if (l.currentUsage === r.currentUsage) continue;
      const higher = r.currentUsage > l.currentUsage;
      differences.push({
        kind: 'usage',
        action: name,
        timePeriod: r.timePeriod,
        local: l.currentUsage,
        remote: r.currentUsage,
        folded: higher && added > 0,
        note: higher
          ? added >= r.currentUsage - l.currentUsage
            ? `${added} reservation(s) added`
            : `only ${added} of ${r.currentUsage - l.currentUsage} reservation(s) could be added (the local rules refused the rest)`
          : 'Infobip counts fewer: kept the local count (no fact lowers a count; a send in flight may not be counted remotely yet)',
      });
    }
  }

  const after = await engine.permissions(sender, user, at);
  for (const action of after.actions) {
    const r = remote.actions.find((a) => a.name === action.name);
    if (r && r.canPerformAction !== action.canPerformAction)
      differences.push({ kind: 'canPerformAction', action: action.name, local: action.canPerformAction, remote: r.canPerformAction, folded: false });
  }
  return { sender, user, at, remote, before, after, differences, recorded, ...(prefix === undefined ? {} : { factKeys }) };
}
