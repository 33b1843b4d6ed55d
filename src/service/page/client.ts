/**
 * The service's JSON API as the page calls it: one function per route, each answer typed by the
 * route's own response type (./serviceTypes.ts). With an API token configured, a request the
 * service refuses for want of a session asks for the token once, then goes again.
 */

import { byId } from './dom.js';
import type {
  CallStartedResponse,
  ClockMovedResponse,
  CommandRefusedByPlatformResponse,
  CommandRefusedResponse,
  EventRecordedResponse,
  HealthResponse,
  PermissionRequestSentResponse,
  RelationshipKey,
  RelationshipListResponse,
  RelationshipTimeline,
  SenderStatus,
  ServiceErrorResponse,
  SessionResponse,
} from './serviceTypes.js';

/**
 * What the service answered: a 2xx with the route's JSON, or anything else with its error body
 * (`Partial`: a body that is not JSON, such as a proxy's error page, reads as `{}`).
 */
export type Answer<Ok, Failed = ServiceErrorResponse> =
  | { readonly ok: true; readonly status: number; readonly data: Ok }
  | { readonly ok: false; readonly status: number; readonly data: Partial<Failed> };

/** A test event as the form sends it; the service checks it (and names the field it refuses). */
export interface TestEvent {
  readonly type: string;
  readonly at?: string;
  readonly callId?: string;
  readonly reason?: string;
  readonly permanent?: boolean;
}

/** A command the rules refused (409 with the refusal), Infobip refused, or that failed. */
type CommandFailed = CommandRefusedResponse | CommandRefusedByPlatformResponse | ServiceErrorResponse;

async function call<Ok, Failed = ServiceErrorResponse>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer<Ok, Failed>> {
  const headers: Record<string, string> = {};
  // The service takes every POST as JSON only (a page on another site cannot send that without asking).
  if (method !== 'GET') headers['Content-Type'] = 'application/json';
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(path, init);
  const data: unknown = await response.json().catch(() => ({}));
  // The session ended (the service restarted with another token, or 12 h passed): ask again, then retry once.
  if (response.status === 401 && path.startsWith('/v1/') && !path.startsWith('/v1/session')) {
    await signIn();
    return call(method, path, body);
  }
  // The route's declared shape: the service is the page's own, and its routes are held to these types.
  return response.ok ? { ok: true, status: response.status, data: data as Ok } : { ok: false, status: response.status, data: data as Partial<Failed> };
}

const relationshipPath = (key: RelationshipKey, suffix: string) => `/v1/relationships/${encodeURIComponent(key.sender)}/${encodeURIComponent(key.user)}/${suffix}`;

export const service = {
  session: () => call<SessionResponse, SessionResponse>('GET', '/v1/session'),
  logIn: (token: string) => call<SessionResponse>('POST', '/v1/session', { token }),
  /** 503 with the same body (and the store's error) when the store is down. */
  health: () => call<HealthResponse, HealthResponse>('GET', '/health'),
  relationships: (limit: number) => call<RelationshipListResponse>('GET', `/v1/relationships?limit=${limit}`),
  timeline: (key: RelationshipKey) => call<RelationshipTimeline>('GET', relationshipPath(key, 'timeline')),
  sender: (sender: string) => call<SenderStatus>('GET', `/v1/senders/${encodeURIComponent(sender)}`),
  requestPermission: (key: RelationshipKey) => call<PermissionRequestSentResponse, CommandFailed>('POST', relationshipPath(key, 'permission-requests')),
  startCall: (key: RelationshipKey) => call<CallStartedResponse, CommandFailed>('POST', relationshipPath(key, 'calls')),
  recordEvent: (key: RelationshipKey, event: TestEvent) => call<EventRecordedResponse>('POST', relationshipPath(key, 'events'), event),
  advanceClock: (advance: string) => call<ClockMovedResponse>('POST', '/v1/clock', { advance }),
};

/**
 * With an API token configured, the page asks for it once and posts it in a request body; the
 * service answers with an HttpOnly, SameSite=Strict session cookie. The token is never put in a URL.
 * Requests that find the session gone at once share one dialog.
 */
let signingIn: Promise<void> | undefined;
export function signIn(): Promise<void> {
  signingIn ??= (async () => {
    const { data } = await service.session();
    if (!data.required || data.authenticated) return;
    const dialog = byId('login', HTMLDialogElement);
    const form = byId('login-form', HTMLFormElement);
    const token = byId('login-token', HTMLInputElement);
    dialog.showModal();
    await new Promise<void>((resolve) => {
      form.addEventListener('submit', async function submitted(submit) {
        submit.preventDefault();
        const answer = await service.logIn(token.value);
        if (!answer.ok) return void (byId('login-error', HTMLElement).textContent = answer.data.error?.message ?? 'refused');
        token.value = '';
        form.removeEventListener('submit', submitted);
        dialog.close();
        resolve();
      });
    });
  })().finally(() => {
    signingIn = undefined;
  });
  return signingIn;
}
