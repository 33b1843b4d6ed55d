import type { RelationshipKey } from '../index.js';

/** What the inspector page is told: a relationship changed, or the clock moved. */
export type Change = ({ readonly type: 'relationship' } & RelationshipKey) | { readonly type: 'clock'; readonly now: string };

/**
 * Server-sent events for the inspector page (`GET /v1/changes`): each change is one `data:` line
 * of JSON. A comment every 15 s keeps idle connections (and proxies) from timing out.
 */
export interface ChangeFeed {
  publish(change: Change): void;
  /** A new subscriber's stream; it ends when the client goes away or the feed closes. */
  subscribe(): ReadableStream<Uint8Array>;
  /** Ends every stream (at shutdown). */
  close(): void;
  readonly subscribers: number;
}

const KEEP_ALIVE_MS = 15_000;
/** More open pages than this is a leak or an attack, not an audience: the oldest are dropped. */
const MAX_SUBSCRIBERS = 64;

export function createChangeFeed(): ChangeFeed {
  const encoder = new TextEncoder();
  const open = new Set<ReadableStreamDefaultController<Uint8Array>>();
  let closed = false;

  function send(controller: ReadableStreamDefaultController<Uint8Array>, text: string) {
    try {
      controller.enqueue(encoder.encode(text));
    } catch {
      open.delete(controller);
    }
  }

  const timer = setInterval(() => {
    for (const controller of open) send(controller, ': keep-alive\n\n');
  }, KEEP_ALIVE_MS);
  // An idle feed must not keep Node running. `unref` is Node's: typed without Node's types, since the
  // inspector page (a DOM-only program) reads this module for `Change`.
  (timer as { unref?: () => void }).unref?.();

  return {
    publish(change) {
      const text = `data: ${JSON.stringify(change)}\n\n`;
      for (const controller of open) send(controller, text);
    },
    subscribe() {
      let mine: ReadableStreamDefaultController<Uint8Array> | undefined;
      return new ReadableStream<Uint8Array>({
        start(controller) {
          if (closed) return controller.close();
          if (open.size >= MAX_SUBSCRIBERS) {
            const oldest = open.values().next().value!;
            open.delete(oldest);
            oldest.close();
          }
          mine = controller;
          open.add(controller);
          // The browser reconnects after 2 s if the service restarts.
          send(controller, 'retry: 2000\n: connected\n\n');
        },
        cancel() {
          if (mine) open.delete(mine);
        },
      });
    },
    close() {
      closed = true;
      clearInterval(timer);
      for (const controller of open) {
        try {
          controller.close();
        } catch {
          // Already closed by its reader.
        }
      }
      open.clear();
    },
    get subscribers() {
      return open.size;
    },
  };
}
