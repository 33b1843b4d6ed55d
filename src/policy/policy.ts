import { InvalidPolicyError } from '../errors.js';
import { KNOWN_SENDER_COUNTRIES } from './countries.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../time.js';

/**
 * Every number the rules use, in one object ([docs/rules.md](../../docs/rules.md): nothing else in the code may hold it).
 * Times are milliseconds. Build one with {@link definePolicy}; the presets are
 * {@link POLICY_PRESETS}.
 */
export interface Policy {
  /** The preset this policy started from, or `custom`. */
  readonly name: string;
  /** R1: permission requests allowed in {@link Policy.requestShortWindowMs}. */
  readonly requestsPerShortWindow: number;
  /** R1: the short request window (24 h). */
  readonly requestShortWindowMs: number;
  /** R2: permission requests allowed in {@link Policy.requestLongWindowMs}. */
  readonly requestsPerLongWindow: number;
  /** R2: the long request window (7 days). */
  readonly requestLongWindowMs: number;
  /** R4: how long a request stays answerable after it was sent or answered. */
  readonly requestAnswerableMs: number;
  /** G1: how long a temporary grant lasts from acceptance when the reply carries no expiry. */
  readonly temporaryGrantMs: number;
  /** G1/R5: whether an accept with neither an expiry nor a permanent flag is permanent. */
  readonly acceptWithoutExpiry: 'permanent' | 'temporary';
  /** G5: the business enabled Meta's `callback_permission_status`: a user's call grants a temporary permission. */
  readonly userCallGrantsPermission: boolean;
  /** G2: connected business-initiated calls allowed in {@link Policy.callWindowMs}. */
  readonly connectedCallsPerWindow: number;
  /** G2: the connected-call window (24 h). */
  readonly callWindowMs: number;
  /** M1: consecutive unanswered calls that move a grant to `prompted`. */
  readonly unansweredBeforePrompt: number;
  /** M2: consecutive unanswered calls that revoke the grant. */
  readonly unansweredBeforeRevoke: number;
  /** W1: how long the customer-service window stays open after the user's last contact. */
  readonly sessionWindowMs: number;
  /**
   * How far behind a relationship's clock a fact may arrive and still be recorded (it is then
   * applied at the relationship's current time; the clock never runs backwards). Older facts are
   * refused with `EVENT_TOO_LATE`: past the longest rule window they could no longer be counted
   * where they belong. At least 2 × {@link Policy.maxClockSkewMs}, so that a fact dated at an engine's
   * own clock is never too late (`definePolicy` refuses less).
   */
  readonly lateEventToleranceMs: number;
  /**
   * The trusted clock bound: how far ahead of the engine's clock a fact's time may lie (default
   * 5 minutes: hosts' and Infobip's clocks drift by seconds, not hours). No fact moves a
   * relationship's clock beyond the engine's clock plus this; a fact dated further ahead is applied
   * at the engine's clock when it can only tighten the rules (a reject, a revoke, a miss), and is
   * refused with `EVENT_IN_FUTURE` otherwise (docs/semantics.md "Trusted time").
   * {@link Policy.lateEventToleranceMs} must be at least twice this (`definePolicy` checks it).
   */
  readonly maxClockSkewMs: number;
  /** S1: business-initiated call attempts per sender in 24 h. */
  readonly senderCallAttemptsPerDay: number;
  /** S2: concurrent calls per sender. */
  readonly senderConcurrentCalls: number;
  /** S3: ISO 3166 codes of sender countries where business-initiated calling is unavailable. */
  readonly unavailableSenderCountries: readonly string[];
  /**
   * S4: how long a restriction lasts when the report carries no expiration (Meta's `account_update`
   * gives one; a host recording a restriction learnt another way may not).
   */
  readonly qualityPauseMs: number;
  /**
   * S2/G6: how long a placed call whose end is never reported keeps its concurrency slot and blocks
   * a second call to the same user. Ends normally arrive as call events; this bounds a lost one.
   */
  readonly ongoingCallMaxMs: number;
}

/** Numbers a host may override; everything else comes from the preset. */
export type PolicyOverrides = Partial<Omit<Policy, 'name'>>;

export type PolicyPresetName = 'infobip' | 'infobip-seed' | 'meta' | 'meta-sandbox';

