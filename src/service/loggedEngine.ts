import { isOutcomeUnknown, type CallPermissionEffects, type CallReceipt, type EffectReceipt, type PermissionRequestCommand, type StartCallCommand } from '../engine/effects.js';
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
import { relationshipOf } from '../engine/relationship.js';
import { forEachDue, tickEngine } from '../engine/tick.js';
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

/** A command whose effect is under way: told when the inner engine hands it over, and what the effect answered. */
interface Handoff<C> {
  /** Resolves once the reservation is logged (the relationship is then let go while the effect runs). */
  handed(command: C): Promise<{ send: boolean }>;
  answered?: { receipt: EffectReceipt | undefined } | { error: unknown; sent: boolean };
}

export function createLoggedEngine(options: LoggedEngineOptions): LoggedEngine {
  const { log, onChange } = options;
  const locks = options.locks ?? processLocks;
  const redact = options.redact ?? createRedactor();
  const clock = options.engine.clock ?? Date.now;
  const idOf = (key: RelationshipKey) => `${key.sender}:${key.user}`;
  /** The command each relationship is running, between its reservation and its effect's answer. */
  const handoffs = new Map<string, Handoff<PermissionRequestCommand | StartCallCommand>>();

  /**
   * The real effect, run for the inner engine once the reservation is logged. Its answer is kept for
   * the service, and the inner engine is told "sent, no receipt": so it records no follow-up of its own
   * (a release, a re-keying) behind the relationship's lock and the log's back; the service records
   * them itself, logged, under the lock (see `command`).
   */
  async function handOver<C extends PermissionRequestCommand | StartCallCommand>(command: C, send: (command: C) => Promise<EffectReceipt | void>): Promise<void> {
    const handoff = handoffs.get(idOf(command));
    if (!handoff) throw new CallPermissionError('INTERNAL', `no command under way for ${idOf(command)} was handed an effect`);
    const { send: allowed } = await handoff.handed(command);
    if (!allowed) return;
    try {
      handoff.answered = { receipt: (await send(command)) ?? undefined };
    } catch (error) {
      handoff.answered = { error, sent: true };
    }
  }
  const effects: CallPermissionEffects = {
    sendPermissionRequest: (command) => handOver(command, (c) => options.effects.sendPermissionRequest(c)),
    startCall: (command) => handOver(command, (c) => options.effects.startCall(c)),
  };
  const inner = createCallPermissionEngine({ ...options.engine, effects });
  const policy = inner.policy;

  function keyOf(sender: string, user: string): RelationshipKey {
    return { sender: normalisePhoneNumber(sender, 'sender'), user: normalisePhoneNumber(user, 'user') };
  }

  const queue = createSerialQueue();
  /** Runs `work` after every earlier command on the same relationship, holding it (across instances). */
  const serially = <T>(key: RelationshipKey, work: () => Promise<T>): Promise<T> => queue(idOf(key), () => locks.hold(key, work));
  /** Commands whose effect is under way (outside the queue): a clean shutdown waits for them too. */
  const inFlight = new Set<Promise<unknown>>();

  async function append(entry: NewLogEntry): Promise<number> {
    return log.append(entry);
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

  const as = (source: EntrySource): CallPermissionEngine => {
    const logging: CallPermissionEngine = {
      ...inner,
      // The handle and the tick go through this engine's logged commands and records, not the inner engine's.
      relationship: (key) => {
        const { sender, user } = keyOf(key.sender, key.user);
        return relationshipOf(logging, { sender, user });
      },
      tick: (tickOptions) => tickEngine(logging, clock, tickOptions),
      requestPermission: (sender, user) => loggedRequestPermission(sender, user),
      startCall: (sender, user) => loggedStartCall(sender, user),
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
    };
    return logging;
  };

  async function record(sender: string, user: string, input: RelationshipEventInput | RelationshipEvent, source: EntrySource, factKey?: string) {
    const key = keyOf(sender, user);
    // Bound to the trusted clock here, so the log shows the time the fact was recorded at (the engine binds it again: a no-op).
    const event = bindToTrustedClock(parseEvent(input, policy), clock(), policy);
    return serially(key, () => recordNow(key, event, source, factKey));
  }

  /** What a command reserves, how that is undone, and what follows a success. */
  interface CommandShape<C> {
    readonly action: 'request' | 'call';
    readonly what: (command: C) => string;
    readonly reserved: (command: C) => RelationshipEvent;
    readonly release: (command: C, at: number) => RelationshipEvent;
    /** A fact a success brings (Infobip's own id for the call). */
    readonly followUp?: (command: C, receipt: EffectReceipt | undefined, at: number) => RelationshipEvent | undefined;
  }

  /**
   * One command, logged, in three steps, so that nothing waits on the network under the lock
   * (an early call event from Infobip is applied while the POST that placed the call is still open):
   * 1. holding the relationship: catch up with the clock, decide and store the reservation (the
   *    inner engine), log it (or the refusal); then let go;
   * 2. the effect, holding nothing;
   * 3. holding the relationship again: what the answer brings, applied and logged (the release of a
   *    failed send unless its outcome is unknown, Infobip's call id), and the answer put on the
   *    reservation's row.
   * The log's order stays the store's: every write to the store and its log entry happen under one hold.
   */
  async function command<R extends RequestPermissionResult | StartCallResult, C extends PermissionRequestCommand | StartCallCommand>(
    sender: string,
    user: string,
    run: (key: RelationshipKey) => Promise<R>,
    shape: CommandShape<C>,
  ): Promise<R> {
    const key = keyOf(sender, user);
    let handedTo!: (command: C) => void;
    const handed = new Promise<C>((resolve) => (handedTo = resolve));
    let letGo!: (decision: { send: boolean }) => void;
    const logged = new Promise<{ send: boolean }>((resolve) => (letGo = resolve));
    const handoff: Handoff<C> = {
      handed(given) {
        handedTo(given);
        return logged;
      },
    };
    let running!: Promise<R>;
    const first = await serially(key, async (): Promise<{ done: R } | { handed: C; row: number }> => {
      const at = await catchUp(key);
      handoffs.set(idOf(key), handoff as Handoff<PermissionRequestCommand | StartCallCommand>);
      running = run(key);
      const raced = await Promise.race([running.then((done) => ({ done })), handed.then((given) => ({ given }))]).finally(() => {
        if (handoffs.get(idOf(key)) === handoff) handoffs.delete(idOf(key));
      });
      if ('done' in raced) {
        if (raced.done.outcome === 'refused') await refused(key, shape.action, raced.done.refusal, at);
        return { done: raced.done };
      }
      try {
        const row = await append({ kind: 'event', ...key, source: 'api', event: shape.reserved(raced.given), detail: { sending: true } });
        letGo({ send: true });
        onChange(key);
        return { handed: raced.given, row };
      } catch (error) {
        // Not logged, so not sent: the reservation is released in step 3, as for any send that failed.
        handoff.answered = { error, sent: false };
        letGo({ send: false });
        return { handed: raced.given, row: -1 };
      }
    });
    if ('done' in first) return first.done;
    const finishing = (async () => {
      const result = await running;
      const given = first.handed;
      return serially(key, async () => {
        const answered = handoff.answered ?? { receipt: undefined };
        const now = () => Math.max(clock(), given.at);
        if ('error' in answered) {
          const unknown = answered.sent && isOutcomeUnknown(answered.error);
          const failure = new EffectFailedError(
            unknown ? `${shape.what(given)}: outcome unknown, the reservation is kept` : `${shape.what(given)} failed; the reservation was released`,
            !unknown,
            answered.error,
          );
          if (first.row >= 0) await log.annotate(first.row, { error: redact(failure.message), ...(answered.error instanceof Error ? { cause: redact(answered.error.message) } : {}) });
          if (!unknown) await recordNow(key, shape.release(given, now()), 'api');
          onChange(key);
          throw failure;
        }
        await log.annotate(first.row, answered.receipt ? { receipt: answered.receipt } : undefined);
        const follow = shape.followUp?.(given, answered.receipt, now());
        if (follow) await recordNow(key, follow, 'api');
        onChange(key);
        return { ...result, receipt: answered.receipt } as R;
      });
    })();
    inFlight.add(finishing);
    try {
      return await finishing;
    } finally {
      inFlight.delete(finishing);
    }
  }

  function loggedRequestPermission(sender: string, user: string): Promise<RequestPermissionResult> {
    return command(sender, user, (key) => inner.requestPermission(key.sender, key.user), {
      action: 'request',
      what: (c: PermissionRequestCommand) => `Permission request ${c.requestId}`,
      reserved: (c) => ({ type: 'REQUEST_SENT', at: c.at, requestId: c.requestId, via: c.via }),
      release: (c, at) => ({ type: 'REQUEST_FAILED', at, requestId: c.requestId }),
    });
  }

  function loggedStartCall(sender: string, user: string): Promise<StartCallResult> {
    return command(sender, user, (key) => inner.startCall(key.sender, key.user), {
      action: 'call',
      what: (c: StartCallCommand) => `Call ${c.callId}`,
      reserved: (c) => ({ type: 'CALL_STARTED', at: c.at, callId: c.callId }),
      release: (c, at) => ({ type: 'CALL_FAILED', at, callId: c.callId, reason: 'NOT_PLACED' }),
      followUp: (c, receipt, at) => {
        const platformCallId = (receipt as CallReceipt | undefined)?.platformCallId;
        return typeof platformCallId === 'string' && platformCallId !== c.callId ? { type: 'CALL_ID_ASSIGNED', at, callId: c.callId, platformCallId } : undefined;
      },
    });
  }

  return {
    engine: as('webhook'),
    as,
    keyOf,
    record,

    requestPermission: loggedRequestPermission,
    startCall: loggedStartCall,

    async sweep(now) {
      /** Held by another instance when this sweep came to them. */
      const busy: RelationshipKey[] = [];
      let moved = 0;
      // A relationship another instance has just moved on is no longer due: its CLOCK changes nothing and is not counted.
      const moveOn = async (key: RelationshipKey) => {
        if ((await recordNow(key, { type: 'CLOCK', at: now }, 'clock')).changed) moved++;
      };
      await forEachDue(inner, now, { batchSize: SWEEP_BATCH, maxBatches: SWEEP_MAX_BATCHES }, async (key) => {
        const claimed = await queue(idOf(key), () => locks.tryHold(key, () => moveOn(key)));
        if (!claimed.held) busy.push(key);
      });
      // Whoever held them (another sweep, or a command) is done with them once the lock is ours: still due, they are moved here.
      for (const key of busy) await serially(key, () => moveOn(key));
      return moved;
    },

    async idle() {
      // A command whose effect is under way comes back to the queue for its last step.
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      await queue.idle();
    },
  };
}
