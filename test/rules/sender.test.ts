import { describe, expect, it } from 'vitest';
import { createCallPermissionEngine, definePolicy, InvalidPolicyError, MemoryStore, type PolicyPresetName } from '../../src/index.js';
import { type PolicyOverrides } from '../../src/policy/policy.js';
import { createManualClock, createRecordingEffects } from '../../src/testing/index.js';
import { DAY, HOUR, T0 } from '../support/timeline.js';

const SENDER = '441134960000'; // GB: calling is available
const users = (n: number) => Array.from({ length: n }, (_, i) => `4477009${String(i).padStart(5, '0')}`);

/** An engine whose users have all granted permanently, at T0. */
async function senderWith(overrides: PolicyOverrides & { preset?: PolicyPresetName } = {}, sender = SENDER, userCount = 6) {
  const clock = createManualClock(T0);
  const effects = createRecordingEffects();
  const engine = createCallPermissionEngine({ store: new MemoryStore(), effects, clock, policy: definePolicy(overrides) });
  const all = users(userCount);
  for (const user of all) await engine.record(sender, user, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true });
  return { engine, clock, effects, users: all, sender };
}

describe('S1: business-initiated call attempts per rolling 24 h per sender', () => {
  it('refuses the attempt beyond the limit across users, with retryAt when the oldest counted minute leaves the window', async () => {
    const { engine, clock, users: [a, b, c, d] } = await senderWith({ senderCallAttemptsPerDay: 3 });
    for (const [i, user] of [a, b, c].entries()) {
      clock.set(T0 + i * HOUR + 30_000);
      const started = await engine.startCall(SENDER, user!);
      expect(started.outcome).toBe('started');
      // Unanswered: the S2 slot comes back, the attempt still counts.
      if (started.outcome === 'started') await engine.record(SENDER, user!, { type: 'CALL_UNANSWERED', at: clock(), callId: started.callId, reason: 'no_answer' });
    }
    clock.set(T0 + 5 * HOUR);
    const refused = await engine.startCall(SENDER, d!);
    // The first attempt was in the minute starting at T0: it counts until T0 + 1 min + 24 h.
    expect(refused).toMatchObject({ outcome: 'refused', refusal: { rule: 'S1', retryAt: T0 + 60_000 + DAY } });
    expect((await engine.senderStatus(SENDER)).limits[0]).toMatchObject({ rule: 'S1', maxAllowed: 3, currentUsage: 3 });
    clock.set(T0 + 60_000 + DAY - 1);
    expect(await engine.startCall(SENDER, d!)).toMatchObject({ outcome: 'refused', refusal: { rule: 'S1' } });
    clock.set(T0 + 60_000 + DAY);
    expect(await engine.startCall(SENDER, d!)).toMatchObject({ outcome: 'started' });
  });

  it('a relationship refusal (G4) spends no sender attempt, and requests are not attempts', async () => {
    const { engine, users: [a] } = await senderWith({ senderCallAttemptsPerDay: 1 });
    const stranger = '447700999999';
    expect(await engine.startCall(SENDER, stranger)).toMatchObject({ outcome: 'refused', refusal: { rule: 'G4' } });
    expect(await engine.requestPermission(SENDER, stranger)).toMatchObject({ outcome: 'sent' });
    expect(await engine.startCall(SENDER, a!)).toMatchObject({ outcome: 'started' });
  });
});

describe('S1: the platform’s count is the floor (138005)', () => {
  it('ATTEMPTS_EXHAUSTED raises every shard’s count to its share; calls wait until that minute leaves the window; a second report changes nothing', async () => {
    const clock = createManualClock(T0 + 30_000);
    const engine = createCallPermissionEngine({ clock, effects: createRecordingEffects(), policy: definePolicy({ senderCallAttemptsPerDay: 10 }), senderShards: 4 });
    const all = users(6);
    for (const user of all) await engine.record(SENDER, user, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true });
    expect(await engine.startCall(SENDER, all[0]!)).toMatchObject({ outcome: 'started' });
    const status = await engine.recordSender(SENDER, { type: 'ATTEMPTS_EXHAUSTED', at: clock() });
    expect(status.limits[0]).toMatchObject({ currentUsage: 10, maxAllowed: 10, limitExpirationTime: new Date(T0 + 60_000 + DAY).toISOString() });
    expect((await engine.recordSender(SENDER, { type: 'ATTEMPTS_EXHAUSTED', at: clock() })).limits[0].currentUsage).toBe(10);
    for (const user of all.slice(1)) expect(await engine.startCall(SENDER, user)).toMatchObject({ outcome: 'refused', refusal: { rule: 'S1', retryAt: T0 + 60_000 + DAY } });
    clock.set(T0 + 60_000 + DAY);
    expect(await engine.startCall(SENDER, all[1]!)).toMatchObject({ outcome: 'started' });
  });
});

