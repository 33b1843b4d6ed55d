import { describe, expect, it } from 'vitest';
import {
  attributeCallEvent,
  callEventFacts,
  parseCallEvent,
  parseInboundMessages,
  type InfobipWebhook,
} from '../../src/infobip/index.js';

/**
 * The exported payload types describe what the parsers read: bodies written against the types
 * (the compiler checks them) go through the parsers as the facts they say, and every field the
 * engine reads has its type's name.
 */
const SENDER = '441134960000';
const USER = '447700900123';

const replies: InfobipWebhook.InboundMessages = {
  results: [
    {
      from: USER,
      to: SENDER,
      integrationType: 'WHATSAPP',
      receivedAt: '2026-04-01T10:05:00.000+0000',
      messageId: 'ib-in-1',
      pairedMessageId: 'request-1',
      callbackData: 'request-1',
      contact: { name: 'Ada' },
      message: {
        type: 'INTERACTIVE_CALL_PERMISSION_REPLY',
        callPermissionReply: { response: 'ACCEPT', expirationTimestamp: '2026-04-08T10:05:00.000+0000' },
        context: { id: 'request-1', from: SENDER },
      },
    },
    { from: USER, to: SENDER, receivedAt: '2026-04-01T10:06:00.000+0000', messageId: 'ib-in-2', message: { type: 'TEXT', text: 'call me later' } },
    {
      messageId: 'request-0',
      to: USER,
      sentAt: '2026-04-01T09:00:00.000+0000',
      doneAt: '2026-04-01T09:00:01.000+0000',
      status: { groupId: 5, groupName: 'REJECTED', id: 87, name: 'REJECTED_DESTINATION', description: 'rejected' },
      error: { groupId: 1, groupName: 'HANDSET_ERRORS', id: 138006, name: 'EC_138006', description: 'no permission', permanent: true },
    },
  ],
  messageCount: 3,
  pendingMessageCount: 0,
};

const missedCall: InfobipWebhook.CallEvent = {
  type: 'CALL_FINISHED',
  callId: 'ib-call-1',
  timestamp: '2026-04-01T11:00:30.000+0000',
  callsConfigurationId: 'calls-config-1',
  properties: {
    callLog: {
      callId: 'ib-call-1',
      endpoint: { type: 'WHATSAPP', phoneNumber: USER },
      from: SENDER,
      to: USER,
      direction: 'OUTBOUND',
      state: 'FINISHED',
      startTime: '2026-04-01T11:00:00.000+0000',
      endTime: '2026-04-01T11:00:30.000+0000',
      duration: 0,
      ringDuration: 30,
      errorCode: { id: 10001, name: 'NO_ANSWER', description: 'no answer' },
      hangupSource: 'PLATFORM',
      externalId: 'our-call-1',
    },
  },
};

describe('the exported Infobip payload types', () => {
  it('an inbound batch typed InfobipWebhook.InboundMessages parses into its accept, its user message and its delivery report', () => {
    const parsed = parseInboundMessages(replies);
    expect(parsed.facts.map((f) => [f.event.type, f.sender, f.user])).toEqual([
      ['PERMISSION_ACCEPTED', SENDER, USER],
      ['USER_MESSAGE', SENDER, USER],
    ]);
    expect(parsed.facts[0]!.event).toMatchObject({ requestId: 'request-1', expiresAt: Date.parse('2026-04-08T10:05:00.000Z') });
    expect(parsed.deliveryReports).toEqual([expect.objectContaining({ messageId: 'request-0', user: USER, groupName: 'REJECTED' })]);
  });

  it('a call event typed InfobipWebhook.CallEvent parses into the missed call it describes', () => {
    const parsed = parseCallEvent(missedCall);
    expect(parsed).toMatchObject({ handled: 'CALL_FINISHED', direction: 'OUTBOUND', externalId: 'our-call-1', outcome: { kind: 'unanswered', reason: 'no_answer' } });
    const facts = callEventFacts(parsed, attributeCallEvent(parsed, undefined));
    expect(facts.map((f) => [f.event.type, f.sender, f.user])).toEqual([['CALL_UNANSWERED', SENDER, USER]]);
  });

  it('InfobipWebhook.Body is either shape, told apart as the handler does', () => {
    const bodies: InfobipWebhook.Body[] = [replies, missedCall];
    expect(bodies.map((body) => ('results' in body ? 'messages' : 'call'))).toEqual(['messages', 'call']);
  });
});
