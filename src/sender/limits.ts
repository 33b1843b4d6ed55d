import { CallPermissionError } from '../errors.js';
import type { Policy } from '../policy/policy.js';
import { DAY_MS } from '../time.js';

/** S1's window: call attempts are counted per rolling 24 h. */
export const ATTEMPT_WINDOW_MS = DAY_MS;
/** S1's counting unit: attempts are kept per whole minute (see `AttemptBucket`). */
export const ATTEMPT_BUCKET_MS = 60_000;

/**
 * The numbers one sender statechart enforces: the policy's, or a shard's share of them. The shares
 * of all shards add up to exactly the policy's S1 and S2, so the sender as a whole never exceeds them.
 */
export interface SenderLimits {
  readonly policy: Policy;
  /** S1: attempts allowed in any rolling 24 h (this shard's share). */
  readonly attemptsPerDay: number;
  /** S2: calls allowed at once (this shard's share). */
  readonly concurrentCalls: number;
  /** S2/G6: how long a call whose end is never reported keeps its slot. */
  readonly ongoingCallMaxMs: number;
  /** S4: a restriction reported without an expiry lasts this long. */
  readonly defaultRestrictionMs: number;
}

const cache = new WeakMap<Policy, Map<string, SenderLimits>>();

/** The share of `total` that shard `index` of `shards` holds: the shares differ by at most one and sum to `total`. */
export function shareOf(total: number, index: number, shards: number): number {
  return Math.floor(total / shards) + (index < total % shards ? 1 : 0);
}

/** The limits of shard `index` of `shards` (one shard: the policy's numbers). Cached per policy. */
export function senderLimits(policy: Policy, index = 0, shards = 1): SenderLimits {
  let byShard = cache.get(policy);
  if (!byShard) cache.set(policy, (byShard = new Map()));
  const id = `${index}/${shards}`;
  let limits = byShard.get(id);
  if (!limits) {
    limits = Object.freeze({
      policy,
      attemptsPerDay: shareOf(policy.senderCallAttemptsPerDay, index, shards),
      concurrentCalls: shareOf(policy.senderConcurrentCalls, index, shards),
      ongoingCallMaxMs: policy.ongoingCallMaxMs,
      defaultRestrictionMs: policy.qualityPauseMs,
    });
    byShard.set(id, limits);
  }
  return limits;
}

/**
 * Checks a shard count against the policy: every shard must hold at least one attempt and one
 * concurrent call, or a user hashed to it could never be called.
 */
export function validateShards(shards: unknown, policy: Policy, path = 'options.senderShards'): number {
  if (!Number.isSafeInteger(shards) || (shards as number) < 1)
    throw new CallPermissionError('INVALID_SENDER_SHARDS', `must be a whole number ≥ 1, got ${String(shards)}`, path);
  const n = shards as number;
  if (n > Math.min(policy.senderCallAttemptsPerDay, policy.senderConcurrentCalls))
    throw new CallPermissionError(
      'INVALID_SENDER_SHARDS',
      `must not exceed the policy's S1 (${policy.senderCallAttemptsPerDay}) or S2 (${policy.senderConcurrentCalls}): every shard holds at least one of each`,
      path,
    );
  return n;
}

/** The shard that holds a user's calls: FNV-1a of the number, so every process agrees. */
export function shardOfUser(user: string, shards: number): number {
  if (shards === 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < user.length; i++) h = Math.imul(h ^ user.charCodeAt(i), 0x01000193);
  return (h >>> 0) % shards;
}
