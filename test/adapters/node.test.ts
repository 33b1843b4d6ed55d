import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { toNodeListener, type NodeAdapterOptions } from '../../src/adapters/node.js';
import { toNodeListener as webhookListener } from '../../src/infobip/index.js';

/*
 * The one Node adapter (src/adapters/node.ts), served by node:http on 127.0.0.1: what it answers
 * itself (limits, methods a web Request cannot carry, a failing handler, a body a parser spent), in
 * its defaults and in the shape its two users give it (the /infobip webhook's codes, the service's
 * per-path limits and Allow list).
 */
const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(listener: ReturnType<typeof toNodeListener>) {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function send(port: number, method: string, path: string, body?: string): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: body === undefined ? {} : { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const echo = async (request: Request) => Response.json({ method: request.method, url: request.url, body: await request.text() });

describe('the Node adapter', () => {
  it('gives the handler a web Request (method, path, bytes) and writes its Response back', async () => {
    const port = await serve(toNodeListener(echo));
    const answer = await send(port, 'POST', '/a/b?c=1', '{"x":1}');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ method: 'POST', url: `http://127.0.0.1:${port}/a/b?c=1`, body: '{"x":1}' });
    expect((await send(port, 'HEAD', '/')).text).toBe('');
  });

  it('answers itself, in one error shape, what the handler cannot take; each is told to onRefused', async () => {
    const refused: string[] = [];
    const options: NodeAdapterOptions = { maxBodyBytes: (path) => (path.startsWith('/small') ? 10 : 1000), allow: ['GET', 'POST'], onRefused: (m, p, s) => void refused.push(`${m} ${p} ${s}`) };
    const port = await serve(toNodeListener(echo, options));
    const tooLarge = await send(port, 'POST', '/small', 'x'.repeat(11));
    expect(tooLarge.status).toBe(413);
    expect(JSON.parse(tooLarge.text)).toEqual({ error: { code: 'BODY_TOO_LARGE', path: 'body', message: 'body: more than 10 bytes' } });
    expect((await send(port, 'POST', '/large', 'x'.repeat(11))).status).toBe(200);
    const trace = await send(port, 'TRACE', '/');
    expect(trace.status).toBe(501);
    expect(trace.headers.allow).toBe('GET, POST');
    expect(JSON.parse(trace.text).error).toMatchObject({ code: 'METHOD_NOT_IMPLEMENTED', path: 'method' });
    const failing = await serve(toNodeListener(async () => Promise.reject(new Error('boom'))));
    expect(await send(failing, 'GET', '/')).toMatchObject({ status: 500, text: expect.stringContaining('"INTERNAL"') });
    expect(refused).toEqual(['POST /small 413', 'TRACE / 501']);
  });

  it('streams a body that does not end on its own, chunk by chunk', async () => {
    let pushMore: (() => void) | undefined;
    const port = await serve(
      toNodeListener(async () => {
        const stream = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('first\n'));
            pushMore = () => {
              controller.enqueue(new TextEncoder().encode('second\n'));
              controller.close();
            };
          },
        });
        return new Response(stream, { headers: { 'Content-Type': 'text/event-stream' } });
      }),
    );
    const chunks: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/' }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          chunks.push(c);
          if (chunks.length === 1) pushMore?.(); // the first chunk arrived before the stream went on
        });
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
    expect(chunks.join('')).toBe('first\nsecond\n');
    expect(chunks[0]).toBe('first\n');
  });

  it("as /infobip's toNodeListener: the same adapter, its own answers in the webhook's codes", async () => {
    const port = await serve(webhookListener(echo, { maxBodyBytes: 5 }));
    expect(JSON.parse((await send(port, 'POST', '/infobip/webhook', '{"results":[]}')).text).error).toMatchObject({ code: 'WEBHOOK_TOO_LARGE', path: 'body' });
    expect((await send(port, 'TRACE', '/infobip/webhook')).status).toBe(501);
  });
});
