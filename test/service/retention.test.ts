import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SENDER, startTestService, type TestService } from './harness.js';

/**
 * The reproduction: a relationship refused more than 10,000 times (a script retrying a
 * permission request), then revoked. The timeline still ends with the revoke, its replay still
 * matches the store, and its answer stays small: repeated refusals are one row that counts.
 */
const REFUSALS = 10_050;
const USER = '447700900321';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(async () => {
  await service?.dispose();
});

const timeline = async (query = '') => {
  const answer = await service.call('GET', `${service.relationship('timeline', SENDER, USER)}${query}`);
  expect(answer.status).toBe(200);
  return answer;
};

describe('refusals are kept, and bounded', () => {
  test(`${REFUSALS} refused requests, then a grant and a revoke: the revoke is the newest row, the replay matches, the answer is small`, { timeout: 600_000 }, async () => {
    expect((await service.call('POST', service.relationship('permission-requests', SENDER, USER))).status).toBe(201);
    // R1: one request a day. Retried in parallel, as a script would.
    const started = Date.now();
    let refused = 0;
    for (let sent = 0; sent < REFUSALS; ) {
      const batch = Math.min(50, REFUSALS - sent);
      const answers = await Promise.all(Array.from({ length: batch }, () => service.call('POST', service.relationship('permission-requests', SENDER, USER))));
      refused += answers.filter((answer) => answer.status === 409 && answer.body.refusal.rule === 'R1').length;
      sent += batch;
    }
    expect(refused).toBe(REFUSALS);
    console.info(`[retention] ${REFUSALS} refusals over HTTP in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    expect((await service.call('POST', service.relationship('events', SENDER, USER), { type: 'PERMISSION_ACCEPTED', permanent: true })).status).toBe(201);
    expect((await service.call('POST', service.relationship('events', SENDER, USER), { type: 'PERMISSION_REVOKED' })).status).toBe(201);

    const { body, headers } = await timeline();
    expect(body.replayMatchesStore).toBe(true);
    expect(body.now.state).toBe('revoked');
    expect(body.rows.at(-1)).toMatchObject({ kind: 'event', event: { type: 'PERMISSION_REVOKED' }, stateAfter: 'revoked' });
    const refusals = body.rows.filter((row: any) => row.kind === 'refusal');
    expect(refusals).toEqual([expect.objectContaining({ action: 'request', rule: 'R1', count: REFUSALS, source: 'api' })]);
    expect(Date.parse(refusals[0].firstAt)).toBeLessThanOrEqual(Date.parse(refusals[0].at));
    expect(body.page).toEqual({ limit: 200, total: 4 });
    expect(Number(headers.get('content-length') ?? JSON.stringify(body).length)).toBeLessThan(100_000);
  });

  test('a refusal after an event starts a new row; the timeline pages newest first with a cursor', async () => {
    // Another refusal after the revoke: R1 still holds (a day has not passed), and it is a new row.
    expect((await service.call('POST', service.relationship('permission-requests', SENDER, USER))).status).toBe(409);
    const all = (await timeline()).body;
    expect(all.rows.map((row: any) => (row.kind === 'refusal' ? `refused×${row.count}` : row.event.type))).toEqual([
      'REQUEST_SENT',
      `refused×${REFUSALS}`,
      'PERMISSION_ACCEPTED',
      'PERMISSION_REVOKED',
      'refused×1',
    ]);

    const newest = (await timeline('?limit=2')).body;
    expect(newest.rows).toEqual(all.rows.slice(-2));
    expect(newest.page).toEqual({ limit: 2, total: 5, nextBefore: all.rows.at(-2).id });
    expect(newest.replayMatchesStore).toBe(true);
    const older = (await timeline(`?limit=2&before=${newest.page.nextBefore}`)).body;
    expect(older.rows).toEqual(all.rows.slice(1, 3));
    const oldest = (await timeline(`?limit=2&before=${older.page.nextBefore}`)).body;
    expect(oldest.rows).toEqual(all.rows.slice(0, 1));
    expect(oldest.page.nextBefore).toBeUndefined();

    for (const query of ['?limit=0', '?limit=1001', '?limit=ten', '?before=-1', '?before=0'])
      expect((await service.call('GET', `${service.relationship('timeline', SENDER, USER)}${query}`)).status).toBe(400);
  });
});
