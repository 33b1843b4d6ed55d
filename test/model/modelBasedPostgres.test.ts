import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore, type PostgresStore } from '../../src/stores/postgres/index.js';
import { createTestModel } from '../../src/testing/index.js';

/*
 * The same generated paths, replayed through an engine over the PostgreSQL store (PGlite,
 * in-process): the store's compare-and-set, serialisation and due index must not change what the
 * statechart says at any step. One path per transition keeps it to seconds.
 */
let db: PGlite;
let store: PostgresStore;

beforeAll(async () => {
  db = await PGlite.create();
  store = createPostgresStore({ client: db, table: 'model_paths' });
  await store.migrate();
});
afterAll(() => db.close());

describe('model-based paths over the PostgreSQL store (PGlite)', () => {
  it('every transition path reaches the statechart’s state, context and view at every step', async () => {
    const model = createTestModel();
    const paths = model.getTransitionPaths();
    expect(paths.length).toBeGreaterThan(40);
    const harness = model.createHarness({ store });
    expect((await harness.replayAll(paths)).slice(0, 5)).toEqual([]);
  });
});
