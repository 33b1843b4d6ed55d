import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import { loadSiblingModule } from '../../src/cli/siblingModule.js';
import { startWacp, wacp } from './wacp.js';

const SENDER = '441134960000';
const USER = '447700900123';
const dir = await mkdtemp(join(tmpdir(), 'wacp-serve-'));
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

/** Starts `wacp serve` and resolves with its URL once it prints it (bounded: the test's own timeout). */
function serve(args: string[]): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = startWacp(['serve', ...args]);
  children.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const found = /Inspector: (http:\/\/127\.0\.0\.1:\d+)\//.exec(output);
      if (found) resolve({ child, url: found[1]!, output: () => output });
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('close', (code) => reject(new Error(`wacp serve exited ${code} before it listened:\n${output}`)));
  });
}

/** Waits (at most 30 s) for the service's lock file to go: it is removed once the database is closed. */
async function lockReleased(path: string) {
  for (let i = 0; i < 300 && existsSync(path); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(existsSync(path), 'the service released its data directory').toBe(false);
}

async function post(url: string, body?: unknown) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('wacp serve: the reference service, started from the CLI', () => {
  it('listens on 127.0.0.1, answers, keeps the directory to itself, stops on SIGTERM; wacp inspect then shows the timeline', async () => {
    const { child, url } = await serve(['--port', '0', '--data-dir', dir, '--clock', 'virtual', '--clock-start', '2026-04-06T09:00:00Z']);
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    const base = `${url}/v1/relationships/${SENDER}/${USER}`;
    expect((await post(`${base}/permission-requests`)).body).toMatchObject({ outcome: 'sent', via: 'template' });
    expect((await post(`${base}/events`, { type: 'PERMISSION_ACCEPTED', permanent: false })).status).toBe(201);
    expect((await post(`${url}/v1/clock`, { advance: 'PT1H' })).status).toBe(200);
    expect((await post(`${base}/permission-requests`)).body).toMatchObject({ outcome: 'refused' });

    // PGlite is one process's database: the CLI stays off while the service has it open.
    const held = await wacp(['inspect', SENDER, USER, '--data-dir', dir]);
    expect(held.code).toBe(1);
    expect(held.stderr).toContain('is open in a running service');

    // unrun runs the CLI in a child of its own and passes SIGTERM on: the service closes the
    // database and removes its lock, however the wrapper itself exits.
    const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
    child.kill('SIGTERM');
    await closed;
    await lockReleased(join(dir, 'wacp-service.lock'));

    const run = await wacp(['inspect', SENDER, USER, '--data-dir', dir, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const shown = JSON.parse(run.stdout) as { stored: boolean; timeline: { event: { type: string }; command?: { outcome: string }; stateAfter: string }[]; replayMatchesStore: boolean };
    expect(shown.stored).toBe(true);
    expect(shown.replayMatchesStore).toBe(true);
    expect(shown.timeline.map((e) => e.command?.outcome ?? e.event.type)).toEqual(['REQUEST_SENT', 'PERMISSION_ACCEPTED', 'refused']);
    expect(shown.timeline.map((e) => e.stateAfter)).toEqual(['requested', 'granted', 'granted']);
  });

  it('a bad flag is a usage error, as the service words it (exit 2)', async () => {
    const run = await wacp(['serve', '--colour', 'blue']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('wacp serve: ');
    expect(run.stderr).toContain('--colour');
  });

  it('says clearly when the service is not part of the build', async () => {
    const elsewhere = pathToFileURL(join(dir, 'cli', 'main.js')).href;
    await expect(loadSiblingModule(elsewhere, '../service/index', 'The reference service (src/service)')).rejects.toThrow(
      /^The reference service \(src\/service\) is not part of this build: neither .*service\/index\.js nor its \.ts source exists$/,
    );
  });
});
