import { describe, expect, it } from 'vitest';
import { definePolicy, InvalidPolicyError, POLICY_PRESETS } from '../index.js';

describe('definePolicy', () => {
  it('gives the presets of docs/rules.md, infobip by default', () => {
    expect(definePolicy()).toBe(POLICY_PRESETS.infobip);
    // G2: Meta's 100 by default (docs/platform.md "The default preset"); the seed's 5 as its own preset.
    expect(POLICY_PRESETS.infobip).toMatchObject({ requestsPerShortWindow: 1, requestsPerLongWindow: 2, connectedCallsPerWindow: 100, unansweredBeforePrompt: 2, unansweredBeforeRevoke: 4, acceptWithoutExpiry: 'temporary' });
    expect(POLICY_PRESETS['infobip-seed']).toMatchObject({ connectedCallsPerWindow: 5, acceptWithoutExpiry: 'temporary' });
    expect(POLICY_PRESETS.meta).toMatchObject({ connectedCallsPerWindow: 100, acceptWithoutExpiry: 'temporary' });
    expect(POLICY_PRESETS['meta-sandbox']).toMatchObject({ requestsPerShortWindow: 25, requestsPerLongWindow: 100, unansweredBeforePrompt: 5, unansweredBeforeRevoke: 10 });
  });

  it('overrides numbers on a preset and names the result custom', () => {
    const policy = definePolicy({ preset: 'meta', connectedCallsPerWindow: 7 });
    expect(policy).toMatchObject({ name: 'custom', connectedCallsPerWindow: 7, acceptWithoutExpiry: 'temporary' });
    expect(Object.isFrozen(policy)).toBe(true);
  });

  it.each([
    [{ requestsPerShortWindow: 0 }, 'policy.requestsPerShortWindow'],
    [{ callWindowMs: -1 }, 'policy.callWindowMs'],
    [{ temporaryGrantMs: 1.5 }, 'policy.temporaryGrantMs'],
    [{ unansweredBeforePrompt: 4, unansweredBeforeRevoke: 4 }, 'policy.unansweredBeforeRevoke'],
    [{ requestsPerShortWindow: 3, requestsPerLongWindow: 2 }, 'policy.requestsPerLongWindow'],
    [{ requestShortWindowMs: 8 * 86_400_000 }, 'policy.requestLongWindowMs'],
    [{ acceptWithoutExpiry: 'forever' }, 'policy.acceptWithoutExpiry'],
    [{ unavailableSenderCountries: ['usa'] }, 'policy.unavailableSenderCountries[0]'],
    [{ requestPerDay: 1 }, 'policy.requestPerDay'],
    [{ preset: 'whatsapp' }, 'policy.preset'],
  ])('refuses nonsense %j with an error naming %s', (overrides, path) => {
    expect(() => definePolicy(overrides as never)).toThrow(InvalidPolicyError);
    try {
      definePolicy(overrides as never);
    } catch (error) {
      expect((error as InvalidPolicyError).path).toBe(path);
    }
  });
});
