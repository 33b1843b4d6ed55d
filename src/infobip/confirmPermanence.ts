import type { CallPermissionEngine } from '../engine/engine.js';
import { normalizePhoneNumber } from '../phone.js';
import type { InfobipClient } from './client.js';

/** How hard to ask the platform whether an accept without expiry is PERMANENT. */
export interface PermanenceConfirmationOptions {
  /** GETs tried at most (a failed read, or a view that does not show the grant yet, is tried again). Default 3. */
  readonly attempts?: number;
  /** The wait before the second attempt; each later wait doubles. Default 500 ms. */
  readonly delayMs?: number;
  /** The time of the recorded fact. Default `Date.now` (pass the engine's clock). */
  readonly clock?: () => number;
  /** Default `setTimeout`. Inject one to test without waiting. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** What the platform said, and what the engine did with it. */
export type PermanenceConfirmation =
  /** Confirmed: the grant is permanent from now on (`PERMISSION_SYNCED` PERMANENT). */
  | { readonly status: 'PERMANENT'; readonly attempts: number; readonly factKey: string }
  /** The platform knows its end: the grant ends then (`PERMISSION_SYNCED` TEMPORARY). */
  | { readonly status: 'TEMPORARY'; readonly expiresAt: number; readonly attempts: number; readonly factKey: string }
  /** Not confirmed: the grant stays temporary (7 days from the accept), the safe side. */
  | { readonly status: 'unconfirmed'; readonly attempts: number; readonly reason: string };

/** The key of a confirmation's fact: one per accept it confirms. */
export function confirmationKey(ref: string): string {
  return `infobip:confirm-permanence:${ref}`;
}

/**
 * docs/rules.md, Corrections: Infobip's reply has no permanent flag, so an accept without an expiry is
 * held as a temporary grant (7 days) until the platform's permissions view says PERMANENT. This
 * asks it — bounded (`attempts`, doubling waits), retried on a failed read or a view that does not
 * show the grant yet, idempotent (the fact's key is per accept, `ref`) — and folds the answer in.
 * A grant the user ended meanwhile is never brought back.
 */
export async function confirmPermanence(
  engine: CallPermissionEngine,
  client: InfobipClient,
  senderInput: string,
  userInput: string,
  ref: string,
  options: PermanenceConfirmationOptions = {},
): Promise<PermanenceConfirmation> {
  const sender = normalizePhoneNumber(senderInput, 'sender');
  const user = normalizePhoneNumber(userInput, 'user');
  const attempts = Math.max(1, Math.floor(options.attempts ?? 3));
  const delay = Math.max(0, options.delayMs ?? 500);
  const clock = options.clock ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const factKey = confirmationKey(ref);
  let reason = 'not asked';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await sleep(delay * 2 ** (attempt - 2));
    let view;
    try {
      view = await client.getPermissions(sender, user);
    } catch (error) {
      reason = `the permissions view could not be read: ${error instanceof Error ? error.message : String(error)}`;
      continue;
    }
    const at = clock();
    const local = await engine.permissions(sender, user, at);
    if (local.status === 'NO_PERMISSION') return { status: 'unconfirmed', attempts: attempt, reason: 'the local grant ended meanwhile; nothing to confirm' };
    if (view.status === 'PERMANENT') {
      await engine.record(sender, user, { type: 'PERMISSION_SYNCED', at, status: 'PERMANENT' }, { factKey, source: 'reconcile' });
      return { status: 'PERMANENT', attempts: attempt, factKey };
    }
    const expiresAt = view.status === 'TEMPORARY' && view.expirationTime ? Date.parse(view.expirationTime) : NaN;
    if (Number.isFinite(expiresAt) && expiresAt > at) {
      await engine.record(sender, user, { type: 'PERMISSION_SYNCED', at, status: 'TEMPORARY', expiresAt }, { factKey, source: 'reconcile' });
      return { status: 'TEMPORARY', expiresAt, attempts: attempt, factKey };
    }
    reason = `the platform's view does not show the grant (${view.status})`;
  }
  return { status: 'unconfirmed', attempts, reason };
}
