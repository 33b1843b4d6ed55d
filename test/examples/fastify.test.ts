import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../examples/fastify/app.ts';
import { integrationFromEnvironment } from '../../examples/integration.ts';
import { basicAuthorization, exerciseExample, startExampleWorld, temporaryAccept, type ExampleWorld } from './exampleWorld.js';

describe('examples/fastify', () => {
  let world: ExampleWorld;
  let app: ReturnType<typeof createApp>;
  let url: string;
  beforeAll(async () => {
    world = await startExampleWorld();
    app = createApp(integrationFromEnvironment(world.environment));
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
    await world?.close();
  });

  it('the example app: request, accept (twice), call, missed call, strangers and bad input', async () => {
    await exerciseExample(world, url);
  });

  it("the webhook's scope takes any content type raw: the handler, not Fastify, refuses what is not JSON (415) and what is too large (413)", async () => {
    const post = (body: string, contentType: string) =>
      fetch(`${url}/infobip/webhook`, { method: 'POST', headers: { 'Content-Type': contentType, Authorization: basicAuthorization() }, body }).then(async (r) => ({
        status: r.status,
        body: await r.json(),
      }));
    expect(await post(JSON.stringify(temporaryAccept(world.infobip)), 'text/plain')).toMatchObject({ status: 415, body: { error: { code: 'WEBHOOK_UNSUPPORTED_MEDIA_TYPE' } } });
    expect((await post(`{"results":[],"pad":"${'x'.repeat(1_100_000)}"}`, 'application/json')).status).toBe(413);
  });
});
