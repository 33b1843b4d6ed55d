import type { RelationshipState } from '../relationship/context.js';
import type { RelationshipSnapshot } from '../pure/snapshot.js';

/**
 * Who brought a fact, as the engine's `inspect` stream reports it: `api` (the host; a command's own
 * steps), `webhook` (the platform's webhook), `clock` (a tick, or a due change applied before a
 * command), `reconcile` (the platform's own view, a correction), or a name of the host's own
 * (1–64 characters).
 */
export type EventSource = 'api' | 'webhook' | 'clock' | 'reconcile' | (string & {});

/** How a fact is recorded (`engine.record`, and each fact of `engine.recordMany`). */
export interface RecordOptions {
  /** The fact's idempotency key (e.g. `CALL_FINISHED:<callId>`): a second delivery changes nothing. */
  readonly factKey?: string;
  /** Who brought the fact, for the `inspect` stream. Default `api`. */
  readonly source?: EventSource;
}

export interface RecordResult {
  readonly previousState: RelationshipState;
  readonly state: RelationshipState;
  /** Whether the fact changed anything (a refused call start or a repeated clock tick does not). */
  readonly changed: boolean;
  /** The fact key was recorded before: nothing was applied. */
  readonly duplicate: boolean;
  readonly snapshot: RelationshipSnapshot;
}
