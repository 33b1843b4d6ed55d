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
// The statechart's guard and action implementations, the compiled transition table and the engine's
// event plumbing stay inside the package (their types describe the machine's named guards and actions).
export { callPermissionMachine, createCallPermissionMachine, type CallPermissionMachine, type TransitionMeta } from '../machines/callPermission.machine.js';
export { senderMachine, createSenderMachine, type SenderMachine } from '../machines/sender.machine.js';
export * from './errors.js';
export * from './events/types.js';
export { parseEvent, parseTime } from './events/parse.js';
export { normalisePhoneNumber } from './phone.js';
export * from './policy/policy.js';
export { describeLimits, MemoryLearnedLimits, type LearnedLimit, type LearnedLimitsStore, type LimitDescription, type LimitedAction, type LimitLearning } from './policy/learnedLimits.js';
export { RELATIONSHIP_STATES, type RelationshipContext, type RelationshipState, type Stamped } from './relationship/context.js';
export type { Guard, GuardName, RelationshipGuards } from './relationship/guards.js';
export type { Draft, Update, UpdateName, RelationshipUpdates } from './relationship/updates.js';
export {
  applyEvent,
  createRelationship,
  nextDueAt,
  nextChangeDueAt,
  resolvePolicy,
  type ApplyOptions,
  type Interpreter,
  type RelationshipSnapshot,
} from './pure/snapshot.js';
export { RULE_IDS, isRuleId, sortRuleIds, type RuleId } from './rules.js';
export { canRequestPermission, canStartCall, type CallDecision, type Refusal, type RefusalRule, type RequestDecision } from './pure/decide.js';
export {
  getPermissions,
  type PermissionAction,
  type PermissionActionName,
  type PermissionLimit,
  type PermissionStatus,
  type PermissionsView,
} from './pure/view.js';
export { deserializeSnapshot, serializeSnapshot, toSerialized, SNAPSHOT_SCHEMA_VERSION, type SerializedSnapshot } from './pure/serialize.js';
export * from './engine/effects.js';
export * from './engine/engine.js';
export type { BatchFact, BatchOutcome } from './engine/recordMany.js';
export type {
  CallStarted,
  CommandFailed,
  CommandOutcome,
  CommandRefused,
  FactRecorded,
  Relationship,
  RequestSent,
} from './engine/relationship.js';
export type { TickOptions, TickResult, TickTarget } from './engine/tick.js';
export type { InspectedActorEvent, InspectedEventEvent, InspectedSnapshot, InspectedSnapshotEvent, RelationshipActorRef, InspectionEvent, InspectionObserver } from './engine/inspection.js';
export * from './stores/store.js';
export { MemoryStore, type MemoryStoreOptions } from './stores/memory.js';
export { SENDER_STATES, type SenderState, type SenderContext, type AttemptBucket, type OngoingCall } from './sender/context.js';
export type * from './sender/events.js';
export { senderLimits, type SenderLimits } from './sender/limits.js';
export { SENDER_INPUT_TYPES, type SenderEventInput } from './sender/parse.js';
export { SENDER_SNAPSHOT_SCHEMA_VERSION, type SerializedSenderSnapshot } from './pure/sender/serialize.js';
export type { SenderLimitView, SenderStatus } from './pure/sender/view.js';
