import { afterAll, describe, expect, test } from 'vitest';
import { permissionReply } from './infobipPayloads.js';
import { SENDER, startTestService, type TestService } from './harness.js';

// `.ci/run` starts a throwaway PostgreSQL cluster and sets DATABASE_URL (see .ci/postgres.sh).
const url = process.env.DATABASE_URL;
if (!url) console.info('[test/service] skipping the service-on-PostgreSQL test: DATABASE_URL is not set (run it with `.ci/postgres.sh run -- npx vitest run test/service`)');

describe.skipIf(!url)('the service on a PostgreSQL server (DATABASE_URL)', () => {
  let service: TestService | undefined;
  afterAll(async () => {
    await service?.dispose();
  });

  test('the store and the event log live on the server: a relationship survives a restart', async () => {
    service = await startTestService({ databaseUrl: url! });
    // The database outlives this run: a user number of its own keeps earlier runs' rows apart.
    const user = `4477${String(Date.now()).slice(-9)}`;
    expect((await service.call('GET', '/health')).body).toMatchObject({ status: 'ok', store: 'postgres' });
    expect((await service.call('POST', service.relationship('permission-requests', SENDER, user))).status).toBe(201);
    const now = Date.parse((await service.call('GET', '/v1/clock')).body.now);
    expect((await service.call('POST', '/webhooks/infobip', permissionReply(SENDER, user, now + 1000, { response: 'ACCEPT' }))).status).toBe(200);
    const before = (await service.call('GET', service.relationship('timeline', SENDER, user))).body;

    await service.restart();

    const after = (await service.call('GET', service.relationship('timeline', SENDER, user))).body;
    expect(after).toEqual(before);
    expect(after.now.state).toBe('granted');
    expect(after.rows.map((r: any) => r.event.type)).toEqual(['REQUEST_SENT', 'PERMISSION_ACCEPTED']);
    expect(after.replayMatchesStore).toBe(true);
  });
});
