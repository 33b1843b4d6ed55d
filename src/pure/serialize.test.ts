import { describe, expect, it } from 'vitest';
import { applyEvent, createRelationship, deserializeSnapshot, serializeSnapshot, SnapshotError } from '../index.js';

const T = Date.UTC(2026, 3, 1, 10);

describe('serializeSnapshot / deserializeSnapshot', () => {
  it('round-trips a snapshot as compact, versioned JSON without empty fields', () => {
    let s = createRelationship({ at: T });
    s = applyEvent(s, { type: 'PERMISSION_ACCEPTED', at: T, expiresAt: T + 1000 });
    const json = serializeSnapshot(s);
    expect(JSON.parse(json)).toEqual({ v: 1, s: 'granted', t: T, an: T, ex: T + 1000, dc: T, ms: T });
    expect(deserializeSnapshot(json)).toEqual(s);
  });

  it.each([
    ['not json', 'snapshot', 'INVALID_SNAPSHOT'],
    ['[]', 'snapshot', 'INVALID_SNAPSHOT'],
    [{ v: 2, s: 'granted', t: T }, 'snapshot.v', 'UNKNOWN_SNAPSHOT_VERSION'],
    [{ s: 'granted', t: T }, 'snapshot.v', 'UNKNOWN_SNAPSHOT_VERSION'],
    [{ v: 1, s: 'maybe', t: T }, 'snapshot.s', 'INVALID_SNAPSHOT'],
    [{ v: 1, s: 'granted', t: 'now' }, 'snapshot.t', 'INVALID_SNAPSHOT'],
    [{ v: 1, s: 'granted', t: T, cc: [T, T + 1] }, 'snapshot.cc[1]', 'INVALID_SNAPSHOT'],
    [{ v: 1, s: 'granted', t: T, rq: [['', T]] }, 'snapshot.rq[0]', 'INVALID_SNAPSHOT'],
    [{ v: 1, s: 'granted', t: T, fl: [['c', 'x']] }, 'snapshot.fl[0][1]', 'INVALID_SNAPSHOT'],
    [{ v: 1, s: 'granted', t: T, mi: -1 }, 'snapshot.mi', 'INVALID_SNAPSHOT'],
    [{ v: 1, s: 'noPermission', t: T, ex: T + 1 }, 'snapshot.ex', 'INVALID_SNAPSHOT'],
    [{ v: 1, s: 'granted', t: T, extra: 1 }, 'snapshot.extra', 'INVALID_SNAPSHOT'],
  ])('refuses %j at %s (%s)', (stored, path, code) => {
    let thrown: unknown;
    try {
      deserializeSnapshot(typeof stored === 'string' ? stored : JSON.stringify(stored));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SnapshotError);
    expect(thrown).toMatchObject({ path, code });
  });
});