describe('S2: concurrent calls per sender', () => {
  it('refuses a call while the limit of calls is going on; any call’s end frees a slot', async () => {
    const { engine, clock, users: [a, b, c] } = await senderWith({ senderConcurrentCalls: 2 });
    const first = await engine.startCall(SENDER, a!);
    const second = await engine.startCall(SENDER, b!);
    expect([first.outcome, second.outcome]).toEqual(['started', 'started']);
    const refused = await engine.startCall(SENDER, c!);
    expect(refused).toMatchObject({ outcome: 'refused', refusal: { rule: 'S2' } });
    expect(refused.outcome === 'refused' ? refused.refusal.retryAt : 'started').toBeUndefined(); // a slot frees when a call ends: no time to promise

    // A connected call still holds its slot; its hang-up (recordSender CALL_ENDED) frees it.
    clock.set(T0 + 60_000);
    if (first.outcome !== 'started' || second.outcome !== 'started') throw new Error('unreachable');
    await engine.record(SENDER, a!, { type: 'CALL_CONNECTED', at: clock(), callId: first.callId });
    expect(await engine.startCall(SENDER, c!)).toMatchObject({ outcome: 'refused', refusal: { rule: 'S2' } });
    expect((await engine.recordSender(SENDER, { type: 'CALL_ENDED', at: clock(), callId: first.callId })).limits[1].currentUsage).toBe(1);
    expect(await engine.startCall(SENDER, c!)).toMatchObject({ outcome: 'started' });
  });

  it('a call whose end is never reported gives its slot back after policy.ongoingCallMaxMs', async () => {
    const { engine, clock, users: [a, b] } = await senderWith({ senderConcurrentCalls: 1 });
    expect(await engine.startCall(SENDER, a!)).toMatchObject({ outcome: 'started' });
    clock.set(T0 + 2 * HOUR - 1);
    expect(await engine.startCall(SENDER, b!)).toMatchObject({ outcome: 'refused', refusal: { rule: 'S2' } });
    clock.set(T0 + 2 * HOUR);
    expect(await engine.startCall(SENDER, b!)).toMatchObject({ outcome: 'started' });
  });

  it('a call that could not be placed gives its S2 slot back at once', async () => {
    const clock = createManualClock(T0);
    let fail = true;
    const engine = createCallPermissionEngine({
      clock,
      policy: definePolicy({ senderConcurrentCalls: 1 }),
      effects: {
        async sendPermissionRequest() {},
        async startCall() {
          if (fail) throw new Error('HTTP 400');
        },
      },
    });
    for (const user of users(2)) await engine.record(SENDER, user, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true });
    await expect(engine.startCall(SENDER, users(1)[0]!)).rejects.toMatchObject({ reservationReleased: true });
    fail = false;
    expect(await engine.startCall(SENDER, users(2)[1]!)).toMatchObject({ outcome: 'started' });
    expect((await engine.senderStatus(SENDER)).limits).toMatchObject([{ currentUsage: 2 }, { currentUsage: 1 }]);
  });
});

