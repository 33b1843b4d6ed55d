import { applyEvent, createRelationship, type Policy, type PolicyPresetName, type RelationshipEventInput, type RelationshipSnapshot } from '../../src/index.js';

export const HOUR = 3_600_000;
export const DAY = 86_400_000;
/** 2026-04-01T10:00:00Z: the start of every story. */
export const T0 = Date.UTC(2026, 3, 1, 10);

/** A relationship told as a story: `story.at(ms).then(event)`; `story.now` is the snapshot. */
export function story(policy: Policy | PolicyPresetName = 'infobip') {
  let snapshot: RelationshipSnapshot = createRelationship({ at: T0, policy });
  const api = {
    get now(): RelationshipSnapshot {
      return snapshot;
    },
    /** Applies events given without `at` at T0 + offset. */
    at(offset: number, ...events: DistributiveOmit<RelationshipEventInput, 'at'>[]) {
      for (const event of events) snapshot = applyEvent(snapshot, { ...event, at: T0 + offset } as RelationshipEventInput);
      return api;
    },
  };
  return api;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
