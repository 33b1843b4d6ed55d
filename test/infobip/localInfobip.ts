import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PermissionsView } from '../../src/index.js';

/**
 * A local Infobip: a real HTTP server on 127.0.0.1 (random port) that implements the endpoints the
 * integration uses with Infobip's response shapes (docs/rules.md, "Infobip's API"), checks the
 * `Authorization: App <key>` header and every request body, can be scripted to fail, and delivers
 * webhooks (inbound messages, call events) to an application's URL.
 */

export type Route = 'interactive' | 'template' | 'calls' | 'permissions';

/** One scripted answer, used once, in order, for the next request on its route. */
export type Failure =
  | { readonly status: number; readonly body?: unknown; readonly retryAfter?: string }
  /** Answer 2xx with a body that is not JSON. */
  | { readonly malformed: true; readonly status?: number }
  /** Answer 2xx with JSON missing the documented fields. */
  | { readonly wrongShape: true }
  /** Never answer (until the server closes). */
  | { readonly hang: true }
  /** Send the headers, then never finish the body. */
  | { readonly hangBody: true }
  /** Accept the request (record it, act on it), then never answer: an ambiguous outcome for the client. */
  | { readonly acceptThenHang: true };

export interface RecordedRequest {
  readonly route: Route | 'unknown';
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: unknown;
  /** What the local Infobip answered (undefined while hanging). */
  status?: number;
}

export interface PlacedCall {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly externalId: string | undefined;
  readonly customData: unknown;
}

export interface WebhookTarget {
  readonly url: string;
  readonly headers: Record<string, string>;
}

export interface LocalInfobipOptions {
  readonly apiKey: string;
  readonly callsConfigurationId: string;
  /** The time written into webhooks. Default `Date.now`. */
  readonly clock?: () => number;
}

const PENDING = { groupId: 1, groupName: 'PENDING', id: 7, name: 'PENDING_ENROUTE', description: 'Message sent to next instance' };
const DIGITS = /^\d{7,15}$/;

/** Infobip's time format: `2026-04-01T10:10:00.000+0000`. */
export function infobipTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** A 400 carrying Meta's code the way Infobip's first error shape might (where exactly is not confirmed). */
export function metaRefusal(code: number, text: string): Failure {
  return { status: 400, body: { requestError: { serviceException: { messageId: 'BAD_REQUEST', text: `(#${code}) ${text}` } } } };
}

export class LocalInfobip {
  readonly requests: RecordedRequest[] = [];
  readonly calls = new Map<string, PlacedCall>();
  readonly #script = new Map<Route, Failure[]>();
  readonly #permissions = new Map<string, PermissionsView>();
  readonly #server: Server;
  readonly #options: LocalInfobipOptions;
  #webhook: WebhookTarget | undefined;
  /** When set: the platform's own connected-call limit per relationship, enforced and reported. */
  #callLimit: { maxAllowed: number; windowMs: number } | undefined;
  readonly #placedAt = new Map<string, number[]>();
  #nextId = 1;
  #messageCounter = 1;

  private constructor(server: Server, options: LocalInfobipOptions) {
    this.#server = server;
    this.#options = options;
  }

