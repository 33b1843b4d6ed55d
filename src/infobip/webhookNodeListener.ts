import { toNodeListener as serveOnNode, type NodeLikeRequest, type NodeLikeResponse } from '../adapters/node.js';

export interface NodeListenerOptions {
  /** Bodies larger than this are answered 413 (`WEBHOOK_TOO_LARGE`) without reading further. Default 1 MiB. */
  readonly maxBodyBytes?: number;
}

/**
 * The Node adapter (`src/adapters/node.ts`, the one this package has) set up for a webhook route:
 * its own answers carry the webhook's codes, so a body too large is `WEBHOOK_TOO_LARGE` whether the
 * adapter or the handler saw it first, and a body a parser read and dropped is `WEBHOOK_NOT_JSON`.
 * Works for any web-standard handler: `http.createServer(toNodeListener(handleWebhook))`, or an
 * Express/Connect route: `app.post('/infobip/webhook', toNodeListener(handleWebhook))`.
 *
 * It reads the body from the request stream. When a body parser mounted before it (an app-wide
 * `express.json()`, `express.raw()`, `express.text()`) has already read the stream, it takes what
 * the parser kept in `req.body` instead: the bytes, the text, or the parsed JSON serialised again
 * (the same JSON value; the handler checks and parses it as it would the original).
 */
export function toNodeListener(handle: (request: Request) => Promise<Response>, options: NodeListenerOptions = {}): (req: NodeLikeRequest, res: NodeLikeResponse) => void {
  return serveOnNode(handle, { ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }), codes: { bodyTooLarge: 'WEBHOOK_TOO_LARGE', bodyAlreadyRead: 'WEBHOOK_NOT_JSON' } });
}
