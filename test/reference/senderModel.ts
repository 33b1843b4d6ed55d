/**
 * An independent reference model of the sender-wide rules (S1, S2, S4, and G6), written from the
 * rulebook and docs/semantics.md without XState and without the engine's code: plain lists of
 * attempts and calls, recomputed from scratch on every question. Property tests hold the engine to it.
 *
 * Semantics it encodes:
 * - S1: an attempt made at `t` counts until the end of its minute plus 24 h (`floor(t / 1 min) · 1 min + 1 min + 24 h`).
 * - S2/G6: a placed call holds its slot until its end is recorded, or `ongoingCallMaxMs` after it was placed.
 * - S4: a restriction with an expiry after its report stops calls until the expiry or its lifting;
 *   a later report replaces the expiry; a report whose expiry has passed changes nothing.
 * - Shards: each user belongs to shard `fnv1a(user) mod shards`; shard `i` holds
 *   `floor(limit / shards) + (i < limit mod shards ? 1 : 0)` of S1 and of S2, and counts only its users.
 */

const MINUTE = 60_000;
const DAY = 86_400_000;

export interface SenderModelLimits {
  readonly attemptsPerDay: number;
  readonly concurrentCalls: number;
  readonly ongoingCallMaxMs: number;
  readonly shards: number;
}

interface Call {
  readonly ids: string[];
  readonly user: string;
  readonly at: number;
  endedAt: number | undefined;
}

export type SenderModelAnswer = { allowed: true } | { allowed: false; rule: 'S1' | 'S2' | 'S4' | 'G6'; retryAt?: number };

export class SenderModel {
  readonly #limits: SenderModelLimits;
  readonly #calls: Call[] = [];
  #restriction: { until: number; liftedAt: number | undefined } | undefined;

  constructor(limits: SenderModelLimits) {
    this.#limits = limits;
  }

  shardOf(user: string): number {
    let h = 2166136261;
    for (const ch of user) {
      h = (h ^ ch.charCodeAt(0)) >>> 0;
      h = Number((BigInt(h) * 16777619n) % 4294967296n);
    }
    return h % this.#limits.shards;
  }

  #share(total: number, shard: number): number {
    const { shards } = this.#limits;
    return Math.floor(total / shards) + (shard < total % shards ? 1 : 0);
  }

  #holding(call: Call, at: number): boolean {
    return (call.endedAt === undefined || call.endedAt > at) && at < call.at + this.#limits.ongoingCallMaxMs;
  }

  restrictedAt(at: number): boolean {
    const r = this.#restriction;
    return r !== undefined && at < r.until && (r.liftedAt === undefined || at < r.liftedAt);
  }

  /** What a call to `user` at `at` meets, in the engine's order: S4, G6, S1, S2. */
  decide(user: string, at: number): SenderModelAnswer {
    if (this.restrictedAt(at)) return { allowed: false, rule: 'S4', retryAt: this.#restriction!.until };
    if (this.#calls.some((c) => c.user === user && this.#holding(c, at))) return { allowed: false, rule: 'G6' };
    const shard = this.shardOf(user);
    const mine = this.#calls.filter((c) => this.shardOf(c.user) === shard);
    const releases = mine.map((c) => Math.floor(c.at / MINUTE) * MINUTE + MINUTE + DAY).filter((r) => at < r).sort((a, b) => a - b);
    const s1 = this.#share(this.#limits.attemptsPerDay, shard);
    if (releases.length >= s1) return { allowed: false, rule: 'S1', retryAt: releases[releases.length - s1]! };
    if (mine.filter((c) => this.#holding(c, at)).length >= this.#share(this.#limits.concurrentCalls, shard)) return { allowed: false, rule: 'S2' };
    return { allowed: true };
  }

  placed(user: string, callId: string, at: number): void {
    this.#calls.push({ ids: [callId], user, at, endedAt: undefined });
  }

  renamed(callId: string, platformCallId: string): void {
    this.#calls.find((c) => c.ids.includes(callId) && c.endedAt === undefined)?.ids.push(platformCallId);
  }

  ended(callId: string, at: number): void {
    for (const call of this.#calls) if (call.ids.includes(callId) && call.endedAt === undefined) call.endedAt = at;
  }

  restricted(at: number, until: number): void {
    if (until > at) this.#restriction = { until, liftedAt: undefined };
  }

  lifted(at: number): void {
    if (this.#restriction && this.restrictedAt(at)) this.#restriction.liftedAt = at;
  }

  /** Every call ever placed, with the time its slot was given back (for invariants). */
  calls(): readonly { user: string; at: number; releasedAt: number }[] {
    return this.#calls.map((c) => ({ user: c.user, at: c.at, releasedAt: Math.min(c.endedAt ?? Infinity, c.at + this.#limits.ongoingCallMaxMs) }));
  }
}
