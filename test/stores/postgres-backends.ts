import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { createPostgresStore, type PostgresStore, type SqlClient } from '../../src/stores/postgres/index.js';
import type { RelationshipKey } from '../../src/index.js';
import type { OpenStore } from './contract.js';

/** How a write was cut off: what it threw, and whether it had really reached the database first. */
export interface CutWrite {
  readonly error: unknown;
  readonly reachedDatabase: boolean;
}

export interface Connection {
  readonly client: SqlClient;
  /** Ends the pool (a server); nothing for PGlite, whose one database lives as long as the backend. */
  release(): Promise<void>;
}

/** A PostgreSQL to test against: PGlite in this process, or a real server through `pg`. */
export interface PostgresBackend {
  readonly label: string;
  /** The client of a new "process": its own pool on a server; on PGlite the one in-process database. */
  connect(): Promise<Connection>;
  /** A server's pool whose transactions run SERIALIZABLE (PGlite runs one statement at a time: nothing to race). */
  connectSerializable?(): Promise<Connection>;
  /**
   * Runs `attempt` with a client over `store`'s tables whose first write reaches the database and
   * is then cut off before it commits: on PGlite it runs inside a transaction that is rolled back
   * (what the server does when a connection dies mid-transaction); on a server the connection's
   * backend is terminated (`pg_terminate_backend`) while the write waits on the row's lock.
   */
  cutMidWrite(store: PostgresStore, key: RelationshipKey, attempt: (client: SqlClient) => Promise<unknown>): Promise<CutWrite>;
  close(): Promise<void>;
}

let tables = 0;
/** A table of its own for every harness: tests never see each other's rows. */
export function uniqueTable(): string {
  return `t${process.pid}_${Date.now().toString(36)}_${++tables}`;
}

/** Every statement but a plain read; the two-key reservation is a function called by a SELECT. */
const isWrite = (text: string) => !/^\s*SELECT\b/i.test(text) || /_reserve"\(/.test(text);

export async function pgliteBackend(): Promise<PostgresBackend> {
  const db = await PGlite.create();
  return {
    label: 'PGlite',
    connect: async () => ({ client: db, release: async () => {} }),
    async cutMidWrite(_store, _key, attempt) {
      let reachedDatabase = false;
      const client: SqlClient = {
        async query(text, params) {
          if (!isWrite(text)) return db.query(text, params);
          await db.transaction(async (tx) => {
            reachedDatabase = (await tx.query(text, params)).rows.length > 0;
            throw new Error('Connection terminated unexpectedly');
          });
          throw new Error('unreachable: the transaction always throws');
        },
      };
      const error = await attempt(client).then(() => undefined, (e: unknown) => e);
      return { error, reachedDatabase };
    },
    close: () => db.close(),
  };
}

export function serverBackend(url: string): PostgresBackend {
  const pools = new Set<pg.Pool>();
  const newPool = (options: pg.PoolConfig = {}) => {
    const pool = new pg.Pool({ connectionString: url, max: 3, ...options });
    // A terminated backend also reports on idle clients; the pool replaces them.
    pool.on('error', () => {});
    pools.add(pool);
    return pool;
  };
  const endPool = async (pool: pg.Pool) => {
    pools.delete(pool);
    await pool.end();
  };
  const admin = newPool({ max: 1 });
  return {
    label: 'PostgreSQL server',
    async connect() {
      const pool = newPool();
      return { client: pool, release: () => endPool(pool) };
    },
    async connectSerializable() {
      const pool = newPool({ options: '-c default_transaction_isolation=serializable' });
      return { client: pool, release: () => endPool(pool) };
    },
    async cutMidWrite(store, key, attempt) {
      const applicationName = `victim_${uniqueTable()}`;
      const victim = newPool({ max: 1, application_name: applicationName });
      const locker = new pg.Client({ connectionString: url });
      await locker.connect();
      try {
        await locker.query('BEGIN');
        await locker.query(`SELECT 1 FROM ${store.names.relationships} WHERE sender = $1 AND user_number = $2 FOR UPDATE`, [key.sender, key.user]);
        const outcome = attempt(victim).then(() => undefined, (e: unknown) => e);
        // The write is in the database, waiting for the row: it has been sent and has not committed.
        let pid: number | undefined;
        for (let poll = 0; pid === undefined && poll < 400; poll++) {
          const { rows } = await admin.query(`SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [applicationName]);
          pid = rows[0]?.pid;
          if (pid === undefined) await new Promise((resolve) => setTimeout(resolve, 25));
        }
        if (pid !== undefined) await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        const error = await outcome;
        return { error, reachedDatabase: pid !== undefined };
      } finally {
        await locker.query('ROLLBACK').catch(() => undefined);
        await locker.end();
        await endPool(victim);
      }
    },
    async close() {
      await Promise.all([...pools].map(endPool));
    },
  };
}

/** The contract's harness over a backend: a fresh table pair per harness, dropped at the end. */
export function postgresStores(backend: () => PostgresBackend): OpenStore {
  return async (options = {}) => {
    const table = uniqueTable();
    const connections: Connection[] = [];
    const open = async () => {
      const connection = await backend().connect();
      connections.push(connection);
      return createPostgresStore({ client: connection.client, table, ...options });
    };
    const store = await open();
    await store.migrate();
    return {
      store,
      another: open,
      async close() {
        await connections[0]!.client.query(`DROP TABLE ${store.names.relationships}, ${store.names.facts}, ${store.names.senders}`);
        await connections[0]!.client.query(`DROP FUNCTION ${store.names.reserveFunction}`);
        await Promise.all(connections.map((connection) => connection.release()));
      },
    };
  };
}
