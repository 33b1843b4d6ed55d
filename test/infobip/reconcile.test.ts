import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PermissionsView } from '../../src/index.js';
import { HOUR_MS } from '../../src/time.js';
import { SENDER, startWorld, USER, type World } from './harness.js';
import { infobipTime } from './localInfobip.js';

function view(status: PermissionsView['status'], usage: { requests?: [number, number]; calls?: number; expirationTime?: string; callMax?: number } = {}): PermissionsView {
  const [day, week] = usage.requests ?? [0, 0];
  return {
    status,
    ...(usage.expirationTime ? { expirationTime: usage.expirationTime } : {}),
    actions: [
      {
        name: 'SEND_CALL_PERMISSION_REQUEST',
        canPerformAction: day < 1 && week < 2 && status !== 'PERMANENT',
        limits: [
          { timePeriod: 'PT24H', maxAllowed: 1, currentUsage: day },
          { timePeriod: 'P7D', maxAllowed: 2, currentUsage: week },
        ],
      },
      { name: 'START_CALL', canPerformAction: status !== 'NO_PERMISSION' && (usage.calls ?? 0) < (usage.callMax ?? 100), limits: [{ timePeriod: 'PT24H', maxAllowed: usage.callMax ?? 100, currentUsage: usage.calls ?? 0 }] },
    ],
  };
}

