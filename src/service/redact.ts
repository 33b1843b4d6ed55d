/**
 * Text that came from elsewhere (an upstream's error body, an exception's message) as the service
 * may store it or show it: without credentials, and short. An upstream that echoes the request's
 * headers must not put the Infobip API key into a 502 body, the event log or the timeline.
 */
export type Redact = (text: string) => string;

/** The most characters of foreign text kept; the rest is counted, not kept. */
export const MAX_FOREIGN_TEXT = 500;

const HIDDEN = '[redacted]';
/** `Authorization: App 0123…`, `"x-api-key":"…"`, `password=…`: the value after a credential's name. */
const NAMED = /((?:proxy-)?authorization|cookie|x-api-key|api[_-]?key|apikey|password|passwd|secret|token|x-webhook-secret)(["']?\s*[:=]\s*["']?)([^"'\r\n,;&}]*)/gi;
/** `App 0123…`, `Bearer eyJ…`, `Basic dXNl…`: an authorization scheme and its credential, wherever it stands. */
const SCHEME = /\b(App|Bearer|Basic|Token|IBSSO|Digest)\s+[A-Za-z0-9._~+/=-]{6,}/g;
/** `https://user:password@host`: credentials in a URL. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A redactor for the given secrets (the Infobip key, webhook passwords …), besides what looks like a credential anywhere. */
export function createRedactor(secrets: readonly (string | undefined)[] = []): Redact {
  const known = secrets.filter((secret): secret is string => typeof secret === 'string' && secret.length >= 4).sort((a, b) => b.length - a.length);
  const exact = known.length === 0 ? undefined : new RegExp(known.map(escape).join('|'), 'g');
  return (text) => {
    let out = String(text);
    if (exact) out = out.replace(exact, HIDDEN);
    out = out.replace(URL_CREDENTIALS, `$1${HIDDEN}@`).replace(SCHEME, `$1 ${HIDDEN}`).replace(NAMED, `$1$2${HIDDEN}`);
    // eslint-disable-next-line no-control-regex
    out = out.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ');
    return out.length > MAX_FOREIGN_TEXT ? `${out.slice(0, MAX_FOREIGN_TEXT)}… (${out.length - MAX_FOREIGN_TEXT} more characters)` : out;
  };
}
