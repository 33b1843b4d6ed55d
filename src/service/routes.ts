import {
  normalizePhoneNumber,
  type CallPermissionEngine,
  parseEvent,
  parseTime,
  EffectFailedError,
  StoreConflictError,
  type Policy,
  type RelationshipKey,
  describeLimits,
  type RequestPermissionResult,
  type StartCallResult,
} from '../index.js';
import type { PlatformRefusedResult, ReconcileResult, WebhookHandler } from '../infobip/index.js';
import { isoTime } from '../time.js';
import { SESSION_COOKIE, SESSION_TTL_MS, type ApiCredential } from './apiToken.js';
import type { ChangeFeed } from './changes.js';
import { clockNotVirtual, clockTarget, type ServiceClock } from './clock.js';
import { ServiceError } from './errors.js';
import type { EventLog } from './eventLog.js';
import { errorBody, errorResponse, json, readJson, readObject } from './http.js';
import type { PageAssets } from './page.js';
import type { ServiceMetrics } from './observability.js';
import { openApiDocument } from './openapi.js';
import type { Redact } from './redact.js';
import type { RequestGuard } from './requestGuard.js';
import { rulebookPage } from './rulebookPage.js';
import type { StatechartDrawings } from '../diagram/index.js';
import { buildRelationshipTimeline, TIMELINE_PAGE_DEFAULT, TIMELINE_PAGE_MAX } from './timeline.js';

/** Everything the routes need, built by `startService`. */
export interface ServiceContext {
  readonly policy: Policy;
  /** The engine, its `inspect` stream writing the event log. */
  readonly engine: CallPermissionEngine;
  readonly log: EventLog;
  readonly clock: ServiceClock;
  /** Moves the virtual clock (persisted), then the relationships due by then. */
  moveClock(at: number): Promise<{ moved: number }>;
  readonly changes: ChangeFeed;
  readonly webhook: WebhookHandler;
  /** With Infobip: folds Infobip's view of a relationship into the local state. */
  readonly reconcile?: (sender: string, user: string) => Promise<ReconcileResult>;
  /**
   * The commands: the engine's (a dry run), or the Infobip integration's, which applies the
   * platform-code table's correction to a refusal by Infobip (docs/platform.md) and reports it.
   */
  readonly commands: {
    requestPermission(sender: string, user: string): Promise<RequestPermissionResult | PlatformRefusedResult>;
    startCall(sender: string, user: string): Promise<StartCallResult | PlatformRefusedResult>;
  };
  readonly effects: 'dry-run' | 'infobip';
  readonly database: { readonly kind: 'pglite' | 'postgres'; readonly where: string; ping(): Promise<void> };
  statechart(): Promise<StatechartDrawings>;
  readonly page: PageAssets;
  readonly say: (line: string) => void;
  /** Counted as they happen: commands, refusals, effects, conflicts. */
  readonly metrics?: ServiceMetrics;
  /** Told of every answered request: its method, route pattern, status, time and relationship (the request log). */
  readonly observe?: (answered: AnsweredRequest) => void;
  /** `GET /ready`: false once the service is shutting down (or not yet swept). */
  readonly ready?: () => boolean;
  /** Takes credentials out of (and bounds) text from elsewhere before it is answered. */
  readonly redact: Redact;
  /** Host, Origin and content-type checks every request passes first. */
  readonly guard: RequestGuard;
  /** The API token's check; without one, `/v1` is open (only a dry run on loopback may run so). */
  readonly credential?: ApiCredential;
}

/** One line of the request log. */
export interface AnsweredRequest {
  readonly method: string;
  /** The route's pattern (`/v1/relationships/:sender/:user/calls`), or `unmatched`. */
  readonly route: string;
  readonly status: number;
  readonly ms: number;
  /** `sender:user` as the path named them, on a relationship's route. */
  readonly relationship?: string;
}

type Params = Readonly<Record<string, string>>;
type Handler = (request: Request, params: Params, url: URL) => Promise<Response>;

interface Route {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Segments; `:name` captures one. */
  readonly pattern: readonly string[];
  readonly handle: Handler;
}

const RELATIONSHIP = ['v1', 'relationships', ':sender', ':user'];

