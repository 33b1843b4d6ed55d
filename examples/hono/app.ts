import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { InfobipIntegration } from 'whatsapp-call-permissions/infobip';
import { commandAnswer, errorAnswer, WEBHOOK_PATH } from '../integration.ts';

/**
 * A Hono app. Hono is web-standard Request → Response, like the webhook handler: the route hands
 * over the untouched request (`c.req.raw`), whose body nothing has read.
 */
export function createApp(infobip: InfobipIntegration): Hono {
  const app = new Hono();
  app.post(WEBHOOK_PATH, (c) => infobip.handleWebhook(c.req.raw));

  app.post('/relationships/:sender/:user/permission-requests', async (c) => {
    const { status, body } = commandAnswer(await infobip.relationship({ sender: c.req.param('sender'), user: c.req.param('user') }).requestPermission());
    return c.json(body, status as ContentfulStatusCode);
  });
  app.post('/relationships/:sender/:user/calls', async (c) => {
    const { status, body } = commandAnswer(await infobip.relationship({ sender: c.req.param('sender'), user: c.req.param('user') }).startCall());
    return c.json(body, status as ContentfulStatusCode);
  });
  app.get('/relationships/:sender/:user/permissions', async (c) => c.json(await infobip.relationship({ sender: c.req.param('sender'), user: c.req.param('user') }).permissions()));

  app.onError((error, c) => {
    const { status, body } = errorAnswer(error);
    return c.json(body, status as ContentfulStatusCode);
  });
  return app;
}
