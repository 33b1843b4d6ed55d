/**
 * The reference service (`wacp serve`, `npm start`): the engine on Node's `http` (on 127.0.0.1 unless told),
 * with an embedded PostgreSQL (PGlite) or a server, Infobip or dry-run effects, Infobip's webhooks,
 * a JSON API and the inspector page. Node only. See docs/service.md.
 *
 * @packageDocumentation
 */
export { startService, type RunningService } from './service.js';
export { mergeServeArgs, serviceOptionsFromEnv, type ServiceOptions } from './options.js';
export { ServiceConfigError, ServiceError } from './errors.js';
export type { RelationshipTimeline, TimelinePage, TimelineRow, TimelineEventRow, TimelineRefusalRow } from './timeline.js';
export type { LogEntry, EventEntry, RefusalEntry, EntrySource, RelationshipSummary } from './eventLog.js';
export type { Change } from './changes.js';
export type { ServiceResponse } from './responses.js';
