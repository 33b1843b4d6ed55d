import { POLICY_PRESETS, type Policy } from '../policy/policy.js';
import { DAY_MS, HOUR_MS } from '../time.js';

const span = (ms: number) => (ms % DAY_MS === 0 && ms > DAY_MS ? `${ms / DAY_MS} days` : ms % HOUR_MS === 0 ? `${ms / HOUR_MS} h` : `${ms / 60_000} min`);

/**
 * One line per sender-wide rule of [docs/rules.md](../../docs/rules.md) (S1–S4, G6), for a policy's
 * numbers: the sender statechart's counterpart of the relationship's rule summaries.
 */
export function senderRuleSummaries(policy: Policy): Readonly<Record<string, string>> {
  return Object.freeze({
    S1: `at most ${policy.senderCallAttemptsPerDay.toLocaleString('en')} business-initiated call attempts per sender in any rolling 24 h`,
    S2: `at most ${policy.senderConcurrentCalls.toLocaleString('en')} calls going on at once per sender (a lost end frees its slot after ${span(policy.ongoingCallMaxMs)})`,
    S3: 'no business-initiated calls or requests from a sender registered in an unavailable country',
    S4: 'a restricted sender places no calls and sends no requests until the restriction ends; the quality warning only warns',
    G6: 'one call at a time per business↔user pair',
  });
}

/** The sender-wide rule summaries under the default preset (`infobip`). */
export const SENDER_RULE_SUMMARIES: Readonly<Record<string, string>> = senderRuleSummaries(POLICY_PRESETS.infobip);
