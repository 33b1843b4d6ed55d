import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCallPermissionEngine, type PermissionsView, type RelationshipEventInput } from '../../src/index.js';
import type { InfobipClient } from '../../src/infobip/index.js';
import { reconcile } from '../../src/infobip/reconcile.js';
import { DAY_MS, HOUR_MS } from '../../src/time.js';
import { check } from '../support/fc.js';

const SENDER = '441134960000';
const USER = '447700900123';
const T0 = Date.UTC(2026, 3, 1, 10);

/** A local history: accepts (temporary, permanent), requests, calls and their outcomes, at rising times. */
const step = fc.oneof(
  fc.record({ kind: fc.constant('accept' as const), days: fc.integer({ min: 0, max: 9 }) }),
  fc.record({ kind: fc.constant('request' as const) }),
  fc.record({ kind: fc.constant('call' as const), connect: fc.boolean() }),
  fc.record({ kind: fc.constant('revoke' as const) }),
);
const history = fc.array(fc.tuple(fc.integer({ min: 1, max: 30 * HOUR_MS }), step), { maxLength: 12 });

/** Infobip's view, consistent with itself: usage within its limits, `canPerformAction` as the platform computes it. */
const remoteView = fc
  .record({
    status: fc.constantFrom('NO_PERMISSION' as const, 'TEMPORARY' as const, 'PERMANENT' as const),
    expiresInMs: fc.integer({ min: -DAY_MS, max: 8 * DAY_MS }),
    day: fc.integer({ min: 0, max: 1 }),
    week: fc.integer({ min: 0, max: 2 }),
    callMax: fc.constantFrom(1, 3, 5, 100),
    calls: fc.integer({ min: 0, max: 6 }),
  })
  .map(({ status, expiresInMs, day, week, callMax, calls }) => ({ status, expiresInMs, day, week: Math.max(week, day), callMax, calls: Math.min(calls, callMax) }));

type Remote = { status: PermissionsView['status']; expiresInMs: number; day: number; week: number; callMax: number; calls: number };
type Step = { kind: 'accept' | 'request' | 'call' | 'revoke'; days?: number; connect?: boolean };

function viewAt(at: number, r: Remote): PermissionsView {
  const live = r.status === 'PERMANENT' || (r.status === 'TEMPORARY' && r.expiresInMs > 0);
  return {
    status: r.status,
    ...(r.status === 'TEMPORARY' ? { expirationTime: new Date(at + r.expiresInMs).toISOString() } : {}),
    actions: [
      {
        name: 'SEND_CALL_PERMISSION_REQUEST',
        canPerformAction: r.status !== 'PERMANENT' && r.day < 1 && r.week < 2,
        limits: [
          { timePeriod: 'PT24H', maxAllowed: 1, currentUsage: r.day, ...(r.day >= 1 ? { limitExpirationTime: new Date(at + HOUR_MS).toISOString() } : {}) },
          { timePeriod: 'P7D', maxAllowed: 2, currentUsage: r.week, ...(r.week >= 2 ? { limitExpirationTime: new Date(at + DAY_MS).toISOString() } : {}) },
        ],
      },
      { name: 'START_CALL', canPerformAction: live && r.calls < r.callMax, limits: [{ timePeriod: 'PT24H', maxAllowed: r.callMax, currentUsage: r.calls }] },
    ],
  };
}

async function replay(steps: readonly (readonly [number, Step])[]) {
  let now = T0;
  const engine = createCallPermissionEngine({ clock: () => now, policy: 'infobip' });
  let n = 0;
  for (const [gap, s] of steps) {
    now += gap;
    const events: RelationshipEventInput[] =
      s.kind === 'accept'
        ? [s.days === 0 ? { type: 'PERMISSION_ACCEPTED', at: now, permanent: true } : { type: 'PERMISSION_ACCEPTED', at: now, expiresAt: now + s.days! * DAY_MS }]
        : s.kind === 'request'
          ? [{ type: 'REQUEST_SENT', at: now, requestId: `r${n++}`, via: 'template' }]
          : s.kind === 'call'
            ? [{ type: 'CALL_STARTED', at: now, callId: `c${n}` }, ...(s.connect ? [{ type: 'CALL_CONNECTED' as const, at: now, callId: `c${n++}` }] : [])]
            : [{ type: 'PERMISSION_REVOKED', at: now }];
    for (const event of events) await engine.record(SENDER, USER, event);
  }
  return { engine, now };
}

const clientFor = (view: PermissionsView): InfobipClient => ({ getPermissions: async () => view }) as unknown as InfobipClient;

/**
 * Reconciliation (docs/platform.md): whatever the local history, folding a platform view in never
 * leaves the engine more permissive than that view, and folding the same view again changes nothing.
 */
