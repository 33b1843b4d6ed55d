import { integrationFromEnvironment } from '../integration.ts';
import { createApp } from './app.ts';

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const address = await createApp(integrationFromEnvironment(process.env)).listen({ port, host });
console.log(`Fastify example on ${address}; Infobip's webhook: POST /infobip/webhook`);
