/**
 * Trusted time (docs/semantics.md "Trusted time", "Late facts"): webhook facts delivered in a
 * random order, late within the tolerance, early within the skew and twice, against the
 * independent reference model fed the same facts in time order (facts of one millisecond in the
 * order they arrived: any order of a tie is a time order).
 *
 * What is promised, precisely: the engine's own commands (requests, calls) happen at their time and
 * only when the engine allows them; an outcome of a call the engine refused does not happen (one
 * for an id it never used does: a call placed elsewhere). Every webhook fact (replies, revokes, messages, connects, misses,
 * failures, user calls) may arrive late by up to the tolerance, reordered and twice. Under that,
 * the engine never allows a request or call the reference refuses, with one exemption, for requests
 * only: case 1 of "Late facts" (misses that revoked a grant before a connect delivered late).
 * Set FC_RUNS (e.g. 5000) to run more; FC_SEED replays a failure's seed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCallPermissionEngine, type CallPermissionEngine } from '../../src/engine/engine.js';
import type { RelationshipEventInput } from '../../src/events/types.js';
import type { Policy } from '../../src/policy/policy.js';
import { canRequestPermission, canStartCall } from '../../src/pure/decide.js';
import { createRelationship } from '../../src/pure/snapshot.js';
import { getPermissions } from '../../src/pure/view.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { createRecordingEffects } from '../../src/testing/index.js';
import { ReferenceRelationship } from '../reference/referenceModel.js';
import { check } from '../support/fc.js';
import { anyPolicy, presetPolicy } from './support/policies.js';
import { resolveTimeline } from './support/replay.js';
import { MIXED, startTime, timeline } from './support/timeline.js';

const SENDER = '441134960000';
const USER = '447700900123';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Facts that reach the engine as webhooks (in any order); the rest are the engine's own commands, in order. */
const WEBHOOK = new Set(['USER_MESSAGE', 'PERMISSION_ACCEPTED', 'PERMISSION_REJECTED', 'PERMISSION_REVOKED', 'CALL_CONNECTED', 'CALL_UNANSWERED', 'CALL_FAILED', 'USER_CALL_RECEIVED', 'USER_CALL_CONNECTED']);
const COMMAND = new Set(['REQUEST_SENT', 'CALL_STARTED']);

type Timed = RelationshipEventInput & { readonly at: number };
interface Arrival {
  readonly arrival: number;
  readonly index: number;
  readonly event: Timed;
}

const delay = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: HOUR }), fc.integer({ min: 1, max: 3 * DAY }));
const deliveries = fc.array(fc.record({ delay, twice: fc.nat(4).map((n) => n === 0), again: delay }), { minLength: 60, maxLength: 60 });

/** The timeline's events in time order (late steps dropped), webhooks and commands only. */
function inOrder(policy: Policy, start: number, steps: Parameters<typeof resolveTimeline>[2]): Timed[] {
  const out: Timed[] = [];
  let last = start;
  for (const event of resolveTimeline(policy, start, steps) as Timed[]) {
    if (event.at < last || !(WEBHOOK.has(event.type) || COMMAND.has(event.type))) continue;
    last = event.at;
    // The engine's own request counts from when it is sent: `countedFrom` is reconciliation's (a folded use).
    if (event.type === 'REQUEST_SENT' && 'countedFrom' in event) {
      const { countedFrom: _folded, ...own } = event;
      out.push(own);
    } else out.push(event);
  }
  return out;
}

/** Webhooks arrive after their time (late, within the tolerance), some twice; commands happen at their time. */
function arrivals(policy: Policy, events: readonly Timed[], plan: readonly { delay: number; twice: boolean; again: number }[]): Arrival[] {
  const most = policy.lateEventToleranceMs;
  const out: Arrival[] = [];
  events.forEach((event, index) => {
    const p = plan[index % plan.length]!;
    if (!WEBHOOK.has(event.type)) return out.push({ arrival: event.at, index, event });
    const first = event.at + Math.min(p.delay, most);
    out.push({ arrival: first, index, event });
    if (p.twice) out.push({ arrival: first + Math.min(p.again, most - Math.min(p.delay, most)), index, event });
  });
  return out.sort((a, b) => a.arrival - b.arrival || a.index - b.index);
}

