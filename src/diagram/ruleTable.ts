import type { RelationshipEventType } from '../events/types.js';
import type { GuardName } from '../relationship/guards.js';
import type { UpdateName } from '../relationship/updates.js';

/** A rule id of [docs/rules.md](../../docs/rules.md): R1–R5, G1–G5, M1–M4, U1–U2, W1. */
export type RuleId = `${'R' | 'G' | 'M' | 'U' | 'W'}${number}`;

/**
 * The rules each named guard of the statechart decides. Written down once here, from the `// R1`
 * comments beside the machine's transitions, so a diagram can print rule ids on every edge.
 * `test/diagram/ruleTable.test.ts` fails when a guard is missing, left over, or when a machine
 * comment cites a rule that the names on its line do not carry.
 */
export const GUARD_RULES: Readonly<Record<GuardName, readonly RuleId[]>> = Object.freeze({
  requestAllowed: ['R1', 'R2', 'U2'],
  requestAllowedWhileGranted: ['R1', 'R2', 'R5'],
  callAllowed: ['G1', 'G2', 'G4'],
  grantExpired: ['G1'],
  requestLapsedAfterRevoke: ['R4'],
  requestLapsed: ['R4'],
  onlyOpenRequestFailedAfterRevoke: ['R4'],
  onlyOpenRequestFailed: ['R4'],
  missReachesRevoke: ['M2'],
  missReachesPrompt: ['M1'],
  userCallGrantsPermission: ['G5'],
  syncedGrant: ['G1'],
  acceptSuperseded: ['G1', 'U1'],
  noSuperseded: ['U1'],
  factInOrder: ['M3'],
  missBeforeCountRestart: ['M1', 'M2', 'M3'],
  syncSuperseded: ['G1', 'U1'],
  syncSupersededInGrant: ['G1', 'U1'],
});

/** The rules each named action of the statechart carries out (the same sources and checks as {@link GUARD_RULES}). */
export const ACTION_RULES: Readonly<Record<UpdateName, readonly RuleId[]>> = Object.freeze({
  // Time alone: the clock moves and old uses leave their windows; no rule is decided.
  advanceClock: [],
  openSessionWindow: ['W1'],
  recordRequest: ['R1', 'R2'],
  releaseRequest: ['R1', 'R2'],
  grantPermission: ['G1', 'G5', 'U1'],
  grantFromUserCall: ['G5'],
  declineRequest: ['R4'],
  recordAnswer: ['R4', 'M2'],
  revokePermission: ['U1'],
  expireGrant: ['G1'],
  adoptGrantExpiry: ['G1'],
  recordPlatformView: ['G1'],
  reserveCall: ['G2'],
  // Bookkeeping: the platform's call id replaces ours; no rule is decided.
  assignCallId: [],
  releaseCall: ['G2'],
  countMiss: ['M1', 'M2'],
  revokeAfterMisses: ['M2'],
  recordCallConnected: ['G2', 'G3', 'M3', 'W1'],
  recordUserCallConnected: ['G3', 'M3', 'W1'],
});

/**
 * Rules that belong to an event whatever handles it: a technical failure is M4's case in every
 * state, though the action (give the slot back) is the same as for a miss outside a grant.
 */
export const EVENT_RULES: Readonly<Partial<Record<RelationshipEventType, readonly RuleId[]>>> = Object.freeze({
  CALL_FAILED: ['M4'],
});

const ORDER = ['R', 'G', 'M', 'U', 'W'];

/** Sorts rule ids the way [docs/rules.md](../../docs/rules.md) lists them: R, G, M, U, W, then by number. */
export function sortRuleIds(ids: Iterable<string>): string[] {
  const rank = (id: string) => ORDER.indexOf(id[0]!) * 1000 + Number(id.slice(1));
  return [...new Set(ids)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/**
 * The rule ids of one transition: those of its event, its guard and its actions, in [docs/rules.md](../../docs/rules.md) order.
 * A guard or action the tables do not know throws: a diagram must never silently drop a rule.
 */
export function rulesOfTransition(event: string, guard: string | undefined, actions: readonly string[]): string[] {
  const ids: string[] = [...((EVENT_RULES as Record<string, readonly string[]>)[event] ?? [])];
  if (guard !== undefined) {
    const rules = (GUARD_RULES as Record<string, readonly string[]>)[guard];
    if (!rules) throw new Error(`guard "${guard}" has no entry in GUARD_RULES (src/diagram/ruleTable.ts)`);
    ids.push(...rules);
  }
  for (const action of actions) {
    const rules = (ACTION_RULES as Record<string, readonly string[]>)[action];
    if (!rules) throw new Error(`action "${action}" has no entry in ACTION_RULES (src/diagram/ruleTable.ts)`);
    ids.push(...rules);
  }
  return sortRuleIds(ids);
}
