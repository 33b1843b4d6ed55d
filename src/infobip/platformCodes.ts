/** A rule id of RULES.md that a platform refusal can cite. */
export type RuleId = 'G2' | 'G4' | 'R1' | 'R2' | 'R5' | 'S1' | 'S2' | 'S3';

/**
 * Meta's error codes that Infobip passes through (RULES.md "Platform error codes"), each mapped to
 * the rule the local state should already have enforced. A refusal with one of them means the local
 * state was wrong: the integration reconciles and reports it.
 */
export const PLATFORM_ERROR_RULES: Readonly<Record<number, readonly RuleId[]>> = Object.freeze({
  138006: Object.freeze(['G4'] as const), // no approved call permission
  138009: Object.freeze(['R1', 'R2'] as const), // permission request limit reached
  138012: Object.freeze(['G2'] as const), // connected-call limit reached
  138017: Object.freeze(['R5'] as const), // a permanent permission already exists
  138002: Object.freeze(['S2'] as const), // concurrent-call limit of the number
  138005: Object.freeze(['S1'] as const), // call-rate limit of the number
  138013: Object.freeze(['S3'] as const), // business-initiated calling unavailable in this country
});

/** Where a platform code may hide in an Infobip error or report: any string or number of these fields. */
export interface PlatformCodeCarrier {
  readonly errorCode?: string | undefined;
  readonly text?: string | undefined;
  readonly violations?: readonly { readonly property: string; readonly violation: string }[] | undefined;
  readonly extra?: readonly unknown[] | undefined;
}

/**
 * Finds a platform code of {@link PLATFORM_ERROR_RULES}. Infobip's public schema does not say where
 * it puts Meta's code in an error (RULES.md, last bullet), so the default looks for the six digits in
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
