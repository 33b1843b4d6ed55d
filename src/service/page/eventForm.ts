/** The dry run's test-event form: the event it describes, and only the fields that event has. */

import { byId, one } from './dom.js';
import type { TestEvent } from './client.js';

const BUSINESS_CALL_OUTCOMES = ['CALL_CONNECTED', 'CALL_UNANSWERED', 'CALL_FAILED'];
const USER_CALLS = ['USER_CALL_RECEIVED', 'USER_CALL_CONNECTED'];

/** The test event the form describes; `at` left out means the service clock, a call's id the last call started. */
export function formEvent(form: HTMLFormElement, lastCallId: string | undefined): TestEvent {
  const fields = new FormData(form);
  const field = (name: string) => {
    const value = fields.get(name);
    return typeof value === 'string' ? value : '';
  };
  const type = field('type');
  const at = field('at').trim();
  const callId = field('callId').trim();
  return {
    type,
    ...(at ? { at } : {}),
    ...(BUSINESS_CALL_OUTCOMES.includes(type) ? { callId: callId || lastCallId || '' } : {}),
    ...(USER_CALLS.includes(type) ? { callId: callId || `user-call-${Date.now().toString(36)}` } : {}),
    ...(type === 'CALL_UNANSWERED' ? { reason: field('unansweredReason') } : {}),
    ...(type === 'CALL_FAILED' ? { reason: field('failedReason') } : {}),
    ...(type === 'PERMISSION_ACCEPTED' && field('grant') ? { permanent: field('grant') === 'permanent' } : {}),
  };
}

/** Shows only the form fields the chosen event type has. */
export function showEventFields(): void {
  const type = byId('event-type', HTMLSelectElement).value;
  const wanted = {
    grant: type === 'PERMISSION_ACCEPTED',
    callId: type.startsWith('CALL_') || type.startsWith('USER_CALL_'),
    unansweredReason: type === 'CALL_UNANSWERED',
    failedReason: type === 'CALL_FAILED',
  };
  for (const [field, shown] of Object.entries(wanted)) one(`[data-field="${field}"]`, HTMLElement).hidden = !shown;
}
