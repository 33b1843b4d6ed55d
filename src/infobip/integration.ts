import type { RuleId } from '../rules.js';
import {
  createCallPermissionEngine,
  type CallPermissionEngine,
  type CallPermissionEngineOptions,
  type RequestPermissionResult,
  type StartCallResult,
} from '../engine/engine.js';
import { EffectFailedError } from '../errors.js';
import { relationshipOf, type Relationship, type RelationshipCommands } from '../engine/relationship.js';
import type { PermissionsView } from '../pure/view.js';
import type { InfobipClient } from './client.js';
import type { InfobipConfig } from './config.js';
import { MemoryCorrelationDirectory, type CorrelationDirectory } from './correlations.js';
import { createInfobipEffects, type InfobipEffects } from './effects.js';
import { InfobipError } from './errors.js';
import { confirmPermanence, type PermanenceConfirmation } from './confirmPermanence.js';
import { applyCorrection, readRefusalData, type AppliedCorrection, type RefusalData } from './corrections.js';
import type { PlatformCodeCarrier } from './platformCodes.js';
import { reconcile, type ReconcileResult } from './reconcile.js';
import { createWebhookHandler, type WebhookHandler, type WebhookHandlerOptions } from './webhooks/handler.js';

export interface InfobipIntegrationOptions {
  readonly infobip: InfobipConfig;
  /** Store, policy, clock…: everything but the effects, which are Infobip's. */
  readonly engine?: Omit<CallPermissionEngineOptions, 'effects'>;
  /**
   * The webhook's credentials and settings. Its `calls.callsConfigurationId` defaults to
   * `infobip.callsConfigurationId` (events of other configurations are ignored); the correlation
   * directory and the clock are the integration's own.
   */
  readonly webhook: Omit<WebhookHandlerOptions, 'engine' | 'correlations' | 'reconcileWith' | 'confirmWith' | 'clock'> & {
    /** Reconcile a relationship named in a platform refusal found in a webhook. Default true. */
    readonly reconcileOnRefusal?: boolean;
    /** Confirm an accept without expiry with the permissions GET before answering the webhook. Default true. */
    readonly confirmPermanence?: boolean;
  };
  /** Shared by the effects and the webhook handler. Default: in memory. */
  readonly correlations?: CorrelationDirectory;
  /** Reads `retryAt` and a stated limit from a refusal (where Infobip puts Meta's `error_data` is not confirmed). Default {@link readRefusalData}. */
  readonly refusalDataOf?: (carrier: PlatformCodeCarrier) => RefusalData;
}

/**
 * Infobip refused a send or call with a code of [docs/rules.md, "Platform error codes"](../../docs/rules.md#platform-error-codes): the local state had allowed it.
 * The reservation was released (a 4xx: Infobip did not act), the relationship was reconciled with
 * Infobip's view, and this says so.
 */
export interface PlatformRefusedResult {
  readonly outcome: 'refused-by-platform';
  readonly platformCode: number;
  readonly rules: readonly RuleId[];
  readonly error: InfobipError;
  /** The row of the platform-code table applied: the facts recorded, `retryAt`, what to tell the user. */
  readonly correction: AppliedCorrection;
  readonly reconciliation?: ReconcileResult;
  readonly reconcileError?: string;
}

export interface InfobipIntegration {
  readonly engine: CallPermissionEngine;
  readonly client: InfobipClient;
  readonly effects: InfobipEffects;
  readonly correlations: CorrelationDirectory;
  /** The webhook endpoint for inbound messages and call events (Request → Response). */
  readonly handleWebhook: WebhookHandler;
  /** `engine.requestPermission`, with a platform refusal reconciled and reported instead of thrown. */
  requestPermission(sender: string, user: string): Promise<RequestPermissionResult | PlatformRefusedResult>;
  /** `engine.startCall`, with a platform refusal reconciled and reported instead of thrown. */
  startCall(sender: string, user: string): Promise<StartCallResult | PlatformRefusedResult>;
  /** Folds Infobip's view of the relationship into the local state (remote wins) and lists the differences. */
  reconcile(sender: string, user: string): Promise<ReconcileResult>;
  /** Infobip's own view (`GET …/permissions`), without touching the local state. */
  remotePermissions(sender: string, user: string): Promise<PermissionsView>;
  /**
   * Asks Infobip whether a grant held as temporary is PERMANENT (after an accept without expiry whose
   * confirmation failed) and folds the answer in. `ref` keys the fact (default: one per relationship and day).
   */
  confirmPermanence(sender: string, user: string, ref?: string): Promise<PermanenceConfirmation>;
  /**
   * One relationship's handle, as `engine.relationship` gives it, whose commands also report
   * Infobip's refusals as results (`{ ok: false, kind: 'refused', by: 'platform', platformCode }`).
   */
  relationship(key: { readonly sender: string; readonly user: string }): Relationship;
}

