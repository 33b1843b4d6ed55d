import type { Refusal } from '../decide.js';
import { isoTime } from '../../time.js';
import { countryOfNumber } from '../../policy/countries.js';
import { canSenderCall, senderCountryRefusal } from './decide.js';
import type { SenderSnapshot } from './snapshot.js';
import { countAttempts, countOngoing, nextAttemptFreeAt, restrictedAt } from '../../sender/windows.js';

/** One sender-wide limit, in the shape of the permissions view's limits. */
export interface SenderLimitView {
  readonly rule: 'S1' | 'S2';
  /** `PT24H` for S1; S2 is a count at one moment and has no period. */
  readonly timePeriod?: string;
  readonly maxAllowed: number;
  readonly currentUsage: number;
  /** S1 once its limit is reached: when the oldest counted attempt leaves the window. */
  readonly limitExpirationTime?: string;
}

/** What `engine.senderStatus(sender)` answers: the sender statechart's state and counters, summed over its shards. */
export interface SenderStatus {
  /** E.164 digits. */
  readonly sender: string;
  /** S3: the country the number is registered in, if its calling code is assigned. */
  readonly country: string | null;
  /** `unavailable` (S3) wins over `restricted` (S4), which wins over `active`. */
  readonly state: 'active' | 'restricted' | 'unavailable';
  /** S4: the restriction's end, while restricted. */
  readonly restrictedUntil?: string;
  /** S4: the last `LOW_BUSINESS_INITIATED_CALLING_QUALITY` warning: calls go on, but a restriction may follow. */
  readonly qualityWarningAt?: string;
  readonly limits: readonly [SenderLimitView, SenderLimitView];
  /** How many shards hold the counters (see `senderShards`); each holds its share of S1 and S2. */
  readonly shards: number;
  /** Why a new call (to a user with no call going on) would be refused now, or `undefined`. */
  readonly refusal?: Refusal;
}

/** Sums the shards of one sender at `at` (each already brought to `at` by the caller). */
export function senderStatusOf(sender: string, shardSnapshots: readonly SenderSnapshot[], at: number): SenderStatus {
  const first = shardSnapshots[0]!;
  const policy = first.limits.policy;
  const restricted = shardSnapshots.find((s) => restrictedAt(s.value, s.context, at));
  const warning = Math.max(...shardSnapshots.map((s) => s.context.qualityWarningAt ?? -1));
  const attempts = shardSnapshots.reduce((n, s) => n + countAttempts(s.context, at), 0);
  const ongoing = shardSnapshots.reduce((n, s) => n + countOngoing(s.context, s.limits, at), 0);
  const s1: SenderLimitView = { rule: 'S1', timePeriod: 'PT24H', maxAllowed: policy.senderCallAttemptsPerDay, currentUsage: attempts };
  if (attempts >= policy.senderCallAttemptsPerDay) {
    const frees = shardSnapshots.map((s) => nextAttemptFreeAt(s.context, s.limits, at)).filter((t): t is number => t !== undefined);
    if (frees.length) (s1 as { limitExpirationTime?: string }).limitExpirationTime = isoTime(Math.min(...frees));
  }
  const s2: SenderLimitView = { rule: 'S2', maxAllowed: policy.senderConcurrentCalls, currentUsage: ongoing };
  const country = senderCountryRefusal(sender, first);
  // A user no call is going on with: S3, S4, then the shard whose share binds (all of them full means the sender is).
  const refusals = shardSnapshots.map((s) => canSenderCall(s, sender, '\u0000', at));
  const refusal = country ?? (refusals.every((r) => !r.allowed) ? (refusals[0] as Refusal) : undefined);
  return {
    sender,
    country: countryOfNumber(sender) ?? null,
    state: country ? 'unavailable' : restricted ? 'restricted' : 'active',
    ...(restricted ? { restrictedUntil: isoTime(restricted.context.restrictedUntil!) } : {}),
    ...(warning >= 0 ? { qualityWarningAt: isoTime(warning) } : {}),
    limits: [s1, s2],
    shards: shardSnapshots.length,
    ...(refusal ? { refusal } : {}),
  };
}
