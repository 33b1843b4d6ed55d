import { StoreConflictError } from '../errors.js';
import { sqlState, storeError } from '../stores/postgres/errors.js';
import type { RelationshipKey } from '../stores/store.js';

/**
 * One relationship at a time across every instance of the service on one database. Each instance
 * already runs the work on one relationship one piece after another (its serial queue); this lock
 * extends that to the fleet, so that for any relationship the store's write and the event log's
 * append happen together, before another instance touches it: the log's order is the store's, and
 * a timeline's replay matches the stored snapshot however many instances write.
 */
export interface RelationshipLocks {
  /** Runs `work` holding the relationship's lock, waiting for it if another instance holds it. */
  hold<T>(key: RelationshipKey, work: () => Promise<T>): Promise<T>;
  /** Runs `work` if the lock is free now; `{ held: false }` (work not run) when another instance holds it. */
  tryHold<T>(key: RelationshipKey, work: () => Promise<T>): Promise<{ held: true; value: T } | { held: false }>;
}

/** A connection checked out of a pool (`pg`'s `PoolClient` is one): `release(error)` closes it instead of reusing it. */
export interface LockConnection {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  release(error?: Error): void;
}

/** Where lock connections come from (`pg`'s `Pool` is one). */
export interface LockConnectionPool {
  connect(): Promise<LockConnection>;
}

/** One process (PGlite): its serial queue is the whole story. */
export const processLocks: RelationshipLocks = {
  hold: (_key, work) => work(),
  tryHold: async (_key, work) => ({ held: true, value: await work() }),
};

/** How long an instance waits for a relationship another instance holds before answering 503 (`STORE_CONFLICT`). */
export const LOCK_WAIT_MS = 15_000;

/**
 * PostgreSQL session advisory locks, one per relationship (a 64-bit hash of its key; two keys that
 * collide only wait for each other). A session lock lives on one connection, so each holder checks
 * a connection out of `pool` (its own pool, apart from the store's, so a holder never waits for a
 * connection another holder keeps) for as long as it holds the lock. Nothing here waits for two
 * locks at once, so no deadlock; a process that dies drops its connections and their locks.
 *
 * @param pool connections for locks only (their `lock_timeout` bounds a wait, see {@link LOCK_WAIT_MS}).
 */
export function createAdvisoryLocks(pool: LockConnectionPool): RelationshipLocks {
  const lockKey = (key: RelationshipKey) => `wacp-relationship:${key.sender}:${key.user}`;

  async function connect(): Promise<LockConnection> {
    try {
      return await pool.connect();
    } catch (error) {
      throw storeError(error, 'lock', false);
    }
  }

  async function unlockAndRelease(client: LockConnection, key: RelationshipKey) {
    try {
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1::text, 0))', [lockKey(key)]);
      client.release();
    } catch (error) {
      // The connection is suspect: closing it drops whatever it held.
      client.release(error as Error);
    }
  }

  async function take(client: LockConnection, key: RelationshipKey, wait: boolean): Promise<boolean> {
    try {
      if (!wait) {
        const { rows } = await client.query('SELECT pg_try_advisory_lock(hashtextextended($1::text, 0)) AS held', [lockKey(key)]);
        return (rows[0] as { held: boolean }).held;
      }
      await client.query('SELECT pg_advisory_lock(hashtextextended($1::text, 0))', [lockKey(key)]);
      return true;
    } catch (error) {
      client.release(error as Error);
      if (sqlState(error) === '55P03')
        throw new StoreConflictError(`another instance has held ${key.sender}:${key.user} for more than ${LOCK_WAIT_MS / 1000} s; try again`);
      throw storeError(error, 'lock', false);
    }
  }

  return {
    async hold(key, work) {
      const client = await connect();
      await take(client, key, true);
      try {
        return await work();
      } finally {
        await unlockAndRelease(client, key);
      }
    },
    async tryHold(key, work) {
      const client = await connect();
      if (!(await take(client, key, false))) {
        client.release();
        return { held: false };
      }
      try {
        return { held: true, value: await work() };
      } finally {
        await unlockAndRelease(client, key);
      }
    },
  };
}
