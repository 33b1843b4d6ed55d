/**
 * What the store needs from a database driver: one method. `pg`'s `Pool`, `Client` and
 * `PoolClient` have it, and so does `@electric-sql/pglite`. Both answer `{ rows }`; they differ in
 * how they type columns (`pg` gives `bigint` as a string, PGlite as a number), so the store casts
 * in SQL and converts every number it reads with `Number`.
 *
 * Every statement the store sends is a single statement, atomic on its own: nothing depends on two
 * queries landing on the same pooled connection, and no transaction is ever left open.
 */
export interface SqlClient {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}
