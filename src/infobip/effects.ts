import type { CallPermissionEffects, CallReceipt, EffectReceipt } from '../engine/effects.js';
import { EffectOutcomeUnknownError } from '../errors.js';
import { createInfobipClient, type InfobipClient } from './client.js';
import type { InfobipConfig } from './config.js';
import { MemoryCorrelationDirectory, type Correlation, type CorrelationDirectory } from './correlations.js';
import { InfobipError } from './errors.js';

export interface InfobipEffects extends CallPermissionEffects {
  readonly client: InfobipClient;
  readonly correlations: CorrelationDirectory;
}


/**
 * The engine's effects over Infobip:
 * - a permission request goes out as the interactive message inside the 24 h window and as the
 *   configured template outside it (the engine's `via`), with the engine's `requestId` as `messageId`;
 * - a call is `POST /calls/1/calls` to a `WHATSAPP` endpoint with the engine's `callId` as
 *   `externalId`; the receipt's `platformCallId` is Infobip's id, which the engine then records.
 *
 * Quota: an answer proving Infobip did not act (a 4xx, a 429 after the retries, a rejected status)
 * throws the {@link InfobipError} itself, and the engine releases the reservation. Anything
 * ambiguous (timeout, network error, 5xx after the retries, a 2xx it cannot read) throws an
 * `EffectOutcomeUnknownError` with the InfobipError as `cause`, and the engine keeps it.
 */
export function createInfobipEffects(
  config: InfobipConfig | InfobipClient,
  options: {
    /** Where placed calls and sent messages are remembered for the webhook handler. Default: in memory. */
    readonly correlations?: CorrelationDirectory;
  } = {},
): InfobipEffects {
  const client = isClient(config) ? config : createInfobipClient(config);
  const correlations = options.correlations ?? new MemoryCorrelationDirectory();
  const { template, callbackData, customData } = client.config;

  /** A failure to remember must not turn a placed call into a "failed" one (that would release its slot). */
  async function remember(kind: 'call' | 'message', platformId: string, correlation: Correlation) {
    try {
      await correlations.set(kind, platformId, correlation);
    } catch {
      // The webhook handler falls back to the numbers in the payload.
    }
  }

  return {
    client,
    correlations,
    async sendPermissionRequest(command): Promise<EffectReceipt> {
      const input = { from: command.sender, to: command.user, messageId: command.requestId, callbackData: callbackData?.(command) };
      try {
        const receipt =
          command.via === 'interactive'
            ? await client.sendInteractivePermissionRequest(input)
            : await client.sendTemplatePermissionRequest({
                ...input,
                placeholders: typeof template.placeholders === 'function' ? template.placeholders(command) : (template.placeholders ?? []),
              });
        await remember('message', receipt.messageId, { sender: command.sender, user: command.user });
        return { ...receipt };
      } catch (error) {
        throw classify(error);
      }
    },
    async startCall(command): Promise<CallReceipt> {
      try {
        const data = customData?.(command);
        const receipt = await client.placeCall({ from: command.sender, to: command.user, externalId: command.callId, ...(data ? { customData: data } : {}) });
        await remember('call', receipt.platformCallId, { sender: command.sender, user: command.user, direction: 'OUTBOUND', ourId: command.callId });
        return { ...receipt };
      } catch (error) {
        throw classify(error);
      }
    },
  };
}

/** The engine keeps a reservation only for an `EffectOutcomeUnknownError`. */
function classify(error: unknown): unknown {
  if (error instanceof InfobipError && !error.definitelyNotAccepted)
    return new EffectOutcomeUnknownError(`Infobip may have acted: ${error.message}`, { cause: error });
  return error;
}

function isClient(value: InfobipConfig | InfobipClient): value is InfobipClient {
  return typeof (value as InfobipClient).placeCall === 'function' && typeof (value as InfobipClient).getPermissions === 'function';
}
