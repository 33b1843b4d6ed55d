/// <reference types="node" />
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { importOptionalPeer } from '../optionalPeer.js';

/** Beside PGlite's files: the lock that keeps a second process (a service, `wacp inspect`) out. */
export const LOCK_FILE = 'wacp-service.lock';

/**
 * Opens PGlite in `dataDir` under the lock file. PGlite is one process's database: a second
 * process on the same directory would corrupt it, so whoever opens it holds a lock with its pid;
 * a lock whose process is gone (a crash) is taken over. `inUse` builds the caller's own error.
 */
export async function openLockedPglite(dataDir: string, inUse: (pid: number) => Error): Promise<{ db: PGlite; close(): Promise<void> }> {
  const lockPath = join(dataDir, LOCK_FILE);
  await takeLock(lockPath, inUse);
  try {
    const { PGlite } = await importOptionalPeer('@electric-sql/pglite', 'The embedded database (PGlite, used without DATABASE_URL)', () => import('@electric-sql/pglite'));
    const db = await PGlite.create({ dataDir });
    return {
      db,
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

/** The pid of the live process holding the directory's lock, if any. */
export async function lockHolder(dataDir: string): Promise<number | undefined> {
  const pid = Number((await readFile(join(dataDir, LOCK_FILE), 'utf8').catch(() => '')).trim());
  return Number.isSafeInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

async function takeLock(lockPath: string, inUse: (pid: number) => Error): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
      if (Number.isSafeInteger(pid) && pid > 0 && isAlive(pid)) throw inUse(pid);
      await rm(lockPath, { force: true });
    }
  }
  throw new Error(`could not take the lock ${lockPath}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
