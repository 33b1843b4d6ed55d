import { describe, expect, it } from 'vitest';
import { POLICY_PRESETS } from '../../src/index.js';
import { checkAgreement } from '../../bench/agreement.js';
import { createBaseline } from '../../bench/baseline.js';
import { createWorkload, factKeyOf } from '../../bench/workload.js';

const policy = POLICY_PRESETS.infobip;

describe("the bench's agreement check", () => {
  // Small enough to be quick; the workload puts facts on window edges and delivers some twice.
  const workload = createWorkload(policy, 60);

  it('passes the real baseline on a workload with redeliveries and window-edge times', async () => {
    const keys = workload.timelines.flatMap((t) => t.events.map((e) => factKeyOf(e)).filter((k) => k !== undefined));
    expect(keys.length - new Set(keys).size).toBeGreaterThan(0); // redeliveries are in it
    const agreement = await checkAgreement(workload, policy);
    expect(agreement.mismatches).toEqual([]);
  });

  it('catches a baseline whose call slot frees up 1 ms late', async () => {
    const agreement = await checkAgreement(workload, policy, createBaseline(policy, { callSlotFreesLateMs: 1 }));
    expect(agreement.mismatches.length).toBeGreaterThan(0);
    console.info(`1 ms slot mutant caught: ${agreement.mismatches[0]!.split('\n')[0]}`);
  });

  it('the baseline formats times as toISOString does', () => {
    const baseline = createBaseline(policy);
    for (const at of [0, 951_782_400_000 - 1, 951_782_400_000, 4_107_542_400_000, Date.UTC(2026, 1, 28, 23, 59, 59, 999), 253_402_300_799_999]) {
      // A temporary grant ending at `at` shows its expiry.
      const granted = baseline.apply(baseline.create(at - 2), { type: 'PERMISSION_ACCEPTED', at: at - 1, expiresAt: at + 1, source: 'user' });
      const view = baseline.permissions(granted, at);
      expect(view).toMatchObject({ status: 'TEMPORARY', expirationTime: new Date(at + 1).toISOString() });
    }
  });
});
