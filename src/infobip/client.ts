import type { RequestChannel } from '../events/types.js';
import type { PermissionsView } from '../pure/view.js';
import { isResolvedInfobipConfig, resolveInfobipConfig, type InfobipConfig, type ResolvedInfobipConfig } from './config.js';
import { InfobipError } from './errors.js';
import { callInfobip, type InfobipRequest } from './http.js';
import { parsePermissionsView } from './permissionsView.js';
import { rulesForPlatformCode } from './platformCodes.js';
import { count, id, object, optionalString, ShapeError, string, typeName } from './shape.js';

export interface InfobipSendReceipt {
  /** The message id Infobip acknowledged: ours, since every send carries one. */
  readonly messageId: string;
  readonly to: string;
  /** Infobip's message status (group PENDING on acceptance). */
  readonly status: {
    readonly groupId?: number;
    readonly groupName: string;
    readonly id?: number;
    readonly name?: string;
    readonly description?: string;
  };
  /** Template sends only. */
  readonly bulkId?: string;
  readonly via: RequestChannel;
}

export interface InfobipCallReceipt {
  /** Infobip's id of the call: the `callId` of every later call event. */
  readonly platformCallId: string;
  /** Ours, sent as `externalId`. */
  readonly externalId: string;
  /** `state` of the answer, when given (`CALLING`). */
  readonly state?: string;
}

/** Infobip's endpoints that WhatsApp call permissions need, over `fetch`. */
export interface InfobipClient {
  readonly config: ResolvedInfobipConfig;
  /** `POST /whatsapp/1/message/interactive/call-permission-request` (inside the 24 h window). */
  sendInteractivePermissionRequest(input: { readonly from: string; readonly to: string; readonly messageId: string; readonly callbackData?: string }): Promise<InfobipSendReceipt>;
  /** `POST /whatsapp/1/message/template` with the configured template (outside the window). */
  sendTemplatePermissionRequest(input: Parameters<InfobipClient['sendInteractivePermissionRequest']>[0] & { readonly placeholders: readonly string[] }): Promise<InfobipSendReceipt>;
  /** `POST /calls/1/calls` to a `WHATSAPP` endpoint. */
  placeCall(input: { readonly from: string; readonly to: string; readonly externalId: string; readonly customData?: Readonly<Record<string, string>> }): Promise<InfobipCallReceipt>;
  /** `GET /whatsapp/1/senders/{sender}/calls/{user}/permissions`: Infobip's view of the relationship. */
  getPermissions(sender: string, user: string): Promise<PermissionsView>;
}

const REFUSED_GROUPS = new Set(['REJECTED', 'UNDELIVERABLE', 'EXPIRED']);

