import Fastify, { type FastifyInstance } from 'fastify';
import type { InfobipIntegration } from 'whatsapp-call-permissions/infobip';
import { commandAnswer, errorAnswer, WEBHOOK_PATH } from '../integration.ts';

interface RelationshipParams {
  readonly sender: string;
  readonly user: string;
}

/**
 * A Fastify app with Infobip's webhook beside its own JSON routes.
 *
 * Fastify parses JSON bodies itself. The webhook lives in its own encapsulated plugin whose only
 * content-type parser keeps the raw bytes (any type, up to 1 MiB), so the handler gets Infobip's
 * bytes: it checks credentials, content type, size and every field itself, and answers 200 only
 * once every fact is stored. The rest of the app keeps Fastify's JSON parser.
 */
export function createApp(infobip: InfobipIntegration): FastifyInstance {
  const app = Fastify();

  void app.register(async (webhook) => {
    webhook.removeAllContentTypeParsers();
    webhook.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 1_048_576 }, (_request, body, done) => done(null, body));
    webhook.post(WEBHOOK_PATH, async (request, reply) => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) for (const one of [value ?? []].flat()) headers.append(name, String(one));
      const body = request.body instanceof Uint8Array ? new Uint8Array(request.body) : undefined;
      const response = await infobip.handleWebhook(new Request(`http://${request.host}${request.url}`, { method: request.method, headers, ...(body ? { body } : {}) }));
      response.headers.forEach((value, name) => reply.header(name, value));
      return reply.code(response.status).send(await response.text());
    });
  });

  app.post<{ Params: RelationshipParams }>('/relationships/:sender/:user/permission-requests', async (request, reply) => {
    const { status, body } = commandAnswer(await infobip.relationship(request.params).requestPermission());
    return reply.code(status).send(body);
  });
  app.post<{ Params: RelationshipParams }>('/relationships/:sender/:user/calls', async (request, reply) => {
    const { status, body } = commandAnswer(await infobip.relationship(request.params).startCall());
    return reply.code(status).send(body);
  });
  app.get<{ Params: RelationshipParams }>('/relationships/:sender/:user/permissions', async (request) =>
    infobip.relationship(request.params).permissions(),
  );

  // The engine's typed errors become JSON; Fastify's own (a malformed JSON body, …) keep their status.
  app.setErrorHandler(async (error, _request, reply) => {
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status < 500) return reply.code(status).send({ error: { code: (error as { code?: string }).code ?? 'BAD_REQUEST', message: (error as Error).message } });
    const answer = errorAnswer(error);
    return reply.code(answer.status).send(answer.body);
  });
  return app;
}
