import { InfobipConfigError } from '../errors.js';

/**
 * How Infobip proves a webhook is its own. Infobip's subscriptions send either HTTP basic
 * credentials or a fixed header; give several secrets to rotate them without downtime.
 * `none` must be chosen explicitly (for a handler behind a gateway that already checked).
 */
export type WebhookAuth =
  | { readonly basic: { readonly username: string; readonly password: string } | readonly { readonly username: string; readonly password: string }[] }
  | { readonly header: string; readonly secret: string | readonly string[] }
  | { readonly none: true };

/** A checker of a request's headers against the configured secret(s), in constant time. */
export type AuthCheck = (headers: Headers) => boolean;

export function createAuthCheck(auth: WebhookAuth): { check: AuthCheck; challenge?: string } {
  if (auth === null || typeof auth !== 'object') throw new InfobipConfigError('must be { basic }, { header, secret } or { none: true }', 'webhook.auth');
  if ('none' in auth && auth.none === true) return { check: () => true };
  if ('basic' in auth) {
    const list = Array.isArray(auth.basic) ? auth.basic : [auth.basic];
    if (list.length === 0) throw new InfobipConfigError('needs at least one { username, password }', 'webhook.auth.basic');
    const expected = list.map((c: { username: string; password: string }, i: number) => {
      if (typeof c?.username !== 'string' || c.username === '' || c.username.includes(':') || typeof c.password !== 'string' || c.password === '')
        throw new InfobipConfigError('must be a non-empty username without ":" and a non-empty password', `webhook.auth.basic[${i}]`);
      return `Basic ${base64(`${c.username}:${c.password}`)}`;
    });
    return { check: (headers) => matchesAny(headers.get('authorization'), expected), challenge: 'Basic realm="webhook", charset="UTF-8"' };
  }
  if ('header' in auth) {
    if (typeof auth.header !== 'string' || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(auth.header))
      throw new InfobipConfigError('must be an HTTP header name', 'webhook.auth.header');
    const secrets = typeof auth.secret === 'string' ? [auth.secret] : auth.secret;
    if (!Array.isArray(secrets) || secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || s.length < 16))
      throw new InfobipConfigError('must be a secret (or a list of them) of at least 16 characters', 'webhook.auth.secret');
    const name = auth.header;
    return { check: (headers) => matchesAny(headers.get(name), secrets) };
  }
  throw new InfobipConfigError('must be { basic }, { header, secret } or { none: true }', 'webhook.auth');
}

/** Compares against every candidate without stopping early, so the time says nothing about which matched or how far. */
function matchesAny(given: string | null, candidates: readonly string[]): boolean {
  const bytes = encoder.encode(given ?? '');
  let ok = 0;
  for (const candidate of candidates) ok |= constantTimeEqual(bytes, encoder.encode(candidate)) ? 1 : 0;
  return given !== null && ok === 1;
}

const encoder = new TextEncoder();

/**
 * Equal byte strings, in time that depends only on the expected length: every byte of `expected`
 * is compared, and a length difference is folded into the result rather than returned early.
 * @internal
 */
export function constantTimeEqual(given: Uint8Array, expected: Uint8Array): boolean {
  let diff = given.length ^ expected.length;
  for (let i = 0; i < expected.length; i++) diff |= (given[i % Math.max(given.length, 1)] ?? 0) ^ expected[i]!;
  return diff === 0;
}

function base64(text: string): string {
  let binary = '';
  for (const byte of encoder.encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}
