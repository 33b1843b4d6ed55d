/**
 * The one Node adapter: a web-standard handler (`Request → Response`) served as a `node:http`
 * listener, hono-style — the handler knows nothing of Node, and everything Node-specific (reading
 * the request stream, a body a framework already parsed, limits, methods a web `Request` cannot
 * carry, streaming the answer back) lives here. The Infobip webhook (`toNodeListener` of `/infobip`)
 * and the reference service both run on it.
 *
 * It imports nothing from `node:`: Node's request and response are typed by the parts used, so the
 * entry points that re-export it still load on Bun, Deno and workers.
 */

/** The parts of Node's `IncomingMessage` the adapter uses. */
export interface NodeLikeRequest extends AsyncIterable<Uint8Array | string> {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  resume?(): unknown;
  /** True once the body stream was read to its end (by a framework's body parser, before this listener ran). */
  readonly readableEnded?: boolean;
  /**
   * What a framework's body parser kept of a body it read: a `Buffer` (`express.raw()`), a string
   * (`express.text()`) or the parsed value (`express.json()`). Read only when the stream was spent.
   */
  readonly body?: unknown;
}

/**
 * The parts of Node's `ServerResponse` the adapter uses. With `write`, a response body is streamed
 * as it comes (a body that never ends on its own, such as a change feed, stops when the client goes
 * away); without it, the body is sent whole.
 */
export interface NodeLikeResponse {
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body?: string | Uint8Array): unknown;
  write?(chunk: Uint8Array): unknown;
  flushHeaders?(): unknown;
  on?(event: 'close', listener: () => void): unknown;
  destroy?(): unknown;
  readonly destroyed?: boolean;
}

/** Why the adapter answered a request itself, before (or instead of) the handler. */
export type NodeRefusalReason = 'bodyTooLarge' | 'bodyAlreadyRead' | 'unreadable' | 'methodNotImplemented' | 'handlerFailed';

/** An answer the adapter gives itself: the status, a stable code, a message and the field at fault. */
export interface NodeRefusal {
  readonly reason: NodeRefusalReason;
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly path: string | null;
  /** Headers the answer must carry (`Connection: close` after a body left unread, `Allow` with a 501). */
  readonly headers: Readonly<Record<string, string>>;
}

export interface NodeAdapterOptions {
  /**
   * The largest body accepted, in bytes, or one per path (`(pathname) => bytes`); a larger body is
   * answered 413 without reading further. Default 1 MiB.
   */
  readonly maxBodyBytes?: number | ((pathname: string) => number);
  /**
   * The origin of the `Request`'s URL. Default: `http://` and the request's `Host` header. A server
   * whose handler checks the `Host` header itself gives a fixed one (`http://127.0.0.1`), so a forged
   * Host cannot make the URL unparsable.
   */
  readonly origin?: string;
  /** The codes of the adapter's own answers, by reason (defaults: `BODY_TOO_LARGE`, `BODY_ALREADY_READ`, `BAD_REQUEST`, `METHOD_NOT_IMPLEMENTED`, `INTERNAL`). */
  readonly codes?: Partial<Record<NodeRefusalReason, string>>;
  /** The methods the handler implements, named in the 501 for a method a web `Request` cannot carry (TRACE, CONNECT…) and in its `Allow` header. */
  readonly allow?: readonly string[];
  /** How the adapter's own answers are written. Default: JSON `{ error: { code, message, path } }`. */
  readonly refusal?: (refusal: NodeRefusal) => Response;
  /** Told of every request the adapter answered itself (method, path, status). */
  readonly onRefused?: (method: string, path: string, status: number) => void;
}

/** The methods a web `Request` can carry; `new Request` throws on TRACE, TRACK, CONNECT and the like. */
const REQUEST_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

const DEFAULT_CODES: Record<NodeRefusalReason, string> = {
  bodyTooLarge: 'BODY_TOO_LARGE',
  bodyAlreadyRead: 'BODY_ALREADY_READ',
  unreadable: 'BAD_REQUEST',
  methodNotImplemented: 'METHOD_NOT_IMPLEMENTED',
  handlerFailed: 'INTERNAL',
};

const jsonRefusal = ({ status, code, message, path, headers }: NodeRefusal): Response =>
  new Response(JSON.stringify({ error: { code, path, message } }), { status, headers: { 'Content-Type': 'application/json', ...headers } });

/**
 * Serves a web-standard handler on Node: `http.createServer(toNodeListener(handle))`, or an
 * Express/Connect route: `app.post('/infobip/webhook', toNodeListener(handleWebhook))`.
 *
 * It reads the body from the request stream. When a body parser mounted before it (an app-wide
 * `express.json()`, `express.raw()`, `express.text()`) has already read the stream, it takes what
 * the parser kept in `req.body` instead: the bytes, the text, or the parsed JSON serialised again
 * (the same JSON value; the handler checks and parses it as it would the original). Headers that
 * described the original bytes (`Content-Length`, `Content-Encoding`) are then dropped.
 */
