import { CallPermissionError } from '../errors.js';
import { isoDuration, isoTime } from '../time.js';
import type { Policy } from './policy.js';

/** The actions whose limits the platform states (Infobip's permissions view names them so). */
export type LimitedAction = LearnedLimit['action'];

/**
 * A number the platform stated for one of a sender's limits: in its permissions view
 * (`maxAllowed` for a `timePeriod`), or in a refusal's data (138012: "Currently 100").
 */
export interface LearnedLimit {
  /** The action whose limit it is, as Infobip's permissions view names it. */
  readonly action: 'SEND_CALL_PERMISSION_REQUEST' | 'START_CALL';
  /** ISO 8601 duration as the platform wrote it: `PT24H`, `P7D`. */
  readonly timePeriod: string;
  readonly maxAllowed: number;
  /** When it was learned (epoch ms). */
  readonly learnedAt: number;
  /** Where from: `reconciliation`, `refusal 138012`… */
  readonly source: string;
}

/**
 * Where a sender's learned limits live: one small record per sender number, kept apart from the
 * relationships (they bind every relationship of the sender). `get` may answer synchronously (the
 * memory default) or with a promise (a database).
 */
export interface LearnedLimitsStore {
  get(sender: string): readonly LearnedLimit[] | undefined | Promise<readonly LearnedLimit[] | undefined>;
  put(sender: string, limits: readonly LearnedLimit[]): void | Promise<void>;
}

/** Learned limits in this process's memory: lost on restart, then the preset applies until the next reconciliation. */
export class MemoryLearnedLimits implements LearnedLimitsStore {
  readonly #bySender = new Map<string, readonly LearnedLimit[]>();
  get(sender: string): readonly LearnedLimit[] | undefined {
    return this.#bySender.get(sender);
  }
  put(sender: string, limits: readonly LearnedLimit[]): void {
    this.#bySender.set(sender, Object.freeze(limits.map((l) => Object.freeze({ ...l }))));
  }
}

/**
 * How learned numbers combine with the policy's: `adopt` (default) uses the platform's number, up
 * or down — the platform enforces it; `tighten-only` uses it only where it is lower than the
 * policy's (for a host whose own numbers are deliberately stricter). Neither is ever looser than
 * what the platform said.
 */
export type LimitLearning = 'adopt' | 'tighten-only';

const DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** `PT24H` / `P1D` / `P7D` / `PT30M` → milliseconds; `undefined` for anything else (years and months have no fixed length). */
export function durationMs(period: string): number | undefined {
  const m = DURATION.exec(period);
  if (!m || period === 'P' || period.endsWith('T')) return undefined;
  const [d, h, min, s] = [m[1], m[2], m[3], m[4]].map((x) => (x === undefined ? 0 : Number(x)));
  const ms = ((d! * 24 + h!) * 60 + min!) * 60_000 + s! * 1000;
  return ms > 0 ? ms : undefined;
}

/** Which setting of the policy a stated limit is, matched by its window; `undefined` when no window of the policy has that length. */
export function settingOf(policy: Policy, limit: Pick<LearnedLimit, 'action' | 'timePeriod'>): 'connectedCallsPerWindow' | 'requestsPerShortWindow' | 'requestsPerLongWindow' | undefined {
  const ms = durationMs(limit.timePeriod);
  if (ms === undefined) return undefined;
  if (limit.action === 'START_CALL') return ms === policy.callWindowMs ? 'connectedCallsPerWindow' : undefined;
  if (ms === policy.requestShortWindowMs) return 'requestsPerShortWindow';
  if (ms === policy.requestLongWindowMs) return 'requestsPerLongWindow';
  return undefined;
}

/**
 * The policy a sender's relationships live under: the base policy with the numbers the platform
 * stated put in (see {@link LimitLearning}). A stated window the policy does not have is not applied
 * (it is shown as unmatched by {@link describeLimits}). The result keeps R1 ≤ R2 by lowering R1.
 */
export function applyLearnedLimits(policy: Policy, limits: readonly LearnedLimit[] | undefined, learning: LimitLearning = 'adopt'): Policy {
  if (!limits?.length) return policy;
  const next: { -readonly [K in keyof Policy]: Policy[K] } = { ...policy };
  let changed = false;
  for (const limit of limits) {
    const setting = settingOf(policy, limit);
    if (!setting) continue;
    const value = learning === 'adopt' ? limit.maxAllowed : Math.min(policy[setting], limit.maxAllowed);
    if (next[setting] !== value) {
      next[setting] = value;
      changed = true;
    }
  }
  if (!changed) return policy;
  if (next.requestsPerShortWindow > next.requestsPerLongWindow) next.requestsPerShortWindow = next.requestsPerLongWindow;
  next.name = `${policy.name}+platform`;
  return Object.freeze(next);
}