describe('reconciliation with a platform view', () => {
  it('G1 G2 G4 R1 R2 R5: never more permissive than the view it folded in', async () => {
    await check(
      fc.asyncProperty(history, remoteView, async (steps, r) => {
        const { engine, now } = await replay(steps);
        const remote = viewAt(now, r);
        await reconcile(engine, clientFor(remote), SENDER, USER, { clock: () => now });
        const local = await engine.permissions(SENDER, USER, now);
        // The one exception, at a tie: a view read at the very millisecond of the user's revoke never
        // undoes it (docs/semantics.md "Late facts", PERMISSION_SYNCED): calls stay refused, and R5 of a
        // permanent grant the view reports, folded into no grant, cannot bind a request.
        const revokedThen = steps.at(-1)?.[1].kind === 'revoke';
        if (revokedThen) expect(local.status).toBe('NO_PERMISSION');
        for (const i of [0, 1] as const) {
          if (remote.actions[i].canPerformAction) continue;
          if (i === 0 && revokedThen && remote.status === 'PERMANENT' && r.day < 1 && r.week < 2) continue;
          expect(local.actions[i].canPerformAction, remote.actions[i].name).toBe(false);
        }
        if (local.status === 'PERMANENT') expect(remote.status).toBe('PERMANENT');
        if (remote.status === 'NO_PERMISSION' || (remote.status === 'TEMPORARY' && r.expiresInMs <= 0)) expect(local.status).toBe('NO_PERMISSION');
        if (local.status === 'TEMPORARY' && remote.status === 'TEMPORARY') expect(Date.parse(local.expirationTime!)).toBeLessThanOrEqual(Date.parse(remote.expirationTime!));
        // The platform's number is in force: never a higher one.
        expect(local.actions[1].limits[0]!.maxAllowed).toBeLessThanOrEqual(r.callMax);
      }),
    );
  });

  it('reconciling twice with the same view changes nothing the second time', async () => {
    await check(
      fc.asyncProperty(history, remoteView, async (steps, r) => {
        const { engine, now } = await replay(steps);
        const client = clientFor(viewAt(now, r));
        await reconcile(engine, client, SENDER, USER, { clock: () => now });
        const once = JSON.stringify(await engine.snapshot(SENDER, USER));
        const again = await reconcile(engine, client, SENDER, USER, { clock: () => now });
        expect(again.recorded).toEqual([]);
        expect(JSON.stringify(await engine.snapshot(SENDER, USER))).toBe(once);
      }),
    );
  });
});

/**
 * The platform's own history of uses (requests within R1/R2, calls within its G2), as its view shows
 * it: counts in each window and, for a full window, when its oldest use leaves (`limitExpirationTime`).
 */
const platformHistory = fc
  .record({
    requests: fc.array(fc.integer({ min: 0, max: 7 * DAY_MS - 1 }), { maxLength: 2 }),
    calls: fc.array(fc.integer({ min: 0, max: DAY_MS - 1 }), { maxLength: 5 }),
    callMax: fc.constantFrom(1, 2, 3, 5),
  })
  .map(({ requests, calls, callMax }) => {
    // Ages (ms before the reconciliation); the platform kept R1: its requests are ≥ 24 h apart.
    const sorted = [...new Set(requests)].sort((a, b) => a - b);
    const kept = sorted.length === 2 && sorted[1]! - sorted[0]! < DAY_MS ? [sorted[0]!] : sorted;
    return { requests: kept, calls: [...new Set(calls)].slice(0, callMax), callMax };
  });

function platformView(at: number, h: { requests: number[]; calls: number[]; callMax: number }): PermissionsView {
  const limit = (timePeriod: string, windowMs: number, maxAllowed: number, ages: number[]) => {
    const times = ages.map((age) => at - age).filter((t) => at < t + windowMs);
    return { timePeriod, maxAllowed, currentUsage: times.length, ...(times.length >= maxAllowed ? { limitExpirationTime: new Date(Math.min(...times) + windowMs).toISOString() } : {}) };
  };
  const day = limit('PT24H', DAY_MS, 1, h.requests);
  const week = limit('P7D', 7 * DAY_MS, 2, h.requests);
  const calls = limit('PT24H', DAY_MS, h.callMax, h.calls);
  return {
    status: 'TEMPORARY',
    expirationTime: new Date(at + 6 * DAY_MS).toISOString(),
    actions: [
      { name: 'SEND_CALL_PERMISSION_REQUEST', canPerformAction: day.currentUsage < 1 && week.currentUsage < 2, limits: [day, week] },
      { name: 'START_CALL', canPerformAction: calls.currentUsage < h.callMax, limits: [calls] },
    ],
  };
}

describe('reconciliation from a platform history, over time', () => {
  it('R1 R2 G2: folded into a relationship that knew nothing, the engine refuses at every later time the platform would (its uses free no earlier), and at the platform’s own times it allows again', async () => {
    await check(
      fc.asyncProperty(platformHistory, fc.array(fc.integer({ min: 0, max: 7 * DAY_MS }), { maxLength: 6 }), async (h, offsets) => {
        const at = T0 + 10 * DAY_MS;
        const engine = createCallPermissionEngine({ clock: () => at, policy: 'infobip' });
        await reconcile(engine, clientFor(platformView(at, h)), SENDER, USER, { clock: () => at });
        const platformAllows = (y: number) => {
          const inWindow = (ages: number[], w: number) => ages.filter((age) => at - age <= y && y < at - age + w).length;
          return [inWindow(h.requests, DAY_MS) < 1 && inWindow(h.requests, 7 * DAY_MS) < 2, inWindow(h.calls, DAY_MS) < h.callMax];
        };
        // Every time a platform use leaves a window (and 1 ms before), and random later times.
        const edges = [...h.requests.flatMap((age) => [at - age + DAY_MS, at - age + 7 * DAY_MS]), ...h.calls.map((age) => at - age + DAY_MS)];
        const probes = [at, ...edges.flatMap((t) => [t - 1, t]), ...offsets.map((o) => at + o)].filter((y) => y >= at && y < at + 6 * DAY_MS);
        for (const y of probes) {
          const local = (await engine.permissions(SENDER, USER, y)).actions.map((a) => a.canPerformAction);
          const remote = platformAllows(y);
          for (const i of [0, 1]) if (!remote[i]) expect(local[i], `${i ? 'START_CALL' : 'SEND_CALL_PERMISSION_REQUEST'} at +${y - at} ms`).toBe(false);
        }
        // Precision: once every platform use has left its window, the engine allows again too.
        const free = Math.max(at, ...edges);
        if (free < at + 6 * DAY_MS) expect((await engine.permissions(SENDER, USER, free)).actions.map((a) => a.canPerformAction)).toEqual([true, true]);
      }),
    );
  });
});
