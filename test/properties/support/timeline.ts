/**
 * Random timelines of every event kind. A timeline is generated as abstract steps ("a call
 * outcome for the 2nd call in flight, 3 hours later") and resolved into concrete events while it
 * is replayed, so that ids sometimes name existing requests and calls and sometimes not, and
 * times sometimes land exactly on a window's edge.
 */
import fc from 'fast-check';
import { EVENT_TYPES, type RelationshipEventInput, type RelationshipEventType } from '../../../src/events/types.js';
import type { Policy } from '../../../src/policy/policy.js';
import { ReferenceRelationship } from '../../reference/referenceModel.js';

const SECOND = 1000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** How the clock moves before a step: forward by a gap, onto a window edge, or backwards (a late fact). */
export type TimeMove = { readonly gap: number } | { readonly edge: number } | { readonly late: number; readonly beyondTolerance: boolean };

export interface Step {
  readonly kind: RelationshipEventType;
  readonly move: TimeMove;
  /** Which existing id to use (modulo the candidates), or, past them, an unknown one. */
  readonly pick: number;
  /** Whether an id-creating command gets a fresh id rather than a reused one. */
  readonly fresh: boolean;
  /** Sub-choice: accept form, reject source, unanswered reason, whether a reply names a request. */
  readonly variant: number;
  /** For an accept with an explicit expiry: how long after the accept it is. */
  readonly duration: number;
  /** Send a request on the channel the rules did not choose (R3). */
  readonly wrongChannel: boolean;
  /** Offsets after the event at which the answers are compared too. */
  readonly probes: readonly number[];
}

const gap = (longest: number) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant(0) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: SECOND }) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 60 * SECOND }) },
    { weight: 3, arbitrary: fc.integer({ min: 1, max: HOUR }) },
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 2 * DAY }) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: longest }) },
  );

const move = (longest: number): fc.Arbitrary<TimeMove> =>
  fc.oneof(
    { weight: 12, arbitrary: gap(longest).map((g) => ({ gap: g })) },
    { weight: 4, arbitrary: fc.nat(1000).map((e) => ({ edge: e })) },
    { weight: 1, arbitrary: fc.record({ late: fc.integer({ min: 1, max: 8 * DAY }), beyondTolerance: fc.boolean() }) },
  );

export type KindWeights = Readonly<Record<RelationshipEventType, number>>;

/** Every event kind, the commands the rules may refuse a little more often. */
export const MIXED: KindWeights = {
  CLOCK: 2,
  USER_MESSAGE: 2,
  REQUEST_SENT: 4,
  REQUEST_FAILED: 1,
  PERMISSION_ACCEPTED: 3,
  PERMISSION_REJECTED: 2,
  PERMISSION_REVOKED: 1,
  PERMISSION_SYNCED: 1,
  CALL_STARTED: 5,
  CALL_ID_ASSIGNED: 1,
  CALL_CONNECTED: 2,
  CALL_UNANSWERED: 4,
  CALL_FAILED: 1,
  USER_CALL_RECEIVED: 1,
  USER_CALL_CONNECTED: 1,
};

/** Mostly calls and their outcomes, so G2 binds and M1/M2 streaks build up. */
export const CALLS: KindWeights = {
  ...MIXED,
  REQUEST_SENT: 1,
  REQUEST_FAILED: 0,
  PERMISSION_REJECTED: 1,
  PERMISSION_REVOKED: 0,
  PERMISSION_ACCEPTED: 3,
  CALL_STARTED: 10,
  CALL_UNANSWERED: 7,
  CALL_CONNECTED: 4,
  CALL_FAILED: 2,
};

/** Mostly requests, replies and resets, so R1/R2/R4/R5 and U2 bind. */
export const REQUESTS: KindWeights = {
  ...MIXED,
  REQUEST_SENT: 8,
  REQUEST_FAILED: 2,
  PERMISSION_ACCEPTED: 2,
  PERMISSION_REJECTED: 3,
  PERMISSION_REVOKED: 2,
  CALL_STARTED: 1,
  CALL_UNANSWERED: 1,
  CALL_FAILED: 0,
  CALL_ID_ASSIGNED: 0,
};

export const kind = (weights: KindWeights) =>
  fc.oneof(...EVENT_TYPES.filter((k) => weights[k] > 0).map((k) => ({ weight: weights[k], arbitrary: fc.constant(k) })));