/** The service as a web-standard handler: Request → Response, every route and its errors. */
export function createRoutes(context: ServiceContext): ((request: Request) => Promise<Response>) & { readonly table: readonly { method: string; pattern: readonly string[] }[] } {
  const { engine, log, clock, policy } = context;

  const keyFrom = (params: Params): RelationshipKey => ({ sender: normalizePhoneNumber(params.sender!, 'sender'), user: normalizePhoneNumber(params.user!, 'user') });

  function requireDryRun() {
    if (context.effects !== 'dry-run')
      throw new ServiceError(403, 'DRY_RUN_ONLY', 'test events are accepted only in a dry run; this service sends to Infobip, whose webhooks bring the facts');
  }

  function requireEmptyBody(body: Record<string, unknown>) {
    const field = Object.keys(body)[0];
    if (field !== undefined) throw new ServiceError(400, 'UNKNOWN_FIELD', 'this command takes no body (the engine decides everything)', `body.${field}`);
  }

  function optionalTime(url: URL, name: string): number | undefined {
    const value = url.searchParams.get(name);
    if (value === null) return undefined;
    return parseTime(/^\d+$/.test(value) ? Number(value) : value, name);
  }

  /**
   * Infobip refused a command the local state allowed, with one of the codes of [docs/rules.md, "Platform error codes"](../../docs/rules.md#platform-error-codes): the local state
   * was wrong. The engine released the reservation and the integration folded Infobip's view in; say so (409).
   */
  async function platformRefusal<R>(command: () => Promise<R | PlatformRefusedResult>): Promise<R | Response> {
    const result = await command();
    if ((result as { outcome?: unknown }).outcome !== 'refused-by-platform') return result as R;
    const { platformCode, rules, error, correction } = result as PlatformRefusedResult;
    const reconcileError = correction.reconcileError === undefined ? undefined : context.redact(correction.reconcileError);
    return json(409, {
      outcome: 'refused-by-platform',
      platformCode,
      rules,
      correction: { ...correction, reconciliation: undefined, reconcileError },
      ...(correction.reconciliation ? { reconciliation: correction.reconciliation } : { reconcileError }),
      ...errorBody('REFUSED_BY_PLATFORM', context.redact(error.message), null),
    });
  }

  const credential = context.credential;
  /** `/v1` (but the session routes that log in) and `/metrics` need the token, when there is one. */
  const needsToken = (pattern: readonly string[]) => (pattern[0] === 'v1' && pattern[1] !== 'session') || pattern[0] === 'metrics';
  const authenticated = (request: Request) => credential === undefined || credential.accepts(request.headers, Date.now());
  const unauthorized = () =>
    new ServiceError(401, 'UNAUTHORIZED', 'send the API token as "Authorization: Bearer <token>" (the inspector page asks for it once)', 'authorization', {
      'WWW-Authenticate': 'Bearer realm="wacp"',
    });
  /** The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it), Secure over https. */
  const sessionCookie = (request: Request, value: string, maxAgeSeconds: number) =>
    `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${request.url.startsWith('https:') || request.headers.get('x-forwarded-proto') === 'https' ? '; Secure' : ''}`;

  const metrics = context.metrics;
  /** Counts what became of a command: sent, refused (by rule), refused by the platform, or its effect failed. */
  async function counted<R extends { outcome: string; refusal?: { rule: string } }>(action: 'request' | 'call', run: () => Promise<R | Response>): Promise<R | Response> {
    try {
      const result = await run();
      const outcome = result instanceof Response ? 'refused-by-platform' : result.outcome === 'refused' ? 'refused' : 'sent';
      metrics?.commands.inc({ action, outcome });
      if (!(result instanceof Response) && result.refusal) metrics?.refusals.inc({ action, rule: result.refusal.rule });
      if (outcome !== 'refused') metrics?.effects.inc({ action, outcome });
      return result;
    } catch (error) {
      if (error instanceof EffectFailedError) {
        metrics?.commands.inc({ action, outcome: 'failed' });
        metrics?.effects.inc({ action, outcome: error.reservationReleased ? 'failed' : 'unknown' });
      }
      throw error;
    }
  }

  const routes: Route[] = [
    { method: 'GET', pattern: [], handle: async () => asset(context.page.html, 'text/html; charset=utf-8') },
    { method: 'GET', pattern: ['assets', 'inspector.css'], handle: async () => asset(context.page.css, 'text/css; charset=utf-8') },
    { method: 'GET', pattern: ['assets', 'inspector.js'], handle: async () => asset(context.page.js, 'text/javascript; charset=utf-8') },
    // The rulebook the page's rule badges link to (`/docs/rules.md#r1`), as a page with those anchors.
    {
      method: 'GET',
      pattern: ['docs', 'rules.md'],
      handle: async () => {
        if (context.page.rulebook === undefined) throw new ServiceError(404, 'NOT_FOUND', 'docs/rules.md is not part of this installation');
        return asset(rulebookPage(context.page.rulebook), 'text/html; charset=utf-8');
      },
    },

    {
      method: 'GET',
      pattern: ['health'],
      handle: async (request) => {
        const body = {
          effects: context.effects,
          store: context.database.kind,
          // Where the data lives is for those who may read it.
          ...(authenticated(request) ? { where: context.database.where } : {}),
          clock: { mode: clock.mode, now: isoTime(clock.now()) },
          policy: policy.name,
        };
        try {
          await context.database.ping();
          return json(200, { status: 'ok', ...body });
        } catch (error) {
          return json(503, { status: 'unavailable', ...body, ...errorBody('STORE_UNAVAILABLE', (error as Error).message, null) });
        }
      },
    },

    {
      method: 'GET',
      pattern: ['v1', 'session'],
      handle: async (request) => json(200, { required: credential !== undefined, authenticated: authenticated(request) }),
    },
    {
      method: 'POST',
      pattern: ['v1', 'session'],
      handle: async (request) => {
        const { token, ...rest } = await readObject(request);
        const unknown = Object.keys(rest)[0];
        if (unknown !== undefined) throw new ServiceError(400, 'UNKNOWN_FIELD', 'a login takes only "token"', `body.${unknown}`);
        if (credential === undefined) return json(200, { required: false, authenticated: true });
        if (typeof token !== 'string' || !credential.isToken(token)) throw new ServiceError(401, 'UNAUTHORIZED', 'that is not the API token', 'body.token');
        return json(200, { required: true, authenticated: true }, { 'Set-Cookie': sessionCookie(request, credential.session(Date.now()), SESSION_TTL_MS / 1000) });
      },
    },
    {
      method: 'DELETE',
      pattern: ['v1', 'session'],
      handle: async (request) => json(200, { required: credential !== undefined, authenticated: false }, { 'Set-Cookie': sessionCookie(request, '', 0) }),
    },

    {
      method: 'GET',
      pattern: ['ready'],
      handle: async () => {
        if (context.ready && !context.ready()) return json(503, { status: 'not-ready', ...errorBody('NOT_READY', 'the service is starting or shutting down', null) }, { 'Retry-After': '1' });
        try {
          await context.database.ping();
          return json(200, { status: 'ready' });
        } catch (error) {
          return json(503, { status: 'not-ready', ...errorBody('STORE_UNAVAILABLE', context.redact((error as Error).message), null) }, { 'Retry-After': '5' });
        }
      },
    },
    { method: 'GET', pattern: ['openapi.json'], handle: async () => json(200, openApiDocument('v1')) },
    {
      method: 'GET',
      pattern: ['metrics'],
      handle: async () => {
        if (!metrics) throw new ServiceError(404, 'NOT_FOUND', 'this service keeps no metrics');
        return new Response(await metrics.registry.metrics(), { status: 200, headers: { 'Content-Type': metrics.registry.contentType, 'Cache-Control': 'no-store' } });
      },
    },

    { method: 'GET', pattern: ['v1', 'clock'], handle: async () => json(200, { mode: clock.mode, now: isoTime(clock.now()) }) },
    {
      method: 'POST',
      pattern: ['v1', 'clock'],
      handle: async (request) => {
        if (clock.mode !== 'virtual') throw clockNotVirtual();
        const at = clockTarget(await readJson(request), clock.now());
        const { moved } = await context.moveClock(at);
        return json(200, { mode: clock.mode, now: isoTime(clock.now()), relationshipsMoved: moved });
      },
    },

    {
      method: 'GET',
      pattern: ['v1', 'changes'],
      handle: async () =>
        new Response(context.changes.subscribe(), {
          status: 200,
          headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' },
        }),
    },

    { method: 'GET', pattern: ['v1', 'statechart.svg'], handle: async () => asset((await context.statechart()).full, 'image/svg+xml; charset=utf-8') },
    { method: 'GET', pattern: ['v1', 'statechart', 'compact.svg'], handle: async () => asset((await context.statechart()).compact, 'image/svg+xml; charset=utf-8') },

    {
      method: 'GET',
      pattern: ['v1', 'relationships'],
      handle: async (_request, _params, url) => {
        const raw = url.searchParams.get('limit') ?? '100';
        if (!/^\d{1,4}$/.test(raw) || Number(raw) < 1 || Number(raw) > 1000) throw new ServiceError(400, 'INVALID_LIMIT', `must be a whole number 1–1000, got ${JSON.stringify(raw)}`, 'limit');
        return json(200, { relationships: await log.relationships(Number(raw)) });
      },
    },

    {
      method: 'POST',
      pattern: [...RELATIONSHIP, 'permission-requests'],
      handle: async (request, params) => {
        const key = keyFrom(params);
        requireEmptyBody(await readObject(request));
        const result = await counted('request', () => platformRefusal<RequestPermissionResult>(() => context.commands.requestPermission(key.sender, key.user)));
        if (result instanceof Response) return result;
        if (result.outcome === 'refused') return refusedResponse(result.refusal);
        return json(201, { outcome: 'sent', requestId: result.requestId, via: result.via, at: isoTime(result.at), receipt: result.receipt ?? null });
      },
    },
    {
      method: 'POST',
      pattern: [...RELATIONSHIP, 'calls'],
      handle: async (request, params) => {
        const key = keyFrom(params);
        requireEmptyBody(await readObject(request));
        const result = await counted('call', () => platformRefusal<StartCallResult>(() => context.commands.startCall(key.sender, key.user)));
        if (result instanceof Response) return result;
        if (result.outcome === 'refused') return refusedResponse(result.refusal);
        return json(201, { outcome: 'started', callId: result.callId, at: isoTime(result.at), receipt: result.receipt ?? null });
      },
    },
    {
      method: 'POST',
      pattern: [...RELATIONSHIP, 'events'],
      handle: async (request, params) => {
        requireDryRun();
        const key = keyFrom(params);
        const body = await readJson(request);
        if (body === undefined) throw new ServiceError(400, 'INVALID_BODY', 'must be an event such as {"type": "USER_MESSAGE"} ("at" defaults to the service clock)', 'body');
        if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ServiceError(400, 'INVALID_BODY', 'must be a JSON object with a "type"', 'body');
        const input = { ...(body as Record<string, unknown>) };
        if (input.at === undefined) input.at = clock.now();
        // Checked here, with paths into the body, before anything is stored.
        parseEvent(input, policy, 'body');
        try {
          const result = await engine.record(key.sender, key.user, input as never, { source: 'test' });
          return json(201, { state: result.state, previousState: result.previousState, changed: result.changed });
        } catch (error) {
          if ((error as { code?: unknown }).code === 'EVENT_TOO_LATE') throw new ServiceError(422, 'EVENT_TOO_LATE', (error as Error).message.replace(/^event\.at: /, ''), 'body.at');
          // Beyond the trusted clock bound (policy.maxClockSkewMs): 425 Too Early, send it again when its time has come.
          if ((error as { code?: unknown }).code === 'EVENT_IN_FUTURE') throw new ServiceError(425, 'EVENT_IN_FUTURE', (error as Error).message.replace(/^event\.at: /, ''), 'body.at');
          throw error;
        }
      },
    },
    {
      method: 'GET',
      pattern: [...RELATIONSHIP, 'permissions'],
      handle: async (_request, params, url) => {
        const key = keyFrom(params);
        const at = optionalTime(url, 'at') ?? clock.now();
        return json(200, await engine.permissions(key.sender, key.user, at));
      },
    },
    {
      method: 'GET',
      pattern: [...RELATIONSHIP, 'timeline'],
      handle: async (_request, params, url) => {
        const key = keyFrom(params);
        const limit = wholeNumber(url, 'limit', 1, TIMELINE_PAGE_MAX) ?? TIMELINE_PAGE_DEFAULT;
        const before = wholeNumber(url, 'before', 1, Number.MAX_SAFE_INTEGER);
        const [{ entries, truncated }, stored, senderPolicy, learned] = await Promise.all([
          log.entries(key),
          engine.snapshot(key.sender, key.user),
          engine.policyFor(key.sender),
          engine.learnedLimits(key.sender),
        ]);
        // Replayed under the sender's policy (the limits the platform stated); the limits say where each number comes from.
        const timeline = buildRelationshipTimeline({ key, policy: senderPolicy, entries, truncated, stored, now: clock.now(), page: { limit, before } });
        return json(200, { ...timeline, limits: describeLimits(policy, learned) });
      },
    },

    {
      // The sender statechart (S1–S4, G6) across all its users: state, counters, why a new call would be refused.
      method: 'GET',
      pattern: ['v1', 'senders', ':sender'],
      handle: async (_request, params, url) => {
        const at = optionalTime(url, 'at') ?? clock.now();
        return json(200, await engine.senderStatus(params.sender!, at));
      },
    },

    { method: 'POST', pattern: ['webhooks', 'infobip'], handle: async (request) => context.webhook(request) },
  ];

  const table = routes.map((route) => ({ method: route.method, pattern: route.pattern }));
  return Object.assign(handler, { table });

  async function handler(request: Request): Promise<Response> {
    const started = performance.now();
    const url = new URL(request.url);
    let route = 'unmatched';
    let relationship: string | undefined;
    let response: Response;
    try {
      response = await dispatch();
    } catch (error) {
      if (error instanceof StoreConflictError) metrics?.storeConflicts.inc();
      response = errorResponse(error, context.say, context.redact);
    }
    const ms = performance.now() - started;
    metrics?.requests.inc({ method: request.method, route, status: String(response.status) });
    metrics?.requestSeconds.observe({ route }, ms / 1000);
    context.observe?.({ method: request.method, route, status: response.status, ms, ...(relationship === undefined ? {} : { relationship }) });
    return response;

    async function dispatch(): Promise<Response> {
      context.guard.check(request);
      const segments = url.pathname.split('/').filter((s) => s !== '').map(decodeSegment);
      const matching = routes.map((route) => ({ route, params: match(route.pattern, segments) })).filter((m) => m.params !== undefined);
      if (matching.length === 0) throw new ServiceError(404, 'NOT_FOUND', `no route ${request.method} ${url.pathname} (the inspector is at /, the API under /v1/, see docs/service.md)`);
      const method = request.method === 'HEAD' ? 'GET' : request.method;
      const hit = matching.find((m) => m.route.method === method);
      if (!hit) {
        const allow = [...new Set(matching.map((m) => m.route.method))].join(', ');
        throw new ServiceError(405, 'METHOD_NOT_ALLOWED', `${request.method} is not accepted here; use ${allow}`, 'method', { Allow: allow });
      }
      route = `/${hit.route.pattern.join('/')}`;
      if (hit.params!.sender !== undefined) relationship = `${hit.params!.sender}:${hit.params!.user}`.slice(0, 80);
      if (needsToken(hit.route.pattern) && !authenticated(request)) throw unauthorized();
      return await hit.route.handle(request, hit.params!, url);
    }
  }
}

