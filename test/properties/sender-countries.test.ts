/**
 * S3 over random senders and policies: a business-initiated call or permission request from a
 * sender whose number belongs to a country in `policy.unavailableSenderCountries` is refused with
 * S3 before any effect runs, and one from any other country is never refused by S3. The countries
 * come from this test's own table of calling codes (an independent reference), not the engine's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCallPermissionEngine, definePolicy, MemoryStore } from '../../src/index.js';
import { check } from '../support/fc.js';

/** Calling-code prefixes (with a NANP area code where the country shares +1) and their countries. */
const PREFIXES: readonly (readonly [prefix: string, country: string])[] = [
  ['1212', 'US'],
  ['1415', 'US'],
  ['1416', 'CA'],
  ['1604', 'CA'],
  ['20', 'EG'],
  ['84', 'VN'],
  ['234', 'NG'],
  ['90', 'TR'],
  ['53', 'CU'],
  ['98', 'IR'],
  ['850', 'KP'],
  ['963', 'SY'],
  ['44', 'GB'],
  ['49', 'DE'],
  ['91', 'IN'],
  ['55', 'BR'],
  ['33', 'FR'],
  ['61', 'AU'],
];
const LISTED = ['US', 'CA', 'EG', 'VN', 'NG', 'TR', 'CU', 'IR', 'KP', 'SY'];
const USER = '447700900123';
const T0 = Date.UTC(2026, 3, 1, 10, 0, 0);

describe('S3: the sender’s country decides, whatever the rest', () => {
  it('refused with S3 (and nothing sent) exactly when the sender’s country is listed', async () => {
    await check(
      fc.asyncProperty(
        fc.constantFrom(...PREFIXES),
        fc.stringMatching(/^[0-9]{7}$/),
        fc.subarray(LISTED),
        fc.boolean(),
        async ([prefix, country], rest, listed, granted) => {
          const sender = `${prefix}${rest}`;
          const sent: string[] = [];
          const engine = createCallPermissionEngine({
            store: new MemoryStore(),
            clock: () => T0,
            policy: definePolicy({ unavailableSenderCountries: listed }),
            effects: { sendPermissionRequest: async () => void sent.push('request'), startCall: async () => void sent.push('call') },
          });
          if (granted) await engine.record(sender, USER, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: false });
          const call = await engine.startCall(sender, USER);
          const request = await engine.requestPermission(sender, USER);
          const unavailable = listed.includes(country);
          for (const answer of [call, request]) {
            const rule = answer.outcome === 'refused' ? answer.refusal.rule : undefined;
            if (unavailable) expect(rule, `${sender} (${country}) with ${JSON.stringify(listed)}`).toBe('S3');
            else expect(rule, `${sender} (${country}) with ${JSON.stringify(listed)}`).not.toBe('S3');
          }
          if (unavailable) expect(sent).toEqual([]);
          else if (granted) expect(sent).toContain('call');
        },
      ),
    );
  });
});