describe('S3: business-initiated calling is unavailable for senders registered in some countries', () => {
  it.each([
    ['14165550100', 'CA', 'meta'],
    ['12025550100', 'US', 'meta'],
    ['201001234567', 'EG', 'meta'],
    ['84912345678', 'VN', 'meta'],
    ['2348031234567', 'NG', 'meta'],
    ['905321234567', 'TR', 'infobip'],
    ['989121234567', 'IR', 'infobip'],
  ] as const)('a sender %s (%s) is refused calls and requests under %s', async (sender, country, preset) => {
    const { engine, users: [a] } = await senderWith({ preset }, sender, 1);
    expect(await engine.startCall(sender, a!)).toMatchObject({ outcome: 'refused', refusal: { rule: 'S3' } });
    expect(await engine.requestPermission(sender, a!)).toMatchObject({ outcome: 'refused', refusal: { rule: 'S3' } });
    expect(await engine.senderStatus(sender)).toMatchObject({ state: 'unavailable', country });
  });

  it('reads the country from the sender’s number, not the user’s: a +1 Jamaican or Türkiye (meta) sender calls US users', async () => {
    for (const [sender, preset] of [['18765550100', 'meta'], ['905321234567', 'meta'], ['447911123456', 'infobip']] as const) {
      const { engine } = await senderWith({ preset }, sender, 0);
      const user = '12025550123';
      await engine.record(sender, user, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true });
      expect(await engine.startCall(sender, user)).toMatchObject({ outcome: 'started' });
    }
  });

  it('the list is a setting: a host may empty it, and a code no number leads to is refused', () => {
    expect(definePolicy({ unavailableSenderCountries: [] }).unavailableSenderCountries).toEqual([]);
    expect(() => definePolicy({ unavailableSenderCountries: ['UK'] })).toThrow(InvalidPolicyError);
    expect(() => definePolicy({ unavailableSenderCountries: ['UK'] })).toThrow('policy.unavailableSenderCountries[0]');
  });
});

describe('S4: a restricted sender places no business-initiated calls and sends no permission requests', () => {
  it('refuses both until the expiry (retryAt), keeps answers given meanwhile, and calls again at the expiry', async () => {
    const { engine, clock, users: [a] } = await senderWith({}, SENDER, 1);
    const fresh = '447700888888';
    const until = T0 + 3 * DAY;
    const status = await engine.recordSender(SENDER, { type: 'RESTRICTED', at: T0 + HOUR, until: new Date(until).toISOString() });
    expect(status).toMatchObject({ state: 'restricted', restrictedUntil: new Date(until).toISOString() });
    clock.set(T0 + 2 * HOUR);
    expect(await engine.startCall(SENDER, a!)).toMatchObject({ outcome: 'refused', refusal: { rule: 'S4', retryAt: until } });
    expect(await engine.requestPermission(SENDER, fresh)).toMatchObject({ outcome: 'refused', refusal: { rule: 'S4', retryAt: until } });
    // A grant made during the restriction stays valid.
    await engine.record(SENDER, fresh, { type: 'PERMISSION_ACCEPTED', at: clock(), permanent: true });
    clock.set(until - 1);
    expect(await engine.startCall(SENDER, fresh)).toMatchObject({ outcome: 'refused', refusal: { rule: 'S4' } });
    clock.set(until);
    expect(await engine.startCall(SENDER, fresh)).toMatchObject({ outcome: 'started' });
    expect(await engine.senderStatus(SENDER)).toMatchObject({ state: 'active' });
  });

  it('a restriction lifted early ends at once; one without an expiry lasts policy.qualityPauseMs', async () => {
    const { engine, clock, users: [a] } = await senderWith({}, SENDER, 1);
    await engine.recordSender(SENDER, { type: 'RESTRICTED', at: T0 });
    expect(await engine.senderStatus(SENDER)).toMatchObject({ restrictedUntil: new Date(T0 + 7 * DAY).toISOString() });
    clock.set(T0 + HOUR);
    await engine.recordSender(SENDER, { type: 'RESTRICTION_LIFTED', at: clock() });
    expect(await engine.startCall(SENDER, a!)).toMatchObject({ outcome: 'started' });
  });

  it('LOW_BUSINESS_INITIATED_CALLING_QUALITY is a warning: surfaced, calls go on', async () => {
    const { engine, users: [a] } = await senderWith({}, SENDER, 1);
    const status = await engine.recordSender(SENDER, { type: 'QUALITY_WARNING', at: T0 });
    expect(status).toMatchObject({ state: 'active', qualityWarningAt: new Date(T0).toISOString() });
    expect(await engine.startCall(SENDER, a!)).toMatchObject({ outcome: 'started' });
  });

  it('bad sender facts are typed errors that name the field and change nothing', async () => {
    const { engine } = await senderWith({}, SENDER, 0);
    await expect(engine.recordSender(SENDER, { type: 'RESTRICTED', at: T0, until: 'soon' } as never)).rejects.toMatchObject({ path: 'event.until' });
    await expect(engine.recordSender(SENDER, { type: 'CALL_RESERVED', at: T0 } as never)).rejects.toMatchObject({ code: 'UNKNOWN_EVENT_TYPE' });
    await expect(engine.recordSender('not a number', { type: 'CLOCK', at: T0 })).rejects.toMatchObject({ code: 'INVALID_PHONE_NUMBER' });
    await expect(engine.recordSender(SENDER, { type: 'CALL_GOING_ON', at: T0, callId: 'x1' } as never)).rejects.toMatchObject({ code: 'INVALID_PHONE_NUMBER', path: 'event.user' });
    await expect(engine.recordSender(SENDER, { type: 'CALL_GOING_ON', at: T0, callId: 'has space', user: '447700900001' })).rejects.toMatchObject({ path: 'event.callId' });
    expect(await engine.senderStatus(SENDER)).toMatchObject({ state: 'active', limits: [{ currentUsage: 0 }, { currentUsage: 0 }] });
  });
});