/** Mostly the first or second candidate (so outcomes find their calls), sometimes one past them all. */
const pick = fc.oneof({ weight: 5, arbitrary: fc.nat(1) }, { weight: 1, arbitrary: fc.nat(8) });

export const step = (weights: KindWeights = MIXED, longestGap = 21 * DAY): fc.Arbitrary<Step> =>
  fc.record({
    kind: kind(weights),
    move: move(longestGap),
    pick,
    fresh: fc.nat(3).map((n) => n > 0),
    variant: fc.nat(11),
    duration: fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min: 1, max: 3 * DAY }) },
      { weight: 3, arbitrary: fc.integer({ min: 1, max: 21 * DAY }) },
      { weight: 1, arbitrary: fc.constant(1) },
    ),
    wrongChannel: fc.nat(7).map((n) => n === 0),
    probes: fc.array(fc.oneof(fc.integer({ min: 1, max: HOUR }), fc.integer({ min: 1, max: 21 * DAY }), fc.nat(1000).map((e) => -1 - e)), {
      maxLength: 3,
    }),
  });

/** Start times well inside the years the engine accepts. */
export const startTime = fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2030, 0, 1) });

/** An accept (of any form) with a long explicit expiry if it has one: calls become possible. */
const grantFirst: fc.Arbitrary<Step> = fc
  .record({ base: step(MIXED), duration: fc.integer({ min: 7 * DAY, max: 21 * DAY }) })
  .map(({ base, duration }) => ({ ...base, kind: 'PERMISSION_ACCEPTED' as const, move: { gap: 0 }, duration }));

/**
 * A random timeline. With `startGranted` it opens with an accept, so that call-heavy timelines
 * spend their steps on calls rather than on G4 refusals.
 */
export const timeline = (weights: KindWeights = MIXED, { maxLength = 30, longestGap = 21 * DAY, startGranted = false } = {}) => {
  const steps = fc.array(step(weights, longestGap), { minLength: 1, maxLength });
  return startGranted ? fc.tuple(grantFirst, steps).map(([first, rest]) => [first, ...rest]) : steps;
};

/**
 * Turns abstract steps into concrete events. It keeps its own reference model to know which
 * requests and calls exist; every property feeds the same events to whatever it compares.
 */
export class TimelineDriver {
  readonly reference: ReferenceRelationship;
  private next = 0;
  private readonly callIdsSeen: string[] = [];

  constructor(policy: Policy, start: number) {
    this.reference = new ReferenceRelationship(policy, start);
  }

  private freshId(prefix: string): string {
    this.next += 1;
    return `${prefix}${this.next}`;
  }

  /** Chooses among existing ids by `pick`; a pick past them names an id nobody used. */
  private choose(candidates: readonly string[], pick: number, prefix: string): string {
    return pick < candidates.length ? candidates[pick]! : `${prefix}-unknown-${pick}`;
  }

  timeOf(s: Step): number {
    const ref = this.reference;
    if ('gap' in s.move) return ref.now + s.move.gap;
    if ('edge' in s.move) {
      const edges = [...new Set(ref.boundaries())].sort((a, b) => a - b);
      return edges.length ? edges[s.move.edge % edges.length]! : ref.now;
    }
    const tolerance = ref.policy.lateEventToleranceMs;
    const back = s.move.beyondTolerance ? tolerance + s.move.late : Math.min(s.move.late, tolerance);
    return ref.now - back;
  }

  /**
   * Sometimes a reservation reconstructed from the platform's view: counted from a time before the
   * event, inside its window (sometimes on its very edge).
   */
  private countedFrom(s: Step, at: number, windowMs: number): { countedFrom?: number } {
    // A window of 1 ms has no time before the event that it still counts.
    if (s.variant % 4 !== 3 || windowMs < 2) return {};
    const back = s.pick % 3 === 0 ? windowMs - 1 : 1 + (s.duration % (windowMs - 1));
    return { countedFrom: at - back };
  }

