/// <reference types="node" />
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { importOptionalPeer } from '../optionalPeer.js';
import type { SqlClient } from '../stores/postgres/index.js';
import { ServiceConfigError } from './errors.js';
import type { ListenConnection } from './changeRelay.js';
import { openLockedPglite } from './lockedPglite.js';

/** The database behind the service: PGlite in a directory, or a PostgreSQL server. */
export interface ServiceDatabase {
  readonly client: SqlClient;
  readonly kind: 'pglite' | 'postgres';
  /** The data directory, or the server's host and database (never the password). */
  readonly where: string;
  /** A PostgreSQL server: a new dedicated connection for `LISTEN` (the live feed across instances). */
  readonly listen?: () => ListenConnection;
  close(): Promise<void>;
}

/**
 * Opens PGlite in `dataDir` (created if missing), or a `pg` pool when `databaseUrl` is given.
 * PGlite is one process's database: a lock file holding our pid keeps a second service (or a
 * `wacp inspect`) off the same directory, which would corrupt it.
 */
export async function openDatabase(options: { dataDir: string; databaseUrl?: string | undefined }): Promise<ServiceDatabase> {
  if (options.databaseUrl !== undefined) return openPostgres(options.databaseUrl);
  return openPglite(resolve(options.dataDir));
}

async function openPostgres(databaseUrl: string): Promise<ServiceDatabase> {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new ServiceConfigError('is not a connection URL such as postgres://user@127.0.0.1:5432/db', 'DATABASE_URL');
  }
  const { default: pg } = await importOptionalPeer('pg', 'A PostgreSQL server (DATABASE_URL)', () => import('pg'));
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  return {
    client: pool,
    kind: 'postgres',
    where: `${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`,
    listen: () => new pg.Client({ connectionString: databaseUrl }),
    close: async () => {
      await pool.end();
    },
  };
}

async function openPglite(dataDir: string): Promise<ServiceDatabase> {
  await mkdir(dataDir, { recursive: true });
  const { db, close } = await openLockedPglite(
    dataDir,
    (pid) => new ServiceConfigError(`is in use by another service (pid ${pid}); stop it, or choose another directory`, 'WACP_DATA_DIR'),
  );
  return { client: db, kind: 'pglite', where: dataDir, close };
}
