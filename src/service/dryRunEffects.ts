import type { CallPermissionEffects, CallReceipt, EffectReceipt } from '../index.js';
import type { CorrelationDirectory } from '../infobip/index.js';

/** The HTTP request Infobip would have received, had the service been connected to it. */
export interface WouldSend {
  readonly method: 'POST';
  readonly path: string;
  readonly body: Readonly<Record<string, unknown>>;
}

/**
 * Effects that send nothing: each command succeeds and its receipt says which Infobip request
 * would have gone out (`{ dryRun: true, wouldSend }`), so the timeline can show it. The ids are
 * remembered in `correlations` exactly as the Infobip effects remember them, so a webhook that
 * names only a call or message id still finds its relationship.
 */
export function createDryRunEffects(options: { correlations: CorrelationDirectory }): CallPermissionEffects {
  const { correlations } = options;
  return {
    async sendPermissionRequest(command): Promise<EffectReceipt> {
      const wouldSend: WouldSend =
        command.via === 'interactive'
          ? { method: 'POST', path: '/whatsapp/1/message/interactive/call-permission-request', body: { from: command.sender, to: command.user, messageId: command.requestId } }
          : {
              method: 'POST',
              path: '/whatsapp/1/message/template',
              body: { messages: [{ from: command.sender, to: command.user, messageId: command.requestId, content: { templateName: '(INFOBIP_TEMPLATE_NAME)', templateData: { body: { placeholders: [] } }, language: 'en' } }] },
            };
      await correlations.set('message', command.requestId, { sender: command.sender, user: command.user });
      return { dryRun: true, wouldSend };
    },
    async startCall(command): Promise<CallReceipt> {
      const wouldSend: WouldSend = {
        method: 'POST',
        path: '/calls/1/calls',
        body: { endpoint: { type: 'WHATSAPP', phoneNumber: command.user }, from: command.sender, callsConfigurationId: '(INFOBIP_CALLS_CONFIGURATION_ID)', externalId: command.callId },
      };
      await correlations.set('call', command.callId, { sender: command.sender, user: command.user, direction: 'OUTBOUND' });
      return { dryRun: true, wouldSend };
    },
  };
}