/**
 * The default. G2 is 100 connected calls per 24 h, Meta's number since 2025-12-19 (and 138012's own
 * text: "Currently 100"), not the seed page's 5: the platform enforces 100, a call over its limit is
 * refused by the platform before ringing anyone (138012, whose correction then learns the number),
 * and the engine adopts the number the platform states at the first reconciliation anyway. The
 * seed's 5 stays available as `infobip-seed`. An accept without an expiry is a 7-day temporary
 * grant until the platform confirms PERMANENT (Infobip's reply has no permanent flag). See
 * docs/platform.md "The default preset".
 */
const infobip: Policy = Object.freeze({
  name: 'infobip',
  requestsPerShortWindow: 1,
  requestShortWindowMs: 24 * HOUR_MS,
  requestsPerLongWindow: 2,
  requestLongWindowMs: 7 * DAY_MS,
  requestAnswerableMs: 7 * DAY_MS,
  temporaryGrantMs: 7 * DAY_MS,
  acceptWithoutExpiry: 'temporary',
  userCallGrantsPermission: false,
  connectedCallsPerWindow: 100,
  callWindowMs: 24 * HOUR_MS,
  unansweredBeforePrompt: 2,
  unansweredBeforeRevoke: 4,
  sessionWindowMs: 24 * HOUR_MS,
  lateEventToleranceMs: 7 * DAY_MS,
  maxClockSkewMs: 5 * MINUTE_MS,
  senderCallAttemptsPerDay: 10_000,
  senderConcurrentCalls: 1_000,
  // Meta's list, plus Infobip's: Türkiye and the sanctioned regions a number can tell (Cuba, Iran, North Korea, Syria).
  unavailableSenderCountries: Object.freeze(['US', 'CA', 'EG', 'VN', 'NG', 'TR', 'CU', 'IR', 'KP', 'SY']),
  qualityPauseMs: 7 * DAY_MS,
  ongoingCallMaxMs: 2 * HOUR_MS,
});

/** The seed page's numbers (Infobip's page on business-initiated calling): 5 connected calls per 24 h. */
const infobipSeed: Policy = Object.freeze({
  ...infobip,
  name: 'infobip-seed',
  connectedCallsPerWindow: 5,
});

const meta: Policy = Object.freeze({
  ...infobip,
  name: 'meta',
  acceptWithoutExpiry: 'temporary',
  connectedCallsPerWindow: 100,
  unavailableSenderCountries: Object.freeze(['US', 'CA', 'EG', 'VN', 'NG']),
});

const metaSandbox: Policy = Object.freeze({
  ...meta,
  name: 'meta-sandbox',
  requestsPerShortWindow: 25,
  requestsPerLongWindow: 100,
  unansweredBeforePrompt: 5,
  unansweredBeforeRevoke: 10,
});

/** The presets of [docs/rules.md, "Policy presets"](../../docs/rules.md#policy-presets). `infobip` is the default (G2 100, docs/platform.md "The default preset"); `infobip-seed` keeps the seed page's G2 of 5. */
export const POLICY_PRESETS: Readonly<Record<PolicyPresetName, Policy>> = Object.freeze({
  infobip,
  'infobip-seed': infobipSeed,
  meta,
  'meta-sandbox': metaSandbox,
});

export const DEFAULT_POLICY: Policy = infobip;

const COUNTS = [
  'requestsPerShortWindow',
  'requestsPerLongWindow',
  'connectedCallsPerWindow',
  'unansweredBeforePrompt',
  'unansweredBeforeRevoke',
  'senderCallAttemptsPerDay',
  'senderConcurrentCalls',
] as const;
const DURATIONS = [
  'requestShortWindowMs',
  'requestLongWindowMs',
  'requestAnswerableMs',
  'temporaryGrantMs',
  'callWindowMs',
  'sessionWindowMs',
  'lateEventToleranceMs',
  'maxClockSkewMs',
  'qualityPauseMs',
  'ongoingCallMaxMs',
] as const;

/**
 * A validated, frozen policy: a preset name, or a preset plus the numbers the host overrides.
 * Nonsense is refused with an {@link InvalidPolicyError} naming the field.
 *
 * @example definePolicy('meta')
 * @example definePolicy({ preset: 'infobip', connectedCallsPerWindow: 100 })
 */
