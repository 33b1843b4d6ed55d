import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { businessCallEvent, permissionReply, userText } from './infobipPayloads.js';
import { DAY, HOUR, SENDER, startTestService, type TestService } from './harness.js';

/**
 * Trusted time over HTTP (docs/semantics.md "Trusted time"): the two reproductions, and
 * future-dated, far-future, late, reordered and duplicated webhook deliveries. One service
 * (PGlite, virtual clock) for the file; each story has its own user.
 */
let service: TestService;
beforeAll(async () => {
  service = await startTestService({ policy: 'infobip-seed' }); // the seed's G2 of 5: the reproductions reach the cap
});
afterAll(async () => {
  await service?.dispose();
});

let userCounter = 0;
const newUser = () => `4477008${String(++userCounter).padStart(5, '0')}`;
const YEAR_2199 = Date.UTC(2199, 0, 1);
const MINUTE = 60_000;

async function clockNow(): Promise<number> {
  return Date.parse((await service.call('GET', '/v1/clock')).body.now);
}
const webhook = (body: unknown) => service.call('POST', '/webhooks/infobip', body);
const call = (user: string) => service.call('POST', service.relationship('calls', SENDER, user));
async function eventTypes(user: string): Promise<string[]> {
  const { body } = await service.call('GET', service.relationship('timeline', SENDER, user));
  expect(body.replayMatchesStore, 'the log explains the store').toBe(true);
  return body.rows.filter((r: any) => r.kind === 'event').map((r: any) => r.event.type);
}
async function granted(user: string) {
  const now = await clockNow();
  expect((await webhook(permissionReply(SENDER, user, now, { response: 'ACCEPT' }))).status).toBe(200);
  return now;
}