/**
 * The reference fed the facts the engine has, in time order; facts of the same millisecond in the
 * order they arrived (any order of a tie is a time order; the engine keeps the first decision of a millisecond).
 */
function referenceOf(policy: Policy, start: number, facts: ReadonlyMap<number, Timed>): ReferenceRelationship {
  const reference = new ReferenceRelationship(policy, start);
  const arrived = [...facts.values()];
  for (const event of arrived.map((e, k) => [e, k] as const).sort(([a, i], [b, j]) => a.at - b.at || i - j)) reference.apply(event[0]);
  return reference;
}

const PRESET_NAMES = new Set(['infobip', 'meta', 'meta-sandbox']);

/** The policy (its name, or its numbers) and the timeline in time order, for a failure's story. */
function timelineStory(policy: Policy, start: number, events: readonly Timed[]): string {
  const { name, ...numbers } = policy as Policy & { name?: string };
  const head = name !== undefined && PRESET_NAMES.has(name) ? `policy ${name}` : `policy ${JSON.stringify(numbers)}`;
  const rel = (t: unknown) => (typeof t === 'number' ? `+${t - start}` : t);
  const lines = events.map((e) => `  ${rel(e.at)} ${JSON.stringify(Object.fromEntries(Object.entries(e).map(([k, v]) => [k, k === 'at' || k === 'expiresAt' ? rel(v) : v])))}`);
  return [head, 'in time order (ms after the start):', ...lines, 'arrivals:'].join('\n');
}

async function decisions(engine: CallPermissionEngine, policy: Policy, start: number, at: number) {
  const snapshot = (await engine.snapshot(SENDER, USER)) ?? createRelationship({ at: start, policy });
  return { snapshot, call: canStartCall(snapshot, at).allowed, request: canRequestPermission(snapshot, at).allowed };
}

/**
 * Replays the arrivals through a real engine (MemoryStore, fact keys, its clock at each arrival),
 * checking at every step that it allows nothing the reference refuses; returns the engine, the
 * facts it holds and the last arrival.
 */
async function deliver(policy: Policy, start: number, events: readonly Timed[], plan: readonly { delay: number; twice: boolean; again: number }[]) {
  let now = start;
  const engine = createCallPermissionEngine({ policy, clock: () => now, store: new MemoryStore() });
  const facts = new Map<number, Timed>();
  const refusedCalls = new Set<string>();
  /** Whether a connect arrived late (dated before the relationship's clock): see `requestAllowed`. */
  let lateConnect = false;
  /**
   * Whether the reference allows a request at `at` the engine allowed. The one documented exception
   * (docs/semantics.md "Late facts", case 1): misses that, counted before a connect delivered late,
   * revoked the grant (M2) keep it revoked — calls stay refused — but a permanent grant's R5 no
   * longer binds; in time order the connect had reset them and R5 would refuse.
   */
  const requestAllowed = (reference: ReferenceRelationship, at: number, state: string) => {
    const decision = reference.canRequest(at);
    return decision.allowed || (lateConnect && state === 'revoked' && decision.rule === 'R5');
  };
  const story: string[] = [timelineStory(policy, start, events)];
  for (const { arrival, index, event } of arrivals(policy, events, plan)) {
    now = arrival;
    if (COMMAND.has(event.type)) {
      const { call, request, snapshot } = await decisions(engine, policy, start, now);
      const allowed = event.type === 'CALL_STARTED' ? call : request;
      story.push(`${new Date(now).toISOString()} ${event.type} ${allowed ? 'allowed' : 'refused'}`);
      if (!allowed) {
        if (event.type === 'CALL_STARTED') refusedCalls.add((event as { callId: string }).callId);
        continue;
      }
      const reference = referenceOf(policy, start, facts);
      const referenceAllows = event.type === 'CALL_STARTED' ? reference.canCall(now).allowed : requestAllowed(reference, now, snapshot.value);
      expect(referenceAllows, `order safety: the engine allowed ${event.type} at ${new Date(now).toISOString()}\n${story.join('\n')}`).toBe(true);
      await engine.record(SENDER, USER, event);
      facts.set(index, event);
      continue;
    }
    // An outcome of a call the engine never placed does not happen.
    if ('callId' in event && refusedCalls.has(event.callId) && event.type.startsWith('CALL_')) continue;
    const recorded = await engine.record(SENDER, USER, event, { factKey: `fact:${index}` });
    if ((event.type === 'CALL_CONNECTED' || event.type === 'USER_CALL_CONNECTED') && !recorded.duplicate && event.at < recorded.snapshot.context.now) lateConnect = true;
    facts.set(index, event);
    story.push(`${new Date(now).toISOString()} ${event.type} dated ${new Date(event.at).toISOString()}`);
    const mine = await decisions(engine, policy, start, now);
    const reference = referenceOf(policy, start, facts);
    if (mine.call) expect(reference.canCall(now).allowed, `order safety (call) after:\n${story.join('\n')}`).toBe(true);
    if (mine.request) expect(requestAllowed(reference, now, mine.snapshot.value), `order safety (request) after:\n${story.join('\n')}`).toBe(true);
  }
  return { engine, facts, end: now, story };
}

