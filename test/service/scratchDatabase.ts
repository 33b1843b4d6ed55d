import pg from 'pg';

/** A database of its own on the server of `serverUrl`, so a test sees no other test's rows (and leaves none). */
export interface ScratchDatabase {
  readonly url: string;
  /** One statement on a connection of its own (opened and closed around it): the rows it returns. */
  query(sql: string, params?: unknown[]): Promise<any[]>;
  /**
   * A connection pool to it, ended by {@link drop}. Its idle connections may still be closing when
   * `pool.end()` resolves, and the drop ends them from the server's side: the pool's `error` event
   * is listened to, or that ending would be an uncaught exception in the test process.
   */
  pool(config?: pg.PoolConfig): pg.Pool;
  /** Ends the pools it gave out, then drops it, ending any connection still open to it. */
  drop(): Promise<void>;
}

/** One statement on a connection of its own to `connectionString`. */
async function queryOnce(connectionString: string, sql: string, params: unknown[] = []): Promise<any[]> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

export async function createScratchDatabase(serverUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  if (!/^[a-z0-9_]{1,63}$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  const admin = (sql: string) => queryOnce(serverUrl, sql);
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const pools: pg.Pool[] = [];
  return {
    url: url.toString(),
    query: (sql, params) => queryOnce(url.toString(), sql, params),
    pool: (config = {}) => {
      const pool = new pg.Pool({ connectionString: url.toString(), ...config });
      pool.on('error', () => undefined);
      pools.push(pool);
      return pool;
    },
    drop: async () => {
      await Promise.allSettled(pools.map((pool) => pool.end()));
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
