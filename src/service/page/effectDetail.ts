/** What a timeline row's effect did: a dry run's would-be request, Infobip's answer, or an error. */

import type { TimelineEventRow, WouldSend } from './serviceTypes.js';

type Detail = NonNullable<TimelineEventRow['detail']>;

/** The dry run's receipt (src/service/dryRunEffects.ts): the Infobip request it did not send. */
function isDryRunReceipt(receipt: unknown): receipt is { readonly dryRun: true; readonly wouldSend: WouldSend } {
  if (typeof receipt !== 'object' || receipt === null || !('dryRun' in receipt) || !('wouldSend' in receipt)) return false;
  return Boolean(receipt.dryRun) && typeof receipt.wouldSend === 'object' && receipt.wouldSend !== null;
}

export function detailText(detail: Detail | undefined): string {
  if (!detail) return '';
  if (detail.error) return `effect failed: ${detail.error}`;
  if (detail.sending) return 'sending…';
  const receipt = detail.receipt;
  if (isDryRunReceipt(receipt)) return `dry run: would ${receipt.wouldSend.method} ${receipt.wouldSend.path}`;
  if (receipt) return `sent: ${JSON.stringify(receipt)}`;
  if (detail.replayError) return `replay: ${detail.replayError}`;
  return '';
}
