import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/index.js';
import { DueIndex, type DueNode } from '../../src/stores/memory/dueIndex.js';
import { check } from '../support/fc.js';

/** What the index must answer, by brute force: sort everything due and cut. */
function naive(dues: ReadonlyMap<string, number>, time: number, limit: number) {
  return [...dues]
    .filter(([, dueAt]) => dueAt <= time)
    .map(([id, dueAt]) => ({ sender: id.split(':')[0]!, user: id.split(':')[1]!, dueAt }))
    .sort((a, b) => a.dueAt - b.dueAt || (a.sender < b.sender ? -1 : a.sender > b.sender ? 1 : a.user < b.user ? -1 : a.user > b.user ? 1 : 0))
    .slice(0, limit);
}

describe('the memory store’s due index', () => {
  it('answers dueBefore as a full sort would, through any sequence of adds, moves and removals', () => {
    const id = fc.tuple(fc.constantFrom('441134960000', '4930901820'), fc.integer({ min: 0, max: 24 })).map(([s, u]) => `${s}:4915100000${u}`);
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), id, dueAt: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }) }),
      fc.record({ kind: fc.constant('ask' as const), time: fc.integer({ min: -1, max: 41 }), limit: fc.integer({ min: 1, max: 30 }) }),
    );
    check(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const index = new DueIndex();
        const nodes = new Map<string, DueNode | undefined>();
        const dues = new Map<string, number>();
        for (const o of ops) {
          if (o.kind === 'set') {
            const [sender, user] = o.id.split(':') as [string, string];
            nodes.set(o.id, index.set(nodes.get(o.id), sender, user, o.dueAt));
            if (o.dueAt === undefined) dues.delete(o.id);
            else dues.set(o.id, o.dueAt);
            expect(index.size).toBe(dues.size);
          } else expect(index.dueBefore(o.time, o.limit)).toEqual(naive(dues, o.time, o.limit));
        }
        expect(index.dueBefore(Infinity, 1000)).toEqual(naive(dues, Infinity, 1000));
      }),
    );
  });

  it('finds the few due among 50,000 relationships, in the PostgreSQL store’s order', () => {
    const store = new MemoryStore();
    const T0 = Date.UTC(2026, 3, 1);
    for (let i = 0; i < 50_000; i++)
      store.save({ key: { sender: '441134960000', user: String(447_700_000_000 + i) }, snapshot: { v: 1, s: 'noPermission', t: T0 }, expectedVersion: 0, at: T0, nextDueAt: T0 + 1_000_000 + i });
    // Equal due times are ordered by sender, then user, as the PostgreSQL store orders them.
    store.save({ key: { sender: '4930901820', user: '491510000001' }, snapshot: { v: 1, s: 'noPermission', t: T0 }, expectedVersion: 0, at: T0, nextDueAt: T0 + 1_000_000 });
    expect(store.dueBefore(T0 + 1_000_001, 10)).toEqual([
      { sender: '441134960000', user: '447700000000', dueAt: T0 + 1_000_000 },
      { sender: '4930901820', user: '491510000001', dueAt: T0 + 1_000_000 },
      { sender: '441134960000', user: '447700000001', dueAt: T0 + 1_000_001 },
    ]);
    expect(store.dueBefore(T0 + 999_999, 10)).toEqual([]);
    expect(store.dueBefore(Infinity, 3).map((d) => d.dueAt)).toEqual([T0 + 1_000_000, T0 + 1_000_000, T0 + 1_000_001]);
  });
});
