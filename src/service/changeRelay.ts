/// <reference types="node" />
import type { SqlClient } from '../stores/postgres/index.js';
import type { Change } from './changes.js';

/**
 * The live feed across every service on one PostgreSQL database: each change this instance makes
 * is sent with `NOTIFY`, and each change another instance sent arrives through `LISTEN`, so a page
 * open on one instance follows what the others do. Notifications are transactional and arrive in
 * commit order; they are not stored, so a page that was not connected catches up by reloading.
 */
export interface ChangeRelay {
  /** Sends a change this instance made to the others (batched per turn of the event loop). */
  send(change: Change): void;
  /** Stops listening, after the changes sent so far have gone out. */
  close(): Promise<void>;
}

/** The channel every instance listens on. */
export const CHANGE_CHANNEL = 'wacp_changes';
/** PostgreSQL refuses a notification payload of 8000 bytes or more; a batch is split well below. */
const MAX_PAYLOAD = 7000;
const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5000;

/** What the listener needs of a dedicated connection (`pg`'s `Client`). */
export interface ListenConnection {
  connect(): Promise<unknown>;
  query(text: string): Promise<unknown>;
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
  on(event: 'error' | 'end', listener: (error?: Error) => void): unknown;
  end(): Promise<void>;
}

export interface ChangeRelayOptions {
  /** Where notifications are sent from (the service's pool). */
  readonly client: SqlClient;
  /** A new dedicated connection for `LISTEN` (one at start, another after it breaks). */
  readonly connect: () => ListenConnection;
  /** A change another instance made (already checked). */
  readonly onRemote: (change: Change) => void;
  readonly say: (line: string) => void;
}

/** Starts listening (resolves once `LISTEN` is in place; rejects if the database cannot be reached). */
export async function startChangeRelay(options: ChangeRelayOptions): Promise<ChangeRelay> {
  const { client, onRemote, say } = options;
  const origin = crypto.randomUUID();
  let pending: Change[] = [];
  let flushing: Promise<void> = Promise.resolve();
  let scheduled = false;
  let closed = false;
  let listener: ListenConnection | undefined;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;

  function receive(message: { channel: string; payload?: string }) {
    if (message.channel !== CHANGE_CHANNEL || message.payload === undefined) return;
    const batch = parseBatch(message.payload);
    // Ours came back (every listener hears every notification), or someone else's junk on our channel.
    if (!batch || batch.origin === origin) return;
    for (const change of batch.changes) onRemote(change);
  }

  async function listen(): Promise<void> {
    const connection = options.connect();
    connection.on('notification', receive);
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost || closed) return;
      lost = true;
      say(`live feed: the LISTEN connection was lost (${error?.message ?? 'closed'}); reconnecting`);
      void connection.end().catch(() => undefined);
      scheduleReconnect();
    };
    connection.on('error', onLost);
    connection.on('end', onLost);
    try {
      await connection.connect();
      await connection.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (error) {
      lost = true;
      await connection.end().catch(() => undefined);
      throw error;
    }
    listener = connection;
    failures = 0;
  }

  function scheduleReconnect() {
    if (closed) return;
    const wait = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** failures++);
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      listen().then(
        () => say('live feed: listening again (changes made while it was down were not relayed)'),
        () => scheduleReconnect(),
      );
    }, wait);
    reconnectTimer.unref?.();
  }

  async function flush() {
    scheduled = false;
    const changes = pending;
    pending = [];
    for (const payload of payloads(origin, changes)) {
      try {
        await client.query('SELECT pg_notify($1::text, $2::text)', [CHANGE_CHANNEL, payload]);
      } catch (error) {
        // The change is stored; only the other instances' pages miss it until their next reload.
        say(`live feed: could not notify the other instances (${(error as Error).message})`);
      }
    }
  }

  await listen();
  return {
    send(change) {
      if (closed) return;
      pending.push(change);
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => {
        flushing = flushing.then(flush);
      });
    },
    async close() {
      if (scheduled) await new Promise((resolve) => setImmediate(resolve));
      closed = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      await flushing;
      await listener?.end().catch(() => undefined);
    },
  };
}

/** Batches of at most {@link MAX_PAYLOAD} bytes, each relationship once. */
function payloads(origin: string, changes: readonly Change[]): string[] {
  const unique = [...new Set(changes.map((change) => JSON.stringify(change)))];
  const out: string[] = [];
  let batch: string[] = [];
  const wrap = (items: string[]) => `{"origin":${JSON.stringify(origin)},"changes":[${items.join(',')}]}`;
  for (const item of unique) {
    if (batch.length > 0 && wrap([...batch, item]).length > MAX_PAYLOAD) {
      out.push(wrap(batch));
      batch = [];
    }
    batch.push(item);
  }
  if (batch.length > 0) out.push(wrap(batch));
  return out;
}

const NUMBER = /^\d{7,15}$/;

/** A batch another instance sent, or `undefined` for anything else on the channel (anyone with access can NOTIFY). */
function parseBatch(payload: string): { origin: string; changes: Change[] } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  const { origin, changes } = (value ?? {}) as { origin?: unknown; changes?: unknown };
  if (typeof origin !== 'string' || !Array.isArray(changes)) return undefined;
  const checked: Change[] = [];
  for (const change of changes as unknown[]) {
    const c = (change ?? {}) as Record<string, unknown>;
    if (c.type === 'relationship' && typeof c.sender === 'string' && typeof c.user === 'string' && NUMBER.test(c.sender) && NUMBER.test(c.user))
      checked.push({ type: 'relationship', sender: c.sender, user: c.user });
    else if (c.type === 'clock' && typeof c.now === 'string' && Number.isFinite(Date.parse(c.now))) checked.push({ type: 'clock', now: new Date(Date.parse(c.now)).toISOString() });
  }
  return { origin, changes: checked };
}
