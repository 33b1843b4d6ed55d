import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessCallEvent, permissionReply } from './infobipPayloads.js';
import { SENDER, startTestService, T0, USER, type TestService } from './harness.js';

/** `GET /v1/senders/{sender}`: the sender statechart (S1–S4, G6) across all its users, as engine.senderStatus answers. */
describe('the sender route', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(async () => {
    await service?.dispose();
  });

  it('S1 S2 G6: a call counts an attempt and holds a slot until its end; the refusal a new call would meet is shown', async () => {
    const fresh = await service.call('GET', `/v1/senders/${SENDER}`);
    expect(fresh.status).toBe(200);
    expect(fresh.body).toMatchObject({ sender: SENDER, country: 'GB', state: 'active', shards: 1, limits: [{ rule: 'S1', currentUsage: 0 }, { rule: 'S2', currentUsage: 0 }] });
    expect(fresh.body.refusal).toBeUndefined();

    await service.call('POST', service.relationship('permission-requests'));
    expect((await service.call('POST', '/webhooks/infobip', permissionReply(SENDER, USER, T0 + 60_000, { response: 'ACCEPT' }))).status).toBe(200);
    const call = await service.call('POST', service.relationship('calls'));
    expect(call.status).toBe(201);
    expect(await service.call('POST', service.relationship('calls'))).toMatchObject({ status: 409, body: { refusal: { rule: 'G6' } } });
    expect((await service.call('GET', `/v1/senders/+44 113 496 0000`)).body.limits.map((l: { currentUsage: number }) => l.currentUsage)).toEqual([1, 1]);

    expect((await service.call('POST', '/webhooks/infobip', businessCallEvent(SENDER, USER, call.body.callId, T0 + 120_000, 'NO_ANSWER'))).status).toBe(200);
    expect((await service.call('GET', `/v1/senders/${SENDER}`)).body.limits.map((l: { currentUsage: number }) => l.currentUsage)).toEqual([1, 0]);
  });

  it('S3: a sender in an unavailable country is shown as such, with the refusal', async () => {
    const us = await service.call('GET', '/v1/senders/12025550100');
    expect(us.body).toMatchObject({ country: 'US', state: 'unavailable', refusal: { rule: 'S3' } });
  });

  it('a bad number or time is a 400 naming it', async () => {
    const bad = await service.call('GET', '/v1/senders/not-a-number');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'INVALID_PHONE_NUMBER' });
    expect((await service.call('GET', `/v1/senders/${SENDER}?at=yesterday`)).status).toBe(400);
  });
});
