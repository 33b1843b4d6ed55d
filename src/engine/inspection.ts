import type { RelationshipEvent } from '../events/types.js';
import type { Policy } from '../policy/policy.js';
import type { RelationshipSnapshot } from '../pure/snapshot.js';
import type { RelationshipContext, RelationshipState } from '../relationship/context.js';
import { relationshipLogic } from '../../machines/relationshipLogic.js';
import type { RelationshipKey } from '../stores/store.js';

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

interface InspectionBase {
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
/** A fact recorded or a command reserved: the event as it was applied (normalised, a late one moved to the clock). */
export interface InspectedEventEvent extends InspectionBase {
  readonly type: '@xstate.event';
  readonly sourceRef: undefined;
  readonly event: RelationshipEvent;
}
/** The relationship after that event, as it was stored. */
export interface InspectedSnapshotEvent extends InspectionBase {
  readonly type: '@xstate.snapshot';
  readonly event: RelationshipEvent;
  readonly snapshot: InspectedSnapshot;
}

export type InspectionEvent = InspectedActorEvent | InspectedEventEvent | InspectedSnapshotEvent;

/** As XState's `inspect` option: a function, or an observer such as `@statelyai/inspect`'s `inspector.inspect`. */
export type InspectionObserver = ((event: InspectionEvent) => void) | { readonly next?: (event: InspectionEvent) => void };

/** Called by the engine once per stored step: the relationship, the event applied and the snapshot stored. */
export type InspectionEmitter = (key: RelationshipKey, event: RelationshipEvent, next: RelationshipSnapshot) => void;

/** Relationships announced with `@xstate.actor`; beyond this many the oldest are forgotten (announcing again is harmless). */
const ANNOUNCED_LIMIT = 10_000;

/**
 * Turns the engine's stored steps into XState-style inspection events: `@xstate.actor` the first
 * time a relationship is seen, then `@xstate.event` and `@xstate.snapshot` for each step. An
 * observer that throws never fails the engine's command: its error is dropped.
 */
export function createInspectionEmitter(observer: InspectionObserver, policy: Policy): InspectionEmitter {
  const next = typeof observer === 'function' ? observer : observer.next?.bind(observer);
  if (!next) return () => undefined;
  const machine = relationshipLogic(policy).machine;
  const logic = { id: machine.id, config: machine.config };
  const announced = new Set<string>();

  const emit = (event: InspectionEvent) => {
    try {
      next(event);
    } catch {
      // Inspection is for looking: a broken inspector must not undo or fail a stored fact.
    }
  };

  return (key, event, snapshot) => {
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
    const base = { rootId: sessionId, actorRef, relationship: { sender: key.sender, user: key.user } };
    if (!announced.has(sessionId)) {
      if (announced.size >= ANNOUNCED_LIMIT) announced.delete(announced.values().next().value!);
      announced.add(sessionId);
      emit({ type: '@xstate.actor', ...base });
    }
    emit({ type: '@xstate.event', ...base, sourceRef: undefined, event });
    emit({ type: '@xstate.snapshot', ...base, event, snapshot: inspected });
  };
}
