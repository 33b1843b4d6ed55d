/**
 * A deterministic workload of realistic timelines: many sender↔user relationships, each living
 * a few weeks of messages, permission requests and replies, business calls with their outcomes
 * (connected, missed, failed, never reported), user calls, revocations, scheduler ticks, and
 * webhooks that arrive late. A seeded generator decides what happens next from the relationship's
 * current state (as the hand-written baseline sees it), so businesses mostly do what the rules
 * allow, with a few refused attempts mixed in, as a real host would.
 */
import type { RelationshipEvent, UnansweredReason } from '../src/events/types.js';
import type { Policy } from '../src/policy/policy.js';
import { createBaseline, type BaselineRelationship } from './baseline.js';

export interface Timeline {
  readonly sender: string;
  readonly user: string;
  /** In the order the facts arrive (a late webhook comes after later facts). */
  readonly events: readonly RelationshipEvent[];
}

export interface Workload {
  readonly timelines: readonly Timeline[];
  /** Every fact of every relationship in arrival order: what an engine sees. */
  readonly stream: readonly { readonly timeline: number; readonly event: RelationshipEvent }[];
  readonly eventCount: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const START = Date.UTC(2026, 3, 1, 8);
const SENDERS = ['441134960000', '441134960001', '4930901820', '34910000000', '5511987650000'];

/** mulberry32: small, fast and the same on every platform. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    chance: (p: number) => next() < p,
    between: (lo: number, hi: number) => Math.floor(lo + next() * (hi - lo)),
    hex: (digits: number) => {
      let s = '';
      for (let i = 0; i < digits; i++) s += '0123456789abcdef'[Math.floor(next() * 16)];
      return s;
    },
    pick: <T>(weighted: readonly (readonly [T, number])[]): T => {
      let total = 0;
      for (const [, w] of weighted) total += w;
      let x = next() * total;
      for (const [item, w] of weighted) if ((x -= w) < 0) return item;
      return weighted[weighted.length - 1]![0];
    },
  };
}
type Random = ReturnType<typeof random>;

/** Gaps between things a relationship does: minutes, hours, or days apart. */
function gap(rng: Random): number {
  const kind = rng.next();
  if (kind < 0.4) return rng.between(MINUTE, HOUR);
  if (kind < 0.8) return rng.between(HOUR, 12 * HOUR);
  return rng.between(12 * HOUR, 4 * DAY);
}

const uuid = (rng: Random) => `${rng.hex(8)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(12)}`;

type Action = 'message' | 'request' | 'reply' | 'call' | 'userCall' | 'revoke' | 'profileAccept' | 'tick' | 'refusedCall';

/** One relationship's facts in the order they happen. */
function simulate(rng: Random, policy: Policy, eventsWanted: number): RelationshipEvent[] {
  const baseline = createBaseline(policy);
  let t = START + rng.between(0, 3 * DAY);
  let rel: BaselineRelationship = baseline.create(t);
  const events: RelationshipEvent[] = [];
  const emit = (event: RelationshipEvent) => {
    events.push(event);
    rel = baseline.apply(rel, event);
  };
  while (events.length < eventsWanted) {
    // Now and then the next thing happens exactly on a window's edge (or a millisecond either side):
    // the moment a call slot or a request frees up, a grant ends, a request lapses.
    const edge = rng.chance(0.12) ? nextEdge(rng, rel, t, policy) : undefined;
    t = edge ?? t + gap(rng);
    const view = baseline.permissions(rel, t);
    const granted = view.status !== 'NO_PERMISSION';
    const canCall = view.actions[1].canPerformAction;
    const canRequest = view.actions[0].canPerformAction;
    const action = rng.pick<Action>([
      ['message', 3],
      ['request', !granted && canRequest ? 4 : 0.2],
      ['reply', rel.state === 'requested' ? 5 : 0],
      ['call', canCall ? 6 : 0],
      ['refusedCall', canCall ? 0 : 0.3],
      ['userCall', 1],
      ['revoke', granted ? 0.25 : 0],
      ['profileAccept', 0.15],
      ['tick', 1],
    ]);
    switch (action) {
      case 'message':
        emit({ type: 'USER_MESSAGE', at: t });
        break;
      case 'request': {
        if (!canRequest) break; // the engine refuses it without recording anything
        const requestId = rng.hex(16);
        const via = rel.lastUserContactAt + policy.sessionWindowMs > t ? 'interactive' : 'template';
        emit({ type: 'REQUEST_SENT', at: t, requestId, via });
        if (rng.chance(0.03)) emit({ type: 'REQUEST_FAILED', at: (t += rng.between(200, 3000)), requestId });
        break;
      }
      case 'reply': {
        const requestId = rel.requests[rel.requests.length - 1]?.id;
        const linked = requestId !== undefined && rng.chance(0.8) ? { requestId } : {};
        const kind = rng.next();
        if (kind < 0.35) emit({ type: 'PERMISSION_ACCEPTED', at: t, expiresAt: t + 7 * DAY, source: 'user', ...linked });
        else if (kind < 0.5) emit({ type: 'PERMISSION_ACCEPTED', at: t, expiresAt: t + rng.between(DAY, 7 * DAY), source: 'user', ...linked });
        else if (kind < 0.7) emit({ type: 'PERMISSION_ACCEPTED', at: t, expiresAt: null, source: 'user', ...linked });
        else emit({ type: 'PERMISSION_REJECTED', at: t, source: 'user', ...linked });
        break;
      }
      case 'call':
      case 'refusedCall': {
        const callId = rng.hex(16);
        emit({ type: 'CALL_STARTED', at: t, callId });
        if (action === 'refusedCall') break;
        let id = callId;
        if (rng.chance(0.7)) {
          id = uuid(rng);
          emit({ type: 'CALL_ID_ASSIGNED', at: (t += rng.between(100, 900)), callId, platformCallId: id });
        }
        const outcome = rng.pick([['connected', 55], ['unanswered', 30], ['failed', 10], ['lost', 5]] as const);
        if (outcome === 'connected') emit({ type: 'CALL_CONNECTED', at: (t += rng.between(4000, 30_000)), callId: id });
        else if (outcome === 'failed') emit({ type: 'CALL_FAILED', at: (t += rng.between(500, 5000)), callId: id, reason: 'SERVICE_UNAVAILABLE' });
        else if (outcome === 'unanswered') {
          const reason = rng.pick<UnansweredReason>([['no_answer', 60], ['busy', 15], ['rejected', 20], ['cancelled', 5]]);
          const revokes = rel.unanswered + 1 >= policy.unansweredBeforeRevoke;
          // M2: the platform's automatic reject; now and then it overtakes the 4th miss.
          if (revokes && rng.chance(0.2)) emit({ type: 'PERMISSION_REJECTED', at: (t += rng.between(30_000, 50_000)), source: 'automatic' });
          emit({ type: 'CALL_UNANSWERED', at: (t += rng.between(30_000, 60_000)), callId: id, reason });
          if (revokes && rel.state === 'revoked' && rng.chance(0.8)) emit({ type: 'PERMISSION_REJECTED', at: (t += rng.between(1000, 10_000)), source: 'automatic' });
        }
        break;
      }
      case 'userCall': {
        const callId = uuid(rng);
        emit({ type: 'USER_CALL_RECEIVED', at: t, callId });
        if (rng.chance(0.7)) emit({ type: 'USER_CALL_CONNECTED', at: (t += rng.between(3000, 20_000)), callId });
        break;
      }
      case 'revoke':
        emit({ type: 'PERMISSION_REVOKED', at: t });
        break;
      case 'profileAccept':
        emit({ type: 'PERMISSION_ACCEPTED', at: t, expiresAt: rng.chance(0.5) ? null : t + 7 * DAY, source: 'profile' });
        break;
      case 'tick':
        emit({ type: 'CLOCK', at: t });
        break;
    }
  }
  return events;
}

/** A window edge after `t` in this relationship's state, ±1 ms, or `undefined` when there is none. */
function nextEdge(rng: Random, rel: BaselineRelationship, t: number, policy: Policy): number | undefined {
  const edges: number[] = [];
  for (const at of rel.connectedCalls) edges.push(at + policy.callWindowMs);
  for (const call of rel.callsInFlight) edges.push(call.at + policy.callWindowMs);
  for (const request of rel.requests) edges.push(request.at + policy.requestShortWindowMs, request.at + policy.requestLongWindowMs, request.at + policy.requestAnswerableMs);
  if (Number.isFinite(rel.grantEndsAt)) edges.push(rel.grantEndsAt);
  const ahead = edges.filter((edge) => edge > t + 1);
  if (!ahead.length) return undefined;
  return ahead[rng.between(0, ahead.length)]! + rng.pick([[-1, 1], [0, 3], [1, 1]] as const);
}

/** Some webhooks arrive late (up to 6 h, within the late-fact tolerance): reorder by arrival. */
function arrivalOrder(rng: Random, events: readonly RelationshipEvent[]): RelationshipEvent[] {
  const arrivals = events.map((event, i) => ({ event, i, arrives: event.at + (rng.chance(0.04) ? rng.between(MINUTE, 6 * HOUR) : 0) }));
  // Infobip delivers again what it is not sure arrived: the same fact, with the same key, later.
  events.forEach((event, i) => {
    if (factKeyOf(event) !== undefined && rng.chance(0.03)) arrivals.push({ event, i: events.length + i, arrives: event.at + rng.between(MINUTE, 6 * HOUR) });
  });
  arrivals.sort((a, b) => a.arrives - b.arrives || a.i - b.i);
  return arrivals.map((a) => a.event);
}

/**
 * `relationships` timelines of 20–100 facts each (about 60 on average), the same for a given seed;
 * about 3 % of webhook facts are delivered twice (see {@link factKeyOf}).
 */
export function createWorkload(policy: Policy, relationships: number, seed = 20260401): Workload {
  const rng = random(seed);
  const timelines: Timeline[] = [];
  for (let i = 0; i < relationships; i++) {
    const events = arrivalOrder(rng, simulate(rng, policy, rng.between(20, 100)));
    timelines.push({ sender: SENDERS[i % SENDERS.length]!, user: String(447_700_900_000 + i * 7), events });
  }
  const stream: { timeline: number; event: RelationshipEvent; arrives: number; order: number }[] = [];
  timelines.forEach((timeline, index) => {
    let arrives = -Infinity;
    timeline.events.forEach((event, order) => {
      arrives = Math.max(arrives, event.at); // a late fact arrives after the facts that overtook it
      stream.push({ timeline: index, event, arrives, order });
    });
  });
  stream.sort((a, b) => a.arrives - b.arrives || a.timeline - b.timeline || a.order - b.order);
  return {
    timelines,
    stream: stream.map(({ timeline, event }) => ({ timeline, event })),
    eventCount: stream.length,
  };
}

/** The engine's own commands and clock ticks carry no idempotency key. */
const UNKEYED = new Set(['REQUEST_SENT', 'REQUEST_FAILED', 'CALL_STARTED', 'CALL_ID_ASSIGNED', 'CLOCK']);

/**
 * A webhook fact's idempotency key, as a host would build it from the platform's ids (a redelivery
 * has the same key); `cycle` > 0 names a later life of the same timeline (bench/scale.ts).
 */
export function factKeyOf(event: RelationshipEvent, cycle = 0): string | undefined {
  if (UNKEYED.has(event.type)) return undefined;
  const e = event as RelationshipEvent & { callId?: string; requestId?: string };
  const key = `${e.type}:${e.callId ?? e.requestId ?? e.at}`;
  return cycle === 0 ? key : `${key}#${cycle}`;
}
