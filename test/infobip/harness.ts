import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryStore, type PolicyPresetName } from '../../src/index.js';
import { createInfobipIntegration, toNodeListener, type InfobipConfig, type InfobipIntegration, type WebhookHandler } from '../../src/infobip/index.js';
import { LocalInfobip } from './localInfobip.js';

export const SENDER = '441134960000';
export const USER = '447700900123';
export const API_KEY = 'test-api-key-0123456789';
export const CALLS_CONFIGURATION = 'calls-config-1';
export const WEBHOOK_SECRET = 'webhook-secret-0123456789abcdef';
export const T0 = Date.parse('2026-04-01T10:00:00.000Z');

/** The application side: a node:http server on 127.0.0.1 that serves the web-standard webhook handler. */
export async function startAppServer(handler: WebhookHandler): Promise<{ url: string; close(): Promise<void>; server: Server }> {
  const server = createServer(toNodeListener(handler));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}/infobip/webhook`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface World {
  readonly infobip: LocalInfobip;
  readonly app: Awaited<ReturnType<typeof startAppServer>>;
  readonly integration: InfobipIntegration;
  readonly store: MemoryStore;
  /** The virtual time shared by the engine and the local Infobip. */
  now: number;
  advance(ms: number): void;
  close(): Promise<void>;
}

/**
 * A local Infobip and an application (engine + Infobip effects + webhook handler on its own HTTP
 * server), both on loopback, sharing one virtual clock. Retries wait 1 ms unless told otherwise.
 */
export async function startWorld(options: { config?: Partial<InfobipConfig>; policy?: PolicyPresetName } = {}): Promise<World> {
  const world = { now: T0 } as World;
  const clock = () => world.now;
  const infobip = await LocalInfobip.start({ apiKey: API_KEY, callsConfigurationId: CALLS_CONFIGURATION, clock });
  const store = new MemoryStore();
  const integration = createInfobipIntegration({
    infobip: {
      baseUrl: infobip.baseUrl,
      apiKey: API_KEY,
      callsConfigurationId: CALLS_CONFIGURATION,
      template: { name: 'call_permission_request', language: 'en', placeholders: ['Acme'] },
      timeoutMs: 2_000,
      retries: 2,
      backoff: { initialMs: 1, maxMs: 5, jitter: false },
      ...options.config,
    },
    engine: { store, clock, policy: options.policy ?? 'infobip' },
    webhook: { auth: { header: 'X-Webhook-Secret', secret: WEBHOOK_SECRET }, calls: { callsConfigurationId: CALLS_CONFIGURATION }, confirmation: { delayMs: 1 } },
  });
  const app = await startAppServer(integration.handleWebhook);
  infobip.deliverTo({ url: app.url, headers: { 'X-Webhook-Secret': WEBHOOK_SECRET } });
  Object.assign(world, {
    infobip,
    app,
    integration,
    store,
    advance(ms: number) {
      world.now += ms;
    },
    async close() {
      await app.close();
      await infobip.close();
    },
  });
  return world;
}

/** A deep copy of everything the store holds, to compare before and after a refused webhook. */
export function storeContents(store: MemoryStore): string {
  const out: unknown[] = [];
  for (const key of store.keys()) out.push([key, store.load(key)]);
  return JSON.stringify(out);
}
