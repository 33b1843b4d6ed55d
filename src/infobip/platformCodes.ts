import type { RuleId } from '../rules.js';

/**
 * How the engine corrects itself when the platform refuses with a code (see {@link PLATFORM_CODE_TABLE}):
 * - `no-permission`: the relationship has no permission (`PERMISSION_SYNCED` NO_PERMISSION);
 * - `request-slots`: the request slots are full as the platform counts them (`REQUEST_SENT` reservations);
 * - `call-slots`: the call slots are full until the platform's `retryAt` (`CALL_STARTED` reservations), its number learned;
 * - `permanent`: a permanent permission exists (`PERMISSION_ACCEPTED` permanent);
 * - `restriction`: the sender is restricted (S4): `RESTRICTED` on the sender statechart until the refusal's time, else `policy.qualityPauseMs`;
 * - `unavailable`: calling is unavailable for the sender (S3) though the policy's country list let it through: the same pause, and the host is told to add the country;
 * - `sender-attempts`: the sender's S1 attempts of the day are used up as the platform counts them: `ATTEMPTS_EXHAUSTED` raises the count to the limit;
 * - `call-going-on`: a call with the user is going on that the engine did not know of (G6): the sender holds the pair's turn until that call's end, or `policy.ongoingCallMaxMs`;
 * - `report`: nothing local can be corrected (S2: calls the engine never saw, without ids to end them by); the refusal is reported.
 */
export type CorrectionKind = 'no-permission' | 'request-slots' | 'call-slots' | 'permanent' | 'restriction' | 'unavailable' | 'sender-attempts' | 'call-going-on' | 'report';

/** One row of the one table: platform code → rule → what the engine changes → what the host is told. */
export interface PlatformCodeRow {
  readonly code: number;
  /** Meta's meaning of the code. */
  readonly meaning: string;
  /** The rules the local state should already have enforced. */
  readonly rules: readonly RuleId[];
  readonly correction: CorrectionKind;
  /** What the engine records (each fact under its own idempotency key `infobip:correction:<code>:<ref>…`). */
  readonly engineChange: string;
  /** What the host is told (`PlatformRefusedResult.correction`, the webhook's disagreement). */
  readonly hostTold: string;
}

const row = (r: PlatformCodeRow): PlatformCodeRow => Object.freeze({ ...r, rules: Object.freeze([...r.rules]) });

/**
 * THE table of platform codes ([docs/rules.md, "Platform error codes"](../../docs/rules.md#platform-error-codes); Meta's codes passed through by
 * Infobip). docs/platform.md renders it (a test keeps them equal). A refusal with one of these means
 * the local state was wrong: the engine corrects it as the row says, then reconciles with Infobip's
 * view when it can. Sender-wide codes correct the sender's statechart (S1, S3, S4, G6) or are reported (S2).
 */
export const PLATFORM_CODE_TABLE: readonly PlatformCodeRow[] = Object.freeze([
  row({
    code: 138006,
    meaning: 'no approved call permission (also for numbers not on WhatsApp)',
    rules: ['G4'],
    correction: 'no-permission',
    engineChange: '`PERMISSION_SYNCED` NO_PERMISSION: a grant ends (→ `noPermission`, not `revoked`: nobody revoked)',
    hostTold: 'G4: no permission; ask again (R1–R5 apply)',
  }),
  row({
    code: 138009,
    meaning: 'permission request limit reached',
    rules: ['R1', 'R2'],
    correction: 'request-slots',
    engineChange: '`REQUEST_SENT` reservations until R1 refuses (the view’s counts, or one slot when it cannot be read)',
    hostTold: 'R1/R2 with `retryAt`: when the engine allows again',
  }),
  row({
    code: 138012,
    meaning: 'connected-call limit reached (its data says when the next is allowed)',
    rules: ['G2'],
    correction: 'call-slots',
    engineChange:
      'learns the number it states for the sender; `CALL_STARTED` reservations until G2 refuses, the first counted from its "next allowed at" minus the window (so it frees then), the others held for the call window from the refusal',
    hostTold: 'G2 with `retryAt`: when the engine allows again, never before the time the refusal’s data gives (`platformRetryAt`)',
  }),
  row({
    code: 138017,
    meaning: 'a permanent permission already exists',
    rules: ['R5'],
    correction: 'permanent',
    engineChange: '`PERMISSION_ACCEPTED` permanent (source `automatic`): the platform confirmed PERMANENT',
    hostTold: 'R5: no request needed; calls may be placed',
  }),
  row({
    code: 138002,
    meaning: 'concurrent-call limit of the number',
    rules: ['S2'],
    correction: 'report',
    engineChange: 'nothing: the platform counts calls the engine never placed (no ids to hold or end); its own calls free S2 as they end',
    hostTold: 'S2: sender-wide; retry once a call ends',
  }),
  row({
    code: 138005,
    meaning: 'call-rate limit of the number',
    rules: ['S1'],
    correction: 'sender-attempts',
    engineChange: 'sender `ATTEMPTS_EXHAUSTED`: S1’s count raised to the limit in the current minute (held 24 h from now: the platform’s own times are unknown)',
    hostTold: 'S1 with `retryAt`: no call from this sender until the counted attempts leave the 24 h window',
  }),
  row({
    code: 138013,
    meaning: 'business-initiated calling unavailable in this country',
    rules: ['S3'],
    correction: 'unavailable',
    engineChange: 'sender `RESTRICTED` until the refusal’s time, else `policy.qualityPauseMs` (the country list let the number through)',
    hostTold: 'S3: calls and requests from this sender are refused; add its country to `policy.unavailableSenderCountries`',
  }),
  row({
    code: 138014,
    meaning: 'the sender is restricted from business-initiated calling',
    rules: ['S4'],
    correction: 'restriction',
    engineChange: 'sender `RESTRICTED` until the refusal’s time, else `policy.qualityPauseMs` (a later `account_update` replaces it)',
    hostTold: 'S4 with `retryAt` the restriction’s end: calls and requests from this sender are refused until then',
  }),
  row({
    code: 138003,
    meaning: 'a call is already ongoing with this user (one call at a time per pair)',
    rules: ['G6'],
    correction: 'call-going-on',
    engineChange: 'sender `CALL_GOING_ON` for the pair (id `138003-<ref>`): its turn is held until that call’s end, or `policy.ongoingCallMaxMs`',
    hostTold: 'G6: retry once the call with the user ends (`recordSender` `CALL_ENDED` with the id, when the host learns of it)',
  }),
]);