  static async start(options: LocalInfobipOptions): Promise<LocalInfobip> {
    let self: LocalInfobip | undefined;
    const server = createServer((req, res) => void self!.#handle(req, res));
    self = new LocalInfobip(server, options);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    return self;
  }

  get baseUrl(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Queue answers for the next requests on a route (each used once). */
  script(route: Route, ...failures: Failure[]): void {
    this.#script.set(route, [...(this.#script.get(route) ?? []), ...failures]);
  }

  /** What `GET …/permissions` answers for this relationship from now on. */
  setPermissions(sender: string, user: string, view: PermissionsView): void {
    this.#permissions.set(`${sender}:${user}`, view);
  }

  /**
   * Enforce a call limit per relationship as the platform does: `maxAllowed` calls in `windowMs`
   * (every placed call counts), refused beyond it with 138012 ("Currently N", and when the next is
   * allowed), and reported in the permissions view's START_CALL limit.
   */
  enforceCallLimit(maxAllowed: number, windowMs = 24 * 3_600_000): void {
    this.#callLimit = { maxAllowed, windowMs };
  }

  /** Calls placed for a relationship still inside the enforced window. */
  #callsInWindow(sender: string, user: string): number[] {
    const window = this.#callLimit?.windowMs ?? 0;
    const now = this.#now();
    return (this.#placedAt.get(`${sender}:${user}`) ?? []).filter((t) => now < t + window);
  }

  requestsOn(route: Route): RecordedRequest[] {
    return this.requests.filter((r) => r.route === route);
  }

  /** Where webhooks go, with the credentials the subscription would send. */
  deliverTo(target: WebhookTarget): void {
    this.#webhook = target;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  // ---- webhooks -------------------------------------------------------------------------------

  /** POSTs a JSON body (or raw text) to the application, as Infobip's webhook would. */
  async deliver(body: unknown, options: { raw?: string | Uint8Array<ArrayBuffer>; headers?: Record<string, string> } = {}): Promise<{ status: number; body: any }> {
    if (!this.#webhook) throw new Error('deliverTo() first');
    const response = await fetch(this.#webhook.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...this.#webhook.headers, ...options.headers },
      body: options.raw ?? JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // keep the text
    }
    return { status: response.status, body: parsed };
  }

  /** An inbound-message batch `{results, messageCount, pendingMessageCount}`. */
  inboundBatch(results: readonly Record<string, unknown>[]): Record<string, unknown> {
    return { results, messageCount: results.length, pendingMessageCount: 0 };
  }

  /** One inbound result: a user's `message` to the business. */
  inboundResult(sender: string, user: string, message: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      from: user,
      to: sender,
      integrationType: 'WHATSAPP',
      receivedAt: infobipTime(this.#now()),
      messageId: `ib-in-${this.#messageCounter++}`,
      message,
      ...extra,
    };
  }

  /** An `INTERACTIVE_CALL_PERMISSION_REPLY` result. */
  replyResult(
    sender: string,
    user: string,
    reply: { response: 'ACCEPT' | 'REJECT'; expirationTimestamp?: unknown; pairedMessageId?: string; contextId?: string; meta?: Record<string, unknown> },
  ): Record<string, unknown> {
    const callPermissionReply: Record<string, unknown> = { response: reply.response, ...reply.meta };
    if (reply.expirationTimestamp !== undefined) callPermissionReply.expirationTimestamp = reply.expirationTimestamp;
    const message: Record<string, unknown> = { type: 'INTERACTIVE_CALL_PERMISSION_REPLY', callPermissionReply };
    if (reply.contextId !== undefined) message.context = { id: reply.contextId };
    return this.inboundResult(sender, user, message, reply.pairedMessageId === undefined ? {} : { pairedMessageId: reply.pairedMessageId });
  }

  /** A call event `{type, callId, timestamp, callsConfigurationId, properties}` for a call this server placed or a user's call. */
  callEvent(
    type: string,
    callId: string,
    options: {
      errorName?: string;
      direction?: 'INBOUND' | 'OUTBOUND';
      sender?: string;
      user?: string;
      answered?: boolean;
      at?: number;
      withNumbers?: boolean;
      /** `callLog.hangupSource` (ENDPOINT / API / PLATFORM). */
      hangupSource?: string;
    } = {},
  ): Record<string, unknown> {
    const placed = this.calls.get(callId);
    const direction = options.direction ?? (placed ? 'OUTBOUND' : 'INBOUND');
    const sender = options.sender ?? placed?.from;
    const user = options.user ?? placed?.to;
    const at = options.at ?? this.#now();
    const call: Record<string, unknown> = { id: callId, direction, state: type.replace('CALL_', '') };
    if (options.withNumbers !== false) {
      call.endpoint = { type: 'WHATSAPP', phoneNumber: user };
      call.from = direction === 'OUTBOUND' ? sender : user;
      call.to = direction === 'OUTBOUND' ? user : sender;
    }
    if (placed?.externalId) call.externalId = placed.externalId;
    const properties: Record<string, unknown> = {};
    if (type === 'CALL_FINISHED' || type === 'CALL_FAILED') {
      const errorName = options.errorName ?? 'NORMAL_HANGUP';
      properties.callLog = {
        ...call,
        state: type === 'CALL_FINISHED' ? 'FINISHED' : 'FAILED',
        duration: options.answered ? 42 : 0,
        startTime: infobipTime(at - 60_000),
        ...(options.answered ? { answerTime: infobipTime(at - 42_000) } : {}),
        endTime: infobipTime(at),
        errorCode: { id: errorName === 'NORMAL_HANGUP' ? 10000 : 10001, name: errorName, description: errorName.toLowerCase().replace(/_/g, ' ') },
        ...(options.hangupSource === undefined ? {} : { hangupSource: options.hangupSource }),
      };
    } else {
      properties.call = call;
    }
    return { type, callId, timestamp: infobipTime(at), callsConfigurationId: this.#options.callsConfigurationId, properties };
  }

  // ---- the API ----------------------------------------------------------------------------------

  #now(): number {
    return (this.#options.clock ?? Date.now)();
  }

  #withCallLimit(view: PermissionsView, sender: string, user: string): PermissionsView {
    const { maxAllowed, windowMs } = this.#callLimit!;
    const placed = this.#callsInWindow(sender, user);
    const full = placed.length >= maxAllowed;
    const limit = { timePeriod: windowMs === 86_400_000 ? 'PT24H' : `PT${windowMs / 3_600_000}H`, maxAllowed, currentUsage: placed.length, ...(full ? { limitExpirationTime: infobipTime(Math.min(...placed) + windowMs) } : {}) };
    return { ...view, actions: [view.actions[0], { name: 'START_CALL', canPerformAction: view.status !== 'NO_PERMISSION' && !full, limits: [limit] }] };
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = routeOf(req.method ?? '', url.pathname);
    const raw = await readAll(req);
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      body = raw;
    }
    const entry: RecordedRequest = { route, method: req.method ?? '', path: url.pathname, authorization: req.headers.authorization, body };
    this.requests.push(entry);
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(JSON.stringify(payload));
    };

    if (req.headers.authorization !== `App ${this.#options.apiKey}`)
      return send(401, { requestError: { serviceException: { messageId: 'UNAUTHORIZED', text: 'Invalid login details' } } });
    if (route === 'unknown') return send(404, { requestError: { serviceException: { messageId: 'NOT_FOUND', text: `No such endpoint: ${req.method} ${url.pathname}` } } });

    const failure = this.#script.get(route)?.shift();
    if (failure && 'hang' in failure) return; // never answer
    if (failure && 'hangBody' in failure) {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
      res.write('{"to":');
      return;
    }
    if (failure && 'malformed' in failure) {
      entry.status = failure.status ?? 200;
      res.writeHead(failure.status ?? 200, { 'Content-Type': 'application/json' });
      res.end('{"messageId": "oops",');
      return;
    }
    if (failure && 'wrongShape' in failure) return send(200, { unexpected: true });
    if (failure && 'status' in failure) return send(failure.status, failure.body ?? defaultErrorBody(failure.status), failure.retryAfter === undefined ? {} : { 'Retry-After': failure.retryAfter });

    const violations = validate(route, body, this.#options.callsConfigurationId);
    if (violations.length) return send(400, { errorCode: 'E400', description: 'Request cannot be processed.', action: 'Check the syntax, violations and adjust the request.', violations });

    let status = 200;
    let answer: unknown;
    switch (route) {
      case 'interactive': {
        const b = body as Record<string, string>;
        answer = { to: b.to, messageCount: 1, messageId: b.messageId ?? `ib-${this.#nextId++}`, status: PENDING };
        break;
      }
      case 'template': {
        const messages = (body as { messages: Record<string, string>[] }).messages;
        answer = { messages: messages.map((m) => ({ to: m.to, messageCount: 1, messageId: m.messageId ?? `ib-${this.#nextId++}`, status: PENDING })), bulkId: `bulk-${this.#nextId++}` };
        break;
      }
      case 'calls': {
        const b = body as { endpoint: { phoneNumber: string }; from: string; externalId?: string; customData?: unknown };
        if (this.#callLimit) {
          const placed = this.#callsInWindow(b.from, b.endpoint.phoneNumber);
          if (placed.length >= this.#callLimit.maxAllowed) {
            const next = infobipTime(Math.min(...placed) + this.#callLimit.windowMs);
            const refusal = metaRefusal(138012, `Business initiated calls limit reached. Currently ${this.#callLimit.maxAllowed}. Next call allowed at ${next}`) as { status: number; body: unknown };
            return send(refusal.status, refusal.body);
          }
          this.#placedAt.set(`${b.from}:${b.endpoint.phoneNumber}`, [...placed, this.#now()]);
        }
        const id = `ib-call-${this.#nextId++}`;
        this.calls.set(id, { id, from: b.from, to: b.endpoint.phoneNumber, externalId: b.externalId, customData: b.customData });
        status = 201;
        answer = {
          id,
          endpoint: { type: 'WHATSAPP', phoneNumber: b.endpoint.phoneNumber },
          from: b.from,
          to: b.endpoint.phoneNumber,
          direction: 'OUTBOUND',
          state: 'CALLING',
          callsConfigurationId: this.#options.callsConfigurationId,
          ...(b.externalId ? { externalId: b.externalId } : {}),
          startTime: infobipTime(this.#now()),
        };
        break;
      }
      case 'permissions': {
        const [, , , , sender, , user] = url.pathname.split('/');
        const view = this.#permissions.get(`${sender}:${user}`) ?? noPermissionView();
        answer = this.#callLimit ? this.#withCallLimit(view, sender!, user!) : view;
        break;
      }
    }
    if (failure && 'acceptThenHang' in failure) return; // acted on, never answered
    send(status, answer);
  }
}

function routeOf(method: string, path: string): Route | 'unknown' {
  if (method === 'POST' && path === '/whatsapp/1/message/interactive/call-permission-request') return 'interactive';
  if (method === 'POST' && path === '/whatsapp/1/message/template') return 'template';
  if (method === 'POST' && path === '/calls/1/calls') return 'calls';
  if (method === 'GET' && /^\/whatsapp\/1\/senders\/\d{7,15}\/calls\/\d{7,15}\/permissions$/.test(path)) return 'permissions';
  return 'unknown';
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function defaultErrorBody(status: number): unknown {
  if (status === 429) return { requestError: { serviceException: { messageId: 'TOO_MANY_REQUESTS', text: 'Too many requests' } } };
  if (status >= 500) return { errorCode: 'E500', description: 'Something went wrong.', action: 'Try again later.', violations: [] };
  return { requestError: { serviceException: { messageId: 'BAD_REQUEST', text: 'Bad request' } } };
}

/** The violations Infobip would list for a body (only what docs/rules.md, "Infobip's API", documents is allowed). */
function validate(route: Route, body: unknown, callsConfigurationId: string): { property: string; violation: string }[] {
  const v: { property: string; violation: string }[] = [];
  const obj = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);
  const onlyKeys = (o: Record<string, unknown>, allowed: string[], prefix: string) => {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) v.push({ property: `${prefix}${k}`, violation: 'unknown property' });
  };
  const number = (o: Record<string, unknown>, key: string, prefix: string) => {
    if (typeof o[key] !== 'string' || !DIGITS.test(o[key] as string)) v.push({ property: `${prefix}${key}`, violation: 'must be a phone number in international format' });
  };
  if (route === 'permissions') return v;
  if (!obj(body)) return [{ property: 'body', violation: 'must be a JSON object' }];
  if (route === 'interactive') {
    onlyKeys(body, ['from', 'to', 'messageId', 'callbackData', 'notifyUrl'], '');
    number(body, 'from', '');
    number(body, 'to', '');
    if (body.messageId !== undefined && typeof body.messageId !== 'string') v.push({ property: 'messageId', violation: 'must be a string' });
  } else if (route === 'template') {
    const messages = body.messages;
    onlyKeys(body, ['messages', 'bulkId'], '');
    if (!Array.isArray(messages) || messages.length === 0) return [...v, { property: 'messages', violation: 'must not be empty' }];
    messages.forEach((m: unknown, i: number) => {
      const p = `messages[${i}].`;
      if (!obj(m)) return v.push({ property: `messages[${i}]`, violation: 'must be an object' });
      onlyKeys(m, ['from', 'to', 'messageId', 'content', 'callbackData', 'notifyUrl'], p);
      number(m, 'from', p);
      number(m, 'to', p);
      const content = m.content;
      if (!obj(content)) return v.push({ property: `${p}content`, violation: 'must not be null' });
      if (typeof content.templateName !== 'string' || content.templateName === '') v.push({ property: `${p}content.templateName`, violation: 'must not be blank' });
      if (typeof content.language !== 'string' || content.language === '') v.push({ property: `${p}content.language`, violation: 'must not be blank' });
      const placeholders = obj(content.templateData) && obj(content.templateData.body) ? content.templateData.body.placeholders : undefined;
      if (!Array.isArray(placeholders) || placeholders.some((x) => typeof x !== 'string'))
        v.push({ property: `${p}content.templateData.body.placeholders`, violation: 'must be an array of strings' });
      return undefined;
    });
  } else if (route === 'calls') {
    onlyKeys(body, ['endpoint', 'from', 'callsConfigurationId', 'connectTimeout', 'customData', 'externalId'], '');
    const endpoint = body.endpoint;
    if (!obj(endpoint) || endpoint.type !== 'WHATSAPP') v.push({ property: 'endpoint.type', violation: 'must be WHATSAPP' });
    else number(endpoint, 'phoneNumber', 'endpoint.');
    number(body, 'from', '');
    if (body.callsConfigurationId !== callsConfigurationId) v.push({ property: 'callsConfigurationId', violation: 'unknown calls configuration' });
    if (body.connectTimeout !== undefined && (typeof body.connectTimeout !== 'number' || body.connectTimeout <= 0)) v.push({ property: 'connectTimeout', violation: 'must be positive' });
    if (body.externalId !== undefined && typeof body.externalId !== 'string') v.push({ property: 'externalId', violation: 'must be a string' });
  }
  return v;
}

/** Infobip's answer for a relationship it knows nothing of (the `infobip` preset's limits). */
export function noPermissionView(): PermissionsView {
  return {
    status: 'NO_PERMISSION',
    actions: [
      {
        name: 'SEND_CALL_PERMISSION_REQUEST',
        canPerformAction: true,
        limits: [
          { timePeriod: 'PT24H', maxAllowed: 1, currentUsage: 0 },
          { timePeriod: 'P7D', maxAllowed: 2, currentUsage: 0 },
        ],
      },
      { name: 'START_CALL', canPerformAction: false, limits: [{ timePeriod: 'PT24H', maxAllowed: 5, currentUsage: 0 }] },
    ],
  };
}