export function toNodeListener(handle: (request: Request) => Promise<Response>, options: NodeAdapterOptions = {}) {
  const limitOf = typeof options.maxBodyBytes === 'function' ? options.maxBodyBytes : () => (options.maxBodyBytes as number | undefined) ?? 1_048_576;
  const codes = { ...DEFAULT_CODES, ...options.codes };
  const write = options.refusal ?? jsonRefusal;

  return (req: NodeLikeRequest, res: NodeLikeResponse): void => {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = `${options.origin ?? `http://${headerOf(req, 'host') ?? 'localhost'}`}${req.url?.startsWith('/') ? req.url : '/'}`;
    let pathname = '/';
    const refuse = (reason: NodeRefusalReason, status: number, message: string, path: string | null, headers: Record<string, string> = {}) => {
      options.onRefused?.(method, pathname, status);
      return write({ reason, status, code: codes[reason], message, path, headers });
    };
    void (async () => {
      let response: Response;
      try {
        pathname = new URL(url).pathname;
        response = await answer(refuse, req, method, url, limitOf(pathname));
      } catch {
        req.resume?.();
        response = refuse('unreadable', 400, 'the request could not be read', null, { Connection: 'close' });
      }
      await send(res, method, response);
    })().catch(() => {
      // The client went away mid-answer: nothing left to tell it.
      res.destroy?.();
    });
  };

  async function answer(refuse: (reason: NodeRefusalReason, status: number, message: string, path: string | null, headers?: Record<string, string>) => Response, req: NodeLikeRequest, method: string, url: string, limit: number): Promise<Response> {
    if (!REQUEST_METHODS.has(method)) {
      req.resume?.();
      const allow = options.allow?.join(', ');
      return refuse('methodNotImplemented', 501, `${method.slice(0, 20)} is not a method this service implements${allow ? ` (${allow})` : ''}`, 'method', allow ? { Allow: allow } : {});
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      if (typeof value === 'string') headers.set(name, value);
      else for (const v of value) headers.append(name, v);
    }
    const read = await readBody(req, method, headers, limit);
    if (read === 'spent')
      return refuse('bodyAlreadyRead', 400, 'body: was read by a body parser mounted before this route, which kept nothing in req.body; mount the route before it', 'body');
    if (read === 'too large') return refuse('bodyTooLarge', 413, `body: more than ${limit} bytes`, 'body', { Connection: 'close' });
    if (read === 'broken') return refuse('unreadable', 400, 'the request body could not be read', 'body');
    const request = new Request(url, { method, headers, ...(read === undefined ? {} : { body: read }) });
    try {
      // Awaited here, not returned as a promise: the answer is written in the fewest turns after the
      // handler settles, before a server draining on the handler's end closes the connection.
      return await handle(request);
    } catch {
      return refuse('handlerFailed', 500, 'the handler failed', null);
    }
  }
}

function headerOf(req: NodeLikeRequest, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : value?.[0];
}

/**
 * The request's body: `undefined` for GET and HEAD, the bytes otherwise — from the stream, or from
 * what a body parser kept when it read the stream first — or why there are none.
 */
async function readBody(req: NodeLikeRequest, method: string, headers: Headers, limit: number): Promise<Uint8Array<ArrayBuffer> | undefined | 'spent' | 'too large' | 'broken'> {
  if (method === 'GET' || method === 'HEAD') return undefined;
  if (req.readableEnded === true) {
    const parsed = bodyAlreadyRead(req.body);
    if (!parsed) return 'spent';
    headers.delete('content-length');
    headers.delete('content-encoding');
    return parsed.byteLength > limit ? 'too large' : new Uint8Array(parsed);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
      size += bytes.byteLength;
      if (size > limit) {
        req.resume?.();
        return 'too large';
      }
      chunks.push(bytes);
    }
  } catch {
    return 'broken';
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    body.set(c, offset);
    offset += c.byteLength;
  }
  return body;
}

/**
 * The bytes of a body a framework's parser already read, from what it kept in `req.body`; none when
 * it kept nothing.
 */
function bodyAlreadyRead(body: unknown): Uint8Array | undefined {
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'string') return new TextEncoder().encode(body);
  if (body === undefined || body === null) return undefined;
  const json = JSON.stringify(body);
  return json === undefined ? undefined : new TextEncoder().encode(json);
}

/** Writes the answer: streamed chunk by chunk where the response can (`write`), whole otherwise; no body for HEAD. */
async function send(res: NodeLikeResponse, method: string, response: Response): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  if (method === 'HEAD' || !response.body) {
    await response.body?.cancel().catch(() => undefined);
    res.writeHead(response.status, headers);
    res.end();
    return;
  }
  if (!res.write) {
    const payload = new Uint8Array(await response.arrayBuffer());
    res.writeHead(response.status, headers);
    res.end(payload);
    return;
  }
  res.writeHead(response.status, headers);
  res.flushHeaders?.();
  const reader = response.body.getReader();
  res.on?.('close', () => void reader.cancel().catch(() => undefined));
  for (;;) {
    const { done, value } = await reader.read();
    if (done || res.destroyed) break;
    res.write(value);
  }
  res.end();
}

/**
 * A whole HTTP/1.1 error answer as raw text, for a socket no listener will see: a request
 * `node:http` could not parse (its `clientError` event: 400, 431 for headers too large, 408 on a
 * timeout) and CONNECT (its `connect` event: 501). The body is `{ error: { code, message, path } }`.
 */
export function rawErrorAnswer(status: number, code: string, message: string): string {
  const body = `${JSON.stringify({ error: { code, message, path: null } }, null, 2)}\n`;
  const reason = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large', 501: 'Not Implemented' }[status] ?? 'Error';
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${new TextEncoder().encode(body).byteLength}\r\nConnection: close\r\n\r\n${body}`;
}