/** The row of a code, or `undefined` for a code outside the table. */
export function platformCodeRow(code: number | undefined): PlatformCodeRow | undefined {
  return code === undefined ? undefined : PLATFORM_CODE_TABLE.find((r) => r.code === code);
}

/** Code → rules, derived from {@link PLATFORM_CODE_TABLE}. */
export const PLATFORM_ERROR_RULES: Readonly<Record<number, readonly RuleId[]>> = Object.freeze(
  Object.fromEntries(PLATFORM_CODE_TABLE.map((r) => [r.code, r.rules])),
);

/** The table as Markdown (what docs/platform.md shows between its markers). */
export function renderPlatformCodeTable(): string {
  const lines = ['| code | meaning | rules | what the engine changes | what the host is told |', '| --- | --- | --- | --- | --- |'];
  for (const r of PLATFORM_CODE_TABLE) lines.push(`| ${r.code} | ${r.meaning} | ${r.rules.join('/')} | ${r.engineChange} | ${r.hostTold} |`);
  return lines.join('\n');
}

/** Where a platform code may hide in an Infobip error or report: any string or number of these fields. */
export interface PlatformCodeCarrier {
  readonly errorCode?: string | undefined;
  readonly text?: string | undefined;
  readonly violations?: readonly { readonly property: string; readonly violation: string }[] | undefined;
  readonly extra?: readonly unknown[] | undefined;
}

/**
 * Finds a platform code of the rulebook's table ([docs/rules.md, "Platform error codes"](../../docs/rules.md#platform-error-codes)). Infobip's public schema does not say where
 * it puts Meta's code in an error ([docs/rules.md, "Infobip's API"](../../docs/rules.md#infobips-api)), so the default looks for the six digits in
 * every field; a host that learns the exact field passes `platformCodeOf` instead.
 */
export function findPlatformCode(carrier: PlatformCodeCarrier): number | undefined {
  const texts: string[] = [];
  const add = (value: unknown) => {
    if (typeof value === 'string') texts.push(value);
    else if (typeof value === 'number' && Number.isSafeInteger(value)) texts.push(String(value));
  };
  add(carrier.errorCode);
  add(carrier.text);
  for (const v of carrier.violations ?? []) {
    add(v.property);
    add(v.violation);
  }
  for (const value of carrier.extra ?? []) add(value);
  for (const text of texts) {
    for (const match of text.matchAll(/(?<!\d)(1380\d\d)(?!\d)/g)) {
      const code = Number(match[1]);
      if (PLATFORM_ERROR_RULES[code]) return code;
    }
  }
  return undefined;
}

/** The rules a platform code maps to, or `undefined` for a code outside the table. */
export function rulesForPlatformCode(code: number | undefined): readonly RuleId[] | undefined {
  return code === undefined ? undefined : PLATFORM_ERROR_RULES[code];
}
