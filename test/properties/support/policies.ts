import fc from 'fast-check';
import { definePolicy, POLICY_PRESETS, type Policy, type PolicyPresetName } from '../../../src/policy/policy.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const PRESET_NAMES = Object.keys(POLICY_PRESETS) as PolicyPresetName[];

/** A window: the rulebook's usual lengths, or something small and odd (whole seconds or raw ms). */
const windowMs = (usual: number, max: number) =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant(usual) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: Math.floor(max / 1000) }).map((s) => s * 1000) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max }) },
  );

/**
 * A random policy that `definePolicy` accepts: small counts so limits bind often, windows from
 * seconds to days, R1 ≤ R2 in count and window, the prompt before the revoke.
 */
export const customPolicy: fc.Arbitrary<Policy> = fc
  .record({
    preset: fc.constantFrom(...PRESET_NAMES),
    requestsPerShortWindow: fc.integer({ min: 1, max: 3 }),
    extraLongRequests: fc.integer({ min: 0, max: 3 }),
    requestShortWindowMs: windowMs(DAY, 2 * DAY),
    extraLongWindowMs: fc.oneof(fc.constant(0), fc.constant(6 * DAY), fc.integer({ min: 1, max: 8 * DAY })),
    requestAnswerableMs: windowMs(7 * DAY, 10 * DAY),
    temporaryGrantMs: windowMs(7 * DAY, 10 * DAY),
    acceptWithoutExpiry: fc.constantFrom('permanent' as const, 'temporary' as const),
    userCallGrantsPermission: fc.boolean(),
    connectedCallsPerWindow: fc.integer({ min: 1, max: 6 }),
    callWindowMs: windowMs(DAY, 2 * DAY),
    unansweredBeforePrompt: fc.integer({ min: 1, max: 4 }),
    extraBeforeRevoke: fc.integer({ min: 1, max: 4 }),
    sessionWindowMs: windowMs(DAY, 2 * DAY),
    lateEventToleranceMs: windowMs(7 * DAY, 8 * DAY).map((ms) => Math.max(2, ms)),
    /** The clock bound: the presets' 5 minutes, or anything up to half the tolerance (definePolicy's limit). */
    skewShare: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
  })
  .map(({ extraLongRequests, extraLongWindowMs, extraBeforeRevoke, skewShare, ...rest }) =>
    definePolicy({
      ...rest,
      maxClockSkewMs:
        skewShare === undefined && rest.lateEventToleranceMs >= 10 * MINUTE
          ? 5 * MINUTE
          : Math.max(1, Math.floor((skewShare ?? 1) * Math.min(5 * MINUTE, rest.lateEventToleranceMs / 2))),
      requestsPerLongWindow: rest.requestsPerShortWindow + extraLongRequests,
      requestLongWindowMs: rest.requestShortWindowMs + extraLongWindowMs,
      unansweredBeforeRevoke: rest.unansweredBeforePrompt + extraBeforeRevoke,
    }),
  );

export const presetPolicy: fc.Arbitrary<Policy> = fc.constantFrom(...PRESET_NAMES).map((name) => definePolicy(name));

/** Either a preset (infobip, meta, meta-sandbox) or a random valid policy. */
export const anyPolicy: fc.Arbitrary<Policy> = fc.oneof(presetPolicy, customPolicy);
