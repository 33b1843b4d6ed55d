/**
 * A fetch-style worker: `export default { fetch }`, nothing else. The same file runs under
 *
 *   bun examples/worker/worker.ts                                   (Bun serves the default export)
 *   deno serve --allow-net --allow-env examples/worker/worker.ts
 *
 * and is the shape Cloudflare Workers and other edge platforms load. The webhook handler is
 * web-standard Request → Response, so the worker hands it the untouched request.
 */
import type { InfobipIntegration } from 'whatsapp-call-permissions/infobip';
import { commandAnswer, errorAnswer, integrationFromEnvironment, WEBHOOK_PATH, type Answer } from '../integration.ts';

const RELATIONSHIP_ROUTE = /^\/relationships\/([^/]+)\/([^/]+)\/(permission-requests|calls|permissions)$/;

function json({ status, body }: Answer): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

export function createWorker(infobip: InfobipIntegration): { fetch(request: Request): Promise<Response> } {
  async function route(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === WEBHOOK_PATH) return infobip.handleWebhook(request);
    const match = RELATIONSHIP_ROUTE.exec(pathname);
    if (match) {
      const [, sender, user, what] = match.map((part) => decodeURIComponent(part)) as [string, string, string, string];
      if (what === 'permissions' && request.method === 'GET') return json({ status: 200, body: await infobip.relationship({ sender, user }).permissions() });
      if (what === 'permission-requests' && request.method === 'POST') return json(commandAnswer(await infobip.relationship({ sender, user }).requestPermission()));
      if (what === 'calls' && request.method === 'POST') return json(commandAnswer(await infobip.relationship({ sender, user }).startCall()));
      return json({ status: 405, body: { error: { code: 'METHOD_NOT_ALLOWED', message: `${request.method} is not accepted here` } } });
    }
    return json({ status: 404, body: { error: { code: 'NOT_FOUND', message: `no route ${request.method} ${pathname}` } } });
  }
  return {
    async fetch(request) {
      try {
        return await route(request);
      } catch (error) {
        return json(errorAnswer(error));
      }
    },
  };
}

// Bun reads `port` and `hostname` from the default export; `deno serve` takes --port and --host.
export default {
  ...createWorker(integrationFromEnvironment(process.env)),
  port: Number(process.env.PORT ?? 8787),
  hostname: process.env.HOST ?? '127.0.0.1',
};
