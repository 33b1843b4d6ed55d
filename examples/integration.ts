/**
 * What every example shares: the engine wired to Infobip from environment variables, and the JSON
 * its routes answer. Copy it beside your server; only the webhook wiring differs per framework.
 */
import { CallPermissionError, MemoryStore, type CallStarted, type CommandOutcome, type RequestSent } from 'whatsapp-call-permissions';
import { createInfobipIntegration, type InfobipIntegration } from 'whatsapp-call-permissions/infobip';

export type Environment = Readonly<Record<string, string | undefined>>;

/** Where Infobip's webhook subscriptions (inbound messages and call events) point, in every example. */
export const WEBHOOK_PATH = '/infobip/webhook';

function required(env: Environment, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set (see examples/README.md)`);
  return value;
}

/**
 * The engine, Infobip's HTTP effects and the webhook handler, from the same variables as `wacp serve`:
 * INFOBIP_BASE_URL, INFOBIP_API_KEY, INFOBIP_CALLS_CONFIGURATION_ID, INFOBIP_TEMPLATE_NAME,
 * INFOBIP_TEMPLATE_LANGUAGE (default en), INFOBIP_WEBHOOK_USERNAME and INFOBIP_WEBHOOK_PASSWORD
 * (the basic credentials set on Infobip's subscriptions).
 *
 * The store is in memory, so state lives as long as the process: one process only. For several
 * processes or a worker platform, pass the PostgreSQL store (`whatsapp-call-permissions/stores/postgres`).
 */
export function integrationFromEnvironment(env: Environment): InfobipIntegration {
  const callsConfigurationId = required(env, 'INFOBIP_CALLS_CONFIGURATION_ID');
  return createInfobipIntegration({
    infobip: {
      baseUrl: required(env, 'INFOBIP_BASE_URL'),
      apiKey: required(env, 'INFOBIP_API_KEY'),
      callsConfigurationId,
      template: { name: required(env, 'INFOBIP_TEMPLATE_NAME'), language: env.INFOBIP_TEMPLATE_LANGUAGE ?? 'en' },
    },
    engine: { store: new MemoryStore(), policy: 'infobip' },
    webhook: {
      auth: { basic: { username: required(env, 'INFOBIP_WEBHOOK_USERNAME'), password: required(env, 'INFOBIP_WEBHOOK_PASSWORD') } },
      calls: { callsConfigurationId },
    },
  });
}

/** An HTTP answer, for whichever framework sends it. */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * A command's result as JSON: 201 sent or started; 409 refused by a rule (the rule, the reason, when
 * to retry) or by Infobip (its code and the rules behind it; the relationship was reconciled).
 */
export function commandAnswer(result: CommandOutcome<RequestSent> | CommandOutcome<CallStarted>): Answer {
  if (result.ok) {
    const at = new Date(result.at).toISOString();
    return { status: 201, body: result.kind === 'sent' ? { outcome: 'sent', requestId: result.requestId, via: result.via, at } : { outcome: 'started', callId: result.callId, at } };
  }
  if (result.kind === 'refused') {
    const { by, rule, rules, reason, retryAt, platformCode } = result;
    return {
      status: 409,
      body: { outcome: by === 'platform' ? 'refused-by-platform' : 'refused', rule, rules, reason, ...(retryAt === undefined ? {} : { retryAt: new Date(retryAt).toISOString() }), ...(platformCode === undefined ? {} : { platformCode }) },
    };
  }
  // The effect failed: nothing was placed (released), or it may have been (kept: do not retry blindly).
  return { status: result.outcomeUnknown ? 504 : 502, body: { outcome: 'failed', outcomeUnknown: result.outcomeUnknown, reservationReleased: result.reservationReleased, message: result.error.message } };
}

/**
 * A thrown error as JSON: the engine's typed errors (a malformed phone number, …) are the caller's
 * mistake, 400 with their code and path; anything else is 500 without details.
 */
export function errorAnswer(error: unknown): Answer {
  if (error instanceof CallPermissionError) return { status: 400, body: { error: { code: error.code, path: error.path ?? null, message: error.message } } };
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'the request failed' } } };
}