describe('G6: one call at a time per business↔user pair (138003)', () => {
  it('refuses a second call to a user while the first rings or goes on, not to another user; its end allows the next', async () => {
    const { engine, clock, users: [a, b] } = await senderWith();
    const first = await engine.startCall(SENDER, a!);
    if (first.outcome !== 'started') throw new Error('expected a call');
    expect(await engine.startCall(SENDER, a!)).toMatchObject({ outcome: 'refused', refusal: { rule: 'G6' } });
    expect(await engine.startCall(SENDER, b!)).toMatchObject({ outcome: 'started' });
    clock.set(T0 + 60_000);
    await engine.record(SENDER, a!, { type: 'CALL_CONNECTED', at: clock(), callId: first.callId });
    expect(await engine.startCall(SENDER, a!)).toMatchObject({ outcome: 'refused', refusal: { rule: 'G6' } });
    clock.set(T0 + 10 * 60_000);
    await engine.recordSender(SENDER, { type: 'CALL_ENDED', at: clock(), callId: first.callId, user: a! });
    expect(await engine.startCall(SENDER, a!)).toMatchObject({ outcome: 'started' });
  });

  it('the platform’s id for the call is carried to the sender, so the end named by it frees the pair', async () => {
    const clock = createManualClock(T0);
    const engine = createCallPermissionEngine({
      clock,
      effects: { async sendPermissionRequest() {}, async startCall() { return { platformCallId: 'ib-123' }; } },
    });
    const [a] = users(1);
    await engine.record(SENDER, a!, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true });
    expect(await engine.startCall(SENDER, a!)).toMatchObject({ outcome: 'started' });
    await engine.record(SENDER, a!, { type: 'CALL_UNANSWERED', at: T0, callId: 'ib-123', reason: 'busy' });
    expect(await engine.startCall(SENDER, a!)).toMatchObject({ outcome: 'started' });
  });
});