  /** The concrete event for a step, given the driver's current knowledge. */
  eventFor(s: Step): RelationshipEventInput {
    const ref = this.reference;
    const at = this.timeOf(s);
    const requestIds = ref.requests.map((r) => r.id);
    const inFlightIds = ref.inFlight.map((c) => c.id);
    const optionalRequestId = () => (s.variant % 3 === 0 ? {} : { requestId: this.choose(requestIds, s.variant % 3 === 1 ? s.pick : 99, 'r') });
    switch (s.kind) {
      case 'CLOCK':
      case 'USER_MESSAGE':
      case 'PERMISSION_REVOKED':
        return { type: s.kind, at };
      case 'REQUEST_SENT': {
        const decision = ref.canRequest(Math.max(at, ref.now));
        const chosen = decision.allowed ? decision.via : 'template';
        const via = s.wrongChannel ? (chosen === 'template' ? 'interactive' : 'template') : chosen;
        const reconstructed = this.countedFrom(s, at, Math.min(ref.policy.requestLongWindowMs, ref.policy.requestAnswerableMs));
        // A reconstructed use always has an id of its own, as reconciliation keys each one. With an id
        // shared by several sends, one of them reconstructed (dated before the others), the engine
        // and the reference model take back different sends on a REQUEST_FAILED: a known open case.
        const requestId = s.fresh || requestIds.length === 0 || reconstructed.countedFrom !== undefined ? this.freshId('r') : requestIds[s.pick % requestIds.length]!;
        return { type: s.kind, at, requestId, via, ...reconstructed };
      }
      case 'REQUEST_FAILED':
        return { type: s.kind, at, requestId: this.choose(requestIds, s.pick, 'r') };
      case 'PERMISSION_ACCEPTED': {
        const source = (['user', 'automatic', 'profile', 'user_call'] as const)[s.variant % 4];
        const form = Math.floor(s.variant / 4) % 3;
        const base = { type: s.kind, at, source, ...optionalRequestId() };
        if (form === 0) return { ...base, expiresAt: at + s.duration };
        if (form === 1) return s.pick % 2 ? { ...base, permanent: true } : { ...base, permanent: false };
        return base;
      }
      case 'PERMISSION_SYNCED': {
        // Infobip's view: no permission, a permanent grant, or a temporary one ending (sometimes already).
        const status = (['NO_PERMISSION', 'TEMPORARY', 'PERMANENT'] as const)[s.variant % 3];
        return status === 'TEMPORARY' ? { type: s.kind, at, status, expiresAt: at + s.duration - (s.pick % 2) * s.duration } : { type: s.kind, at, status };
      }
      case 'PERMISSION_REJECTED':
        return { type: s.kind, at, source: s.variant % 4 === 3 ? 'automatic' : 'user', ...optionalRequestId() };
      case 'CALL_STARTED': {
        const callId = s.fresh || this.callIdsSeen.length === 0 ? this.freshId('c') : this.callIdsSeen[s.pick % this.callIdsSeen.length]!;
        this.callIdsSeen.push(callId);
        return { type: s.kind, at, callId, ...this.countedFrom(s, at, ref.policy.callWindowMs) };
      }
      case 'CALL_ID_ASSIGNED': {
        const platformCallId = this.freshId('p');
        this.callIdsSeen.push(platformCallId);
        return { type: s.kind, at, callId: this.choose(inFlightIds, s.pick, 'c'), platformCallId };
      }
      case 'CALL_CONNECTED':
      case 'CALL_UNANSWERED':
      case 'CALL_FAILED': {
        // Mostly a call in flight; sometimes one already finished, sometimes one never seen.
        const candidates = s.fresh ? inFlightIds : this.callIdsSeen;
        const callId = this.choose(candidates.length ? candidates : inFlightIds, s.pick, 'c');
        if (s.kind === 'CALL_CONNECTED') return { type: s.kind, at, callId };
        if (s.kind === 'CALL_UNANSWERED')
          return { type: s.kind, at, callId, reason: (['no_answer', 'busy', 'rejected', 'cancelled'] as const)[s.variant % 4] };
        return { type: s.kind, at, callId, reason: (['SERVICE_UNAVAILABLE', 'FORBIDDEN', 'INVALID_REQUEST'] as const)[s.variant % 3] };
      }
      case 'USER_CALL_RECEIVED':
      case 'USER_CALL_CONNECTED':
        return { type: s.kind, at, callId: this.freshId('u') };
    }
  }

  /**
   * Probe times after an event at `eventAt`: the event's time and the clock (they differ after a
   * refused command), a millisecond later, window edges, random offsets.
   */
  probeTimes(s: Step, eventAt: number): number[] {
    const ref = this.reference;
    const edges = [...new Set(ref.boundaries())].sort((a, b) => a - b);
    const times = [ref.now, Math.max(eventAt, ref.now), ref.now + 1];
    for (const p of s.probes) {
      if (p >= 0) times.push(ref.now + p);
      else if (edges.length) times.push(edges[(-1 - p) % edges.length]!);
    }
    return [...new Set(times)];
  }
}
