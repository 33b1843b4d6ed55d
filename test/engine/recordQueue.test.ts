import { describe, expect, it } from 'vitest';
import { createCallPermissionEngine, MemoryStore, type RelationshipStore, type SaveResult } from '../../src/index.js';
import { HOUR, T0 } from '../support/timeline.js';

const SENDER = '441134960000';
const USER = '447700900123';

/** A memory store behind a network: every call answers after a few ms; lost races are counted. */
function remoteStore() {
  const inner = new MemoryStore();
  const counts = { saves: 0, conflicts: 0 };
  const later = <T>(value: () => T) => new Promise<T>((resolve) => setTimeout(() => resolve(value()), 1 + Math.random() * 3));
  const store: RelationshipStore = {
    load: (key) => later(() => inner.load(key)),
    save: (request) =>
      later((): SaveResult => {
        const result = inner.save(request);
        counts.saves++;
        if (!result.ok && result.reason === 'conflict') counts.conflicts++;
        return result;
      }),
  };
  return { store, counts };
}

describe('records on one relationship over an async store', () => {
  it('queue in the engine instead of racing each other to compare-and-set: 16 at once, no conflict, none lost', async () => {
    const { store, counts } = remoteStore();
    const engine = createCallPermissionEngine({ store, maxConflictRetries: 0 });
    await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true });
    // Sixteen webhook facts at once, each with its own key: every one must land.
    const facts = Array.from({ length: 16 }, (_, i) =>
      engine.record(SENDER, USER, { type: 'USER_MESSAGE', at: T0 + HOUR + i }, { factKey: `USER_MESSAGE:m${i}` }),
    );
    const results = await Promise.all(facts);
    expect(results.every((r) => !r.duplicate)).toBe(true);
    expect(counts.conflicts).toBe(0);
    expect((await engine.snapshot(SENDER, USER))?.context.lastUserContactAt).toBe(T0 + HOUR + 15);
    // And the same fact delivered 4 times at once is recorded once.
    const again = await Promise.all(Array.from({ length: 4 }, () => engine.record(SENDER, USER, { type: 'USER_MESSAGE', at: T0 + 2 * HOUR }, { factKey: 'USER_MESSAGE:again' })));
    expect(again.filter((r) => r.duplicate)).toHaveLength(3);
    expect(counts.conflicts).toBe(0);
  });

  it('do not hold up records on other relationships', async () => {
    const { store } = remoteStore();
    const engine = createCallPermissionEngine({ store });
    const users = Array.from({ length: 8 }, (_, i) => `4477009001${String(i).padStart(2, '0')}`);
    const results = await Promise.all(users.map((user) => engine.record(SENDER, user, { type: 'USER_MESSAGE', at: T0 })));
    expect(results.map((r) => r.changed)).toEqual(users.map(() => true));
  });
});
