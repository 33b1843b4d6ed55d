import { InfobipWebhookError } from '../errors.js';

/**
 * The body of a request as JSON, refusing more than `maxBytes` before it is all read (a declared
 * `Content-Length` is refused at once; a stream is cut off as soon as it passes the limit).
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > maxBytes)
    throw new InfobipWebhookError('WEBHOOK_TOO_LARGE', `${declared} bytes; at most ${maxBytes} are accepted`, 'body');
  const type = request.headers.get('content-type');
  if (type !== null && !/^application\/([a-z0-9.+-]*\+)?json\b/i.test(type.trim()))
    throw new InfobipWebhookError('WEBHOOK_UNSUPPORTED_MEDIA_TYPE', `must be application/json, got ${JSON.stringify(type.slice(0, 60))}`, 'content-type');
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new InfobipWebhookError('WEBHOOK_TOO_LARGE', `more than ${maxBytes} bytes`, 'body');
      }
      chunks.push(value);
    }
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new InfobipWebhookError('WEBHOOK_NOT_JSON', 'is not UTF-8 text', 'body', { cause });
  }
  if (text.trim() === '') throw new InfobipWebhookError('WEBHOOK_NOT_JSON', 'is empty', 'body');
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new InfobipWebhookError('WEBHOOK_NOT_JSON', `is not JSON: ${cause instanceof Error ? cause.message : String(cause)}`, 'body', { cause });
  }
}
