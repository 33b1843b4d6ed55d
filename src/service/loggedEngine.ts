import type { CallPermissionEffects, PermissionRequestCommand, StartCallCommand } from '../engine/effects.js';
import {
  createCallPermissionEngine,
  type CallPermissionEngine,
  type CallPermissionEngineOptions,
  type RecordResult,
  type RequestPermissionResult,
  type StartCallResult,
} from '../engine/engine.js';
import { CallPermissionError, EffectFailedError } from '../errors.js';
import { bindToTrustedClock } from '../pure/trustedTime.js';
import { parseEvent } from '../events/parse.js';
import type { RelationshipEvent, RelationshipEventInput } from '../events/types.js';
import { normalisePhoneNumber } from '../phone.js';
import type { Refusal } from '../pure/decide.js';
import { nextDueAt } from '../pure/snapshot.js';
import type { RelationshipKey } from '../stores/store.js';
import { createSerialQueue } from '../engine/serialQueue.js';
import type { BatchOutcome } from '../engine/recordMany.js';
import type { EntrySource, EventLog, NewLogEntry } from './eventLog.js';
import { processLocks, type RelationshipLocks } from './relationshipLocks.js';
import { createRedactor, type Redact } from './redact.js';

export interface LoggedEngineOptions {
  /** Store, policy, clock: everything but the effects. */
  readonly engine: Omit<CallPermissionEngineOptions, 'effects'>;
  readonly effects: CallPermissionEffects;
  readonly log: EventLog;
  /** Told after every change to a relationship (the inspector page listens). */
  readonly onChange: (key: RelationshipKey) => void;
  /** Several services on one PostgreSQL database: one relationship at a time across all of them. Default: this process only. */
  readonly locks?: RelationshipLocks;
  /** Applied to an effect's error text before it is logged (it may quote an upstream's answer). */
  readonly redact?: Redact;
}

/**
 * The engine as the service runs it: every event it applies and every command it refuses goes into
 * the event log, in the order it happened, so the inspector can rebuild the relationship's timeline.
 *
 * Commands and records on one relationship run one at a time (across every instance, with
 * `locks`), so the log's order is the store's.
 * Before a command, a relationship whose state the clock alone has changed (an expiry, a lapse) is
 * first moved on with a logged `CLOCK`, so that the log explains every state the store holds.
 */
export interface LoggedEngine {
  /** An engine whose `record` logs as `webhook`: hand it to the webhook handler. */
  readonly engine: CallPermissionEngine;
  /** The same, logging its records as `source` (`reconcile` for a reconciliation with Infobip). */
  as(source: EntrySource): CallPermissionEngine;
  requestPermission(sender: string, user: string): Promise<RequestPermissionResult>;
  startCall(sender: string, user: string): Promise<StartCallResult>;
  record(sender: string, user: string, event: RelationshipEventInput | RelationshipEvent, source: EntrySource, factKey?: string): Promise<RecordResult>;
  /**
   * Moves on every relationship due to change by the clock alone at or before `now`; answers how
   * many it moved. Each is claimed first: one another instance is moving on right now is left to
   * it (then looked at again, once that instance is done), so each is moved once however many sweep.
   */
  sweep(now: number): Promise<number>;
  /** The normalised key (throws `INVALID_PHONE_NUMBER` naming `sender` or `user`). */
  keyOf(sender: string, user: string): RelationshipKey;
  /** Resolves once every command started so far has finished (for a clean shutdown). */
  idle(): Promise<void>;
}

const SWEEP_BATCH = 100;
const SWEEP_MAX_BATCHES = 50;

