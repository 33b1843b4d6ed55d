/// <reference types="node" />
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ServiceConfigError } from './errors.js';

/**
 * The service's API credential: a random token the operator chooses, of which the service keeps
 * only the SHA-256 digest (the plain token is dropped once hashed, or never given: see
 * `WACP_API_TOKEN_SHA256`). A token is a random secret, not a password, so one fast hash is
 * enough: there is nothing for a dictionary to guess.
 */
export type ApiTokenSetting = string | { readonly sha256: string };

/** Shorter than this is a password, not a token. 32 hex or base64 characters carry 128+ bits. */
export const MIN_TOKEN_LENGTH = 32;
/** A session cookie (the inspector page's way in) lasts this long; then the page asks again. */
export const SESSION_TTL_MS = 12 * 3_600_000;
export const SESSION_COOKIE = 'wacp_session';

export interface ApiCredential {
  /** Whether the request carries the token (`Authorization: Bearer …`) or a session cookie made from it. */
  accepts(headers: Headers, now: number): boolean;
  /** Whether `token` is the token (a login). */
  isToken(token: string): boolean;
  /** A session cookie's value, signed with the token's digest: any instance with the same token accepts it. */
  session(now: number): string;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** The digest of a setting; a bad setting is refused naming its variable. */
export function tokenDigest(setting: ApiTokenSetting): Buffer {
  if (typeof setting === 'string') {
    if (setting.length < MIN_TOKEN_LENGTH || /\s/.test(setting))
      throw new ServiceConfigError(`must be a random token of at least ${MIN_TOKEN_LENGTH} characters without spaces (for example: openssl rand -hex 32)`, 'WACP_API_TOKEN');
    return sha256(setting);
  }
  if (!/^[0-9a-f]{64}$/i.test(setting.sha256)) throw new ServiceConfigError('must be the 64 hex digits of the token’s SHA-256 (sha256sum)', 'WACP_API_TOKEN_SHA256');
  return Buffer.from(setting.sha256, 'hex');
}

/**
 * Checks a presented token by its digest: the digests have one length whatever was presented, and
 * `timingSafeEqual` takes the same time wherever they differ, so neither a prefix nor a timing
 * tells an attacker anything.
 */
export function createApiCredential(setting: ApiTokenSetting): ApiCredential {
  const digest = tokenDigest(setting);
  const isToken = (token: string) => timingSafeEqual(sha256(token), digest);
  const signature = (issuedAt: number) => createHmac('sha256', digest).update(`wacp-session:${issuedAt}`).digest();

  function sessionValid(value: string, now: number): boolean {
    const match = /^(\d{13})\.([0-9a-f]{64})$/.exec(value);
    if (!match) return false;
    const issuedAt = Number(match[1]);
    // A minute of skew between instances sharing the token; no session from the future beyond that.
    if (issuedAt > now + 60_000 || now - issuedAt > SESSION_TTL_MS) return false;
    return timingSafeEqual(signature(issuedAt), Buffer.from(match[2]!, 'hex'));
  }

  return {
    isToken,
    accepts(headers, now) {
      const authorization = headers.get('authorization');
      if (authorization !== null && authorization !== '') {
        const bearer = /^Bearer +(\S+) *$/i.exec(authorization);
        return bearer !== null && isToken(bearer[1]!);
      }
      const cookie = readCookie(headers, SESSION_COOKIE);
      return cookie !== undefined && sessionValid(cookie, now);
    },
    session(now) {
      const issuedAt = Math.trunc(now);
      return `${issuedAt}.${signature(issuedAt).toString('hex')}`;
    },
  };
}

/** One cookie's value from the `Cookie` header. */
export function readCookie(headers: Headers, name: string): string | undefined {
  for (const part of (headers.get('cookie') ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}
