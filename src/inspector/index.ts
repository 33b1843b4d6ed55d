/**
 * The relationship inspector: a relationship's timeline (each step, the state after it, the
 * transitions and rules, the counters, the permissions view and both decisions) as data and as
 * text, and the XState-style inspection events the engine emits with its `inspect` option.
 *
 * @packageDocumentation
 */
export { buildTimeline, createTimelineRecorder, type TimelineEntry, type TimelineEvent, type TimelineInput, type TimelineRecorder } from './timeline.js';
export { formatInspection, formatTimeline } from './format.js';
export { inspectRelationship, type Decisions, type RelationshipCounters, type RelationshipInspection, type ShownDecision } from './counters.js';
export {
  type InspectedActorEvent,
  type InspectedEffectEvent,
  type InspectedEventEvent,
  type InspectedRefusalEvent,
  type InspectedSnapshot,
  type InspectedSnapshotEvent,
  type InspectionBase,
  type InspectionEvent,
  type InspectionObserver,
  type RelationshipActorRef,
} from '../engine/inspection.js';
