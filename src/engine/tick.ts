import { CallPermissionError } from '../errors.js';
import type { RelationshipEvent, RelationshipEventInput } from '../events/types.js';
import type { DueRelationship, RelationshipKey } from '../stores/store.js';
import type { RecordOptions, RecordResult } from './record.js';

export interface TickOptions {
  /** Move on to this time. Default: the engine's clock. */
  readonly now?: number;
  /** Relationships read per batch from the store's due index. Default 100. */
  readonly batchSize?: number;
  /** At most this many batches in one tick (a bound on its work). Default 50. */
  readonly maxBatches?: number;
}

export interface TickResult {
  /** The time moved on to. */
  readonly now: number;
  /** Relationships whose state or counters the clock changed. */
  readonly moved: number;
  /** Relationships looked at (each once). */
  readonly looked: number;
  /** A relationship whose `CLOCK` failed (a conflict that did not settle, a bad stored snapshot): the others went on. */
  readonly failed: readonly { readonly key: RelationshipKey; readonly error: CallPermissionError }[];
  /** The tick stopped at `maxBatches` with relationships still due: call it again. */
  readonly more: boolean;
}

/** What a tick needs of an engine. */
export interface TickTarget {
  due(before: number, limit?: number): Promise<DueRelationship[]>;
  record(sender: string, user: string, event: RelationshipEventInput | RelationshipEvent, options?: RecordOptions): Promise<RecordResult>;
}

const STORE_DOWN = new Set(['STORE_UNAVAILABLE', 'STORE_FAILED']);

/**
 * Moves on every relationship due to change by the clock alone (a temporary grant expiring — no
 * webhook announces it (G1) — a request lapsing (R4), a window freeing up), in bounded batches from
 * the store's due index. Each relationship is looked at once per tick, so one the clock cannot move
 * on (it stays due) never spins the loop. A store that is down stops the tick (thrown); a failure on
 * one relationship is reported and the rest go on.
 */
export async function tickEngine(target: TickTarget, clock: () => number, options: TickOptions = {}): Promise<TickResult> {
  const now = options.now ?? clock();
  const failed: { key: RelationshipKey; error: CallPermissionError }[] = [];
  let moved = 0;
  const { looked, more } = await forEachDue(target, now, options, async ({ sender, user }) => {
    try {
      if ((await target.record(sender, user, { type: 'CLOCK', at: now }, { source: 'clock' })).changed) moved++;
    } catch (error) {
      if (!(error instanceof CallPermissionError) || STORE_DOWN.has(error.code)) throw error;
      failed.push({ key: { sender, user }, error });
    }
  });
  return { now, moved, looked, failed, more };
}

/**
 * The walk over the store's due index that a tick makes: batches
 * of `batchSize`, at most `maxBatches`, each relationship handed to `visit` once, stopping at a
 * short batch or one with nothing new (a relationship the clock cannot move on stays due and must
 * not spin the loop). `more`: it stopped at `maxBatches` on a full batch.
 */
export async function forEachDue(
  target: Pick<TickTarget, 'due'>,
  now: number,
  options: Pick<TickOptions, 'batchSize' | 'maxBatches'>,
  visit: (key: RelationshipKey) => Promise<void>,
): Promise<{ looked: number; more: boolean }> {
  const batchSize = options.batchSize ?? 100;
  const maxBatches = options.maxBatches ?? 50;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new CallPermissionError('INVALID_LIMIT', 'must be a whole number ≥ 1', 'options.batchSize');
  if (!Number.isSafeInteger(maxBatches) || maxBatches < 1) throw new CallPermissionError('INVALID_LIMIT', 'must be a whole number ≥ 1', 'options.maxBatches');
  const seen = new Set<string>();
  let more = false;
  for (let batch = 0; batch < maxBatches; batch++) {
    const due = await target.due(now, batchSize);
    const fresh = due.filter(({ sender, user }) => !seen.has(`${sender}:${user}`));
    for (const { sender, user } of fresh) {
      seen.add(`${sender}:${user}`);
      await visit({ sender, user });
    }
    if (due.length < batchSize || fresh.length === 0) break;
    more = batch === maxBatches - 1;
  }
  return { looked: seen.size, more };
}
