import { afterAll, beforeAll } from 'vitest';
import { describeStoreContract } from './contract.js';
import { pgliteBackend, postgresStores, type PostgresBackend } from './postgres-backends.js';
import { describePostgresStore } from './postgres-suite.js';

// PostgreSQL compiled to WebAssembly, in this process: always available. It runs one statement at
// a time, so several stores over it interleave statement by statement, as separate processes would.
let backend: PostgresBackend;
beforeAll(async () => {
  backend = await pgliteBackend();
});
afterAll(async () => {
  await backend.close();
});

describeStoreContract('PostgreSQL store on PGlite', postgresStores(() => backend));
describePostgresStore(() => backend);
