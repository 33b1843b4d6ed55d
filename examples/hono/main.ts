import { serve } from '@hono/node-server';
import { integrationFromEnvironment } from '../integration.ts';
import { createApp } from './app.ts';

const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOST ?? '127.0.0.1';
serve({ fetch: createApp(integrationFromEnvironment(process.env)).fetch, port, hostname }, (info) => {
  console.log(`Hono example on http://${info.address}:${info.port}; Infobip's webhook: POST /infobip/webhook`);
});
