import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentedTable } from './documentedTable.js';
import { DEFAULT_CALL_OUTCOME_TABLE, InfobipConfigError, type CallOutcomeRow } from '../../src/infobip/index.js';
import { classifyCallOutcome, renderCallOutcomeTable, validateCallOutcomeTable } from '../../src/infobip/callOutcomes.js';
import { HOUR_MS } from '../../src/time.js';
import { SENDER, startWorld, type World } from './harness.js';
import { infobipTime } from './localInfobip.js';

/**
 * M1/M2/M4 and G2/G3: the call-outcome table (docs/platform.md "Call outcomes"), row by row, over
 * HTTP: a granted relationship places a call on the local Infobip, which reports how it ended;
 * the state the row leaves is checked.
 */
describe('call outcomes: errorCode.name + hangupSource → connected / miss / technical', () => {
  let world: World;
  let next = 0;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world.close();
  });

  /** A fresh user with a temporary grant and one placed call; returns Infobip's call id. */
  async function placedCall(): Promise<{ user: string; callId: string }> {
    const user = `4477009${String(10_000 + next++).padStart(5, '0')}`;
    const reply = world.infobip.replyResult(SENDER, user, { response: 'ACCEPT', expirationTimestamp: infobipTime(world.now + 3 * 24 * HOUR_MS) });
    await world.infobip.deliver(world.infobip.inboundBatch([reply]));
    const started = await world.integration.startCall(SENDER, user);
    expect(started).toMatchObject({ outcome: 'started' });
    const callId = [...world.infobip.calls.values()].find((c) => c.to === user)!.id;
    return { user, callId };
  }

  const rows = DEFAULT_CALL_OUTCOME_TABLE.map((row) => [`${row.errorName}${row.hangupSource ? ` / ${row.hangupSource}` : ''} → ${row.outcome}`, row] as const);
  it.each(rows)('%s', async (_title, row) => {
    const { user, callId } = await placedCall();
    const answer = await world.infobip.deliver(
      world.infobip.callEvent('CALL_FINISHED', callId, { errorName: row.errorName, ...(row.hangupSource ? { hangupSource: row.hangupSource } : {}) }),
    );
    expect(answer.status).toBe(200);
    const { context } = (await world.integration.engine.snapshot(SENDER, user))!;
    // Every outcome gives the in-flight slot back.
    expect(context.callsInFlight).toEqual([]);
    if (row.outcome === 'connected') {
      expect(answer.body.facts[0]).toMatchObject({ type: 'CALL_CONNECTED' });
      expect(context.connectedCalls).toHaveLength(1);
    } else if (row.outcome === 'miss') {
      expect(answer.body.facts[0]).toMatchObject({ type: 'CALL_UNANSWERED' });
      expect(context.unanswered).toBe(1);
      expect(context.connectedCalls).toEqual([]);
    } else {
      expect(answer.body.facts[0]).toMatchObject({ type: 'CALL_FAILED' });
      expect(context.unanswered).toBe(0);
      expect(context.connectedCalls).toEqual([]);
    }
  });

  it('a name the table does not list is technical (M4); an answerTime always means connected', async () => {
    const unknown = await placedCall();
    await world.infobip.deliver(world.infobip.callEvent('CALL_FAILED', unknown.callId, { errorName: 'SOMETHING_NEW' }));
    expect((await world.integration.engine.snapshot(SENDER, unknown.user))!.context).toMatchObject({ unanswered: 0, connectedCalls: [], callsInFlight: [] });
    const answered = await placedCall();
    await world.infobip.deliver(world.infobip.callEvent('CALL_FINISHED', answered.callId, { errorName: 'CANCELLED', hangupSource: 'API', answered: true }));
    expect((await world.integration.engine.snapshot(SENDER, answered.user))!.context.connectedCalls).toHaveLength(1);
  });

  it('CANCELLED: who hung up decides (the business’s own cancel is not the user missing a call)', () => {
    expect(classifyCallOutcome('CANCELLED', 'API').outcome).toBe('technical');
    expect(classifyCallOutcome('CANCELLED', 'ENDPOINT').outcome).toBe('miss');
    expect(classifyCallOutcome('CANCELLED', 'PLATFORM').outcome).toBe('miss');
    expect(classifyCallOutcome('CANCELLED', undefined).outcome).toBe('miss');
  });

  it('the table is a setting: a host’s own rows win, and a bad table is refused naming the row', async () => {
    const table: CallOutcomeRow[] = [...DEFAULT_CALL_OUTCOME_TABLE.filter((r) => r.errorName !== 'REQUEST_TIMEOUT'), { errorName: 'REQUEST_TIMEOUT', outcome: 'technical', why: 'ours' }];
    expect(classifyCallOutcome('REQUEST_TIMEOUT', undefined, table).outcome).toBe('technical');
    expect(() => validateCallOutcomeTable([{ errorName: 'BUSY', outcome: 'miss', why: 'no reason' }])).toThrow(InfobipConfigError);
    expect(() => validateCallOutcomeTable([{ errorName: 'BUSY', outcome: 'miss', why: 'no reason' }])).toThrow(/outcomeTable\[0\]\.reason/);
    expect(() => validateCallOutcomeTable([{ errorName: 'BUSY', outcome: 'gone' as never, why: '' }])).toThrow(/outcome/);
  });

  it('an unknown hangupSource is refused naming the field; nothing is recorded', async () => {
    const { user, callId } = await placedCall();
    const answer = await world.infobip.deliver(world.infobip.callEvent('CALL_FINISHED', callId, { errorName: 'CANCELLED', hangupSource: 'SOMEONE' }));
    expect(answer).toMatchObject({ status: 400, body: { error: { path: 'properties.callLog.hangupSource' } } });
    expect((await world.integration.engine.snapshot(SENDER, user))!.context.callsInFlight).toHaveLength(1);
  });

  it('docs/platform.md shows exactly the table the code uses', () => {
    expect(documentedTable('call-outcomes')).toBe(renderCallOutcomeTable());
  });
});