export function createLoggedEngine(options: LoggedEngineOptions): LoggedEngine {
  const { log, onChange } = options;
  const locks = options.locks ?? processLocks;
  const redact = options.redact ?? createRedactor();
  const clock = options.engine.clock ?? Date.now;
  /** The command each relationship's effect was last handed, so a failed effect can still be logged. */
  const handed = new Map<string, PermissionRequestCommand | StartCallCommand>();
  const idOf = (key: RelationshipKey) => `${key.sender}:${key.user}`;
  const effects: CallPermissionEffects = {
    sendPermissionRequest(command) {
      handed.set(idOf(command), command);
      return options.effects.sendPermissionRequest(command);
    },
    startCall(command) {
      handed.set(idOf(command), command);
      return options.effects.startCall(command);
    },
  };
  const inner = createCallPermissionEngine({ ...options.engine, effects });
  const policy = inner.policy;

  function keyOf(sender: string, user: string): RelationshipKey {
    return { sender: normalisePhoneNumber(sender, 'sender'), user: normalisePhoneNumber(user, 'user') };
  }

  const queue = createSerialQueue();
  /** Runs `work` after every earlier command on the same relationship, holding it (across instances). */
  const serially = <T>(key: RelationshipKey, work: () => Promise<T>): Promise<T> => queue(idOf(key), () => locks.hold(key, work));

  async function append(entry: NewLogEntry) {
    await log.append(entry);
  }

  async function recordNow(key: RelationshipKey, event: RelationshipEvent, source: EntrySource, factKey?: string): Promise<RecordResult> {
    const result = await inner.record(key.sender, key.user, event, factKey === undefined ? undefined : { factKey });
    // A fact that changed nothing (a call re-keyed twice, a clock tick with nothing due) is noise,
    // unless a person sent it from the test form and wants to see that it did nothing.
    // The fact's idempotency key is shown with it (a correction's keys say which refusal it answers).
    if (!result.duplicate && (result.changed || source === 'test')) await append({ kind: 'event', ...key, source, event, ...(factKey === undefined ? {} : { detail: { factKey } }) });
    if (result.changed) onChange(key);
    return result;
  }

  /** The store's state must be explained by the log: apply the clock's own change, logged, before a command. */
  async function catchUp(key: RelationshipKey): Promise<number> {
    const now = clock();
    const snapshot = await inner.snapshot(key.sender, key.user);
    const due = snapshot && nextDueAt(snapshot);
    if (due !== undefined && due <= now) await recordNow(key, { type: 'CLOCK', at: now }, 'clock');
    return Math.max(now, snapshot?.context.now ?? now);
  }

  async function refused(key: RelationshipKey, action: 'request' | 'call', refusal: Refusal, at: number) {
    await append({ kind: 'refusal', ...key, source: 'api', at, action, rule: refusal.rule, reason: refusal.reason, ...(refusal.retryAt === undefined ? {} : { retryAt: refusal.retryAt }) });
    onChange(key);
  }

  /** The time the engine gave its own follow-up event (a release, a re-keying): the relationship's clock after it. */
  async function clockOf(key: RelationshipKey): Promise<number> {
    return (await inner.snapshot(key.sender, key.user))!.context.now;
  }

  /** After an effect threw: the reservation the engine stored, and its release unless the outcome is unknown. */
  async function effectFailed(key: RelationshipKey, error: unknown, reserved: RelationshipEvent, release: (at: number) => RelationshipEvent) {
    const cause = error instanceof Error && error.cause instanceof Error ? { cause: redact(error.cause.message) } : {};
    await append({ kind: 'event', ...key, source: 'api', event: reserved, detail: { error: redact(error instanceof Error ? error.message : String(error)), ...cause } });
    if (error instanceof EffectFailedError && error.reservationReleased) await append({ kind: 'event', ...key, source: 'api', event: release(await clockOf(key)) });
    onChange(key);
  }

  const as = (source: EntrySource): CallPermissionEngine => ({
    ...inner,
    record: (sender, user, event, recordOptions) => record(sender, user, event, source, recordOptions?.factKey),
    // Fact by fact through the log's queue, so that the log keeps the store's order on every relationship.
    recordMany: async (facts) => {
      const outcomes: BatchOutcome[] = [];
      for (const fact of facts) {
        try {
          outcomes.push({ ok: true, result: await record(fact.sender, fact.user, fact.event, source, fact.factKey) });
        } catch (error) {
          if (!(error instanceof CallPermissionError) || error.code === 'STORE_UNAVAILABLE' || error.code === 'STORE_FAILED') throw error;
          outcomes.push({ ok: false, error });
        }
      }
      return outcomes;
    },
  });

  async function record(sender: string, user: string, input: RelationshipEventInput | RelationshipEvent, source: EntrySource, factKey?: string) {
    const key = keyOf(sender, user);
    // Bound to the trusted clock here, so the log shows the time the fact was recorded at (the engine binds it again: a no-op).
    const event = bindToTrustedClock(parseEvent(input, policy), clock(), policy);
    return serially(key, () => recordNow(key, event, source, factKey));
  }

  async function logSent(key: RelationshipKey, event: RelationshipEvent, receipt: unknown) {
    await append({ kind: 'event', ...key, source: 'api', event, ...(receipt ? { detail: { receipt } } : {}) });
  }

  /**
   * One command through the inner engine, logged: a refusal as a refused row, a success as the
   * reservation it made (`onSent`), an effect failure as the reservation the effects were handed
   * and, when it was released, its release.
   */
  function command<R extends RequestPermissionResult | StartCallResult, C extends PermissionRequestCommand | StartCallCommand>(
    sender: string,
    user: string,
    action: 'request' | 'call',
    run: (key: RelationshipKey) => Promise<R>,
    onSent: (key: RelationshipKey, result: Exclude<R, { outcome: 'refused' }>) => Promise<void>,
    reservation: (handedCommand: C) => { reserved: RelationshipEvent; release: (at: number) => RelationshipEvent },
  ): Promise<R> {
    const key = keyOf(sender, user);
    return serially(key, async () => {
      const at = await catchUp(key);
      handed.delete(idOf(key));
      try {
        const result = await run(key);
        if (result.outcome === 'refused') {
          await refused(key, action, result.refusal, at);
          return result;
        }
        await onSent(key, result as Exclude<R, { outcome: 'refused' }>);
        onChange(key);
        return result;
      } catch (error) {
        // Only a command the effects were handed left a reservation to log.
        const given = handed.get(idOf(key)) as C | undefined;
        if (given) {
          const { reserved, release } = reservation(given);
          await effectFailed(key, error, reserved, release);
        }
        throw error;
      } finally {
        handed.delete(idOf(key));
      }
    });
  }

  return {
    engine: as('webhook'),
    as,
    keyOf,
    record,

    requestPermission(sender, user) {
      return command(sender, user, 'request', (key) => inner.requestPermission(key.sender, key.user), async (key, result) => {
        await logSent(key, { type: 'REQUEST_SENT', at: result.at, requestId: result.requestId, via: result.via }, result.receipt);
      }, (c: PermissionRequestCommand) => ({
        reserved: { type: 'REQUEST_SENT', at: c.at, requestId: c.requestId, via: c.via },
        release: (when) => ({ type: 'REQUEST_FAILED', at: when, requestId: c.requestId }),
      }));
    },

    startCall(sender, user) {
      return command(sender, user, 'call', (key) => inner.startCall(key.sender, key.user), async (key, result) => {
        await logSent(key, { type: 'CALL_STARTED', at: result.at, callId: result.callId }, result.receipt);
        const platformCallId = result.receipt?.platformCallId;
        if (typeof platformCallId === 'string' && platformCallId !== result.callId)
          await append({ kind: 'event', ...key, source: 'api', event: { type: 'CALL_ID_ASSIGNED', at: await clockOf(key), callId: result.callId, platformCallId } });
      }, (c: StartCallCommand) => ({
        reserved: { type: 'CALL_STARTED', at: c.at, callId: c.callId },
        release: (when) => ({ type: 'CALL_FAILED', at: when, callId: c.callId, reason: 'NOT_PLACED' }),
      }));
    },

    async sweep(now) {
      const seen = new Set<string>();
      /** Held by another instance when this sweep came to them. */
      const busy: RelationshipKey[] = [];
      let moved = 0;
      // A relationship another instance has just moved on is no longer due: its CLOCK changes nothing and is not counted.
      const moveOn = async (key: RelationshipKey) => {
        if ((await recordNow(key, { type: 'CLOCK', at: now }, 'clock')).changed) moved++;
      };
      for (let batch = 0; batch < SWEEP_MAX_BATCHES; batch++) {
        const due = await inner.due(now, SWEEP_BATCH);
        const fresh = due.filter((d) => !seen.has(idOf(d)));
        for (const { sender, user } of fresh) {
          const key = { sender, user };
          seen.add(idOf(key));
          const claimed = await queue(idOf(key), () => locks.tryHold(key, () => moveOn(key)));
          if (!claimed.held) busy.push(key);
        }
        // A relationship the tick could not move on (it comes back) must not spin the loop.
        if (due.length < SWEEP_BATCH || fresh.length === 0) break;
      }
      // Whoever held them (another sweep, or a command) is done with them once the lock is ours: still due, they are moved here.
      for (const key of busy) await serially(key, () => moveOn(key));
      return moved;
    },

    async idle() {
      await queue.idle();
    },
  };
}
