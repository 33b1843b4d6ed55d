/// <reference types="node" />
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInfobipIntegration, createWebhookHandler, MemoryCorrelationDirectory } from '../infobip/index.js';
import { definePolicy, createCallPermissionEngine } from '../index.js';
import { createPostgresStore } from '../stores/postgres/index.js';
import { isoTime } from '../time.js';
import { createApiCredential } from './apiToken.js';
import { startChangeRelay, type ChangeRelay } from './changeRelay.js';
import { createChangeFeed, type Change } from './changes.js';
import { createRealClock, createVirtualClock, type ServiceClock } from './clock.js';
import { openDatabase } from './database.js';
import { createDryRunEffects } from './dryRunEffects.js';
import { ServiceConfigError } from './errors.js';
import { createEventLog } from './eventLog.js';
import { createEventLogSubscriber } from './eventLogSubscriber.js';
import { rawErrorAnswer, toNodeListener } from '../adapters/node.js';
import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, type ServiceOptions } from './options.js';
import { loadPage } from './page.js';
import { errorBody, json } from './http.js';
import { createMetrics, createRequestLogger } from './observability.js';
import { createRedactor } from './redact.js';
import { createRequestGuard, isLoopback } from './requestGuard.js';
import { createRoutes, type AnsweredRequest } from './routes.js';
import { listenError } from './listenError.js';
import { drawStatechart, type StatechartDrawings } from '../diagram/index.js';

export interface RunningService {
  /** `http://<host>:<port>` (`127.0.0.1` when listening on every address) */
  readonly url: string;
  readonly port: number;
  /** Stops the sweeps, ends the page streams, waits for commands under way, closes the server and the database. */
  close(): Promise<void>;
}

const DRAIN_TIMEOUT_MS = 10_000;
const CLOSE_GRACE_MS = 2_000;
const VIRTUAL_CLOCK_SETTING = 'virtualClock';
const API_BODY_LIMIT = 64 * 1024;
const WEBHOOK_BODY_LIMIT = 1024 * 1024;

/**
 * The reference service: the engine over PostgreSQL (PGlite in a directory by default), Infobip
 * or dry-run effects, Infobip's webhooks, the JSON API and the inspector page, on 127.0.0.1 unless told (`host`).
 */
