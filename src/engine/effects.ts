import { EffectOutcomeUnknownError } from '../errors.js';
import type { RequestChannel } from '../events/types.js';

/** What the engine asks an effect to send: one permission request, already counted (reserved). */
export interface PermissionRequestCommand {
  readonly sender: string;
  readonly user: string;
  /** The engine's id for the request; send it as the message id so replies and reports correlate. */
  readonly requestId: string;
  /** R3: interactive inside the 24 h window, template outside it. */
  readonly via: RequestChannel;
  readonly at: number;
}

/** What the engine asks an effect to place: one business-initiated call, its slot reserved. */
export interface StartCallCommand {
  readonly sender: string;
  readonly user: string;
  /** The engine's id for the call (send it as the platform's external id where there is one). */
  readonly callId: string;
  readonly at: number;
}

/** Whatever the effect wants to hand back to the caller (the platform's response, ids). */
export type EffectReceipt = Readonly<Record<string, unknown>>;

export interface CallReceipt extends EffectReceipt {
  /** The platform's own id for the call, when it names calls by it in later events. */
  readonly platformCallId?: string;
}

/**
 * The side effects the engine needs, injected by the host (Infobip's HTTP client, or anything).
 *
 * Contract: resolve when the platform accepted the command. Throw when it did not; throw an
 * `EffectOutcomeUnknownError` when you cannot tell (a timeout after the request left): the engine
 * then keeps the reservation, since counting a send that may have happened never breaks a limit.
 * Any other error releases it.
 */
export interface CallPermissionEffects {
  sendPermissionRequest(command: PermissionRequestCommand): Promise<EffectReceipt | void>;
  startCall(command: StartCallCommand): Promise<CallReceipt | void>;
}

/**
 * Whether an effect's error says that the command may have gone out (see {@link CallPermissionEffects}):
 * an `EffectOutcomeUnknownError`, or any error with `outcomeUnknown: true` (one from another copy of this package).
 */
export function isOutcomeUnknown(error: unknown): boolean {
  return error instanceof EffectOutcomeUnknownError || (error as { outcomeUnknown?: unknown } | null)?.outcomeUnknown === true;
}
