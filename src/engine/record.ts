import type { RelationshipState } from '../relationship/context.js';
import type { RelationshipSnapshot } from '../pure/snapshot.js';

/** How a fact is recorded (`engine.record`, and each fact of `engine.recordMany`). */
export interface RecordOptions {
  /** The fact's idempotency key (e.g. `CALL_FINISHED:<callId>`): a second delivery changes nothing. */
  readonly factKey?: string;
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