export async function startService(options: ServiceOptions = {}): Promise<RunningService> {
  const say = options.log ?? (() => undefined);
  const policy = definePolicy(options.policy ?? 'infobip');
  const dryRun = options.infobip === undefined;
  const host = options.host ?? DEFAULT_HOST;
  const local = dryRun && isLoopback(host);
  const credential = options.apiToken === undefined ? undefined : createApiCredential(options.apiToken);
  // Only a dry run on loopback may run without the API token: anything else can reach people's phones or the network.
  if (!local && credential === undefined)
    throw new ServiceConfigError(
      `is needed ${dryRun ? `to listen on ${host} (not loopback)` : 'with Infobip'}: set WACP_API_TOKEN (32+ random characters, e.g. openssl rand -hex 32), WACP_API_TOKEN_FILE or WACP_API_TOKEN_SHA256`,
      'WACP_API_TOKEN',
    );
  if (!local && options.webhookAuth === undefined)
    throw new ServiceConfigError(
      `is needed ${dryRun ? `to listen on ${host} (not loopback)` : 'with Infobip'}: set INFOBIP_WEBHOOK_USERNAME and INFOBIP_WEBHOOK_PASSWORD, or INFOBIP_WEBHOOK_HEADER and INFOBIP_WEBHOOK_SECRET`,
      'INFOBIP_WEBHOOK_SECRET',
    );
  // A clock anyone with the token can move would let real requests and calls through every window of the rules.
  if (!dryRun && options.clock === 'virtual')
    throw new ServiceConfigError('cannot be "virtual" with Infobip: moving the clock would let real requests and calls past the rules’ windows; use it in a dry run', 'WACP_CLOCK');
  const port = options.port ?? DEFAULT_PORT;
  if (!Number.isSafeInteger(port) || port < 0 || port > 65_535) throw new ServiceConfigError(`must be a port number 0–65535, got ${String(port)}`, 'PORT');
  const metrics = await createMetrics();
  const requestLog = options.requestLog ? await createRequestLogger(options.requestLog) : undefined;
  const guard = createRequestGuard({ allowedHosts: options.allowedHosts ?? [] });
  const webhook = options.webhookAuth;
  const webhookSecrets = webhook === undefined || 'none' in webhook ? [] : 'basic' in webhook ? [webhook.basic].flat().map((b) => b.password) : [webhook.secret].flat();
  const redact = createRedactor([options.infobip?.apiKey, typeof options.apiToken === 'string' ? options.apiToken : undefined, ...webhookSecrets]);

  const database = await openDatabase({ dataDir: options.dataDir ?? DEFAULT_DATA_DIR, databaseUrl: options.databaseUrl });
  let relay: ChangeRelay | undefined;
  try {
    const store = createPostgresStore({ client: database.client });
    await store.migrate();
    const log = createEventLog(database.client, store.names.relationships);
    await log.migrate();

    const clock = await openClock(options, log);
    const changes = createChangeFeed();
    // On a PostgreSQL server, other instances may share the database: their changes reach this one's pages, and ours theirs.
    if (database.listen)
      relay = await startChangeRelay({
        client: database.client,
        connect: database.listen,
        say,
        onRemote(change) {
          if (change.type !== 'clock' || clock.mode !== 'virtual') return changes.publish(change);
          // Another instance moved the shared virtual clock (and swept): this one follows the stored time, not the message.
          void log.setting(VIRTUAL_CLOCK_SETTING).then(
            (shared) => {
              if (typeof shared === 'number' && shared > clock.now()) clock.set(shared);
              changes.publish({ type: 'clock', now: isoTime(clock.now()) });
            },
            (error: unknown) => say(`live feed: could not read the shared clock (${(error as Error).message})`),
          );
        },
      });
    const announce = (change: Change) => {
      changes.publish(change);
      relay?.send(change);
    };
    // The event log is a subscriber of the engine's inspection stream: every event with its source and
    // the store's version, every refusal, every effect's answer (written before the engine goes on).
    const engineOptions = {
      store,
      policy,
      clock: clock.now,
      inspect: createEventLogSubscriber({ log, redact, say, onChange: (key) => announce({ type: 'relationship', sender: key.sender, user: key.user }) }),
    };
    const auth = options.webhookAuth ?? { none: true };
    // With Infobip, configured once: the effects, the webhook handler (calls of its calls configuration
    // only; an accept without expiry confirmed with Infobip), reconciliation and the platform-code
    // corrections share one correlation directory and the service's clock.
    const integration = options.infobip
      ? createInfobipIntegration({ infobip: options.infobip, engine: engineOptions, webhook: { auth, maxBodyBytes: WEBHOOK_BODY_LIMIT } })
      : undefined;
    const correlations = integration?.correlations ?? new MemoryCorrelationDirectory();
    const engine = integration?.engine ?? createCallPermissionEngine({ ...engineOptions, effects: createDryRunEffects({ correlations }) });
    const webhook = integration?.handleWebhook ?? createWebhookHandler({ engine, auth, correlations, clock: clock.now, maxBodyBytes: WEBHOOK_BODY_LIMIT });

    let drawings: Promise<StatechartDrawings> | undefined;
    /** Clock moves run one after another, each with the sweep it causes. */
    let clockQueue: Promise<unknown> = Promise.resolve();
    async function sweep(now: number): Promise<number> {
      const took = metrics.sweepSeconds.startTimer();
      // Several instances may tick at once: the store's compare-and-set lets one move each relationship, the others find it moved.
      const { moved, failed } = await engine.tick({ now });
      const seconds = took();
      for (const { key, error } of failed) say(`${isoTime(now)}: ${key.sender}:${key.user} could not be moved on (${error.code}: ${redact(error.message)})`);
      // Real time: how long after the time it swept to the sweep finished; virtual time: how long it took.
      metrics.sweepLag.set(clock.mode === 'real' ? Math.max(0, (Date.now() - now) / 1000) : seconds);
      swept = true;
      if (moved > 0) say(`${isoTime(now)}: ${moved} relationship(s) moved on by the clock`);
      return moved;
    }

    let swept = false;
    let draining = false;
    let inFlight = 0;
    let drained: (() => void) | undefined;

    const routes = createRoutes({
      metrics,
      ready: () => swept && !draining,
      ...(requestLog ? { observe: (answered: AnsweredRequest) => requestLog.info({ ...answered, ms: Math.round(answered.ms * 10) / 10 }, 'request') } : {}),
      policy,
      engine,
      log,
      clock,
      changes,
      webhook,
      commands: integration ?? engine,
      ...(integration ? { reconcile: integration.reconcile } : {}),
      effects: dryRun ? 'dry-run' : 'infobip',
      database: { kind: database.kind, where: database.where, ping: async () => void (await database.client.query('SELECT 1')) },
      statechart: () => (drawings ??= drawStatechart(policy)),
      page: await loadPage(),
      say,
      redact,
      guard,
      ...(credential ? { credential } : {}),
      moveClock(at) {
        const run = clockQueue.then(async () => {
          clock.set(at);
          // Shared by every instance on the database: it only moves forward, whoever moves it.
          const shared = await log.raiseSetting(VIRTUAL_CLOCK_SETTING, at);
          if (shared > clock.now()) clock.set(shared);
          const moved = await sweep(clock.now());
          announce({ type: 'clock', now: isoTime(clock.now()) });
          return { moved };
        });
        clockQueue = run.catch(() => undefined);
        return run;
      },
    });

    /** Every request, counted while it runs: a shutdown waits for those under way and refuses new ones. */
    async function handle(request: Request): Promise<Response> {
      if (draining) return json(503, errorBody('SHUTTING_DOWN', 'the service is shutting down; try another instance', null), { 'Retry-After': '1', Connection: 'close' });
      inFlight++;
      metrics.inFlight.inc();
      try {
        return await routes(request);
      } finally {
        inFlight--;
        metrics.inFlight.dec();
        if (inFlight === 0) drained?.();
      }
    }
    const refusedEarly = (method: string, path: string, status: number) => {
      say(`${method.slice(0, 20)} ${path.slice(0, 200)} → ${status} (answered before any route)`);
      metrics.requests.inc({ method: method.slice(0, 20), route: 'unmatched', status: String(status) });
      requestLog?.info({ method: method.slice(0, 20), route: 'unmatched', status }, 'request');
    };

    const server = createServer(
      toNodeListener(handle, {
        // The path only: the Host header is the request guard's to check (requestGuard.ts).
        origin: 'http://127.0.0.1',
        maxBodyBytes: (path) => (path.startsWith('/webhooks/') ? WEBHOOK_BODY_LIMIT : API_BODY_LIMIT),
        allow: ['GET', 'HEAD', 'POST', 'DELETE'],
        refusal: ({ status, code, message, path, headers }) => json(status, errorBody(code, message, path), headers),
        onRefused: refusedEarly,
      }),
    );
    // What node:http would otherwise answer with an empty body, or by dropping the connection: JSON, and a log line.
    server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
      const [status, code] = error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'HEADERS_TOO_LARGE'] : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'REQUEST_TIMEOUT'] : [400, 'BAD_REQUEST'];
      say(`unparsable request → ${status} (${error.code ?? 'no code'})`);
      requestLog?.info({ method: 'unparsable', route: 'unmatched', status, error: error.code }, 'request');
      if (error.code === 'ECONNRESET' || !socket.writable) socket.destroy();
      else socket.end(rawErrorAnswer(status, code, 'the request could not be read as HTTP/1.1'));
    });
    server.on('connect', (request, socket) => {
      refusedEarly('CONNECT', String(request.url), 501);
      socket.end(rawErrorAnswer(501, 'METHOD_NOT_IMPLEMENTED', 'CONNECT is not a method this service implements (GET, HEAD, POST, DELETE)'));
    });
    // Bounded: a slow client cannot hold a connection open forever (the change feed sends every 15 s).
    server.requestTimeout = 30_000;
    server.headersTimeout = 10_000;
    await new Promise<void>((resolve, reject) => {
      const failed = (error: unknown) => reject(listenError(error, port, host));
      server.once('error', failed);
      server.listen(port, host, () => {
        server.off('error', failed);
        resolve();
      });
    });
    const actualPort = (server.address() as AddressInfo).port;
    const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    const url = `http://${shownHost}:${actualPort}`;

    // Anything that fell due while the service was stopped is moved on now; on real time, every interval after.
    let sweeping: Promise<unknown> = sweep(clock.now()).catch((error) => say(`sweep failed: ${(error as Error).message}`));
    const timer =
      clock.mode === 'real'
        ? setInterval(() => {
            sweeping = sweeping.then(() => sweep(clock.now())).catch((error) => say(`sweep failed: ${(error as Error).message}`));
          }, options.sweepIntervalMs ?? 1000)
        : undefined;
    timer?.unref();

    say(`wacp service on ${url} — store ${database.kind} (${database.where}), effects ${dryRun ? 'dry run' : 'Infobip'}, API token ${credential ? 'required' : 'off (local dry run)'}, clock ${clock.mode} (${isoTime(clock.now())}), policy ${policy.name}`);

    let closing: Promise<void> | undefined;
    return {
      url,
      port: actualPort,
      close() {
        closing ??= (async () => {
          // Drain: /ready says no at once, new requests get 503, and those under way finish (10 s at most).
          draining = true;
          if (inFlight > 0) await new Promise<void>((resolve) => {
            drained = resolve;
            setTimeout(resolve, DRAIN_TIMEOUT_MS).unref();
          });
          if (timer) clearInterval(timer);
          changes.close();
          const closed = new Promise<void>((resolve) => server.close(() => resolve()));
          server.closeIdleConnections();
          await sweeping;
          await clockQueue;
          // The last answers are still being written to their sockets: those connections close once
          // written; any still open after a moment (a client that does not read) are cut.
          await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref())]);
          server.closeAllConnections();
          await closed;
          await relay?.close();
          await database.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await relay?.close().catch(() => undefined);
    await database.close().catch(() => undefined);
    throw error;
  }
}

/** Real time, or the virtual clock where it stopped last (its data directory remembers it). */
async function openClock(options: ServiceOptions, log: ReturnType<typeof createEventLog>): Promise<ServiceClock> {
  if (options.clock !== 'virtual') return createRealClock();
  const saved = await log.initSetting(VIRTUAL_CLOCK_SETTING, options.clockStart ?? Date.now());
  if (typeof saved === 'number') return createVirtualClock(saved);
  // Not a time (written by hand?): start afresh.
  const start = options.clockStart ?? Date.now();
  await log.setSetting(VIRTUAL_CLOCK_SETTING, start);
  return createVirtualClock(start);
}