export function definePolicy(input: PolicyPresetName | (Partial<Omit<Policy, 'name'>> & { readonly preset?: PolicyPresetName }) = 'infobip'): Policy {
  if (typeof input === 'string') return presetNamed(input, 'policy');
  if (input === null || typeof input !== 'object') throw new InvalidPolicyError('must be a preset name or an object of overrides', 'policy');
  const { preset, ...overrides } = input;
  const base = presetNamed(preset ?? 'infobip', 'policy.preset');
  const known = new Set<string>(Object.keys(base));
  for (const key of Object.keys(overrides)) {
    if (!known.has(key) || key === 'name') throw new InvalidPolicyError('is not a policy setting', `policy.${key}`);
  }
  const merged = { ...base, ...overrides, name: Object.keys(overrides).length ? 'custom' : base.name } as Policy;
  validatePolicy(merged);
  return Object.freeze({ ...merged, unavailableSenderCountries: Object.freeze([...merged.unavailableSenderCountries]) });
}

function presetNamed(name: string, path: string): Policy {
  const preset = (POLICY_PRESETS as Record<string, Policy>)[name];
  if (!preset) throw new InvalidPolicyError(`unknown preset "${name}" (known: ${Object.keys(POLICY_PRESETS).join(', ')})`, path);
  return preset;
}

/** Throws {@link InvalidPolicyError} unless every number of the policy makes sense. */
export function validatePolicy(policy: Policy): void {
  for (const key of COUNTS) {
    const value = policy[key];
    if (!Number.isSafeInteger(value) || value < 1) throw new InvalidPolicyError(`must be a whole number ≥ 1, got ${String(value)}`, `policy.${key}`);
  }
  for (const key of DURATIONS) {
    const value = policy[key];
    if (!Number.isSafeInteger(value) || value < 1) throw new InvalidPolicyError(`must be a whole number of milliseconds ≥ 1, got ${String(value)}`, `policy.${key}`);
  }
  if (policy.requestsPerLongWindow < policy.requestsPerShortWindow)
    throw new InvalidPolicyError('must allow at least as many requests as the short window (R1 ≤ R2)', 'policy.requestsPerLongWindow');
  if (policy.requestLongWindowMs < policy.requestShortWindowMs)
    throw new InvalidPolicyError('must be at least as long as requestShortWindowMs', 'policy.requestLongWindowMs');
  // An on-time fact must never be too late: a fact dated up to maxClockSkewMs ahead of one engine
  // instance's clock, itself up to maxClockSkewMs ahead of another's, may have moved the
  // relationship's clock; a fact dated at the slower clock then arrives 2 × the skew "late".
  if (policy.lateEventToleranceMs < 2 * policy.maxClockSkewMs)
    throw new InvalidPolicyError(
      `must be at least 2 × maxClockSkewMs (${2 * policy.maxClockSkewMs} ms), got ${policy.lateEventToleranceMs}: a fact dated at an engine's own clock can meet a relationship clock moved up to twice the skew ahead (a fact dated within the skew of an instance whose clock runs the skew ahead), and must not be refused as EVENT_TOO_LATE`,
      'policy.lateEventToleranceMs',
    );
  if (policy.unansweredBeforeRevoke <= policy.unansweredBeforePrompt)
    throw new InvalidPolicyError('must be greater than unansweredBeforePrompt (the prompt comes before the revoke)', 'policy.unansweredBeforeRevoke');
  if (policy.acceptWithoutExpiry !== 'permanent' && policy.acceptWithoutExpiry !== 'temporary')
    throw new InvalidPolicyError(`must be "permanent" or "temporary", got ${JSON.stringify(policy.acceptWithoutExpiry)}`, 'policy.acceptWithoutExpiry');
  if (typeof policy.userCallGrantsPermission !== 'boolean')
    throw new InvalidPolicyError('must be a boolean', 'policy.userCallGrantsPermission');
  if (!Array.isArray(policy.unavailableSenderCountries))
    throw new InvalidPolicyError('must be an array of ISO 3166 alpha-2 codes', 'policy.unavailableSenderCountries');
  policy.unavailableSenderCountries.forEach((code, i) => {
    if (typeof code !== 'string' || !/^[A-Z]{2}$/.test(code))
      throw new InvalidPolicyError(`must be an ISO 3166 alpha-2 code such as "US", got ${JSON.stringify(code)}`, `policy.unavailableSenderCountries[${i}]`);
    if (!KNOWN_SENDER_COUNTRIES.has(code))
      throw new InvalidPolicyError(`"${code}" is no country an E.164 calling code leads to (S3 reads the sender's number), so it would never match`, `policy.unavailableSenderCountries[${i}]`);
  });
}
