import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  applyEvent,
  createRelationship,
  normalisePhoneNumber,
  normalizePhoneNumber,
  type EventOfType,
  type RelationshipEvent,
  type RelationshipEventInput,
  type SenderEvent,
} from '../../src/index.js';
import type { InfobipWebhook } from '../../src/infobip/index.js';

/**
 * What the smaller surface promises in place of the names it removed: a renamed export still works
 * under its old name until 1.0, and each collapsed type is still reachable, exactly, through the
 * union or the type that holds it.
 */
describe('the public surface', () => {
  it('normalisePhoneNumber, deprecated, is normalizePhoneNumber', () => {
    expect(normalisePhoneNumber).toBe(normalizePhoneNumber);
    expect(normalisePhoneNumber('+44 113 496 0000')).toBe('441134960000');
  });

  it('EventOfType names one event of the union, with its fields', () => {
    expectTypeOf<EventOfType<'CALL_UNANSWERED'>>().toEqualTypeOf<Extract<RelationshipEvent, { type: 'CALL_UNANSWERED' }>>();
    expectTypeOf<EventOfType<'CALL_UNANSWERED'>['reason']>().toEqualTypeOf<'no_answer' | 'busy' | 'rejected' | 'cancelled'>();
    expectTypeOf<EventOfType<'PERMISSION_ACCEPTED'>['source']>().toEqualTypeOf<'user' | 'automatic' | 'profile' | 'user_call'>();
    expectTypeOf<EventOfType<'CLOCK'>>().toEqualTypeOf<{ readonly type: 'CLOCK'; readonly at: number }>();
    expectTypeOf<Extract<SenderEvent, { type: 'RESTRICTED' }>['until']>().toEqualTypeOf<number>();
  });

  it('an input event is the event with its times loosened; a normalised event is a valid input', () => {
    expectTypeOf<EventOfType<'CALL_STARTED'>>().toMatchTypeOf<RelationshipEventInput>();
    expectTypeOf<Extract<RelationshipEventInput, { type: 'CALL_STARTED' }>['countedFrom']>().toEqualTypeOf<number | string | Date | undefined>();
    expectTypeOf<Extract<RelationshipEventInput, { type: 'REQUEST_SENT' }>['at']>().toEqualTypeOf<number | string | Date>();
    const rel = createRelationship({ at: '2026-04-01T10:00:00Z', policy: 'infobip' });
    const missed: RelationshipEventInput = { type: 'CALL_UNANSWERED', at: new Date('2026-04-01T10:01:00Z'), callId: 'c1', reason: 'busy' };
    expect(applyEvent(rel, missed).context.now).toBe(Date.parse('2026-04-01T10:01:00Z'));
  });

  it("Infobip's payload types live under InfobipWebhook", () => {
    expectTypeOf<InfobipWebhook.Body>().toEqualTypeOf<InfobipWebhook.InboundMessages | InfobipWebhook.CallEvent>();
    expectTypeOf<InfobipWebhook.CallLog['errorCode']>().toEqualTypeOf<InfobipWebhook.CallErrorCode>();
  });
});
