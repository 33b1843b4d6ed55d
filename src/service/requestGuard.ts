/// <reference types="node" />
import { isIP } from 'node:net';
import { ServiceConfigError, ServiceError } from './errors.js';

/**
 * The checks every request passes before any route sees it, whatever the mode, so that a page on
 * another site can neither read the service (DNS rebinding) nor drive it (cross-site requests):
 *
 * - `Host` must be a name the service answers to: an IP literal (a rebinding attack needs a name
 *   the attacker's DNS controls), `localhost`, or one of the operator's `WACP_ALLOWED_HOSTS`;
 * - a state-changing request a browser marks as coming from another site (`Sec-Fetch-Site`,
 *   `Origin`) is refused; clients that are not browsers (curl, Infobip) send neither;
 * - a POST must say its body is JSON: a form or a type-less `Blob` (what a page may send across
 *   sites without asking) is refused, so every cross-site write would need a CORS preflight,
 *   which the service never grants.
 */
export interface RequestGuard {
  /** Throws the refusal (421, 403 or 415) a request deserves, or returns. */
  check(request: Request): void;
}

/** Host names given by the operator: `wacp.example.com`, or with a port `wacp.example.com:8443`. */
export function parseAllowedHosts(value: string, path: string): string[] {
  const names = value.split(',').map((name) => name.trim().toLowerCase()).filter((name) => name !== '');
  for (const name of names)
    if (!/^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)(:\d{1,5})?$/.test(name))
      throw new ServiceConfigError(`${JSON.stringify(name)} is not a host name (such as wacp.example.com or wacp.example.com:8443)`, path);
  return names;
}

/** Whether an address to listen on is this machine's own loopback (nothing else can reach it). */
export function isLoopback(address: string): boolean {
  const bare = address.toLowerCase().replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || (isIP(bare) === 4 && bare.startsWith('127.'));
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `host[:port]` → its name without the port, lower case (`[::1]:80` → `[::1]`). */
function hostname(host: string): string {
  const lower = host.toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
  const colon = lower.lastIndexOf(':');
  return colon === -1 ? lower : lower.slice(0, colon);
}

export function createRequestGuard(options: { readonly allowedHosts: readonly string[] }): RequestGuard {
  const allowed = new Set(options.allowedHosts.map((name) => name.toLowerCase()));

  function hostAllowed(host: string): boolean {
    const lower = host.toLowerCase();
    const name = hostname(lower);
    if (allowed.has(lower) || allowed.has(name)) return true;
    if (name === 'localhost') return true;
    return isIP(name.replace(/^\[|\]$/g, '')) !== 0;
  }

  function refuseCrossSite(request: Request, host: string) {
    const site = request.headers.get('sec-fetch-site');
    if (site !== null && site !== 'same-origin' && site !== 'none')
      throw new ServiceError(403, 'CROSS_SITE_REQUEST', `a page on another site (Sec-Fetch-Site: ${site}) may not change anything here`, 'origin');
    const origin = request.headers.get('origin');
    if (origin === null) return;
    let originHost: string | undefined;
    try {
      originHost = origin === 'null' ? undefined : new URL(origin).host.toLowerCase();
    } catch {
      originHost = undefined;
    }
    if (originHost === undefined || (originHost !== host.toLowerCase() && !allowed.has(originHost) && !allowed.has(hostname(originHost))))
      throw new ServiceError(403, 'CROSS_SITE_REQUEST', `a page on ${JSON.stringify(origin)} may not change anything here`, 'origin');
  }

  return {
    check(request) {
      const host = request.headers.get('host');
      if (host === null || !hostAllowed(host))
        throw new ServiceError(
          421,
          'HOST_NOT_ALLOWED',
          `this service does not answer to ${host === null ? 'a request without a Host' : JSON.stringify(host)}; add the name to WACP_ALLOWED_HOSTS if it is yours`,
          'host',
        );
      if (SAFE_METHODS.has(request.method)) return;
      refuseCrossSite(request, host);
      if (request.method === 'POST') {
        const type = request.headers.get('content-type') ?? '';
        if (!/^application\/([\w.+-]*\+)?json\s*(;|$)/i.test(type))
          throw new ServiceError(415, 'UNSUPPORTED_MEDIA_TYPE', `send the body as application/json, got ${JSON.stringify(type || 'no content-type')}`, 'content-type');
      }
    },
  };
}
