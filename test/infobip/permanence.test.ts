import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PermissionsView } from '../../src/index.js';
import { confirmationKey } from '../../src/infobip/confirmPermanence.js';
import { DAY_MS, HOUR_MS } from '../../src/time.js';
import { SENDER, startWorld, USER, type World } from './harness.js';
import { noPermissionView } from './localInfobip.js';

/**
 * G1/R5 (docs/rules.md, Corrections): Infobip's reply has no permanent flag, so an accept without an
 * expiry is a 7-day grant until Infobip's permissions view says PERMANENT. The webhook confirms it
 * (bounded, retried, idempotent); whatever else happens, no call goes out after the 7 days unless
 * the platform confirmed PERMANENT.
 */
describe('an accept without expiry: permanent only when the platform says so', () => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(async () => {
    await world.close();
  });

  const view = (status: PermissionsView['status'], expirationTime?: string): PermissionsView => ({
    ...noPermissionView(),
    status,
    ...(expirationTime ? { expirationTime } : {}),
  });
  async function acceptWithoutExpiry() {
    const answer = await world.infobip.deliver(world.infobip.inboundBatch([world.infobip.replyResult(SENDER, USER, { response: 'ACCEPT' })]));
    expect(answer.status).toBe(200);
    return answer.body;
  }
  const callAfter = async (ms: number) => {
    world.advance(ms);
    return world.integration.startCall(SENDER, USER);
  };

  // The window of uncertainty, case by case: what Infobip's view answers → calls after 7 days?
  const cases: [string, () => void, boolean][] = [
    ['the view cannot be read (401)', () => world.infobip.script('permissions', { status: 401 }, { status: 401 }, { status: 401 }), false],
    ['the view fails (500 after its retries)', () => world.infobip.script('permissions', ...Array.from({ length: 9 }, () => ({ status: 500 }))), false],
    ['the view does not show the grant (NO_PERMISSION)', () => world.infobip.setPermissions(SENDER, USER, view('NO_PERMISSION')), false],
    ['the view says TEMPORARY, ending in 3 days', () => world.infobip.setPermissions(SENDER, USER, view('TEMPORARY', new Date(world.now + 3 * DAY_MS).toISOString())), false],
    ['the view says PERMANENT', () => world.infobip.setPermissions(SENDER, USER, view('PERMANENT')), true],
  ];
  it.each(cases)('%s', async (_title, arrange, callsAfterSevenDays) => {
    arrange();
    const body = await acceptWithoutExpiry();
    expect(body.confirmations).toHaveLength(1);
    // Inside the window of uncertainty, calls may go out (a temporary grant).
    expect(await callAfter(HOUR_MS)).toMatchObject({ outcome: 'started' });
    // Exactly 7 days after the accept, and at any later time: only a confirmed PERMANENT grant calls.
    for (const later of [7 * DAY_MS - HOUR_MS, DAY_MS, 30 * DAY_MS]) {
      const result = await callAfter(later);
      expect(result.outcome).toBe(callsAfterSevenDays ? 'started' : 'refused');
      if (!callsAfterSevenDays) expect(result).toMatchObject({ refusal: { rule: 'G4' } });
    }
    expect(world.infobip.requestsOn('calls')).toHaveLength(callsAfterSevenDays ? 4 : 1);
  });

  it('a view that lags is asked again: NO_PERMISSION, then PERMANENT → confirmed on the second attempt', async () => {
    world.infobip.setPermissions(SENDER, USER, view('PERMANENT'));
    world.infobip.script('permissions', { status: 200, body: view('NO_PERMISSION') });
    const body = await acceptWithoutExpiry();
    expect(body.confirmations[0]).toMatchObject({ status: 'PERMANENT', attempts: 2 });
    expect(world.infobip.requestsOn('permissions')).toHaveLength(2);
    expect((await world.integration.engine.permissions(SENDER, USER)).status).toBe('PERMANENT');
  });

  it('idempotent: the same reply delivered again asks nothing and changes nothing', async () => {
    world.infobip.setPermissions(SENDER, USER, view('PERMANENT'));
    const reply = world.infobip.inboundBatch([world.infobip.replyResult(SENDER, USER, { response: 'ACCEPT' })]);
    const first = await world.infobip.deliver(reply);
    expect(first.body.confirmations[0]).toMatchObject({ status: 'PERMANENT', factKey: confirmationKey(first.body.facts[0].factKey) });
    const stored = JSON.stringify(await world.integration.engine.snapshot(SENDER, USER));
    const second = await world.infobip.deliver(reply);
    expect(second.body.confirmations).toBeUndefined();
    expect(world.infobip.requestsOn('permissions')).toHaveLength(1);
    expect(JSON.stringify(await world.integration.engine.snapshot(SENDER, USER))).toBe(stored);
  });

  it('bounded: a view that never answers costs at most the configured attempts', async () => {
    world.infobip.setPermissions(SENDER, USER, view('NO_PERMISSION'));
    const body = await acceptWithoutExpiry();
    expect(body.confirmations[0]).toMatchObject({ status: 'unconfirmed', attempts: 3 });
    expect(world.infobip.requestsOn('permissions')).toHaveLength(3);
  });

  it('a grant the user ended meanwhile is never brought back by a late confirmation', async () => {
    world.infobip.setPermissions(SENDER, USER, view('NO_PERMISSION'));
    await acceptWithoutExpiry();
    await world.infobip.deliver(world.infobip.inboundBatch([world.infobip.replyResult(SENDER, USER, { response: 'REJECT' })]));
    world.infobip.setPermissions(SENDER, USER, view('PERMANENT'));
    expect(await world.integration.confirmPermanence(SENDER, USER)).toMatchObject({ status: 'unconfirmed' });
    expect((await world.integration.engine.snapshot(SENDER, USER))!.value).toBe('revoked');
  });

  it('a host can confirm later (after a failed confirmation) and the grant becomes permanent', async () => {
    world.infobip.script('permissions', { status: 401 }, { status: 401 }, { status: 401 });
    await acceptWithoutExpiry();
    world.infobip.setPermissions(SENDER, USER, view('PERMANENT'));
    expect(await world.integration.confirmPermanence(SENDER, USER)).toMatchObject({ status: 'PERMANENT', attempts: 1 });
    expect(await callAfter(8 * DAY_MS)).toMatchObject({ outcome: 'started' });
  });
});
