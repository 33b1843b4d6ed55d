import type { RelationshipEvent } from '../events/types.js';
import type { Policy } from '../policy/policy.js';
import type { RelationshipSnapshot } from '../pure/snapshot.js';
import type { RelationshipContext, RelationshipState } from '../relationship/context.js';
import { relationshipLogic } from '../../machines/relationshipLogic.js';
import type { RelationshipKey } from '../stores/store.js';
import type { EffectFailedError } from '../errors.js';
import type { Refusal } from '../pure/decide.js';
import type { EffectReceipt } from './effects.js';
import type { EventSource } from './record.js';

/**
 * A relationship's snapshot as an inspector sees it: XState's `Snapshot` fields (a relationship is
 * always `active`) with the machine's `value` and `context`. Not the methods of a `MachineSnapshot`
 * (`matches`, `can`…): inspectors serialise snapshots, they do not call them.
 */
export interface InspectedSnapshot {
  readonly status: 'active';
  readonly output: undefined;
  readonly error: undefined;
  readonly value: RelationshipState;
  readonly context: RelationshipContext;
}

/**
 * What stands in for an XState actor: the engine runs no actors (it applies the same machine with
 * a compiled interpreter), so each relationship is described by this read-only reference.
 * `logic.config` is the machine's config (what `@statelyai/inspect` draws); `send` throws.
 */
export interface RelationshipActorRef {
  /** `<sender>:<user>` (E.164 digits). */
  readonly id: string;
  readonly sessionId: string;
  readonly logic: { readonly id: string; readonly config: unknown };
  readonly _parent: undefined;
  getSnapshot(): InspectedSnapshot;
  send(event: unknown): never;
}

/** What every inspection event says: which relationship (its actor, in XState's shape, and its key). */
export interface InspectionBase {
  /** The relationship's own session id: every relationship is a root of its own. */
  readonly rootId: string;
  readonly actorRef: RelationshipActorRef;
  /** Not in XState's shape: which relationship, so a local inspector need not parse the id. */
  readonly relationship: RelationshipKey;
}

/** A relationship seen for the first time by this engine instance. */
export interface InspectedActorEvent extends InspectionBase {
  readonly type: '@xstate.actor';
}
/**
 * A fact recorded or a command reserved: the event as it was applied (normalised, a late one moved
 * to the clock). The fields after `event` are not XState's: where the event came from and what it did
 * to the store, so that a subscriber (an event log, an audit trail) needs nothing else.
 */
export interface InspectedEventEvent extends InspectionBase {
  readonly type: '@xstate.event';
  readonly sourceRef: undefined;
  readonly event: RelationshipEvent;
  /** Who brought the event (`record`'s `options.source`; `api` for a command, `clock` for a tick or a due change a command applied first). */
  readonly source: EventSource;
  /** Whether the event changed the relationship (a repeated `CLOCK` does not). */
  readonly changed: boolean;
  /**
   * The store's version of the relationship after this step (the version read, when nothing was
   * written). Several engine instances sharing a store: order their steps on one relationship by it.
   */
  readonly version: number;
  /** The fact's idempotency key, when it had one. */
  readonly factKey?: string;
  /** The reservation of a command (`REQUEST_SENT`, `CALL_STARTED`) whose effect runs next; a `wacp.effect` event follows with its outcome. */
  readonly reservation?: true;
}
/** The relationship after that event, as it was stored. */
export interface InspectedSnapshotEvent extends InspectionBase {
  readonly type: '@xstate.snapshot';
  readonly event: RelationshipEvent;
  readonly snapshot: InspectedSnapshot;
}

/**
 * A command the rules refused, told as an event the relationship received and refused (nothing was
 * reserved or sent, so no `@xstate.snapshot` follows). XState-shaped: any XState inspector shows it.
 */
export interface InspectedRefusalEvent extends InspectionBase {
  readonly type: '@xstate.event';
  readonly sourceRef: undefined;
  readonly event: {
    readonly type: 'wacp.refusal';
    readonly action: 'request' | 'call';
    readonly refusal: Refusal;
    /** When it was decided (the engine's clock). */
    readonly at: number;
  };
  readonly source: EventSource;
  readonly changed: false;
  /** The store's version of the relationship the decision read. */
  readonly version: number;
}

/**
 * What a command's effect answered, after its `reservation` step, told as an event the relationship
 * received. On a failure the engine then releases the reservation (a `REQUEST_FAILED` or
 * `CALL_FAILED` step) unless the outcome is unknown; on a call placed under another id, a
 * `CALL_ID_ASSIGNED` step follows.
 */
export interface InspectedEffectEvent extends InspectionBase {
  readonly type: '@xstate.event';
  readonly sourceRef: undefined;
  readonly event: {
    readonly type: 'wacp.effect';
    readonly action: 'request' | 'call';
    /** The reservation's `requestId` or `callId`. */
    readonly id: string;
    readonly outcome: { readonly ok: true; readonly receipt: EffectReceipt | undefined } | { readonly ok: false; readonly error: EffectFailedError };
  };
  readonly source: EventSource;
  readonly changed: false;
  /** The store's version of the relationship the reservation was written at. */
  readonly version: number;
}

export type InspectionEvent = InspectedActorEvent | InspectedEventEvent | InspectedSnapshotEvent | InspectedRefusalEvent | InspectedEffectEvent;

