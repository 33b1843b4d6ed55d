import { describe, expect, it } from 'vitest';
import { createPostgresStore, type SqlClient } from '../../src/stores/postgres/index.js';
import { schemaNames } from '../../src/stores/postgres/schema.js';

const client: SqlClient = { query: async () => ({ rows: [] }) };

describe('PostgreSQL store options', () => {
  it('derives quoted table, facts and index names from a plain or schema-qualified name', () => {
    expect(schemaNames()).toMatchObject({ relationships: '"call_permissions"', facts: '"call_permissions_facts"', dueIndex: '"call_permissions_due_idx"' });
    expect(schemaNames('crm.call_rules')).toMatchObject({ relationships: '"crm"."call_rules"', facts: '"crm"."call_rules_facts"', dueIndex: '"call_rules_due_idx"' });
  });

  it('refuses a table name that is not a plain lower-case identifier, so nothing else reaches SQL', () => {
    for (const table of ['', 'Calls', 'calls; DROP TABLE users', '"calls"', 'a.b.c', '.calls', '1calls', 'calls-x', 'x'.repeat(41)])
      expect(() => createPostgresStore({ client, table }), table).toThrow(expect.objectContaining({ code: 'INVALID_TABLE_NAME', path: 'options.table' }));
  });

  it('gives two table names different migration locks, and the same name the same lock in every process', () => {
    expect(schemaNames('calls').lockId).toBe(schemaNames('calls').lockId);
    expect(schemaNames('calls').lockId).not.toBe(schemaNames('calls2').lockId);
  });

  it('refuses a client without query() and a negative or fractional fact retention', () => {
    expect(() => createPostgresStore({ client: {} as SqlClient })).toThrow(expect.objectContaining({ code: 'INVALID_CLIENT' }));
    for (const factRetentionMs of [-1, 1.5, Number.NaN])
      expect(() => createPostgresStore({ client, factRetentionMs })).toThrow(expect.objectContaining({ code: 'INVALID_RETENTION' }));
  });

  it('refuses a dueBefore limit that is not a whole number ≥ 1 before asking the database', async () => {
    const store = createPostgresStore({ client });
    for (const limit of [0, -1, 1.5]) await expect(store.dueBefore(0, limit)).rejects.toMatchObject({ code: 'INVALID_LIMIT' });
  });
});
