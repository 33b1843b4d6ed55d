import { describe, expect, it } from 'vitest';
import type { RelationshipKey, RelationshipStore, StoredRelationship } from '../../src/index.js';
import { ContractViolation, storeContractCases, type OpenStore } from '../../src/testing/index.js';

/** A store as a hurried host might write it: a Map, last write wins, no compare-and-set, no fact keys, no due index. */
const mapWithoutCompareAndSet: OpenStore = async () => {
  const rows = new Map<string, StoredRelationship>();
  const id = (key: RelationshipKey) => `${key.sender}:${key.user}`;
  const store: RelationshipStore = {
    load: async (key) => rows.get(id(key)),
    async save(request) {
      const version = (rows.get(id(request.key))?.version ?? 0) + 1;
      rows.set(id(request.key), { snapshot: request.snapshot, version });
      return { ok: true, version };
    },
  };
  return { store, another: async () => store, close: async () => {} };
};

/** Runs every case; answers the names of those that failed, with their errors. */
async function failures(open: OpenStore): Promise<Map<string, unknown>> {
  const failed = new Map<string, unknown>();
  for (const contractCase of storeContractCases('under test', open)) {
    try {
      await contractCase.run();
    } catch (error) {
      failed.set(contractCase.name, error);
    }
  }
  return failed;
}

describe('the exported store contract (whatsapp-call-permissions/testing)', () => {
  it('catches a broken store: a Map without compare-and-set fails the compare-and-set, fact-key, due-index and sender cases, saying what it expected', async () => {
    const failed = await failures(mapWithoutCompareAndSet);
    const names = [...failed.keys()];
    for (const expected of [
      /compare-and-set: a save on a version that is not the stored one/,
      /compare-and-set: of concurrent saves from the same version, across instances, exactly one wins/,
      /idempotency: a fact key recorded for a relationship makes the same fact a duplicate/,
      /idempotency: the same fact delivered to every instance at once is written exactly once/,
      /dueBefore/,
      /sender reservations/,
    ])
      expect(names.some((name) => expected.test(name)), String(expected)).toBe(true);
    const compareAndSet = [...failed.entries()].find(([name]) => name.includes('a save on a version that is not the stored one'))![1];
    expect(compareAndSet).toBeInstanceOf(ContractViolation);
    expect((compareAndSet as Error).message).toMatch(/expected \{"ok":false,"reason":"conflict"\}, got \{"ok":true/);
    // The cases that hold for any store that keeps what it is given still pass.
    expect(names.some((name) => name.includes('load answers undefined for a relationship never saved'))).toBe(false);
  });

  it('names every case by its scope, runs each on a fresh data set, and closes it even when the case fails', async () => {
    let opened = 0;
    let closed = 0;
    const counting: OpenStore = async (options) => {
      opened++;
      const harness = await mapWithoutCompareAndSet(options);
      return { ...harness, close: async () => void closed++ };
    };
    const cases = storeContractCases('counted', counting);
    expect(cases.length).toBeGreaterThan(15);
    expect(cases.every((c) => c.name.startsWith('store contract: counted › '))).toBe(true);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    await failures(counting);
    expect(opened).toBeGreaterThanOrEqual(cases.length); // the retention case opens one more, with its own setting
    expect(closed).toBe(opened);
  });
});