/**
 * As XState's `inspect` option: a function, or an observer such as `@statelyai/inspect`'s
 * `inspector.inspect`. An observer that returns a promise is waited for before the engine goes on
 * (before a reserved command's effect is sent): a subscriber that writes an event log has its row in
 * place first. An observer's error or rejection is dropped: inspection never fails a command.
 */
export type InspectionObserver = ((event: InspectionEvent) => unknown) | { readonly next?: (event: InspectionEvent) => unknown };

/** One stored step, as the engine tells it. */
export interface InspectedStep {
  readonly key: RelationshipKey;
  readonly event: RelationshipEvent;
  readonly snapshot: RelationshipSnapshot;
  readonly source: EventSource;
  readonly changed: boolean;
  readonly version: number;
  readonly factKey?: string | undefined;
  readonly reservation?: boolean;
}

/** Called by the engine: a promise only when the observer answered one (a synchronous observer costs no microtask). */
export interface InspectionEmitter {
  step(step: InspectedStep): void | Promise<void>;
  refusal(key: RelationshipKey, snapshot: RelationshipSnapshot, refused: InspectedRefusalEvent['event'], version: number): void | Promise<void>;
  effect(key: RelationshipKey, snapshot: RelationshipSnapshot, answered: InspectedEffectEvent['event'], version: number): void | Promise<void>;
}

/** Relationships announced with `@xstate.actor`; beyond this many the oldest are forgotten (announcing again is harmless). */
const ANNOUNCED_LIMIT = 10_000;

const thenable = (value: unknown): value is PromiseLike<unknown> => typeof (value as { then?: unknown } | null | undefined)?.then === 'function';

/**
 * Turns the engine's stored steps, refusals and effect outcomes into inspection events:
 * `@xstate.actor` the first time a relationship is seen, then `@xstate.event` and `@xstate.snapshot`
 * for each step, and `@xstate.event`s of `wacp.refusal` and `wacp.effect`. An observer that throws never fails the
 * engine's command: its error is dropped.
 */
export function createInspectionEmitter(observer: InspectionObserver, policy: Policy): InspectionEmitter | undefined {
  const next = typeof observer === 'function' ? observer : observer.next?.bind(observer);
  if (!next) return undefined;
  const machine = relationshipLogic(policy).machine;
  const logic = { id: machine.id, config: machine.config };
  const announced = new Set<string>();

  /** Emits in order; waits only for an observer that answered a promise. */
  const emitAll = (events: readonly InspectionEvent[]): void | Promise<void> => {
    for (let i = 0; i < events.length; i++) {
      let answer: unknown;
      try {
        answer = next(events[i]!);
      } catch {
        // Inspection is for looking: a broken inspector must not undo or fail a stored fact.
        continue;
      }
      if (thenable(answer)) return waitThenEmit(answer, events.slice(i + 1));
    }
  };
  const waitThenEmit = async (answer: PromiseLike<unknown>, rest: readonly InspectionEvent[]): Promise<void> => {
    try {
      await answer;
    } catch {
      // As above: dropped.
    }
    await emitAll(rest);
  };

  /** The base of every event about a relationship, its actor reference answering `snapshot`. */
  const baseOf = (key: RelationshipKey, snapshot: RelationshipSnapshot) => {
    const sessionId = `${key.sender}:${key.user}`;
    const inspected: InspectedSnapshot = { status: 'active', output: undefined, error: undefined, value: snapshot.value, context: snapshot.context };
    const actorRef: RelationshipActorRef = {
      id: sessionId,
      sessionId,
      logic,
      _parent: undefined,
      getSnapshot: () => inspected,
      send: () => {
        throw new Error('an inspected relationship is read-only: record facts through the engine');
      },
    };
    return { inspected, base: { rootId: sessionId, actorRef, relationship: { sender: key.sender, user: key.user } } };
  };
  /** `@xstate.actor` first, the first time this instance sees the relationship. */
  const announce = (events: InspectionEvent[], base: InspectionBase) => {
    if (announced.has(base.rootId)) return;
    if (announced.size >= ANNOUNCED_LIMIT) announced.delete(announced.values().next().value!);
    announced.add(base.rootId);
    events.push({ type: '@xstate.actor', ...base });
  };

  return {
    step({ key, event, snapshot, source, changed, version, factKey, reservation }) {
      const { inspected, base } = baseOf(key, snapshot);
      const events: InspectionEvent[] = [];
      announce(events, base);
      events.push({
        type: '@xstate.event',
        ...base,
        sourceRef: undefined,
        event,
        source,
        changed,
        version,
        ...(factKey === undefined ? {} : { factKey }),
        ...(reservation ? { reservation: true as const } : {}),
      });
      events.push({ type: '@xstate.snapshot', ...base, event, snapshot: inspected });
      return emitAll(events);
    },
    refusal: (key, snapshot, refused, version) => told(key, snapshot, refused, version),
    effect: (key, snapshot, answered, version) => told(key, snapshot, answered, version),
  };

  /** A command's refusal or its effect's answer: an event the relationship received that changed nothing (no snapshot follows). */
  function told(key: RelationshipKey, snapshot: RelationshipSnapshot, event: InspectedRefusalEvent['event'] | InspectedEffectEvent['event'], version: number) {
    const { base } = baseOf(key, snapshot);
    const events: InspectionEvent[] = [];
    announce(events, base);
    const common = { ...base, sourceRef: undefined, source: 'api', changed: false as const, version };
    events.push({ type: '@xstate.event', ...common, event } as InspectedRefusalEvent | InspectedEffectEvent);
    return emitAll(events);
  }
}