export function createInfobipClient(config: InfobipConfig | ResolvedInfobipConfig): InfobipClient {
  const resolved = isResolvedInfobipConfig(config) ? config : resolveInfobipConfig(config);

  /** Reads a 2xx body; a shape Infobip does not document is an error whose outcome is unknown. */
  async function call<T>(request: InfobipRequest, read: (body: unknown) => T): Promise<T> {
    const response = await callInfobip(resolved, request);
    try {
      return read(response.body);
    } catch (error) {
      if (!(error instanceof ShapeError)) throw error;
      throw new InfobipError({
        failure: 'INFOBIP_MALFORMED_RESPONSE',
        status: response.status,
        text: `unexpected answer: ${error.message}`,
        operation: `${request.method} ${request.path}`,
        attempts: response.attempts,
        definitelyNotAccepted: false,
        cause: error,
      });
    }
  }

  /** Infobip accepted the HTTP call but may still refuse the message in its status. */
  function checkStatus(receipt: InfobipSendReceipt, operation: string): InfobipSendReceipt {
    if (!REFUSED_GROUPS.has(receipt.status.groupName)) return receipt;
    const text = `message ${receipt.messageId} ${receipt.status.groupName}${receipt.status.name ? ` (${receipt.status.name})` : ''}${receipt.status.description ? `: ${receipt.status.description}` : ''}`;
    const platformCode = resolved.platformCodeOf({ errorCode: receipt.status.name, text });
    const rules = rulesForPlatformCode(platformCode);
    throw new InfobipError({
      failure: 'INFOBIP_REJECTED',
      text,
      errorCode: receipt.status.name,
      operation,
      attempts: 1,
      definitelyNotAccepted: true,
      ...(rules ? { platformCode, rules } : {}),
    });
  }

  return {
    config: resolved,
    async sendInteractivePermissionRequest(input) {
      const path = '/whatsapp/1/message/interactive/call-permission-request';
      const receipt = await call({ method: 'POST', path, body: withOptional({ from: input.from, to: input.to, messageId: input.messageId }, input.callbackData, resolved.notifyUrl), retryAmbiguous: true }, (body) =>
        readSend(object(body, 'body'), 'body', 'interactive'),
      );
      return checkStatus(receipt, `POST ${path}`);
    },
    async sendTemplatePermissionRequest(input) {
      const path = '/whatsapp/1/message/template';
      const message = withOptional(
        {
          from: input.from,
          to: input.to,
          messageId: input.messageId,
          content: {
            templateName: resolved.template.name,
            templateData: { body: { placeholders: [...input.placeholders] } },
            language: resolved.template.language,
          },
        },
        input.callbackData,
        resolved.notifyUrl,
      );
      const receipt = await call({ method: 'POST', path, body: { messages: [message] }, retryAmbiguous: true }, (raw) => {
        const body = object(raw, 'body');
        if (!Array.isArray(body.messages) || body.messages.length !== 1) throw new ShapeError('body.messages', 'must be an array of one message status');
        const bulkId = optionalString(body.bulkId, 'body.bulkId', 256);
        const one = readSend(object(body.messages[0], 'body.messages[0]'), 'body.messages[0]', 'template');
        return bulkId === undefined ? one : { ...one, bulkId };
      });
      return checkStatus(receipt, `POST ${path}`);
    },
    async placeCall(input) {
      const path = '/calls/1/calls';
      const body: Record<string, unknown> = {
        endpoint: { type: 'WHATSAPP', phoneNumber: input.to },
        from: input.from,
        callsConfigurationId: resolved.callsConfigurationId,
        externalId: input.externalId,
      };
      if (resolved.connectTimeout !== undefined) body.connectTimeout = resolved.connectTimeout;
      if (input.customData !== undefined) body.customData = input.customData;
      // A repeated POST could ring the user twice: only answers that prove nothing happened (429, 5xx) are retried.
      return call({ method: 'POST', path, body, retryAmbiguous: false }, (raw) => {
        const answer = object(raw, 'body');
        const field = resolved.callIdFields.find((f) => answer[f] !== undefined && answer[f] !== null);
        if (field === undefined) throw new ShapeError(`body.${resolved.callIdFields[0]}`, "must hold Infobip's call id");
        const platformCallId = id(answer[field], `body.${field}`);
        const state = answer.state === undefined ? undefined : typeName(answer.state, 'body.state');
        return state === undefined ? { platformCallId, externalId: input.externalId } : { platformCallId, externalId: input.externalId, state };
      });
    },
    getPermissions(sender, user) {
      const path = `/whatsapp/1/senders/${encodeURIComponent(sender)}/calls/${encodeURIComponent(user)}/permissions`;
      return call({ method: 'GET', path, retryAmbiguous: true }, parsePermissionsView);
    },
  };
}

function readSend(message: Record<string, unknown>, path: string, via: RequestChannel): InfobipSendReceipt {
  const status = object(message.status, `${path}.status`);
  const groupId = status.groupId === undefined ? undefined : count(status.groupId, `${path}.status.groupId`);
  const statusId = status.id === undefined ? undefined : count(status.id, `${path}.status.id`);
  const name = optionalString(status.name, `${path}.status.name`, 128);
  const description = optionalString(status.description, `${path}.status.description`);
  return {
    messageId: id(message.messageId, `${path}.messageId`),
    to: string(message.to, `${path}.to`, 32),
    status: {
      groupName: string(status.groupName, `${path}.status.groupName`, 64),
      ...(groupId === undefined ? {} : { groupId }),
      ...(statusId === undefined ? {} : { id: statusId }),
      ...(name === undefined ? {} : { name }),
      ...(description === undefined ? {} : { description }),
    },
    via,
  };
}

function withOptional<T extends Record<string, unknown>>(body: T, callbackData: string | undefined, notifyUrl: string | undefined): T {
  const out: Record<string, unknown> = { ...body };
  if (callbackData !== undefined) out.callbackData = callbackData;
  if (notifyUrl !== undefined) out.notifyUrl = notifyUrl;
  return out as T;
}
