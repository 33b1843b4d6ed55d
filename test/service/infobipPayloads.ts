/**
 * Infobip's webhook bodies as docs/rules.md, "Infobip's API" describes them, for the service's
 * `POST /webhooks/infobip`. Times are Infobip's format (`…+0000`).
 */
const infobipTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

let messageCounter = 0;

/** An inbound-message batch holding one `INTERACTIVE_CALL_PERMISSION_REPLY`. */
export function permissionReply(sender: string, user: string, at: number, reply: { response: 'ACCEPT' | 'REJECT'; expiresAt?: number }) {
  const callPermissionReply: Record<string, unknown> = { response: reply.response };
  if (reply.expiresAt !== undefined) callPermissionReply.expirationTimestamp = infobipTime(reply.expiresAt);
  return batch({ from: user, to: sender, at, message: { type: 'INTERACTIVE_CALL_PERMISSION_REPLY', callPermissionReply } });
}

/** An inbound-message batch holding one text message from the user (W1). */
export function userText(sender: string, user: string, at: number, text = 'call me') {
  return batch({ from: user, to: sender, at, message: { type: 'TEXT', text } });
}

function batch(one: { from: string; to: string; at: number; message: Record<string, unknown> }) {
  return {
    results: [{ from: one.from, to: one.to, integrationType: 'WHATSAPP', receivedAt: infobipTime(one.at), messageId: `ib-in-${++messageCounter}`, message: one.message }],
    messageCount: 1,
    pendingMessageCount: 0,
  };
}

/**
 * A call event for a business-initiated call: `CALL_ESTABLISHED` (connected) or `CALL_FINISHED`
 * with `errorCode.name` (NO_ANSWER, BUSY, … unanswered; NORMAL_HANGUP after an answer).
 */
export function businessCallEvent(sender: string, user: string, callId: string, at: number, outcome: 'ESTABLISHED' | 'NORMAL_HANGUP' | 'NO_ANSWER' | 'BUSY' | 'REJECTED') {
  const call = { id: callId, direction: 'OUTBOUND', from: sender, to: user, endpoint: { type: 'WHATSAPP', phoneNumber: user } };
  if (outcome === 'ESTABLISHED') return { type: 'CALL_ESTABLISHED', callId, timestamp: infobipTime(at), properties: { call: { ...call, state: 'ESTABLISHED' } } };
  return {
    type: 'CALL_FINISHED',
    callId,
    timestamp: infobipTime(at),
    properties: { callLog: { ...call, state: 'FINISHED', duration: 0, errorCode: { id: 10001, name: outcome, description: outcome.toLowerCase() } } },
  };
}
