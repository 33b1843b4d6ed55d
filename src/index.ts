/**
 * whatsapp-call-permissions: keeps a business within WhatsApp's business-initiated calling rules.
 *
 * - The statechart: {@link callPermissionMachine}, {@link createCallPermissionMachine}.
 * - The pure API: {@link createRelationship}, {@link applyEvent}, {@link getPermissions},
 *   {@link canRequestPermission}, {@link canStartCall}, {@link serializeSnapshot}, {@link deserializeSnapshot}.
 * - The sender's statechart (S1–S4, G6, across all users of one business number): {@link senderMachine}.
 * - The engine: {@link createCallPermissionEngine} with a {@link RelationshipStore} and {@link CallPermissionEffects}.
 *
 * @packageDocumentation
 */
// Exported here is what a host names. The statechart's guard and action implementations, the
// compiled transition table, the parsers and the engine's plumbing stay inside the package; a
// part of a union (one event, one inspection event) is reached through its union (`EventOfType`).
export { callPermissionMachine, createCallPermissionMachine, type CallPermissionMachine, type TransitionMeta } from '../machines/callPermission.machine.js';
export { senderMachine, createSenderMachine } from '../machines/sender.machine.js';
export {
  CallPermissionError,
  InvalidPolicyError,
  InvalidEventError,
  EventInFutureError,
  InvalidPhoneNumberError,
  SnapshotError,
  StoreConflictError,
  EffectOutcomeUnknownError,
  EffectFailedError,
  MissingPeerDependencyError,
} from './errors.js';
export type { EventOfType, RelationshipEvent, RelationshipEventInput, RelationshipEventType, RequestChannel, TimeInput } from './events/types.js';
export { parseEvent, parseTime } from './events/parse.js';
export { normalizePhoneNumber, normalisePhoneNumber } from './phone.js';
export { definePolicy, POLICY_PRESETS, type Policy, type PolicyPresetName } from './policy/policy.js';
export { describeLimits, MemoryLearnedLimits, type LearnedLimit, type LearnedLimitsStore, type LimitDescription, type LimitLearning } from './policy/learnedLimits.js';
export type { RelationshipContext, RelationshipState } from './relationship/context.js';
export { applyEvent, createRelationship, nextDueAt, type Interpreter, type RelationshipSnapshot } from './pure/snapshot.js';
export { RULE_IDS, type RuleId } from './rules.js';
export { canRequestPermission, canStartCall, type CallDecision, type Refusal, type RefusalRule, type RequestDecision } from './pure/decide.js';
export { getPermissions, type PermissionAction, type PermissionActionName, type PermissionLimit, type PermissionStatus, type PermissionsView } from './pure/view.js';
export { deserializeSnapshot, serializeSnapshot, type SerializedSnapshot } from './pure/serialize.js';
export type { CallPermissionEffects, CallReceipt, EffectReceipt, PermissionRequestCommand, StartCallCommand } from './engine/effects.js';
export {
  createCallPermissionEngine,
  type CallPermissionEngine,
  type CallPermissionEngineOptions,
  type EventSource,
  type RecordOptions,
  type RecordResult,
  type RequestPermissionResult,
  type StartCallResult,
} from './engine/engine.js';
export type { BatchFact, BatchOutcome } from './engine/recordMany.js';
export type { CallStarted, CommandFailed, CommandOutcome, CommandRefused, FactRecorded, Relationship, RequestSent } from './engine/relationship.js';
export type { TickOptions, TickResult } from './engine/tick.js';
export type {
  InspectedActorEvent,
  InspectedEffectEvent,
  InspectedEventEvent,
  InspectedRefusalEvent,
  InspectedSnapshot,
  InspectedSnapshotEvent,
  InspectionBase,
  RelationshipActorRef,
  InspectionEvent,
  InspectionObserver,
} from './engine/inspection.js';
export type {
  BatchRelationshipStore,
  DueRelationship,
  LoadedRelationship,
  LoadManyRequest,
  RelationshipKey,
  RelationshipStore,
  ReservationRequest,
  ReservationResult,
  SaveManyRequest,
  SaveRequest,
  SaveResult,
  SenderKey,
  SenderSaveRequest,
  SenderSaveResult,
  StoredRelationship,
  StoredSender,
} from './stores/store.js';
export { MemoryStore } from './stores/memory.js';
export type { SenderState, SenderContext, AttemptBucket, OngoingCall } from './sender/context.js';
export type { SenderEvent } from './sender/events.js';
export type { SenderLimits } from './sender/limits.js';
export type { SenderEventInput } from './sender/parse.js';
export type { SerializedSenderSnapshot } from './pure/sender/serialize.js';
export type { SenderLimitView, SenderStatus } from './pure/sender/view.js';
