import { afterAll, beforeAll, describe } from 'vitest';
import { describeStoreContract } from './contract.js';
import { postgresStores, serverBackend, type PostgresBackend } from './postgres-backends.js';
import { describePostgresStore } from './postgres-suite.js';

// A real server through `pg`, each store instance with its own pool: `.ci/postgres.sh` starts a
// throwaway cluster and sets DATABASE_URL. Without it these tests are skipped, and say why.
const url = process.env.DATABASE_URL;
if (!url)
  console.info('[test/stores] skipping the PostgreSQL server tests: DATABASE_URL is not set (run them with `.ci/postgres.sh run -- npx vitest run test/stores`)');

describe.skipIf(!url)('PostgreSQL server', () => {
  let backend: PostgresBackend;
  beforeAll(() => {
    backend = serverBackend(url!);
  });
  afterAll(async () => {
    await backend.close();
  });

  describeStoreContract('PostgreSQL store on a server (pg)', postgresStores(() => backend));
  describePostgresStore(() => backend, { server: true });
});
