/// <reference types="node" />
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { SqlClient } from '../stores/postgres/client.js';
import { ServiceConfigError } from './errors.js';

/** The database behind the service: PGlite in a directory, or a PostgreSQL server. */
export interface ServiceDatabase {
  readonly client: SqlClient;
  readonly kind: 'pglite' | 'postgres';
  /** The data directory, or the server's host and database (never the password). */
  readonly where: string;
  close(): Promise<void>;
}

/** Beside PGlite's files: the lock that keeps a second process out (`wacp inspect` takes it too, src/cli/storeDatabase.ts). */
const LOCK_FILE = 'wacp-service.lock';

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
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  return {
    client: pool,
    kind: 'postgres',
    where: `${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`,
    close: () => pool.end(),
  };
}

async function openPglite(dataDir: string): Promise<ServiceDatabase> {
  await mkdir(dataDir, { recursive: true });
  const lockPath = join(dataDir, LOCK_FILE);
  await takeLock(lockPath);
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create({ dataDir });
    return {
      client: db,
      kind: 'pglite',
      where: dataDir,
      async close() {
        try {
          await db.close();
        } finally {
          await rm(lockPath, { force: true });
        }
      },
    };
  } catch (error) {
    await rm(lockPath, { force: true });
    throw error;
  }
}

/** Creates the lock file, or takes over one whose process is gone (a crash left it). */
async function takeLock(lockPath: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
      if (Number.isSafeInteger(pid) && pid > 0 && isAlive(pid))
        throw new ServiceConfigError(`is in use by another service (pid ${pid}); stop it, or choose another directory`, 'WACP_DATA_DIR');
      await rm(lockPath, { force: true });
    }
  }
  throw new ServiceConfigError(`could not take the lock ${lockPath}`, 'WACP_DATA_DIR');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
