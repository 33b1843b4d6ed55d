/**
 * The rule ids of [docs/rules.md](../docs/rules.md), one list for the whole package: the
 * statechart's transitions cite them (`meta.rules`), refusals and platform codes name them, the
 * diagram's legend and the inspector print them.
 */
export const RULE_IDS = [
  'R1', 'R2', 'R3', 'R4', 'R5',
  'G1', 'G2', 'G3', 'G4', 'G5', 'G6',
  'M1', 'M2', 'M3', 'M4',
  'U1', 'U2',
  'W1',
  'S1', 'S2', 'S3', 'S4',
] as const;

/** A rule id of [docs/rules.md](../docs/rules.md). */
export type RuleId = (typeof RULE_IDS)[number];

const RANK = new Map<string, number>(RULE_IDS.map((id, i) => [id, i]));

export function isRuleId(value: unknown): value is RuleId {
  return typeof value === 'string' && RANK.has(value);
}

/** Rule ids once each, in the order [docs/rules.md](../docs/rules.md) lists them (R, G, M, U, W, S). */
export function sortRuleIds<T extends string>(ids: Iterable<T>): T[] {
  const rank = (id: string) => RANK.get(id) ?? Number.MAX_SAFE_INTEGER;
  return [...new Set(ids)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
