/**
 * What the page receives from the service, in the service's own types (type-only: nothing of the
 * service is bundled into the page), so a change to a response shape fails the page's typecheck
 * instead of the page. The routes answer these types: the compiler holds those a route answers as it
 * gets them (the timeline, the sender's status, the change feed), test/service/responses.test.ts the
 * ones a route spells out (health, session, list, commands, test events, clock).
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
import type { PermissionsView } from '../../index.js';
export type { PermissionsView, RelationshipKey, SenderStatus } from '../../index.js';
/** One limit of an action in the permissions view. */
export type PermissionLimit = PermissionsView['actions'][number]['limits'][number];
export type { Decisions, RelationshipCounters, TimelineEvent } from '../../inspector/index.js';
