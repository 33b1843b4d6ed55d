import { EffectOutcomeUnknownError, type CallPermissionEffects } from 'whatsapp-call-permissions';
import { PlatformUnreachable, type CallingPlatform } from './callingPlatform.ts';

/**
 * The engine's effects over the host's own platform client. The engine calls them only after it
 * has decided (R1–R5, G2–G6, S1–S4) and reserved the quota; the contract is in the answer:
 *
 * - resolve: the platform took the command (the receipt carries its id);
 * - throw `EffectOutcomeUnknownError` when it may have gone out (a timeout, a 5xx): the engine keeps
 *   the reservation, since counting a send that may have happened never breaks a limit;
 * - throw anything else when it surely did not (the platform's 4xx): the reservation is released.
 */
export function createPlatformEffects(platform: CallingPlatform): CallPermissionEffects {
  const unknownOutcome = (error: unknown): never => {
    if (error instanceof PlatformUnreachable) throw new EffectOutcomeUnknownError(error.message, { cause: error });
    throw error;
  };
  return {
    async sendPermissionRequest({ sender, user, requestId, via }) {
      const { id } = await platform.sendPermissionRequest({ from: sender, to: user, reference: requestId, channel: via }).catch(unknownOutcome);
      return { messageId: id };
    },
    async startCall({ sender, user, callId }) {
      const { id } = await platform.placeCall({ from: sender, to: user, reference: callId }).catch(unknownOutcome);
      return { platformCallId: id };
    },
  };
}