describe('trusted time: facts late, reordered and duplicated, against the reference fed them in time order', () => {
  it('order safety: at every command and every arrival the engine allows no request or call that the reference refuses', async () => {
    await check(
      fc.asyncProperty(anyPolicy, startTime, timeline(MIXED, { startGranted: true, maxLength: 25, longestGap: 2 * DAY }), deliveries, async (policy, start, steps, plan) => {
        await deliver(policy, start, inOrder(policy, start, steps), plan);
      }),
    );
  });

  it('convergence: once every fact has arrived, the view later equals the in-order view or is more conservative (documented cases)', async () => {
    await check(
      fc.asyncProperty(
        anyPolicy,
        startTime,
        timeline(MIXED, { startGranted: true, maxLength: 25, longestGap: 2 * DAY }),
        deliveries,
        fc.integer({ min: 0, max: 2 * DAY }),
        async (policy, start, steps, plan, after) => {
          const { engine, facts, end, story } = await deliver(policy, start, inOrder(policy, start, steps), plan);
          const at = end + after;
          const snapshot = (await engine.snapshot(SENDER, USER)) ?? createRelationship({ at: start, policy });
          const mine = getPermissions(snapshot, at);
          const theirs = referenceOf(policy, start, facts).view(at);
          const why = `at ${new Date(at).toISOString()}\n${story.join('\n')}\nengine ${JSON.stringify(mine)}\nreference ${JSON.stringify(theirs)}`;
          for (const i of [0, 1] as const) {
            if (mine.actions[i].canPerformAction) expect(theirs.actions[i].canPerformAction, why).toBe(true);
            mine.actions[i].limits.forEach((limit, j) => expect(limit.currentUsage, why).toBeGreaterThanOrEqual(theirs.actions[i].limits[j]!.currentUsage));
          }
          if (mine.status !== 'NO_PERMISSION') expect(mine.status, why).toBe(theirs.status);
          // Delivered in time order, nothing is left to be conservative about: the views are equal.
          if (plan.every((p) => p.delay === 0 && !p.twice)) expect(mine, why).toEqual(theirs);
        },
      ),
    );
  });

  it('no lost no: a reject or revoke delivered late, early, twice or dated far ahead ends in no permission unless a later accept follows it', async () => {
    await check(
      fc.asyncProperty(
        presetPolicy,
        startTime,
        fc.record({
          no: fc.constantFrom('reject', 'revoke'),
          noAt: fc.integer({ min: MINUTE, max: DAY }),
          farAhead: fc.nat(3).map((n) => n === 0),
          accept: fc.option(fc.integer({ min: 0, max: 2 * DAY }), { nil: undefined }),
          noise: fc.array(fc.integer({ min: 1, max: 2 * DAY }), { maxLength: 6 }),
        }),
        deliveries,
        async (policy, start, s, plan) => {
          const claimed = start + s.noAt + (s.farAhead ? 30 * DAY : 0);
          const no: Timed = s.no === 'reject' ? { type: 'PERMISSION_REJECTED', at: claimed, source: 'user' } : { type: 'PERMISSION_REVOKED', at: claimed };
          const events: Timed[] = [
            { type: 'PERMISSION_ACCEPTED', at: start, permanent: true },
            ...s.noise.map((t, i): Timed => ({ type: 'USER_MESSAGE', at: start + t + i })),
            no,
            ...(s.accept === undefined ? [] : [{ type: 'PERMISSION_ACCEPTED', at: start + s.accept, permanent: true } as Timed]),
          ];
          let now = start;
          const engine = createCallPermissionEngine({ policy, clock: () => now, store: new MemoryStore(), effects: createRecordingEffects() });
          // The first accept arrives first; every other fact late (within the tolerance) and maybe twice; a far-ahead no when it is sent (its time is wrong).
          const sent = events.map((event, index) => {
            const p = plan[index]!;
            const realAt = event === no && s.farAhead ? start + s.noAt : event.at;
            return { event, index, arrival: index === 0 ? start : realAt + p.delay, again: p.twice ? realAt + p.delay + p.again : undefined };
          });
          const queue = sent.flatMap((x) => [{ ...x, arrival: x.arrival }, ...(x.again === undefined ? [] : [{ ...x, arrival: x.again }])]).sort((a, b) => a.arrival - b.arrival || a.index - b.index);
          let noRecordedAt: number | undefined;
          for (const { event, index, arrival } of queue) {
            now = arrival;
            const result = await engine.record(SENDER, USER, event, { factKey: `f${index}` });
            if (event === no && noRecordedAt === undefined) noRecordedAt = s.farAhead ? arrival : event.at;
          }
          // Its true time: its own, or, dated far ahead, when it was delivered.
          const noTime = noRecordedAt!;
          const laterAccept = s.accept !== undefined && start + s.accept > noTime;
          now = Math.max(now, ...queue.map((q) => q.arrival)) + 1;
          const call = await engine.startCall(SENDER, USER);
          if (!laterAccept) {
            expect(call, JSON.stringify({ s, queue: queue.map((q) => [q.event.type, q.event.at, q.arrival]) })).toMatchObject({ outcome: 'refused', refusal: { rule: 'G4' } });
            expect((await engine.permissions(SENDER, USER)).status).toBe('NO_PERMISSION');
          }
        },
      ),
    );
  });

  it('skew: two engines whose clocks differ by maxClockSkewMs on one store, with facts dated ± the skew, never exceed R1/R2/G2', async () => {
    await check(
      fc.asyncProperty(
        anyPolicy,
        startTime,
        fc.array(fc.record({ engine: fc.nat(1), gap: fc.oneof(fc.nat(1000), fc.integer({ min: 1, max: HOUR }), fc.integer({ min: 1, max: DAY })), act: fc.nat(5), offset: fc.double({ min: -1, max: 1, noNaN: true }) }), {
          minLength: 5,
          maxLength: 40,
        }),
        async (policy, start, steps) => {
          const skew = policy.maxClockSkewMs;
          const store = new MemoryStore();
          let now = start;
          const effects = createRecordingEffects();
          const engines = [createCallPermissionEngine({ policy, store, effects, clock: () => now }), createCallPermissionEngine({ policy, store, effects, clock: () => now + skew })];
          await engines[0]!.record(SENDER, USER, { type: 'PERMISSION_ACCEPTED', at: start, expiresAt: start + 60 * DAY });
          const calls: number[] = [];
          const requests: number[] = [];
          for (const step of steps) {
            now += step.gap;
            const engine = engines[step.engine]!;
            const own = now + step.engine * skew;
            if (step.act <= 1) {
              const r = await engine.startCall(SENDER, USER);
              if (r.outcome === 'started') calls.push(r.at);
            } else if (step.act <= 3) {
              const r = await engine.requestPermission(SENDER, USER);
              if (r.outcome === 'sent') requests.push(r.at);
            } else {
              // A fact dated behind the relationship's clock by more than the tolerance is refused as too late: that is its outcome.
              await engine.record(SENDER, USER, { type: 'USER_MESSAGE', at: Math.round(own + step.offset * skew) }).catch((error: { code?: string }) => {
                if (error.code !== 'EVENT_TOO_LATE') throw error;
              });
            }
          }
          const most = (times: readonly number[], window: number) => Math.max(0, ...times.map((t) => times.filter((u) => u >= t && u < t + window).length));
          expect(most(calls, policy.callWindowMs), `G2: calls at ${calls.map((t) => t - start)}`).toBeLessThanOrEqual(policy.connectedCallsPerWindow);
          expect(most(requests, policy.requestShortWindowMs), 'R1').toBeLessThanOrEqual(policy.requestsPerShortWindow);
          expect(most(requests, policy.requestLongWindowMs), 'R2').toBeLessThanOrEqual(policy.requestsPerLongWindow);
        },
      ),
    );
  });
});