describe('trusted time over the service', () => {
  test('reproduction 1 (G2): five calls, a sixth refused; a message dated +25 h is answered 425 and lets no call out', async () => {
    const user = newUser();
    const now = await granted(user);
    const statuses: number[] = [];
    // Each call's outcome is still unknown (a G2 slot each); 2 h apart, so G6 (one call at a time) lets the next out.
    for (let i = 0; i < 6; i++) {
      statuses.push((await call(user)).status);
      await service.call('POST', '/v1/clock', { advance: 'PT2H' });
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 409]);
    const future = await webhook(userText(SENDER, user, now + 25 * HOUR));
    expect(future.status).toBe(425);
    expect(Number(future.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(future.body).toMatchObject({ error: { code: 'EVENT_IN_FUTURE' }, counts: { recorded: 0 }, ignored: [expect.objectContaining({ reason: 'IN_FUTURE', type: 'USER_MESSAGE' })] });
    const after: number[] = [];
    for (let i = 0; i < 5; i++) after.push((await call(user)).status);
    expect(after).toEqual([409, 409, 409, 409, 409]);
    expect(await eventTypes(user)).not.toContain('USER_MESSAGE');
  });

  test('reproduction 2 (G4, U1): after a message dated 2199 the user’s reject is recorded (200) and the next call refused', async () => {
    const user = newUser();
    await granted(user);
    expect((await webhook(userText(SENDER, user, YEAR_2199))).status).toBe(425);
    const reject = await webhook(permissionReply(SENDER, user, await clockNow(), { response: 'REJECT' }));
    expect(reject.status).toBe(200);
    expect(reject.body.facts).toEqual([expect.objectContaining({ type: 'PERMISSION_REJECTED', outcome: 'recorded' })]);
    const refused = await call(user);
    expect(refused.status).toBe(409);
    expect(refused.body.refusal.rule).toBe('G4');
  });

  test('U1: a reject dated 2199 is recorded at the service clock; redelivered, it is a duplicate', async () => {
    const user = newUser();
    await granted(user);
    const body = permissionReply(SENDER, user, YEAR_2199, { response: 'REJECT' });
    const first = await webhook(body);
    expect(first.status).toBe(200);
    expect(first.body.facts).toEqual([expect.objectContaining({ type: 'PERMISSION_REJECTED', outcome: 'recorded' })]);
    const again = await webhook(body);
    expect(again.body.facts).toEqual([expect.objectContaining({ outcome: 'duplicate' })]);
    const { body: timeline } = await service.call('GET', service.relationship('timeline', SENDER, user));
    expect(Date.parse(timeline.now.at ?? timeline.rows.at(-1).at)).toBeLessThan(YEAR_2199);
    expect((await call(user)).body.refusal.rule).toBe('G4');
  });

  test('a batch with a far-future message and the user’s reject: 425, the reject is stored; redelivered, the reject is a duplicate and it is 425 again', async () => {
    const user = newUser();
    await granted(user);
    const now = await clockNow();
    const future = userText(SENDER, user, YEAR_2199);
    const reject = permissionReply(SENDER, user, now, { response: 'REJECT' });
    const body = { ...future, results: [...future.results, ...reject.results], messageCount: 2 };
    const first = await webhook(body);
    expect(first.status).toBe(425);
    expect(first.body.facts).toEqual([expect.objectContaining({ type: 'PERMISSION_REJECTED', outcome: 'recorded' })]);
    const second = await webhook(body);
    expect(second.status).toBe(425);
    expect(second.body.facts).toEqual([expect.objectContaining({ type: 'PERMISSION_REJECTED', outcome: 'duplicate' })]);
    expect((await call(user)).body.refusal.rule).toBe('G4');
  });

  test('within the bound (+2 min) a fact is recorded at its own time; once the clock has come, the refused one is accepted', async () => {
    const user = newUser();
    const now = await granted(user);
    expect((await webhook(userText(SENDER, user, now + 2 * MINUTE))).status).toBe(200);
    const early = userText(SENDER, user, now + 10 * MINUTE);
    expect((await webhook(early)).status).toBe(425);
    await service.call('POST', '/v1/clock', { advance: 'PT6M' });
    expect((await webhook(early)).status).toBe(200);
    expect(await eventTypes(user)).toEqual(['PERMISSION_ACCEPTED', 'USER_MESSAGE', 'USER_MESSAGE']);
  });

  test('late, reordered and duplicated call outcomes: the miss counts once, the connected call holds its slot', async () => {
    const user = newUser();
    await granted(user);
    const first = (await call(user)).body.callId as string;
    // The first call's outcome is not known yet; 2 h on, G6 no longer holds the pair (policy.ongoingCallMaxMs).
    await service.call('POST', '/v1/clock', { advance: 'PT2H' });
    const second = (await call(user)).body.callId as string;
    const now = await clockNow();
    const connected = businessCallEvent(SENDER, user, second, now + 2000, 'ESTABLISHED');
    const missed = businessCallEvent(SENDER, user, first, now + 1000, 'NO_ANSWER');
    await service.call('POST', '/v1/clock', { advance: 'PT1H' });
    // Delivered an hour late, the later one first, each twice.
    for (const body of [connected, missed, connected, missed]) expect((await webhook(body)).status).toBe(200);
    const { body: timeline } = await service.call('GET', service.relationship('timeline', SENDER, user));
    expect(timeline.now.counters).toMatchObject({ connectedCallsIn24h: 1, callsInFlight: 0 });
    expect(await eventTypes(user)).toEqual(['PERMISSION_ACCEPTED', 'CALL_STARTED', 'CALL_STARTED', 'CALL_CONNECTED', 'CALL_UNANSWERED']);
  });

  test('the test form’s event route answers 425 EVENT_IN_FUTURE for a far-future message, and stores nothing', async () => {
    const user = newUser();
    const now = await clockNow();
    const answer = await service.call('POST', service.relationship('events', SENDER, user), { type: 'USER_MESSAGE', at: new Date(now + DAY).toISOString() });
    expect(answer.status).toBe(425);
    expect(answer.body.error).toMatchObject({ code: 'EVENT_IN_FUTURE' });
    expect((await service.call('GET', service.relationship('timeline', SENDER, user))).body.rows ?? []).toEqual([]);
  });
});
