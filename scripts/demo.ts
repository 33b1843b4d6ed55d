/**
 * `npm run demo`: one relationship through a scripted week, every decision printed with its rule.
 * Time is virtual (the engine's injected clock), the effects are a dry run that records what
 * would be sent to Infobip.
 */
import {
  createCallPermissionEngine,
  type CallPermissionEngine,
  type RelationshipEventInput,
} from '../src/index.js';
import { createManualClock, createRecordingEffects } from '../src/testing/index.js';

const SENDER = '+44 113 496 0000';
const USER = '+44 7700 900123';
const START = Date.UTC(2026, 3, 6); // Monday 2026-04-06 00:00 UTC
const HOUR = 3_600_000;

const clock = createManualClock(START);
const effects = createRecordingEffects();
const engine: CallPermissionEngine = createCallPermissionEngine({ effects, clock, policy: 'infobip-seed' });

const day = (d: number, h = 0, m = 0) => START + d * 24 * HOUR + h * HOUR + m * 60_000;
const stamp = (at: number) => new Date(at).toISOString().slice(0, 16).replace('T', ' ');
const lines: string[] = [];
function say(at: number, what: string, outcome: string) {
  const line = `${stamp(at)}  ${what.padEnd(34)} ${outcome}`;
  lines.push(line);
  console.log(line);
}

async function state() {
  return (await engine.snapshot(SENDER, USER))?.value ?? 'noPermission';
}

async function request(at: number) {
  clock.set(at);
  const result = await engine.requestPermission(SENDER, USER);
  say(at, 'request permission', result.outcome === 'sent' ? `sent as ${result.via} (R3) → ${await state()}` : `refused ${result.refusal.rule}: ${result.refusal.reason}`);
}

async function call(at: number, outcome?: 'answer' | 'no_answer' | 'busy' | 'fail') {
  clock.set(at);
  const result = await engine.startCall(SENDER, USER);
  if (result.outcome === 'refused') return say(at, 'start call', `refused ${result.refusal.rule}: ${result.refusal.reason}`);
  const callId = result.callId;
  const after = at + 30_000;
  if (outcome === 'answer') {
    await engine.record(SENDER, USER, { type: 'CALL_CONNECTED', at: after, callId });
    // A minute's talk, then the hang-up: the pair's turn is over (G6), the sender's slot free (S2).
    await engine.recordSender(SENDER, { type: 'CALL_ENDED', at: after + 60_000, callId, user: USER });
  }
  else if (outcome === 'fail') await engine.record(SENDER, USER, { type: 'CALL_FAILED', at: after, callId, reason: 'SERVICE_UNAVAILABLE' });
  else if (outcome) await engine.record(SENDER, USER, { type: 'CALL_UNANSWERED', at: after, callId, reason: outcome });
  const rule = outcome === 'answer' ? 'G2 counted, G3 limits reset, M3' : outcome === 'fail' ? 'M4: neither counts nor resets' : 'M1/M2 counts a miss';
  say(at, `start call → ${outcome ?? 'in flight'}`, `placed (${rule}) → ${await state()}`);
}

async function fact(at: number, what: string, event: RelationshipEventInput, rule: string) {
  clock.set(at);
  const result = await engine.record(SENDER, USER, event);
  say(at, what, `${rule} → ${result.state}`);
}

async function view(at: number) {
  const v = await engine.permissions(SENDER, USER, at);
  const [req, start] = v.actions;
  say(at, 'permissions view', `${v.status}${v.expirationTime ? ` until ${v.expirationTime}` : ''}; request ${req.canPerformAction ? 'yes' : 'no'}, call ${start.canPerformAction ? 'yes' : 'no'} (${start.limits[0]!.currentUsage}/${start.limits[0]!.maxAllowed} calls in 24 h)`);
}

console.log(`whatsapp-call-permissions — one week of sender ${SENDER} ↔ user ${USER} (policy: infobip-seed)\n`);
await request(day(0, 9));
await request(day(0, 10));
await fact(day(0, 11), 'user: "call me tomorrow"', { type: 'USER_MESSAGE', at: day(0, 11) }, 'W1 window opens');
await call(day(0, 12), 'answer');
await fact(day(1, 9, 5), 'user accepts (7 days)', { type: 'PERMISSION_ACCEPTED', at: day(1, 9, 5), permanent: false }, 'G1 temporary grant');
for (let i = 0; i < 5; i++) await call(day(1, 10 + i), 'answer');
await call(day(1, 16));
await view(day(1, 16, 1));
await request(day(1, 17));
await call(day(2, 10, 30), 'fail');
await call(day(2, 11), 'no_answer');
await call(day(2, 12), 'busy');
await call(day(2, 13), 'answer');
await call(day(3, 10), 'no_answer');
await call(day(3, 11), 'no_answer');
await call(day(3, 12), 'no_answer');
await call(day(3, 13), 'no_answer');
await fact(day(3, 13, 1), 'platform: automatic reject', { type: 'PERMISSION_REJECTED', at: day(3, 13, 1), source: 'automatic' }, 'M2 not counted twice');
await call(day(3, 14));
await request(day(4, 9));
await fact(day(4, 10), 'user accepts again', { type: 'PERMISSION_ACCEPTED', at: day(4, 10), expiresAt: day(5, 10) }, 'U1, G1 until the reply’s expiry');
await view(day(5, 9));
await view(day(5, 10));
await call(day(5, 10, 1));
await request(day(6, 9));
console.log(`\n${effects.commands.length} commands would have gone to Infobip (dry run): ${effects.commands.filter((c) => c.kind === 'request').length} permission requests, ${effects.commands.filter((c) => c.kind === 'call').length} calls.`);