/** `reconcile`: Infobip's view of a relationship folded into the local state; remote wins. */
describe('reconcile over HTTP', () => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(async () => {
    await world.close();
  });
  const local = () => world.integration.engine.permissions(SENDER, USER);

  it('G5: a permission the local state never heard of (granted from the business profile) is taken over', async () => {
    const expirationTime = new Date(world.now + 3 * 24 * HOUR_MS).toISOString();
    world.infobip.setPermissions(SENDER, USER, view('TEMPORARY', { expirationTime }));
    const result = await world.integration.reconcile(SENDER, USER);
    expect(result.differences).toEqual([{ kind: 'status', local: 'NO_PERMISSION', remote: 'TEMPORARY', remoteExpirationTime: expirationTime, folded: true, event: 'PERMISSION_SYNCED' }]);
    expect(await local()).toMatchObject({ status: 'TEMPORARY', expirationTime });
    // Folded: a second reconciliation finds nothing to do.
    expect((await world.integration.reconcile(SENDER, USER)).differences).toEqual([]);
  });

  it('G1: another expiry on Infobip’s side wins; one within the tolerance is the same grant', async () => {
    const mine = world.now + 7 * 24 * HOUR_MS;
    await world.infobip.deliver(world.infobip.inboundBatch([world.infobip.replyResult(SENDER, USER, { response: 'ACCEPT', expirationTimestamp: infobipTime(mine) })]));
    world.infobip.setPermissions(SENDER, USER, view('TEMPORARY', { expirationTime: new Date(mine + 30_000).toISOString() }));
    expect((await world.integration.reconcile(SENDER, USER)).differences).toEqual([]);
    const theirs = new Date(mine - 2 * 24 * HOUR_MS).toISOString();
    world.infobip.setPermissions(SENDER, USER, view('TEMPORARY', { expirationTime: theirs }));
    const result = await world.integration.reconcile(SENDER, USER);
    expect(result.recorded).toEqual(['PERMISSION_SYNCED']);
    expect((await local()).expirationTime).toBe(theirs);
  });

  it('G1: Infobip says NO_PERMISSION while a local grant is live → no permission locally (nobody revoked)', async () => {
    await world.infobip.deliver(world.infobip.inboundBatch([world.infobip.replyResult(SENDER, USER, { response: 'ACCEPT' })]));
    world.infobip.setPermissions(SENDER, USER, view('NO_PERMISSION'));
    const result = await world.integration.reconcile(SENDER, USER);
    // The accept without expiry is held as a 7-day grant (Infobip's view did not confirm it PERMANENT).
    expect(result.differences[0]).toMatchObject({ kind: 'status', local: 'TEMPORARY', remote: 'NO_PERMISSION', event: 'PERMISSION_SYNCED' });
    expect((await world.integration.engine.snapshot(SENDER, USER))!.value).toBe('noPermission');
  });

  it('R1 R2 G2: higher remote counts are folded in as reservations; lower ones are reported and kept', async () => {
    await world.infobip.deliver(world.infobip.inboundBatch([world.infobip.replyResult(SENDER, USER, { response: 'ACCEPT', expirationTimestamp: infobipTime(world.now + 5 * 24 * HOUR_MS) })]));
    const expirationTime = new Date(world.now + 5 * 24 * HOUR_MS).toISOString();
    world.infobip.setPermissions(SENDER, USER, view('TEMPORARY', { expirationTime, requests: [1, 1], calls: 3 }));
    const result = await world.integration.reconcile(SENDER, USER);
    expect(result.recorded).toEqual(['REQUEST_SENT', 'CALL_STARTED', 'CALL_STARTED', 'CALL_STARTED']);
    const after = await local();
    expect(after.actions[0].limits.map((l) => l.currentUsage)).toEqual([1, 1]);
    expect(after.actions[1].limits[0]!.currentUsage).toBe(3);
    expect(await world.integration.requestPermission(SENDER, USER)).toMatchObject({ outcome: 'refused', refusal: { rule: 'R1' } });

    // Now Infobip forgets: the local counts stay, and the difference is said.
    world.infobip.setPermissions(SENDER, USER, view('TEMPORARY', { expirationTime }));
    const lower = await world.integration.reconcile(SENDER, USER);
    expect(lower.recorded).toEqual([]);
    expect(lower.differences).toContainEqual(expect.objectContaining({ kind: 'usage', action: 'START_CALL', local: 3, remote: 0, folded: false }));
    expect(lower.differences).toContainEqual({ kind: 'canPerformAction', action: 'SEND_CALL_PERMISSION_REQUEST', local: false, remote: true, folded: false });
  });

  /** A view whose full windows say when their oldest use leaves (`limitExpirationTime`), as Infobip's does. */
  function fullView(at: number, { requestsDayFree, requestsWeekFree, callsFree, callMax = 2 }: { requestsDayFree: number; requestsWeekFree: number; callsFree: number; callMax?: number }): PermissionsView {
    const iso = (t: number) => new Date(t).toISOString();
    return {
      status: 'TEMPORARY',
      expirationTime: iso(at + 5 * 24 * HOUR_MS),
      actions: [
        {
          name: 'SEND_CALL_PERMISSION_REQUEST',
          canPerformAction: false,
          limits: [
            { timePeriod: 'PT24H', maxAllowed: 1, currentUsage: 1, limitExpirationTime: iso(requestsDayFree) },
            { timePeriod: 'P7D', maxAllowed: 2, currentUsage: 2, limitExpirationTime: iso(requestsWeekFree) },
          ],
        },
        { name: 'START_CALL', canPerformAction: false, limits: [{ timePeriod: 'PT24H', maxAllowed: callMax, currentUsage: callMax, limitExpirationTime: iso(callsFree) }] },
      ],
    };
  }

  it('R1 R2 G2: folded uses count from when the view says they happened (limitExpirationTime − the window), so they free when the platform’s do, not a window after the reconciliation', async () => {
    const at = world.now;
    world.infobip.setPermissions(SENDER, USER, fullView(at, { requestsDayFree: at + 4 * HOUR_MS, requestsWeekFree: at + 2 * 24 * HOUR_MS, callsFree: at + 3 * HOUR_MS }));
    const result = await world.integration.reconcile(SENDER, USER);
    expect(result.recorded).toEqual(['PERMISSION_SYNCED', 'REQUEST_SENT', 'REQUEST_SENT', 'CALL_STARTED', 'CALL_STARTED']);
    const iso = (t: number) => new Date(t).toISOString();
    expect(result.differences).toContainEqual(expect.objectContaining({ kind: 'usage', action: 'SEND_CALL_PERMISSION_REQUEST', timePeriod: 'P7D', countedFrom: [iso(at - 5 * 24 * HOUR_MS), iso(at - 20 * HOUR_MS)] }));
    // The oldest call from the view's time; the other at the latest time the counts allow (now).
    expect(result.differences).toContainEqual(expect.objectContaining({ kind: 'usage', action: 'START_CALL', countedFrom: [iso(at - 21 * HOUR_MS), iso(at)] }));
    // The local view now says what Infobip's said: the same counts, the same times.
    const after = await local();
    expect(after.actions[0].limits).toEqual(fullView(at, { requestsDayFree: at + 4 * HOUR_MS, requestsWeekFree: at + 2 * 24 * HOUR_MS, callsFree: 0 }).actions[0].limits);
    expect(after.actions[1].limits[0]).toEqual({ timePeriod: 'PT24H', maxAllowed: 2, currentUsage: 2, limitExpirationTime: iso(at + 3 * HOUR_MS) });
    // The call slot frees when Infobip's does (3 h), not 24 h after the reconciliation.
    world.advance(3 * HOUR_MS - 1);
    expect((await local()).actions[1].canPerformAction).toBe(false);
    world.advance(1);
    expect((await local()).actions[1].canPerformAction).toBe(true);
    expect(await world.integration.startCall(SENDER, USER)).toMatchObject({ outcome: 'started' });
    // R2 binds until Infobip's P7D slot frees (2 days), R1's 24 h slot freed at 4 h.
    world.advance(HOUR_MS);
    expect((await local()).actions[0].limits[0]!.currentUsage).toBe(0);
    expect(await world.integration.requestPermission(SENDER, USER)).toMatchObject({ outcome: 'refused', refusal: { rule: 'R2', retryAt: at + 2 * 24 * HOUR_MS } });
  });

  it('R1 R2 G2: folding the same full view twice adds nothing; the reservations are idempotent', async () => {
    const at = world.now;
    world.infobip.setPermissions(SENDER, USER, fullView(at, { requestsDayFree: at + 4 * HOUR_MS, requestsWeekFree: at + 2 * 24 * HOUR_MS, callsFree: at + 3 * HOUR_MS }));
    await world.integration.reconcile(SENDER, USER);
    const once = JSON.stringify(await world.integration.engine.snapshot(SENDER, USER));
    expect((await world.integration.reconcile(SENDER, USER)).recorded).toEqual([]);
    expect(JSON.stringify(await world.integration.engine.snapshot(SENDER, USER))).toBe(once);
  });

  it('attack: a limitExpirationTime already past (a skewed or stale view) is counted to free 1 ms after the oldest it can be; one beyond the window is counted from now (never later than now, never more permissive than the count)', async () => {
    const at = world.now;
    world.infobip.setPermissions(SENDER, USER, fullView(at, { requestsDayFree: at - HOUR_MS, requestsWeekFree: at + 30 * 24 * HOUR_MS, callsFree: at + 5 * 24 * HOUR_MS }));
    const result = await world.integration.reconcile(SENDER, USER);
    expect(result.recorded).toEqual(['PERMISSION_SYNCED', 'REQUEST_SENT', 'REQUEST_SENT', 'CALL_STARTED', 'CALL_STARTED']);
    const after = await local();
    // Every count the view gave is held locally: nothing is allowed that the view refused.
    expect(after.actions.map((a) => a.canPerformAction)).toEqual([false, false]);
    expect(after.actions[0].limits.map((l) => l.currentUsage)).toEqual([1, 2]);
    expect(after.actions[1].limits[0]!.currentUsage).toBe(2);
    // The view's far-future times cannot be held beyond a window from now: the host is told in the differences.
    expect(result.differences).toContainEqual(expect.objectContaining({ kind: 'usage', action: 'START_CALL', countedFrom: [new Date(at).toISOString(), new Date(at).toISOString()] }));
    // Where the view's times cannot all be true at once (a past 24 h expiry, a 7-day one a month away),
    // each use counts from no later than now and within its window, and the 24 h window stays full.
    for (const d of result.differences)
      if (d.kind === 'usage' && d.countedFrom) for (const t of d.countedFrom) expect(Date.parse(t)).toBeGreaterThan(at - 7 * 24 * HOUR_MS), expect(Date.parse(t)).toBeLessThanOrEqual(at);
    world.advance(1);
    expect((await local()).actions[0].limits[0]!.currentUsage).toBe(1);
  });

  it('attack: a view that states a looser limit than the preset is adopted (the platform enforces it), and a tighter one too; a later tighter statement wins', async () => {
    world.infobip.setPermissions(SENDER, USER, view('PERMANENT', { callMax: 150 }));
    await world.integration.reconcile(SENDER, USER);
    expect((await world.integration.engine.policyFor(SENDER)).connectedCallsPerWindow).toBe(150);
    world.infobip.setPermissions(SENDER, USER, view('PERMANENT', { callMax: 3 }));
    await world.integration.reconcile(SENDER, USER);
    expect((await world.integration.engine.policyFor(SENDER)).connectedCallsPerWindow).toBe(3);
  });

  it('G2: a platform limit other than the policy’s is learned for the sender, and reported', async () => {
    world.infobip.setPermissions(SENDER, USER, view('PERMANENT', { callMax: 10 }));
    const result = await world.integration.reconcile(SENDER, USER);
    expect(result.differences).toContainEqual({ kind: 'maxAllowed', action: 'START_CALL', timePeriod: 'PT24H', local: 100, remote: 10, folded: true });
    expect((await world.integration.engine.policyFor(SENDER)).connectedCallsPerWindow).toBe(10);
    expect((await local()).actions[1].limits[0]!.maxAllowed).toBe(10);
    // Learned: a second reconciliation finds nothing to do.
    expect((await world.integration.reconcile(SENDER, USER)).differences).toEqual([]);
  });

  it('a window the policy does not have is reported, not applied', async () => {
    const odd = view('PERMANENT');
    world.infobip.setPermissions(SENDER, USER, { ...odd, actions: [odd.actions[0], { ...odd.actions[1], limits: [{ timePeriod: 'PT12H', maxAllowed: 3, currentUsage: 0 }] }] });
    await world.integration.reconcile(SENDER, USER);
    expect((await world.integration.engine.policyFor(SENDER)).connectedCallsPerWindow).toBe(100);
  });

  it('a malformed permissions answer is an error, and nothing is recorded', async () => {
    world.infobip.script('permissions', { status: 200, body: { status: 'MAYBE', actions: [] } });
    await expect(world.integration.reconcile(SENDER, USER)).rejects.toMatchObject({ failure: 'INFOBIP_MALFORMED_RESPONSE', text: expect.stringContaining('body.status') });
    expect(world.store.size).toBe(0);
  });
});
