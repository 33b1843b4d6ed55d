/**
 * whatsapp-call-permissions/infobip: the engine talking to Infobip. Built on the platform `fetch`,
 * `Request` and `Response` only, so it runs on Node, Bun, Deno and workers.
 *
 * - {@link createInfobipIntegration}: engine + effects + webhook handler + reconciliation, wired.
 * - {@link createInfobipEffects} / {@link createInfobipClient}: the HTTP side on its own.
 * - {@link createWebhookHandler}, {@link parseInboundMessages}, {@link parseCallEvent}: the webhook side.
 * - {@link reconcile}: fold Infobip's view of a relationship into the local state.
 * - {@link InfobipWebhookBody} and the types under it: the JSON Infobip POSTs to the webhook.
 *
 * @packageDocumentation
 */
export { createInfobipClient, type InfobipCallReceipt, type InfobipClient, type InfobipMessageStatus, type InfobipSendReceipt, type PlaceCallInput, type SendPermissionRequestInput, type SendTemplateInput } from './client.js';
export type { InfobipBackoff, InfobipConfig, InfobipTemplateConfig, ResolvedInfobipConfig } from './config.js';
export { MemoryCorrelationDirectory, type CallDirection, type Correlation, type CorrelationDirectory } from './correlations.js';
export { createInfobipEffects, type InfobipEffects, type InfobipEffectsOptions } from './effects.js';
export { InfobipConfigError, InfobipError, InfobipWebhookError, type InfobipErrorDetails, type InfobipFailure, type InfobipViolation, type WebhookFailure } from './errors.js';
export {
  classifyCallOutcome,
  DEFAULT_CALL_OUTCOME_TABLE,
  type CallOutcomeClass,
  type CallOutcomeRow,
  type HangupSource,
} from './callOutcomes.js';
export { createInfobipIntegration, type InfobipIntegration, type InfobipIntegrationOptions, type PlatformRefusedResult } from './integration.js';
export { toNodeListener, type NodeLikeRequest, type NodeLikeResponse, type NodeListenerOptions } from './nodeListener.js';
export { parsePermissionsView } from './permissionsView.js';
export {
  findPlatformCode,
  PLATFORM_CODE_TABLE,
  type CorrectionKind,
  type PlatformCodeCarrier,
  type PlatformCodeRow,
} from './platformCodes.js';
export { confirmPermanence, type PermanenceConfirmation, type PermanenceConfirmationOptions } from './confirmPermanence.js';
export type { RuleId } from '../rules.js';
export {
  applyCorrection,
  correctionKey,
  readRefusalData,
  type AppliedCorrection,
  type CorrectionFact,
  type CorrectionInput,
  type CorrectionOptions,
  type RefusalData,
} from './corrections.js';
export { reconcile, type ReconcileDifference, type ReconcileOptions, type ReconcileResult } from './reconcile.js';
export { type WebhookAuth } from './webhooks/auth.js';
export { ShapeError } from './shape.js';
export {
  attributeCallEvent,
  callEventFacts,
  HANDLED_CALL_EVENT_TYPES,
  parseCallEvent,
  type AttributedCall,
  type CallEventOptions,
  type CallOutcome,
  type HandledCallEventType,
  type ParsedCallEvent,
} from './webhooks/callEvents.js';
export {
  createWebhookHandler,
  type RecordedFact,
  type WebhookDisagreement,
  type WebhookHandler,
  type WebhookHandlerOptions,
  type WebhookReport,
} from './webhooks/handler.js';
export {
  DEFAULT_USER_MESSAGE_TYPES,
  parseInboundMessages,
  type DeliveryReport,
  type InboundMessageOptions,
  type ParsedInboundMessages,
  type ReplyLinkField,
} from './webhooks/inboundMessages.js';
export type { IgnoredReason, IgnoredWebhookItem, PlatformRefusal, WebhookFact } from './webhooks/types.js';
export type {
  InfobipCall,
  InfobipCallDetails,
  InfobipCallDirection,
  InfobipCallEndpoint,
  InfobipCallErrorCode,
  InfobipCallEvent,
  InfobipCallLog,
  InfobipCallPermissionReply,
  InfobipCallPermissionReplyMessage,
  InfobipDateTime,
  InfobipDeliveryReport,
  InfobipHandledCallEventType,
  InfobipInboundMessage,
  InfobipInboundMessagesWebhook,
  InfobipInboundResult,
  InfobipMessageContext,
  InfobipStatus,
  InfobipUserMessage,
  InfobipWebhookBody,
} from './webhooks/payloads.js';
