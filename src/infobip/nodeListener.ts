/**
 * The parts of Node's `IncomingMessage` the adapter uses (typed structurally, so this entry point
 * imports nothing from `node:` and still loads on Bun, Deno and workers).
 */
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

/** The parts of Node's `ServerResponse` the adapter uses. */
export interface NodeLikeResponse {
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body?: string | Uint8Array): unknown;
}

export interface NodeListenerOptions {
  /** Bodies larger than this are answered 413 without reading further. Default 1 MiB. */
  readonly maxBodyBytes?: number;
}

/**
 * Wraps a web-standard handler (`Request → Response`) as a `node:http` listener:
 * `http.createServer(toNodeListener(handleWebhook))`, or an Express/Connect route:
 * `app.post('/infobip/webhook', toNodeListener(handleWebhook))`.
 *
 * It reads the body from the request stream. When a body parser mounted before it (an app-wide
 * `express.json()`, `express.raw()`, `express.text()`) has already read the stream, it takes what
 * the parser kept in `req.body` instead: the bytes, the text, or the parsed JSON serialised again
 * (the same JSON value; the handler checks and parses it as it would the original). Headers that
 * described the original bytes (`Content-Length`, `Content-Encoding`) are then dropped.
 */
export function toNodeListener(handle: (request: Request) => Promise<Response>, options: NodeListenerOptions = {}) {
  const maxBodyBytes = options.maxBodyBytes ?? 1_048_576;
  return (req: NodeLikeRequest, res: NodeLikeResponse): void => {
    void (async () => {
      let response: Response;
      try {
        const headers = new Headers();
        for (const [name, value] of Object.entries(req.headers)) {
          if (value === undefined) continue;
          if (typeof value === 'string') headers.set(name, value);
          else for (const v of value) headers.append(name, v);
        }
        const method = (req.method ?? 'GET').toUpperCase();
        const chunks: Uint8Array[] = [];
        let size = 0;
        let tooLarge = false;
        // Spent before this listener ran: a body parser read it (reading it here sets the flag too).
        const spent = req.readableEnded === true;
        const parsed = spent ? bodyAlreadyRead(req.body) : undefined;
        if (parsed) {
          headers.delete('content-length');
          headers.delete('content-encoding');
          size = parsed.byteLength;
          tooLarge = size > maxBodyBytes;
          chunks.push(parsed);
        } else if (!spent && method !== 'GET' && method !== 'HEAD') {
          for await (const chunk of req) {
            const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
            size += bytes.byteLength;
            if (size > maxBodyBytes) {
              tooLarge = true;
              break;
            }
            chunks.push(bytes);
          }
        }
        if (spent && !parsed && method !== 'GET' && method !== 'HEAD') {
          response = new Response(
            JSON.stringify({ error: { code: 'WEBHOOK_NOT_JSON', path: 'body', message: 'body: was read by a body parser mounted before this route, which kept nothing in req.body; mount the route before it' } }),
            { status: 400, headers: { 'Content-Type': 'application/json' } },
          );
        } else if (tooLarge) {
          req.resume?.();
          response = new Response(JSON.stringify({ error: { code: 'WEBHOOK_TOO_LARGE', path: 'body', message: `body: more than ${maxBodyBytes} bytes` } }), {
            status: 413,
            headers: { 'Content-Type': 'application/json', Connection: 'close' },
          });
        } else {
          const body = new Uint8Array(size);
          let offset = 0;
          for (const c of chunks) {
            body.set(c, offset);
            offset += c.byteLength;
          }
          const host = headers.get('host') ?? 'localhost';
          const request = new Request(`http://${host}${req.url ?? '/'}`, { method, headers, ...(method === 'GET' || method === 'HEAD' ? {} : { body }) });
          response = await handle(request).catch(
            () => new Response(JSON.stringify({ error: { code: 'INTERNAL', message: 'the handler failed' } }), { status: 500, headers: { 'Content-Type': 'application/json' } }),
          );
        }
      } catch {
        response = new Response(JSON.stringify({ error: { code: 'BAD_REQUEST', message: 'the request could not be read' } }), { status: 400, headers: { 'Content-Type': 'application/json' } });
      }
      const out: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        out[name] = value;
      });
      const payload = new Uint8Array(await response.arrayBuffer());
      res.writeHead(response.status, out);
      res.end(payload);
    })();
  };
}

/**
 * The bytes of a body a framework's parser already read, from what it kept in `req.body`; none when
 * it kept nothing (the handler then answers that the body is empty).
 */
function bodyAlreadyRead(body: unknown): Uint8Array | undefined {
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'string') return new TextEncoder().encode(body);
  if (body === undefined || body === null) return undefined;
  const json = JSON.stringify(body);
  return json === undefined ? undefined : new TextEncoder().encode(json);
}
