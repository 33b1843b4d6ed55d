import type { InspectedEventEvent, InspectionEvent, RelationshipKey } from '../index.js';
import type { EntrySource, EventLog } from './eventLog.js';
import type { Redact } from './redact.js';

export interface EventLogSubscriberOptions {
  readonly log: EventLog;
  /** Told after every entry about a relationship (the inspector page listens). */
  readonly onChange: (key: RelationshipKey) => void;
  /** Applied to an effect's error text before it is logged (it may quote an upstream's answer). */
  readonly redact: Redact;
  /** Where a write to the log that failed is reported (the engine goes on: the store stays the truth). */
  readonly say: (line: string) => void;
}

/** Sources the log knows; a fact of another source is logged as the host's own (`api`). */
const SOURCES: ReadonlySet<string> = new Set<EntrySource>(['api', 'webhook', 'test', 'clock', 'reconcile']);

/**
 * The service's event log as a subscriber of the engine's `inspect` stream: every event the engine
 * applied (with its source and the store's version), every command the rules refused, and what each
 * effect answered, on the reservation's row (the engine tells refusals and effect answers as
 * `@xstate.event`s of `wacp.refusal` and `wacp.effect`). The engine waits for each write before it goes on, so a
 * reservation is logged before its effect is sent; entries carry the store's version, so the log
 * reads in the store's order however many instances append to it.
 */
export function createEventLogSubscriber(options: EventLogSubscriberOptions): (event: InspectionEvent) => Promise<void> | undefined {
  const { log, onChange, redact, say } = options;
  /** The row of each reservation whose effect is under way, by relationship and request or call id. */
  const reservations = new Map<string, number>();
  const idOf = (key: RelationshipKey, id: string) => `${key.sender}:${key.user}:${id}`;
  const sourceOf = (source: string): EntrySource => (SOURCES.has(source) ? (source as EntrySource) : 'api');

  async function written(what: string, key: RelationshipKey, write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (error) {
      say(`event log: could not write ${what} for ${key.sender}:${key.user} (${redact((error as Error).message)})`);
    }
    onChange(key);
  }

  return (inspected) => {
    if (inspected.type !== '@xstate.event') return undefined;
    const key = inspected.relationship;
    const told = inspected.event;
    if (told.type === 'wacp.refusal') {
      const { refusal } = told;
      return written('a refusal', key, () =>
        log.append({
          kind: 'refusal',
          ...key,
          source: sourceOf(inspected.source),
          at: told.at,
          action: told.action,
          rule: refusal.rule,
          reason: refusal.reason,
          version: inspected.version,
          ...(refusal.retryAt === undefined ? {} : { retryAt: refusal.retryAt }),
        }),
      );
    }
    if (told.type === 'wacp.effect') {
      const row = reservations.get(idOf(key, told.id));
      reservations.delete(idOf(key, told.id));
      if (row === undefined) return undefined; // its reservation's row could not be written
      const { outcome } = told;
      const detail = outcome.ok
        ? outcome.receipt === undefined
          ? undefined
          : { receipt: outcome.receipt }
        : { error: redact(outcome.error.message), ...(outcome.error.cause instanceof Error ? { cause: redact(outcome.error.cause.message) } : {}) };
      return written('an effect’s answer', key, () => log.annotate(row, detail));
    }
    const step = inspected as InspectedEventEvent;
    // A fact that changed nothing (a call re-keyed twice, a clock tick with nothing due) is noise,
    // unless a person sent it from the test form and wants to see that it did nothing.
    if (!step.changed && step.source !== 'test') return undefined;
    const reservedId = step.reservation ? (step.event.type === 'REQUEST_SENT' ? step.event.requestId : step.event.type === 'CALL_STARTED' ? step.event.callId : undefined) : undefined;
    // The fact's idempotency key is shown with it (a correction's keys say which refusal it answers).
    const detail = reservedId !== undefined ? { sending: true } : step.factKey !== undefined ? { factKey: step.factKey } : undefined;
    return written(step.event.type, key, async () => {
      const row = await log.append({ kind: 'event', ...key, source: sourceOf(step.source), event: step.event, version: step.version, ...(detail ? { detail } : {}) });
      if (reservedId !== undefined) reservations.set(idOf(key, reservedId), row);
    });
  };
}
