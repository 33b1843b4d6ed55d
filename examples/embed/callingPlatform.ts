/**
 * The host's own HTTP client to its calling platform — written by the host, not by this package.
 * The platform here is a small REST API (any CPaaS looks much like it):
 *
 * - `POST {baseUrl}/permission-requests` `{ from, to, reference, channel }` → `201 { id }`
 * - `POST {baseUrl}/calls` `{ from, to, reference }` → `201 { id }`
 * - a 4xx answer is a refusal `{ error: { code, message } }`: nothing went out.
 *
 * It uses only `fetch`, so it runs wherever the engine does.
 */
export interface CallingPlatformOptions {
  readonly baseUrl: string;
  readonly apiKey: string;
  /** How long one request may take. Default 5 s. */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

/** The platform answered, and said no: nothing went out. */
export class PlatformRejected extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`the platform refused (${status} ${code}): ${message}`);
    this.name = 'PlatformRejected';
  }
}

/** The request may or may not have reached the platform (a timeout, a dropped connection, a 5xx). */
export class PlatformUnreachable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PlatformUnreachable';
  }
}

export interface CallingPlatform {
  sendPermissionRequest(input: { from: string; to: string; reference: string; channel: 'interactive' | 'template' }): Promise<{ id: string }>;
  placeCall(input: { from: string; to: string; reference: string }): Promise<{ id: string }>;
}

export function createCallingPlatform(options: CallingPlatformOptions): CallingPlatform {
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 5_000;

  async function post(path: string, body: unknown): Promise<{ id: string }> {
    let response: Response;
    try {
      response = await fetchImpl(new URL(path, options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`), {
        method: 'POST',
        headers: { Authorization: `Bearer ${options.apiKey}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (cause) {
      throw new PlatformUnreachable(`POST ${path}: no answer (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
    }
    const answer = (await response.json().catch(() => undefined)) as { id?: unknown; error?: { code?: unknown; message?: unknown } } | undefined;
    if (response.status >= 500) throw new PlatformUnreachable(`POST ${path}: ${response.status}`);
    if (!response.ok) throw new PlatformRejected(response.status, String(answer?.error?.code ?? 'UNKNOWN'), String(answer?.error?.message ?? response.statusText));
    if (typeof answer?.id !== 'string') throw new PlatformUnreachable(`POST ${path}: ${response.status} without an id`);
    return { id: answer.id };
  }

  return {
    sendPermissionRequest: (input) => post('permission-requests', input),
    placeCall: (input) => post('calls', input),
  };
}
