import pg from 'pg';

/** A database of its own on the server of `serverUrl`, so a test sees no other test's rows (and leaves none). */
export interface ScratchDatabase {
  readonly url: string;
  /** One statement on a connection of its own (opened and closed around it): the rows it returns. */
  query(sql: string, params?: unknown[]): Promise<any[]>;
  /** Drops it, ending any connection still open to it. */
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
  return {
    url: url.toString(),
    query: (sql, params) => queryOnce(url.toString(), sql, params),
    drop: async () => {
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
