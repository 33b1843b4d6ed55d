/**
 * `whatsapp-call-permissions/stores/postgres`: the relationship store for more than one machine.
 * Any number of engine instances share relationships in PostgreSQL through compare-and-set writes,
 * fact-key idempotency and a due-time index. Works over `pg` and `@electric-sql/pglite` alike.
 *
 * @packageDocumentation
 */
export { createPostgresStore, type PostgresStore, type PostgresStoreOptions } from './store.js';
export type { SqlClient } from './client.js';
export { StoreUnavailableError } from './errors.js';
export type { SchemaNames } from './schema.js';
export type { Statements } from './statements.js';