/** The engine, its Infobip effects, the webhook handler and reconciliation, wired to one another. */
export function createInfobipIntegration(options: InfobipIntegrationOptions): InfobipIntegration {
  const correlations = options.correlations ?? new MemoryCorrelationDirectory();
  const effects = createInfobipEffects(options.infobip, { correlations });
  const client = effects.client;
  /** Which request or call an Infobip error answered: the correction's facts are keyed by it. */
  const refusedIds = new WeakMap<object, string>();
  const remember = (id: string) => (error: unknown) => {
    if (error instanceof InfobipError) refusedIds.set(error, id);
    throw error;
  };
  const tracked: InfobipEffects = {
    ...effects,
    sendPermissionRequest: (command) => effects.sendPermissionRequest(command).catch(remember(command.requestId)),
    startCall: (command) => effects.startCall(command).catch(remember(command.callId)),
  };
  const engine = createCallPermissionEngine({ ...options.engine, effects: tracked });
  const refusalDataOf = options.refusalDataOf ?? readRefusalData;
  const clock = options.engine?.clock ?? Date.now;
  const { reconcileOnRefusal, confirmPermanence: confirm, ...webhook } = options.webhook;
  const handleWebhook = createWebhookHandler({
    ...webhook,
    // Given once: the calls configuration the calls are placed with is the one whose events count.
    calls: { callsConfigurationId: options.infobip.callsConfigurationId, ...webhook.calls },
    engine,
    correlations,
    clock,
    ...(reconcileOnRefusal === false ? {} : { reconcileWith: client }),
    ...(confirm === false ? {} : { confirmWith: client }),
  });

  /** After the engine released the reservation: fold Infobip's view in, and report instead of throwing. */
  async function refused(sender: string, user: string, error: unknown): Promise<PlatformRefusedResult> {
    const cause = error instanceof EffectFailedError ? error.cause : undefined;
    if (!(cause instanceof InfobipError) || cause.platformCode === undefined || !cause.rules) throw error;
    const correction = await applyCorrection(
      engine,
      {
        code: cause.platformCode,
        sender,
        user,
        ref: refusedIds.get(cause) ?? `at-${clock().toString(36)}`,
        at: clock(),
        data: refusalDataOf({ ...(cause.errorCode === undefined ? {} : { errorCode: cause.errorCode }), text: cause.text, violations: cause.violations }),
      },
      { client },
    );
    return {
      outcome: 'refused-by-platform',
      platformCode: cause.platformCode,
      rules: cause.rules,
      error: cause,
      correction,
      ...(correction.reconciliation ? { reconciliation: correction.reconciliation } : {}),
      ...(correction.reconcileError === undefined ? {} : { reconcileError: correction.reconcileError }),
    };
  }

  const integration: Omit<InfobipIntegration, 'relationship'> = {
    engine,
    client,
    effects,
    correlations,
    handleWebhook,
    async requestPermission(sender, user) {
      try {
        return await engine.requestPermission(sender, user);
      } catch (error) {
        return refused(sender, user, error);
      }
    },
    async startCall(sender, user) {
      try {
        return await engine.startCall(sender, user);
      } catch (error) {
        return refused(sender, user, error);
      }
    },
    reconcile: (sender, user) => reconcile(engine, client, sender, user, { clock }),
    remotePermissions: (sender, user) => client.getPermissions(sender, user),
    confirmPermanence: (sender, user, ref) =>
      confirmPermanence(engine, client, sender, user, ref ?? `${sender}:${user}:${Math.floor(clock() / 86_400_000)}`, { ...options.webhook.confirmation, clock }),
  };
  /** The handle's commands: the integration's (Infobip's refusals reported), the engine's facts and views. */
  const commands: RelationshipCommands = {
    requestPermission: integration.requestPermission,
    startCall: integration.startCall,
    record: engine.record,
    permissions: engine.permissions,
    snapshot: engine.snapshot,
  };
  return {
    ...integration,
    // The engine's handle normalises the numbers (naming key.sender / key.user); the commands are ours.
    relationship: (key) => relationshipOf(commands, engine.relationship(key).key),
  };
}
