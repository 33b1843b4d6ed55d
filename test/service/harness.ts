import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService, type RunningService, type ServiceOptions } from '../../src/service/index.js';

export const SENDER = '441134960000';
export const USER = '447700900123';
/** Monday 2026-04-06 09:00 UTC: where every test's virtual clock starts. */
export const T0 = Date.parse('2026-04-06T09:00:00.000Z');
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const iso = (ms: number) => new Date(ms).toISOString();

export interface Answer {
  readonly status: number;
  readonly body: any;
  readonly headers: Headers;
}

export interface CallOptions {
  /** A body sent as it is, as `contentType` (default application/json; `''` sends none). */
  readonly raw?: string;
  readonly contentType?: string;
  /** More headers (`Origin`, `Host`, `Authorization` …); they win over the harness's. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A service on a free port, a virtual clock at {@link T0}, and a data directory of its own. */
export interface TestService {
  readonly url: string;
  readonly dataDir: string;
  /** JSON in, JSON out; `raw` sends a body as it is (with `contentType`). */
  call(method: string, path: string, body?: unknown, options?: CallOptions): Promise<Answer>;
  /** The relationship route `/v1/relationships/{sender}/{user}/{suffix}`. */
  relationship(suffix: string, sender?: string, user?: string): string;
  restart(options?: Partial<ServiceOptions>): Promise<void>;
  close(): Promise<void>;
  /** Closes and deletes the data directory. */
  dispose(): Promise<void>;
}

export async function makeDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'wacp-service-test-'));
}

export async function startTestService(options: Partial<ServiceOptions> = {}, dataDir?: string): Promise<TestService> {
  const dir = dataDir ?? (await makeDataDir());
  const base: { -readonly [K in keyof ServiceOptions]: ServiceOptions[K] } = { port: 0, dataDir: dir, clock: 'virtual', clockStart: T0, ...options };
  let service: RunningService | undefined = await startService(base);
  const running = () => {
    if (!service) throw new Error('the service is stopped');
    return service;
  };
  return {
    get url() {
      return running().url;
    },
    dataDir: dir,
    async call(method, path, body, callOptions = {}) {
      const headers: Record<string, string> = {};
      // The service's API token, when it has one, the way a client that knows it sends it.
      if (typeof base.apiToken === 'string') headers.Authorization = `Bearer ${base.apiToken}`;
      let payload: string | undefined;
      if (callOptions.raw !== undefined) payload = callOptions.raw;
      else if (body !== undefined) payload = JSON.stringify(body);
      // Every POST is JSON to the service, with a body or without.
      const contentType = callOptions.contentType ?? (method === 'GET' ? '' : 'application/json');
      if (contentType !== '') headers['Content-Type'] = contentType;
      Object.assign(headers, callOptions.headers);
      const response = await fetch(`${running().url}${path}`, { method, headers, body: payload, signal: AbortSignal.timeout(15_000) });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON (the page, the SVG): the text itself.
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
    relationship(suffix, sender = SENDER, user = USER) {
      return `/v1/relationships/${encodeURIComponent(sender)}/${encodeURIComponent(user)}/${suffix}`;
    },
    async restart(next = {}) {
      await running().close();
      service = undefined;
      Object.assign(base, next);
      service = await startService(base);
    },
    async close() {
      await service?.close();
      service = undefined;
    },
    async dispose() {
      await service?.close();
      service = undefined;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
