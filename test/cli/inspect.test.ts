import { PGlite } from '@electric-sql/pglite';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallPermissionEngine } from '../../src/index.js';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { DAY, HOUR, T0 } from '../support/timeline.js';
import { wacp } from './wacp.js';

/*
 * `wacp inspect` on a store that a host other than the reference service wrote: the relationships
 * table only, no event log. (test/cli/serve.test.ts covers the service's own data directory.)
 */
const SENDER = '441134960000';
const USER = '447700900123';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wacp-inspect-'));
  const db = await PGlite.create({ dataDir: dir });
  const store = createPostgresStore({ client: db });
  await store.migrate();
  const engine = createCallPermissionEngine({ store });
  await engine.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: false });
  await engine.record(SENDER, USER, { type: 'CALL_CONNECTED', at: T0 + HOUR, callId: 'c1' });
  await db.close();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('wacp inspect: one relationship from a store', () => {
  it('G1/G2: shows the stored state, its counters, view and decisions at --at', async () => {
    const run = await wacp(['inspect', '+44 113 496 0000', '+44 7700 900123', '--data-dir', dir, '--at', new Date(T0 + 2 * HOUR).toISOString()]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Relationship ${SENDER} ↔ ${USER} · policy infobip · PGlite at ${dir}`);
    expect(run.stdout).toContain('Stored: granted');
    expect(run.stdout).toContain('No event log in this database');
    expect(run.stdout).toContain('calls 1 connected + 0 in flight of 100 in PT24H');
    expect(run.stdout).toMatch(/view\s+TEMPORARY until 2026-04-08 10:00:00/);
  });

  it('G1: at a time past the grant’s end, shows the state the clock has reached (JSON)', async () => {
    const run = await wacp(['inspect', SENDER, USER, '--data-dir', dir, '--at', String(T0 + 8 * DAY), '--json']);
    expect(run.code, run.stderr).toBe(0);
    const shown = JSON.parse(run.stdout) as { stored: boolean; now: { state: string; stateNow: string }; timeline: unknown };
    expect(shown.stored).toBe(true);
    expect(shown.now).toMatchObject({ state: 'granted', stateNow: 'noPermission' });
    expect(shown.timeline).toBeNull();
  });

  it('shows a relationship it has never seen as new (noPermission)', async () => {
    const run = await wacp(['inspect', SENDER, '447700900999', '--data-dir', dir]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Not in the store: a new relationship (noPermission)');
  });

  it('fails clearly without a database, or while a running process holds the directory', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'wacp-empty-'));
    try {
      const none = await wacp(['inspect', SENDER, USER, '--data-dir', empty]);
      expect(none.code).toBe(1);
      expect(none.stderr).toContain(`no database in ${empty}`);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
    // This test's own process stands in for a running service.
    await writeFile(join(dir, 'wacp-service.lock'), String(process.pid));
    try {
      const held = await wacp(['inspect', SENDER, USER, '--data-dir', dir]);
      expect(held.code).toBe(1);
      expect(held.stderr).toContain(`is open in a running service (pid ${process.pid})`);
    } finally {
      await rm(join(dir, 'wacp-service.lock'), { force: true });
    }
  });

  it('refuses a bad phone number or time as a usage error (exit 2)', async () => {
    const [phone, time] = await Promise.all([wacp(['inspect', 'abc', USER, '--data-dir', dir]), wacp(['inspect', SENDER, USER, '--data-dir', dir, '--at', 'yesterday'])]);
    expect(phone.code).toBe(2);
    expect(phone.stderr).toContain('wacp inspect: sender');
    expect(time.code).toBe(2);
    expect(time.stderr).toContain('--at');
  });
});
