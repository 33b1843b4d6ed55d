import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../examples/express/app.ts';
import { integrationFromEnvironment } from '../../examples/integration.ts';
import { toNodeListener } from '../../src/infobip/index.js';
import { basicAuthorization, exerciseExample, SENDER, startExampleWorld, temporaryAccept, USER, type ExampleWorld } from './exampleWorld.js';

async function listen(app: express.Express): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('examples/express', () => {
  let world: ExampleWorld;
  beforeAll(async () => {
    world = await startExampleWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('the example app: request, accept (twice), call, missed call, strangers and bad input', async () => {
    const server = await listen(createApp(integrationFromEnvironment(world.environment)));
    try {
      await exerciseExample(world, server.url);
    } finally {
      await server.close();
    }
  });

  /** The reproduction: the webhook route mounted after an app-wide express.json() answered 400 "body: is empty". */
  describe.each([
    ['after an app-wide express.json()', (app: express.Express) => app.use(express.json())],
    ['after an app-wide express.raw()', (app: express.Express) => app.use(express.raw({ type: '*/*' }))],
    ['after an app-wide express.text() for JSON', (app: express.Express) => app.use(express.text({ type: 'application/json' }))],
    ['with no body parser', () => undefined],
  ])('the webhook route %s', (_, parsers) => {
    let server: Awaited<ReturnType<typeof listen>>;
    let integration: ReturnType<typeof integrationFromEnvironment>;
    beforeAll(async () => {
      integration = integrationFromEnvironment(world.environment);
      const app = express();
      parsers(app);
      app.post('/infobip/webhook', toNodeListener(integration.handleWebhook));
      server = await listen(app);
    });
    afterAll(async () => {
      await server?.close();
    });
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${server.url}/infobip/webhook`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: basicAuthorization(), ...headers },
        body,
        signal: AbortSignal.timeout(10_000),
      }).then(async (response) => ({ status: response.status, body: await response.json() }));

    it('records the accept, once', async () => {
      const reply = JSON.stringify(temporaryAccept(world.infobip));
      expect(await post(reply)).toMatchObject({ status: 200, body: { counts: { recorded: 1, duplicates: 0 } } });
      expect(await post(reply)).toMatchObject({ status: 200, body: { counts: { recorded: 0, duplicates: 1 } } });
      expect((await integration.engine.permissions(SENDER, USER)).status).toBe('TEMPORARY');
    });

    it('still refuses a stranger and a body that breaks the schema, naming the field, and records nothing', async () => {
      const before = await integration.engine.snapshot(SENDER, USER);
      const reply = world.infobip.inboundBatch([world.infobip.replyResult(SENDER, USER, { response: 'MAYBE' as 'ACCEPT' })]);
      expect(await post(JSON.stringify(reply), { Authorization: basicAuthorization('infobip', 'guess') })).toMatchObject({ status: 401 });
      expect(await post(JSON.stringify(reply))).toMatchObject({
        status: 400,
        body: { error: { code: 'INVALID_WEBHOOK', path: 'results[0].message.callPermissionReply.response' } },
      });
      expect(await integration.engine.snapshot(SENDER, USER)).toEqual(before);
    });
  });

  it('a body parser that read the body and kept nothing is named, not taken for an empty body', async () => {
    const integration = integrationFromEnvironment(world.environment);
    const app = express();
    app.use((req, _res, next) => {
      req.on('end', () => next()).resume();
    });
    app.post('/infobip/webhook', toNodeListener(integration.handleWebhook));
    const server = await listen(app);
    try {
      const response = await fetch(`${server.url}/infobip/webhook`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: basicAuthorization() },
        body: '{"results":[]}',
      });
      expect(response.status).toBe(400);
      expect((await response.json()).error.message).toMatch(/read by a body parser mounted before this route/);
    } finally {
      await server.close();
    }
  });
});
