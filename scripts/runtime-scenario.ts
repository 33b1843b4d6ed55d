/**
 * One fixed week between a business and a user, told through the public API, one printed line per
 * decision. test/runtimes runs it under Node, Bun, Deno and an edge worker against the built
 * `dist/index.js`, and in-process against `src/`: the lines must be the same everywhere.
 *
 * The core is a parameter rather than an import, so that the same story can be handed either
 * build: the module a runtime loads adds one import, `dist/index.js`, and nothing else
 * (test/runtimes/scenarioBundles.ts). Every time is a constant: nothing here reads a clock.
 *
 * To read the week: node_modules/.bin/bun -e "import * as core from './dist/index.js';
 *   import { runScenario } from './scripts/runtime-scenario.ts';
 *   for (const line of await runScenario(core)) console.log(line)"
 */
import type * as Core from '../src/index.js';

/** The part of the public API the story uses: what `dist/index.js` must provide in every runtime. */
export type CoreApi = Pick<typeof Core, 'createCallPermissionEngine' | 'getPermissions' | 'MemoryStore'>;

const SENDER = '+441134960000';
const USER = '447700900123';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Monday 2026-04-06 00:00 UTC. */
const WEEK_START = Date.UTC(2026, 3, 6);

/** Day 0 is the Monday; `time(1, 10, 30)` is Tuesday 10:30 UTC. */
function time(day: number, hour: number, minute = 0): number {
  return WEEK_START + day * DAY + hour * HOUR + minute * MINUTE;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function refused(refusal: Core.Refusal): string {
  const retry = refusal.retryAt === undefined ? '' : `, retry at ${iso(refusal.retryAt)}`;
  return `refused ${refusal.rule}${retry}: ${refusal.reason}`;
}

/** How a placed call ends, as the host would record it from the Calls webhooks. */
type CallEnd =
  | { readonly type: 'CALL_CONNECTED' }
  | { readonly type: 'CALL_UNANSWERED'; readonly reason: Core.EventOfType<'CALL_UNANSWERED'>['reason'] }
  | { readonly type: 'CALL_FAILED'; readonly reason: string };

/**
 * The week's lines under XState's own interpreter (so every runtime runs the peer dependency), then
 * one line saying whether the engine's default, the compiled table, told the same week.
 */
export async function runScenario(core: CoreApi): Promise<string[]> {
  const lines = await week(core, 'xstate');
  const compiled = await week(core, 'compiled');
  const longest = Math.max(lines.length, compiled.length);
  const firstDifference = Array.from({ length: longest }, (_, index) => index).find((index) => lines[index] !== compiled[index]);
  const verdict =
    firstDifference === undefined
      ? `the same ${lines.length} lines`
      : `DIFFERENT from line ${firstDifference + 1}: ${compiled[firstDifference] ?? '(missing)'}`;
  return [...lines, `compiled interpreter: ${verdict}`];
}

async function week(core: CoreApi, interpreter: Core.Interpreter): Promise<string[]> {
  const lines: string[] = [];
  let now = WEEK_START;
  let lastId = 0;
  const engine = core.createCallPermissionEngine({
    store: new core.MemoryStore(),
    policy: 'infobip-seed', // the seed's G2 of 5: the week reaches the cap
    interpreter,
    clock: () => now,
    newId: () => `id-${++lastId}`,
    effects: {
      async sendPermissionRequest(command) {
        return { messageId: command.requestId };
      },
      async startCall(command) {
        return { externalId: command.callId };
      },
    },
  });

  async function requestPermission(at: number) {
    now = at;
    const result = await engine.requestPermission(SENDER, USER);
    lines.push(`${iso(at)} request permission → ${result.outcome === 'sent' ? `sent ${result.requestId} via ${result.via}` : refused(result.refusal)}`);
  }

  async function record(event: Core.RelationshipEventInput & { readonly at: number }, factKey?: string) {
    now = Math.max(now, event.at); // the engine's trusted clock has reached the fact (policy.maxClockSkewMs bounds how far ahead a fact may be)
    const result = await engine.record(SENDER, USER, event, factKey === undefined ? {} : { factKey });
    const detail = 'reason' in event ? ` (${event.reason})` : 'source' in event && event.source ? ` (${event.source})` : '';
    const outcome = result.duplicate ? 'duplicate, ignored' : `${result.previousState} → ${result.state}${result.changed ? '' : ', unchanged'}`;
    lines.push(`${iso(event.at)} record ${event.type}${detail} → ${outcome}`);
  }

  /** Asks to start a call at `at`; when allowed, records how it ended a minute later (keyed as a webhook would be). */
  async function call(at: number, end: CallEnd): Promise<{ event: Core.RelationshipEventInput & { readonly at: number }; factKey: string } | undefined> {
    now = at;
    const result = await engine.startCall(SENDER, USER);
    if (result.outcome === 'refused') {
      lines.push(`${iso(at)} start call → ${refused(result.refusal)}`);
      return undefined;
    }
    lines.push(`${iso(at)} start call → started ${result.callId}`);
    const ended = { event: { ...end, at: at + MINUTE, callId: result.callId }, factKey: `${end.type}:${result.callId}` };
    await record(ended.event, ended.factKey);
    // A connected call hangs up a minute later: G6 (one call at a time per pair) lets the next one out.
    if (end.type === 'CALL_CONNECTED') await engine.recordSender(SENDER, { type: 'CALL_ENDED', at: at + 2 * MINUTE, callId: result.callId, user: USER });
    return ended;
  }

  async function permissions(at: number) {
    const snapshot = await engine.snapshot(SENDER, USER);
    if (!snapshot) throw new Error('the relationship should exist by now');
    lines.push(`${iso(at)} permissions ${JSON.stringify(core.getPermissions(snapshot, at))}`);
  }

  // Monday: a request outside the session window goes as a template (R3); a second is too soon (R1).
  await requestPermission(time(0, 9));
  await requestPermission(time(0, 9, 30));
  await record({ type: 'PERMISSION_ACCEPTED', at: time(0, 10), permanent: false, source: 'user', requestId: 'id-1' });
  await permissions(time(0, 10));
  // Five connected calls fill the rolling 24 h (G2); each connect also resets the request limits (G3).
  for (let hour = 10; hour <= 14; hour++) await call(time(0, hour, 10), { type: 'CALL_CONNECTED' });
  await call(time(0, 15), { type: 'CALL_CONNECTED' });
  await permissions(time(0, 15));

  // Tuesday: the first slot is free again; then the calls go unanswered (M1 at 2, M2 at 4), and a
  // technical failure in between neither counts nor resets (M4).
  await call(time(1, 10, 30), { type: 'CALL_UNANSWERED', reason: 'no_answer' });
  await call(time(1, 11, 30), { type: 'CALL_UNANSWERED', reason: 'busy' });
  await call(time(1, 12), { type: 'CALL_FAILED', reason: 'SERVICE_UNAVAILABLE' });
  await call(time(1, 12, 30), { type: 'CALL_UNANSWERED', reason: 'rejected' });
  const fourthMiss = await call(time(1, 13, 30), { type: 'CALL_UNANSWERED', reason: 'no_answer' });
  // The platform's own reject after the 4th miss must not count twice (M2); a redelivered webhook is a duplicate.
  await record({ type: 'PERMISSION_REJECTED', at: time(1, 13, 32), source: 'automatic' });
  if (fourthMiss) await record(fourthMiss.event, fourthMiss.factKey);
  await call(time(1, 14), { type: 'CALL_CONNECTED' });
  await permissions(time(1, 14));
  // U2: from revoked a new request may go; Monday's request no longer counts after the connects (G3).
  await requestPermission(time(1, 14, 5));

  // Wednesday: R1 holds until Tuesday's request is 24 h old; a message from the user opens the
  // session window, so the next request goes as an interactive message (R3).
  await requestPermission(time(2, 9));
  await record({ type: 'USER_MESSAGE', at: time(2, 14, 30) });
  await requestPermission(time(2, 15));

  // Thursday: R1 is free again, but two requests in 7 days (R2) hold until next Tuesday.
  await requestPermission(time(3, 16));
  await permissions(time(3, 16));

  // Sunday: the user grants permanent permission; no request may go while it lives (R5).
  await record({ type: 'PERMISSION_ACCEPTED', at: time(6, 12), permanent: true, source: 'user' });
  await requestPermission(time(6, 12, 5));
  await call(time(6, 12, 10), { type: 'CALL_CONNECTED' });
  await permissions(time(6, 23, 59));
  return lines;
}