/** The stored limits with `stated` put in: the platform's latest statement for an action and window replaces the earlier one. */
export function mergeLearnedLimits(current: readonly LearnedLimit[] | undefined, stated: readonly LearnedLimit[]): { readonly limits: readonly LearnedLimit[]; readonly changed: boolean } {
  const limits = [...(current ?? [])];
  let changed = false;
  for (const limit of stated) {
    checkLearnedLimit(limit);
    const i = limits.findIndex((l) => l.action === limit.action && durationMs(l.timePeriod) === durationMs(limit.timePeriod));
    if (i < 0) {
      limits.push(limit);
      changed = true;
    } else if (limits[i]!.maxAllowed !== limit.maxAllowed) {
      limits[i] = limit;
      changed = true;
    }
  }
  return { limits, changed };
}

function checkLearnedLimit(limit: LearnedLimit): void {
  if (limit.action !== 'START_CALL' && limit.action !== 'SEND_CALL_PERMISSION_REQUEST')
    throw new CallPermissionError('INVALID_LEARNED_LIMIT', 'must be START_CALL or SEND_CALL_PERMISSION_REQUEST', 'limit.action');
  if (durationMs(limit.timePeriod) === undefined) throw new CallPermissionError('INVALID_LEARNED_LIMIT', `must be an ISO 8601 duration in days, hours, minutes or seconds, got ${JSON.stringify(limit.timePeriod)}`, 'limit.timePeriod');
  if (!Number.isSafeInteger(limit.maxAllowed) || limit.maxAllowed < 1) throw new CallPermissionError('INVALID_LEARNED_LIMIT', `must be a whole number ≥ 1, got ${String(limit.maxAllowed)}`, 'limit.maxAllowed');
  if (!Number.isSafeInteger(limit.learnedAt)) throw new CallPermissionError('INVALID_LEARNED_LIMIT', 'must be epoch milliseconds', 'limit.learnedAt');
}

/** One limit as a person reads it: the number in force and where it comes from. */
export interface LimitDescription {
  readonly rule: 'G2' | 'R1' | 'R2';
  readonly action: LearnedLimit['action'];
  readonly timePeriod: string;
  /** The number the engine enforces for this sender. */
  readonly inForce: number;
  readonly preset: { readonly name: string; readonly maxAllowed: number };
  /** What the platform stated, when it did. */
  readonly platform?: LearnedLimit;
  /** `platform: 100 / 24 h (learned 2026-04-01T10:00:00.000Z from reconciliation) vs preset infobip: 5 / 24 h`. */
  readonly text: string;
}

const RULE_OF = { connectedCallsPerWindow: 'G2', requestsPerShortWindow: 'R1', requestsPerLongWindow: 'R2' } as const;
const WINDOW_OF = { connectedCallsPerWindow: 'callWindowMs', requestsPerShortWindow: 'requestShortWindowMs', requestsPerLongWindow: 'requestLongWindowMs' } as const;

function window(ms: number): string {
  return ms % 86_400_000 === 0 && ms > 86_400_000 ? `${ms / 86_400_000} days` : `${ms / 3_600_000} h`;
}

/** G2, R1 and R2 for a sender: the number in force, the preset's, and the platform's when learned. */
export function describeLimits(base: Policy, limits: readonly LearnedLimit[] | undefined, learning: LimitLearning = 'adopt'): LimitDescription[] {
  const effective = applyLearnedLimits(base, limits, learning);
  return (['connectedCallsPerWindow', 'requestsPerShortWindow', 'requestsPerLongWindow'] as const).map((setting) => {
    const action: LimitedAction = setting === 'connectedCallsPerWindow' ? 'START_CALL' : 'SEND_CALL_PERMISSION_REQUEST';
    const windowMs = base[WINDOW_OF[setting]];
    const platform = limits?.find((l) => settingOf(base, l) === setting);
    const presetText = `preset ${base.name}: ${base[setting]} / ${window(windowMs)}`;
    const text = platform
      ? `platform: ${platform.maxAllowed} / ${window(windowMs)} (learned ${isoTime(platform.learnedAt)} from ${platform.source})${effective[setting] !== platform.maxAllowed ? `, in force ${effective[setting]}` : ''} vs ${presetText}`
      : presetText;
    return {
      rule: RULE_OF[setting],
      action,
      timePeriod: isoDuration(windowMs),
      inForce: effective[setting],
      preset: { name: base.name, maxAllowed: base[setting] },
      ...(platform ? { platform } : {}),
      text,
    };
  });
}
