/**
 * The journey "embed with your own store and effects", step by step: one relationship's handle
 * (`engine.relationship({ sender, user })`), its commands and facts, the refusals with the rule that
 * refused (ids of docs/rules.md), and `engine.tick()` moving what changes by the clock alone.
 *
 * The clock is the host's and moves by hand here, so that a week passes in a line: the engine
 * never reads `Date.now()` itself, time is an input.
 */
import type { CommandRefused } from 'whatsapp-call-permissions';
import { MemoryKeyValue } from '../own-store/keyValueStore.ts';
import type { CallingPlatformOptions } from './callingPlatform.ts';
import { createEmbeddedEngine } from './engine.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A refusal as the host would log it: who refused (the rules, or the platform), the rule id, and why. */
const refusal = (r: CommandRefused) => `refused by ${r.by}: ${r.rule} — ${r.reason}`;

/** Runs the journey against the host's platform; one line per step, as `main.ts` prints them. */
export async function runJourney(platform: CallingPlatformOptions, start = Date.UTC(2026, 3, 1, 10)): Promise<string[]> {
  let now = start;
  const engine = createEmbeddedEngine({ keyValue: new MemoryKeyValue(), platform, clock: () => now });
  const lines: string[] = [];
  const say = (step: string, what: string) => void lines.push(`${step}: ${what}`);

  // Numbers in any common spelling; the handle normalises them once.
  const pair = engine.relationship({ sender: '+44 113 496 0000', user: '+44 7700 900123' });

  const early = await pair.startCall();
  say('call before any permission', early.ok ? early.kind : early.kind === 'refused' ? refusal(early) : `failed: ${early.error.message}`);

  const request = await pair.requestPermission();
  say('permission request', request.ok ? `sent as ${request.via} (${request.requestId}), platform id ${String(request.receipt?.messageId)}` : request.kind);

  now += HOUR;
  const again = await pair.requestPermission();
  say('a second request an hour later', again.ok ? again.kind : again.kind === 'refused' ? refusal(again) : 'failed');
  if (again.kind === 'refused' && again.retryAt !== undefined) say('  allowed again at', new Date(again.retryAt).toISOString()); // a host schedules the retry

  // The user accepts for a week; the platform's webhook tells the host, which records the fact with
  // the platform's message id as its key, so a redelivery counts once.
  now += HOUR;
  const accepted = { type: 'PERMISSION_ACCEPTED', at: now, expiresAt: now + 7 * DAY } as const;
  const recorded = await pair.record(accepted, { factKey: 'msg-accept-1' });
  const redelivered = await pair.record(accepted, { factKey: 'msg-accept-1' });
  say('the user accepts (delivered twice)', `${recorded.kind} → ${recorded.state}, then ${redelivered.kind}`);

  const call = await pair.startCall();
  say('a call', call.ok ? `started (${call.callId}), platform id ${String(call.receipt?.platformCallId)}` : call.kind === 'refused' ? refusal(call) : 'failed');
  if (call.ok) {
    const second = await pair.startCall();
    say('a second call while the first rings', second.ok ? second.kind : second.kind === 'refused' ? refusal(second) : 'failed');
    now += 30_000;
    await pair.record({ type: 'CALL_CONNECTED', at: now, callId: call.callId }, { factKey: `${call.callId}:connected` });
    say('the call is answered', (await pair.permissions()).status);
  }

  // A week later nothing has happened to the relationship; the host's timer runs the due sweep.
  now += 8 * DAY;
  const tick = await engine.tick();
  say('engine.tick() a week later', `${tick.moved} moved (${tick.looked} looked at) → ${(await pair.snapshot())?.value}`);
  const late = await pair.startCall();
  say('a call after the grant expired', late.ok ? late.kind : late.kind === 'refused' ? refusal(late) : 'failed');
  return lines;
}
