import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createApp } from '../../examples/hono/app.ts';
import { integrationFromEnvironment } from '../../examples/integration.ts';
import { exerciseExample, startExampleWorld, type ExampleWorld } from './exampleWorld.js';

describe('examples/hono on Node (@hono/node-server)', () => {
  let world: ExampleWorld;
  let server: ServerType;
  let url: string;
  beforeAll(async () => {
    world = await startExampleWorld();
    await new Promise<void>((resolve) => {
      server = serve({ fetch: createApp(integrationFromEnvironment(world.environment)).fetch, port: 0, hostname: '127.0.0.1' }, () => resolve());
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await world?.close();
  });

  it('the example app: request, accept (twice), call, missed call, strangers and bad input', async () => {
    await exerciseExample(world, url);
  });
});
