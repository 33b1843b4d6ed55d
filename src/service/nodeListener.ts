/// <reference types="node" />
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody, json } from './http.js';

export interface NodeListenerOptions {
  /** The largest body accepted on a path; more is answered 413 without reading on. */
  readonly maxBodyBytes: (pathname: string) => number;
  /** Told of a request answered here, before any route (a method no route can take, a body too large). */
  readonly onRefused?: (method: string, path: string, status: number) => void;
}

/** The methods a web `Request` can carry; `new Request` throws on TRACE, TRACK, CONNECT and the like. */
const REQUEST_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** A method the service does not implement at all: 501, in the one error shape. */
export function methodNotImplemented(method: string): Response {
  return json(501, errorBody('METHOD_NOT_IMPLEMENTED', `${method.slice(0, 20)} is not a method this service implements (GET, HEAD, POST, DELETE)`, 'method'), { Allow: 'GET, HEAD, POST, DELETE' });
}

/**
 * What `node:http` answers for itself otherwise: a request it could not parse (400, 431 for
 * headers too large, 408 on a timeout) and CONNECT (501), as raw HTTP, in the one error shape.
 */
export function rawErrorAnswer(status: number, code: string, message: string): string {
  const body = `${JSON.stringify(errorBody(code, message, null), null, 2)}\n`;
  const reason = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large', 501: 'Not Implemented' }[status] ?? 'Error';
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/**
 * Serves a web-standard handler on `node:http`, streaming response bodies as they come (the
 * change feed is a body that never ends on its own: it stops when the client goes away).
 */
export function createNodeListener(handle: (request: Request) => Promise<Response>, options: NodeListenerOptions) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    void serve(req, res).catch(() => {
      // The client went away mid-answer: nothing left to tell it.
      res.destroy();
    });
  };

  async function serve(req: IncomingMessage, res: ServerResponse) {
    const method = (req.method ?? 'GET').toUpperCase();
    // The path only: the Host header is the request guard's to check (src/service/requestGuard.ts).
    const url = `http://127.0.0.1${req.url?.startsWith('/') ? req.url : '/'}`;
    const pathname = new URL(url).pathname;
    const limit = options.maxBodyBytes(pathname);
    let response: Response;
    if (!REQUEST_METHODS.has(method)) {
      req.resume();
      response = methodNotImplemented(method);
      options.onRefused?.(method, pathname, response.status);
    } else
      response = await toRequest(req, method, url, limit).then(
        (request) => handle(request),
        (failure: Response) => {
          options.onRefused?.(method, pathname, failure.status);
          return failure;
        },
      );
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    res.writeHead(response.status, headers);
    if (method === 'HEAD' || !response.body) {
      res.end();
      return;
    }
    res.flushHeaders();
    const reader = response.body.getReader();
    res.on('close', () => void reader.cancel().catch(() => undefined));
    for (;;) {
      const { done, value } = await reader.read();
      if (done || res.destroyed) break;
      res.write(value);
    }
    res.end();
  }
}

/** The Node request as a web `Request`; a body over the limit or a broken upload rejects with the answer to send. */
async function toRequest(req: IncomingMessage, method: string, url: string, limit: number): Promise<Request> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  if (method === 'GET' || method === 'HEAD') return new Request(url, { method, headers });
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.byteLength;
      if (size > limit) {
        req.resume();
        throw json(413, errorBody('BODY_TOO_LARGE', `the body is larger than ${limit} bytes`, 'body'), { Connection: 'close' });
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof Response) throw error;
    throw json(400, errorBody('BAD_REQUEST', 'the request body could not be read', 'body'));
  }
  return new Request(url, { method, headers, body: Buffer.concat(chunks) });
}
