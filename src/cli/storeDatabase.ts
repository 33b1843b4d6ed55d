/// <reference types="node" />
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { importOptionalPeer } from '../optionalPeer.js';
import type { SqlClient } from '../stores/postgres/client.js';
import { lockHolder, openLockedPglite } from '../service/lockedPglite.js';
import { CliError } from './errors.js';

/** A database holding a relationship store, opened for reading by `wacp inspect`. */
export interface StoreDatabase {
  readonly client: SqlClient;
  /** `PGlite at <dir>` or `PostgreSQL at <host>/<db>` (never a password). */
  readonly description: string;
  close(): Promise<void>;
}

/** Opens the PGlite database in `dataDir` (it must exist: nothing is created) under the service's lock. */
export async function openPgliteStore(dataDir: string): Promise<StoreDatabase> {
  const dir = resolve(dataDir);
  const inUse = (pid: number) =>
    new CliError(
      `${dataDir} is open in a running service (pid ${pid}), and PGlite allows one process at a time. ` +
        'Ask the service instead (GET /v1/relationships/{sender}/{user}/timeline), or stop it first.',
    );
  // The lock first: a running service may not have flushed its files yet.
  const holder = await lockHolder(dir);
  if (holder !== undefined) throw inUse(holder);
  if (!existsSync(join(dir, 'PG_VERSION')))
    throw new CliError(`no database in ${dataDir}: start the service there first (wacp serve --data-dir ${dataDir}), or pass --data-dir DIR or --database-url URL`);
  const { db, close } = await openLockedPglite(dir, inUse);
  return { client: db, description: `PGlite at ${dataDir}`, close };
}

/** Connects to PostgreSQL with `pg` (one connection: the CLI reads a few rows). */
export async function openPostgresStore(databaseUrl: string): Promise<StoreDatabase> {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new CliError('--database-url / DATABASE_URL is not a connection URL such as postgres://user@127.0.0.1:5432/db');
  }
  const { default: pg } = await importOptionalPeer('pg', 'Reading a PostgreSQL server (--database-url)', () => import('pg'));
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
  } catch (error) {
    throw new CliError(`cannot connect to PostgreSQL at ${url.host}${url.pathname}: ${(error as Error).message}`);
  }
  return { client, description: `PostgreSQL at ${url.host}${url.pathname}`, close: () => client.end() };
}
