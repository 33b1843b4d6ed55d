/**
 * What the page receives from the service, in the service's own types (type-only: nothing of the
 * service is bundled into the page). test/service/responses.test.ts holds each route to its type, so a
 * change to a response shape fails the page's typecheck instead of the page.
 */
export type {
  CallStartedResponse,
  ClockMovedResponse,
  CommandRefusedByPlatformResponse,
  CommandRefusedResponse,
  EventRecordedResponse,
  HealthResponse,
  PermissionRequestSentResponse,
  RelationshipListResponse,
  ServiceErrorResponse,
  SessionResponse,
} from '../responses.js';
export type { RelationshipTimeline, TimelineEventRow, TimelineRow } from '../timeline.js';
export type { RelationshipSummary } from '../eventLog.js';
export type { Change } from '../changes.js';
export type { WouldSend } from '../dryRunEffects.js';
export type { SenderStatus } from '../../pure/sender/view.js';
export type { Decisions, RelationshipCounters } from '../../inspector/counters.js';
export type { TimelineEvent } from '../../inspector/timeline.js';
export type { PermissionLimit, PermissionsView } from '../../pure/view.js';
export type { RelationshipKey } from '../../stores/store.js';
