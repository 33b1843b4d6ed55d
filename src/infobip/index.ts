/**
 * whatsapp-call-permissions/infobip: the engine talking to Infobip. Built on the platform `fetch`,
 * `Request` and `Response` only, so it runs on Node, Bun, Deno and workers.
 *
 * - {@link createInfobipIntegration}: engine + effects + webhook handler + reconciliation, wired.
 * - {@link createInfobipEffects} / {@link createInfobipClient}: the HTTP side on its own.
 * - {@link createWebhookHandler}, {@link parseInboundMessages}, {@link parseCallEvent}: the webhook side.
 * - {@link reconcile}: fold Infobip's view of a relationship into the local state.
 * - {@link InfobipWebhook}: the JSON Infobip POSTs to the webhook (`InfobipWebhook.Body`, `InfobipWebhook.CallEvent`, …).
 *
 * @packageDocumentation
 */
// Exported here is what a host calls or names; the HTTP plumbing, the platform-code and call-outcome
// tables' internals and the correction steps stay inside (they are reached through the integration).
export { createInfobipClient, type InfobipCallReceipt, type InfobipClient, type InfobipSendReceipt } from './client.js';
export type { InfobipConfig, ResolvedInfobipConfig } from './config.js';
export { MemoryCorrelationDirectory, type Correlation, type CorrelationDirectory } from './correlations.js';
export { createInfobipEffects, type InfobipEffects } from './effects.js';
export { InfobipConfigError, InfobipError, InfobipWebhookError, type InfobipErrorDetails, type WebhookFailure } from './errors.js';
export { DEFAULT_CALL_OUTCOME_TABLE, type CallOutcomeRow } from './callOutcomes.js';
export { createInfobipIntegration, type InfobipIntegration, type InfobipIntegrationOptions, type PlatformRefusedResult } from './integration.js';
export { toNodeListener, type NodeListenerOptions } from './webhookNodeListener.js';
export type { NodeLikeRequest, NodeLikeResponse } from '../adapters/node.js';
export { findPlatformCode, type PlatformCodeCarrier } from './platformCodes.js';
export type { RuleId } from '../rules.js';
export { readRefusalData, type AppliedCorrection, type CorrectionFact, type RefusalData } from './corrections.js';
export type { PermanenceConfirmation, PermanenceConfirmationOptions } from './confirmPermanence.js';
export { reconcile, type ReconcileDifference, type ReconcileOptions, type ReconcileResult } from './reconcile.js';
export type { WebhookAuth } from './webhooks/auth.js';
export { attributeCallEvent, callEventFacts, parseCallEvent, type AttributedCall, type CallEventOptions, type ParsedCallEvent } from './webhooks/callEvents.js';
export { createWebhookHandler, type RecordedFact, type WebhookDisagreement, type WebhookHandler, type WebhookHandlerOptions, type WebhookReport } from './webhooks/handler.js';
export { DEFAULT_USER_MESSAGE_TYPES, parseInboundMessages, type InboundMessageOptions, type ParsedInboundMessages } from './webhooks/inboundMessages.js';
export type { IgnoredWebhookItem, PlatformRefusal, WebhookFact } from './webhooks/types.js';
export type { InfobipWebhook } from './webhooks/payloads.js';
