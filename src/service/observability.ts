/// <reference types="node" />
import type { Logger } from 'pino';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { importOptionalPeer } from '../optionalPeer.js';

/**
 * What an operator watches: one JSON line per request (pino) and Prometheus metrics (prom-client).
 * Neither holds a secret: a request line names the method, the route's pattern (not the path with
 * its query), the status, the time taken and the relationship, never a header or a body.
 */
export interface ServiceMetrics {
  readonly registry: Registry;
  /** `wacp_commands_total{action, outcome}`: permission requests and calls asked of the service, by what became of them. */
  readonly commands: Counter<'action' | 'outcome'>;
  /** `wacp_refusals_total{action, rule}`: commands the rules refused, by rule id. */
  readonly refusals: Counter<'action' | 'rule'>;
  /** `wacp_effects_total{action, outcome}`: Infobip (or dry-run) effects: sent, failed, unknown, refused-by-platform. */
  readonly effects: Counter<'action' | 'outcome'>;
  /** `wacp_store_conflicts_total`: write conflicts the engine's retries did not absorb (answered 503). */
  readonly storeConflicts: Counter;
  /** `wacp_http_requests_total{method, route, status}` and their duration. */
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly requestSeconds: Histogram<'route'>;
  /** Sweeps: how long one took, and how far behind the clock the last one finished. */
  readonly sweepSeconds: Histogram;
  readonly sweepLag: Gauge;
  /** `wacp_commands_in_flight`: requests being answered now (what a shutdown waits for). */
  readonly inFlight: Gauge;
}

/**
 * prom-client and pino are optional peers of the service entry, loaded when a service starts: the
 * package imports without them, and a service started without them says which `npm install` to run.
 */
export async function createMetrics(): Promise<ServiceMetrics> {
  const { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } = await importOptionalPeer('prom-client', 'The service\'s Prometheus metrics (/metrics)', () => import('prom-client'));
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'wacp_' });
  const registers = [registry];
  return {
    registry,
    commands: new Counter({ name: 'wacp_commands_total', help: 'Permission requests and calls asked of the service, by outcome', labelNames: ['action', 'outcome'], registers }),
    refusals: new Counter({ name: 'wacp_refusals_total', help: 'Commands refused by the rules, by rule id', labelNames: ['action', 'rule'], registers }),
    effects: new Counter({ name: 'wacp_effects_total', help: 'Effects (Infobip or dry run), by outcome', labelNames: ['action', 'outcome'], registers }),
    storeConflicts: new Counter({ name: 'wacp_store_conflicts_total', help: 'Store write conflicts left after the engine retried (answered 503)', registers }),
    requests: new Counter({ name: 'wacp_http_requests_total', help: 'HTTP requests answered, by route pattern and status', labelNames: ['method', 'route', 'status'], registers }),
    requestSeconds: new Histogram({ name: 'wacp_http_request_seconds', help: 'Time to answer a request (headers), by route pattern', labelNames: ['route'], buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10], registers }),
    sweepSeconds: new Histogram({ name: 'wacp_sweep_seconds', help: 'Time one clock sweep took', buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30], registers }),
    sweepLag: new Gauge({ name: 'wacp_sweep_lag_seconds', help: 'Seconds between the time the last sweep swept to and the moment it finished', registers }),
    inFlight: new Gauge({ name: 'wacp_requests_in_flight', help: 'Requests being answered now', registers }),
  };
}

/** Where request lines go: anything with `write(line)` (stdout by default in `npm start`). */
export interface LogDestination {
  write(line: string): unknown;
}

/** One JSON line per request, and the service's own lines at info level. */
export async function createRequestLogger(destination: LogDestination): Promise<Logger> {
  const { pino } = await importOptionalPeer('pino', 'The service\'s request log (one JSON line per request)', () => import('pino'));
  return pino({ base: { service: 'wacp' }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } }, destination);
}