/** A query parameter that must be a whole number in [min, max], or absent. */
function wholeNumber(url: URL, name: string, min: number, max: number): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return undefined;
  if (!/^\d{1,16}$/.test(raw) || Number(raw) < min || Number(raw) > max)
    throw new ServiceError(400, name === 'limit' ? 'INVALID_LIMIT' : 'INVALID_CURSOR', `must be a whole number ${min}–${max}, got ${JSON.stringify(raw)}`, name);
  return Number(raw);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ServiceError(400, 'INVALID_PATH', `${JSON.stringify(segment)} is not a valid URL segment`);
  }
}

function match(pattern: readonly string[], segments: readonly string[]): Params | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const part = pattern[i]!;
    if (part.startsWith(':')) params[part.slice(1)] = segments[i]!;
    else if (part !== segments[i]) return undefined;
  }
  return params;
}

function asset(body: string, type: string): Response {
  return new Response(body, { status: 200, headers: { 'Content-Type': type, 'Cache-Control': 'no-store' } });
}

/** A command the rules refused: 409, the rule, the reason, and when it would be allowed. Nothing was sent. */
function refusedResponse(refusal: { rule: string; reason: string; retryAt?: number }): Response {
  const shown = { rule: refusal.rule, reason: refusal.reason, ...(refusal.retryAt === undefined ? {} : { retryAt: isoTime(refusal.retryAt) }) };
  return json(409, { outcome: 'refused', refusal: shown, ...errorBody(`REFUSED_${refusal.rule}`, refusal.reason, null) });
}
