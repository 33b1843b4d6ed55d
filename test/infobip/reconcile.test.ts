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