describe('the sender under attack: skewed clocks, lost ends', () => {
  const MINUTE = 60_000;

  it('trusted time: a sender fact dated beyond the bound cannot end a call, lift a restriction or move the clock; a restriction is kept at the engine’s clock', async () => {
    const { engine, clock, users: [a, b] } = await senderWith({ senderCallAttemptsPerDay: 1 });
    const started = await engine.startCall(SENDER, a!);
    if (started.outcome !== 'started') throw new Error('expected a call');
    const ahead = T0 + DAY + 2 * MINUTE; // past the S1 window of the attempt, a day beyond the trusted clock
    for (const event of [
      { type: 'CLOCK', at: ahead },
      { type: 'CALL_ENDED', at: ahead, callId: started.callId, user: a! },
      { type: 'RESTRICTION_LIFTED', at: ahead },
    ] as const)
      await expect(engine.recordSender(SENDER, event)).rejects.toMatchObject({ code: 'EVENT_IN_FUTURE', acceptableAt: ahead - engine.policy.maxClockSkewMs });
    expect(await engine.senderStatus(SENDER)).toMatchObject({ limits: [{ currentUsage: 1 }, { currentUsage: 1 }] });
    expect(await engine.startCall(SENDER, b!)).toMatchObject({ outcome: 'refused', refusal: { rule: 'S1', retryAt: T0 + MINUTE + DAY } });

    const restricted = await engine.recordSender(SENDER, { type: 'RESTRICTED', at: ahead, until: ahead + DAY });
    expect(restricted).toMatchObject({ state: 'restricted', restrictedUntil: new Date(ahead + DAY).toISOString() });
    clock.set(T0 + HOUR);
    expect(await engine.requestPermission(SENDER, '447700888888')).toMatchObject({ outcome: 'refused', refusal: { rule: 'S4', retryAt: ahead + DAY } });
  });

  it('trusted time: a fact within the skew moves the sender’s clock, but an S1 attempt still counts until its window ends at the engine’s clock', async () => {
    const { engine, clock, users: [a, b] } = await senderWith({ senderCallAttemptsPerDay: 1 });
    expect(await engine.startCall(SENDER, a!)).toMatchObject({ outcome: 'started' });
    const frees = T0 + MINUTE + DAY;
    clock.set(frees - 2 * MINUTE);
    await engine.recordSender(SENDER, { type: 'QUALITY_WARNING', at: frees + 2 * MINUTE }); // 4 min ahead: within maxClockSkewMs
    expect(await engine.startCall(SENDER, b!)).toMatchObject({ outcome: 'refused', refusal: { rule: 'S1', retryAt: frees } });
    clock.set(frees);
    expect(await engine.startCall(SENDER, b!)).toMatchObject({ outcome: 'started' });
  });

  it('two engines on one store, one of them 4 minutes fast, give out the S1 attempts of a day once', async () => {
    const store = new MemoryStore();
    const policy = definePolicy({ senderCallAttemptsPerDay: 2 });
    const slow = createManualClock(T0);
    const fast = () => slow() + 4 * MINUTE;
    const effects = createRecordingEffects();
    const [behind, ahead] = [slow, fast].map((clock) => createCallPermissionEngine({ store, effects, clock, policy }));
    const all = users(6);
    for (const user of all) await behind!.record(SENDER, user, { type: 'PERMISSION_ACCEPTED', at: T0, permanent: true });
    const started: number[] = [];
    for (let minute = 0; minute <= DAY / MINUTE + 10; minute += 7) {
      slow.set(T0 + minute * MINUTE);
      for (const [i, engine] of [behind!, ahead!].entries()) {
        const result = await engine.startCall(SENDER, all[(minute + i) % all.length]!);
        if (result.outcome === 'started') {
          started.push(slow());
          await engine.record(SENDER, all[(minute + i) % all.length]!, { type: 'CALL_FAILED', at: slow(), callId: result.callId, reason: 'NETWORK' });
        }
      }
    }
    // By the trusted (slow) clock: never more than S1 attempts in any rolling 24 h.
    for (const at of started) expect(started.filter((t) => t > at - DAY && t <= at).length).toBeLessThanOrEqual(2);
    expect(started.length).toBeGreaterThanOrEqual(3); // the window did free up after a day
  });

  it('a crashed call whose end never comes holds G6 and its S2 slot for policy.ongoingCallMaxMs, then lets the user be called again', async () => {
    const { engine, clock, users: [a] } = await senderWith({ senderConcurrentCalls: 1 });
    expect(await engine.startCall(SENDER, a!)).toMatchObject({ outcome: 'started' });
    clock.set(T0 + engine.policy.ongoingCallMaxMs - 1);
    expect(await engine.startCall(SENDER, a!)).toMatchObject({ outcome: 'refused', refusal: { rule: 'G6' } });
    expect(await engine.senderStatus(SENDER)).toMatchObject({ limits: [{ currentUsage: 1 }, { currentUsage: 1 }] });
    clock.set(T0 + engine.policy.ongoingCallMaxMs);
    expect(await engine.senderStatus(SENDER)).toMatchObject({ limits: [{ currentUsage: 1 }, { currentUsage: 0 }] });
    expect(await engine.startCall(SENDER, a!)).toMatchObject({ outcome: 'started' });
  });
});
