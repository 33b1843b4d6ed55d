import type { CallPermissionEngine } from '../engine/engine.js';
import type { RelationshipEventInput, RelationshipEventType } from '../events/types.js';
import { normalizePhoneNumber } from '../phone.js';
import type { PermissionActionName, PermissionLimit, PermissionStatus, PermissionsView } from '../pure/view.js';
import type { RelationshipSnapshot } from '../pure/snapshot.js';
import type { Policy } from '../policy/policy.js';
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
      /**
       * When each reservation added for this action counts from (ISO 8601): the view's
       * `limitExpirationTime` minus the window for the oldest use, else the latest time the view's
       * counts allow, never later than the reconciliation.
       */
      readonly countedFrom?: readonly string[];
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
 *   call window), each counted from when the view says the use happened (`countedFrom`): the oldest
 *   from `limitExpirationTime` − the window, so its slot frees exactly when the platform's does; the
 *   others from the latest time the view's counts allow. Never earlier than the platform's use, so
 *   they free no earlier than the real ones (docs/platform.md "Reconciliation").
 * A count Infobip has lower is reported, not folded: no recordable fact lowers a count, and a send in
 * flight may not have reached Infobip's count yet. Every difference is in the result.
 */
export async function reconcile(engine: CallPermissionEngine, client: InfobipClient, senderInput: string, userInput: string, options: ReconcileOptions = {}): Promise<ReconcileResult> {
  const sender = normalizePhoneNumber(senderInput, 'sender');
  const user = normalizePhoneNumber(userInput, 'user');
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
    const result = await engine.record(sender, user, event, factKey === undefined ? { source: 'reconcile' } : { factKey, source: 'reconcile' });
    // A reservation counts as made only if it is held: a refused one can still change the state by the
    // clock alone (a request lapsing), which is not a reservation.
    const held =
      event.type === 'REQUEST_SENT'
        ? result.snapshot.context.requests.some(([id]) => id === event.requestId)
        : event.type === 'CALL_STARTED'
          ? result.snapshot.context.callsInFlight.some(([id]) => id === event.callId)
          : result.changed;
    if (result.changed) {
      recorded.push(event.type);
      if (factKey !== undefined) factKeys.push(factKey);
    }
    return result.changed && held;
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
  const policy = await engine.policyFor(sender);
  const folded = await engine.snapshot(sender, user);
  const held = heldUses(folded, policy, at);
  // A request counted from at or before the user's last reply would be one already answered, yet
  // recorded as a request awaiting its answer (R4): counted from just after that reply instead (later: conservative).
  const answeredAt = folded?.context.answeredAt ?? null;
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
    const oldest = name === 'START_CALL' ? policy.callWindowMs : Math.min(policy.requestLongWindowMs, policy.requestAnswerableMs);
    // Oldest first: a reconstructed use never counts from before one recorded already.
    const times = reconstructedTimes(pairs, held[name], missing, at, oldest, tolerance)
      .map((t) => (name === 'SEND_CALL_PERMISSION_REQUEST' && answeredAt !== null && t <= answeredAt ? Math.min(at, answeredAt + 1) : t))
      .sort((a, b) => a - b);
    let added = 0;
    const countedFrom: string[] = [];
    for (let i = 0; i < missing; i++) {
      const reservation = `reconciled-${at.toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
      const from = times[i]!;
      const since = from < at ? { countedFrom: from } : {};
      const event: RelationshipEventInput =
        name === 'START_CALL' ? { type: 'CALL_STARTED', at, callId: reservation, ...since } : { type: 'REQUEST_SENT', at, requestId: reservation, via: 'template', ...since };
      let counted = from;
      if (!(await record(event, `${name}:${i}`))) {
        // Its own time would overfill a window with a local use the platform does not count there (the
        // two disagree on when it was): counted from now instead, the side that never lets out more.
        const { countedFrom: _own, ...now } = event as RelationshipEventInput & { countedFrom?: number };
        if (from === at || !(await record(now as RelationshipEventInput, `${name}:${i}:now`))) break;
        counted = at;
      }
      countedFrom.push(new Date(counted).toISOString());
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
        ...(higher && added > 0 ? { countedFrom } : {}),
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

/** The times of the uses the local state counts at `at`: requests (since the last reset, in the long window) and call slots. */
function heldUses(snapshot: RelationshipSnapshot | undefined, policy: Policy, at: number): Record<'SEND_CALL_PERMISSION_REQUEST' | 'START_CALL', number[]> {
  if (!snapshot) return { SEND_CALL_PERMISSION_REQUEST: [], START_CALL: [] };
  const c = snapshot.context;
  const requests = c.requests.map(([, t]) => t).filter((t) => (c.limitsResetAt === null || t >= c.limitsResetAt) && at < t + policy.requestLongWindowMs);
  const calls = [...c.connectedCalls, ...c.callsInFlight.map(([, t]) => t)].filter((t) => at < t + policy.callWindowMs);
  return { SEND_CALL_PERMISSION_REQUEST: requests, START_CALL: calls };
}

/**
 * When each of `missing` uses the platform counts (and the local state lacks) happened, as far as the
 * view tells, oldest first:
 * - a full window's `limitExpirationTime` L says its oldest use was at L − W (unless a local use is
 *   within `tolerance` of it: then that one is it);
 * - any other use at the latest time the view's counts allow: before every window the view counts as
 *   already full without it (at − W: it does not count there at `at`), as long as that still lies in
 *   every window that lacks uses; else at `at`.
 * Never later than `at` (a time the platform states beyond it is clock skew: counted from `at`), and
 * counted at `at` in the window that stated it (an expiry already past frees 1 ms after `at`), so each
 * frees no earlier than the platform's use.
 */
export function reconstructedTimes(
  pairs: readonly (readonly [PermissionLimit, PermissionLimit])[],
  local: readonly number[],
  missing: number,
  at: number,
  oldest: number,
  tolerance: number,
): number[] {
  const windows = pairs.flatMap(([l, r]) => {
    const ms = durationMs(r.timePeriod);
    return ms === undefined ? [] : [{ ms, local: l.currentUsage, remote: r.currentUsage, expires: r.limitExpirationTime === undefined ? undefined : Date.parse(r.limitExpirationTime) }];
  });
  const clamp = (t: number) => Math.min(at, Math.max(t, at - oldest + 1));
  const known: number[] = [];
  for (const w of windows) {
    // An expiry more than a window ahead cannot be a use's (clock skew, or garbage): that use is placed as any other.
    if (w.expires === undefined || !Number.isFinite(w.expires) || w.remote <= w.local || w.expires > at + w.ms) continue;
    // An expiry already past (a stale or skewed view) still counts the use in its window at `at`, freeing 1 ms later.
    const t = clamp(Math.max(w.expires - w.ms, at - w.ms + 1));
    if (local.some((u) => Math.abs(u - t) <= tolerance) || known.some((k) => Math.abs(k - t) <= tolerance)) continue;
    known.push(t);
  }
  known.sort((a, b) => a - b);
  const times = known.slice(0, missing);
  while (times.length < missing) {
    const counted = (ms: number) => times.filter((t) => at < t + ms).length;
    const lacking = windows.filter((w) => w.local + counted(w.ms) < w.remote);
    const shortestLacking = Math.min(...lacking.map((w) => w.ms), Infinity);
    let t = at;
    for (const w of windows) if (w.ms < shortestLacking && w.local + counted(w.ms) >= w.remote) t = Math.min(t, at - w.ms);
    times.push(clamp(t));
  }
  return times;
}
