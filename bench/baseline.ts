/**
 * The hand-written baseline: the per-relationship rules of docs/semantics.md as plain functions,
 * written the way a careful engineer would write them without a statechart. It shares no runtime
 * code with the engine (only type names), so the bench's agreement check compares two independent
 * implementations before it compares their speed.
 *
 * Choices a competent hand-written version makes, and this one does:
 * - the policy is bound once (`createBaseline(policy)`), durations rendered once;
 * - sentinels instead of nulls: "never" is -Infinity, a permanent grant ends at +Infinity, so
 *   every window test is one comparison;
 * - immutable updates with one copy per event, arrays copied only when they change;
 * - the view counts every limit in one pass each and formats times only when they are shown, with
 *   integer arithmetic (as the engine's view does) rather than a `Date` round trip.
 * It trusts its input (typed, normalised events), as an internal reducer would.
 */
import type { RelationshipEvent } from '../src/events/types.js';
import type { Policy } from '../src/policy/policy.js';
import type { RelationshipState } from '../src/relationship/context.js';
import type { PermissionLimit, PermissionsView } from '../src/pure/view.js';

/** A request or a call in flight: the id and when it was sent or placed. */
export interface Use {
  readonly id: string;
  readonly at: number;
}

export interface BaselineRelationship {
  readonly state: RelationshipState;
  /** The time of the last event applied. */
  readonly now: number;
  readonly requests: readonly Use[];
  /** G3: requests before this no longer count; one at the very millisecond does (-Infinity: never reset). */
  readonly limitsResetAt: number;
  /** R4: the user's last reply (-Infinity: never). */
  readonly answeredAt: number;
  readonly connectedCalls: readonly number[];
  readonly callsInFlight: readonly Use[];
  readonly unanswered: number;
  /** M1–M3: when the miss count last started again (a grant, a connect in order); a late miss before it counts nothing. */
  readonly unansweredSince: number;
  /** M1/M2: times of the misses recorded (any state) since the count started again: a late grant counts those after it. */
  readonly missedAt: readonly number[];
  /** M2/M3: the count when a connect in order last reset it, and since when it counted (NO_STRETCH: none, after a grant). */
  readonly unansweredBeforeReset: number;
  readonly unansweredBeforeResetSince: number;
  /** G1: meaningful in granted/prompted only; +Infinity is permanent. */
  readonly grantEndsAt: number;
  /** W1: the user's last contact (-Infinity: never). */
  readonly lastUserContactAt: number;
  /** U2: the user had revoked before the current request (where a lapse returns to). */
  readonly revokedBefore: boolean;
  /** The latest decision on the permission (reply, revoke, platform view): a late accept at or before it is superseded. */
  readonly decidedAt: number;
  /** G5: the callback grant not since replaced by an accept: a late no before it leaves it, a late accept at or before it replaces it. */
  readonly callbackAt: number;
}

type Draft = { -readonly [K in keyof BaselineRelationship]: BaselineRelationship[K] };

const NEVER = -Infinity;
/** Late facts that count as of their own time (docs/semantics.md "Late facts"); other late events are moved to the clock. */
const OWN_TIME: ReadonlySet<RelationshipEvent['type']> = new Set([
  'USER_MESSAGE',
  'PERMISSION_ACCEPTED',
  'PERMISSION_REJECTED',
  'PERMISSION_REVOKED',
  'PERMISSION_SYNCED',
  'CALL_CONNECTED',
  'CALL_UNANSWERED',
  'USER_CALL_RECEIVED',
  'USER_CALL_CONNECTED',
]);
const PERMANENT = Infinity;
/** No stretch before a reset to count a late miss into (after a grant): no time is at or after it. */
const NO_STRETCH = Infinity;

export interface Baseline {
  readonly policy: Policy;
  create(at: number): BaselineRelationship;
  /** The next relationship (the same object when nothing changed). Throws on a fact too late to apply. */
  apply(relationship: BaselineRelationship, event: RelationshipEvent): BaselineRelationship;
  permissions(relationship: BaselineRelationship, at: number): PermissionsView;
}

/** Deliberate mistakes, for proving that the bench's agreement check catches them (never used in a timed run). */
export interface BaselineMutation {
  /** Count a call against G2 this many ms past its window: the slot frees up late. */
  readonly callSlotFreesLateMs?: number;
}

export function createBaseline(policy: Policy, mutation: BaselineMutation = {}): Baseline {
  const {
    requestShortWindowMs: shortWindow,
    requestLongWindowMs: longWindow,
    requestsPerShortWindow: maxShort,
    requestsPerLongWindow: maxLong,
    requestAnswerableMs: answerable,
    callWindowMs: callWindow,
    connectedCallsPerWindow: maxCalls,
    unansweredBeforePrompt: promptAfter,
    unansweredBeforeRevoke: revokeAfter,
    temporaryGrantMs: temporaryGrant,
    lateEventToleranceMs: tolerance,
    userCallGrantsPermission: callbackPermission,
  } = policy;
  const shortPeriod = duration(shortWindow);
  const longPeriod = duration(longWindow);
  const callPeriod = duration(callWindow);
  /** How long a call holds its slot (the window, unless a mutation says otherwise). */
  const slotHeld = callWindow + (mutation.callSlotFreesLateMs ?? 0);

  const isGrant = (state: RelationshipState) => state === 'granted' || state === 'prompted';
  const isOpen = (r: BaselineRelationship, request: Use, at: number) => request.at > r.answeredAt && at < request.at + answerable;
  const anyOpen = (r: BaselineRelationship, at: number) => {
    for (const request of r.requests) if (isOpen(r, request, at)) return true;
    return false;
  };
  const requestsLeft = (r: BaselineRelationship, at: number) => {
    let short = 0;
    let long = 0;
    for (const { at: sentAt } of r.requests) {
      if (sentAt < r.limitsResetAt) continue;
      if (at < sentAt + shortWindow) short++;
      if (at < sentAt + longWindow) long++;
    }
    return short < maxShort && long < maxLong;
  };
  const slotsInUse = (r: BaselineRelationship, at: number) => {
    let used = 0;
    for (const t of r.connectedCalls) if (at < t + slotHeld) used++;
    for (const call of r.callsInFlight) if (at < call.at + slotHeld) used++;
    return used;
  };

  /** What no rule can count any more is dropped, so a relationship stays small. */
  const prunedRequests = (r: BaselineRelationship, at: number) => {
    const keep = (q: Use) => (q.at >= r.limitsResetAt && at < q.at + longWindow) || isOpen(r, q, at);
    return r.requests.every(keep) ? r.requests : r.requests.filter(keep);
  };
  const prunedCalls = (calls: readonly Use[], at: number) => (calls.every((c) => at < c.at + slotHeld) ? calls : calls.filter((c) => at < c.at + slotHeld));
  const prunedTimes = (times: readonly number[], at: number) => (times.every((t) => at < t + slotHeld) ? times : times.filter((t) => at < t + slotHeld));

  /** A copy moved to `at`, for the event's handler to change before it is returned. */
  const draft = (r: BaselineRelationship, at: number): Draft => ({
    state: r.state,
    now: at,
    requests: prunedRequests(r, at),
    limitsResetAt: r.limitsResetAt,
    answeredAt: r.answeredAt,
    connectedCalls: prunedTimes(r.connectedCalls, at),
    callsInFlight: prunedCalls(r.callsInFlight, at),
    unanswered: r.unanswered,
    unansweredSince: r.unansweredSince,
    missedAt: r.missedAt,
    unansweredBeforeReset: r.unansweredBeforeReset,
    unansweredBeforeResetSince: r.unansweredBeforeResetSince,
    grantEndsAt: r.grantEndsAt,
    lastUserContactAt: r.lastUserContactAt,
    revokedBefore: r.revokedBefore,
    decidedAt: r.decidedAt,
    callbackAt: r.callbackAt,
  });
  const unchanged = (r: BaselineRelationship, d: Draft) =>
    d.now === r.now && d.requests === r.requests && d.connectedCalls === r.connectedCalls && d.callsInFlight === r.callsInFlight;
  /** A release (failed send, call outcome) answers the latest use of its id: hosts may reuse ids. */
  const lastWithId = (uses: readonly Use[], id: string) => {
    for (let i = uses.length - 1; i >= 0; i--) if (uses[i]!.id === id) return i;
    return -1;
  };
  const without = (uses: readonly Use[], id: string) => {
    const i = lastWithId(uses, id);
    return i < 0 ? uses : uses.filter((_, j) => j !== i);
  };
  const endGrant = (d: Draft, state: RelationshipState) => {
    d.state = state;
    d.grantEndsAt = NEVER;
  };
  /** The miss times with `at` added in order, the latest `unansweredBeforeRevoke` kept. */
  const withMiss = (times: readonly number[], at: number): readonly number[] => {
    const next = [...times, at].sort((a, b) => a - b);
    return next.length > revokeAfter ? next.slice(next.length - revokeAfter) : next;
  };
  /** A grant ending at `endsAt`, as of `at`: delivered late, the misses after its time count against it (M1/M2). */
  const grantCountingLaterMisses = (d: Draft, at: number, endsAt: number) => {
    d.unansweredBeforeReset = 0;
    d.unansweredBeforeResetSince = NO_STRETCH;
    d.state = 'granted';
    d.grantEndsAt = endsAt;
    let misses = 0;
    for (const t of d.missedAt) if (t > at && t < endsAt) misses++;
    d.unanswered = misses;
    if (misses >= revokeAfter) {
      endGrant(d, 'revoked');
      d.revokedBefore = true;
    } else if (misses >= promptAfter) d.state = 'prompted';
  };

  /** Time alone: a temporary grant ends (G1), the last open request lapses (R4). */
  const tick = (r: BaselineRelationship, at: number): BaselineRelationship => {
    const d = draft(r, at);
    if (isGrant(r.state) && at >= r.grantEndsAt) {
      endGrant(d, 'noPermission');
      d.unanswered = 0;
    } else if (r.state === 'requested' && !anyOpen(r, at)) d.state = r.revokedBefore ? 'revoked' : 'noPermission';
    else if (unchanged(r, d)) return r;
    return d;
  };
  const clockChangesState = (r: BaselineRelationship, at: number) =>
    (isGrant(r.state) && at >= r.grantEndsAt) || (r.state === 'requested' && !anyOpen(r, at));

  function apply(relationship: BaselineRelationship, event: RelationshipEvent): BaselineRelationship {
    // `at`: when it counts (a late fact about time keeps its own); `later`: where the clock goes (never back).
    let at = event.at;
    const late = at < relationship.now;
    if (late) {
      if (relationship.now - at > tolerance) throw new RangeError(`${event.type} is ${relationship.now - at} ms late; the tolerance is ${tolerance} ms`);
      if (!OWN_TIME.has(event.type)) at = relationship.now;
    }
    const later = Math.max(at, relationship.now);
    if (event.type === 'CLOCK') return tick(relationship, later);
    const r = clockChangesState(relationship, later) ? tick(relationship, later) : relationship;
    const { state } = r;
    const superseded = at <= r.decidedAt;
    /** The latest decision or callback grant: a no dated before it leaves the grant, a user's call at or before it grants nothing. */
    const lastGrantOrDecision = Math.max(r.decidedAt, r.callbackAt);
    switch (event.type) {
      case 'USER_MESSAGE': {
        const d = draft(r, later);
        d.lastUserContactAt = Math.max(r.lastUserContactAt, at);
        return d;
      }
      case 'USER_CALL_RECEIVED': {
        const d = draft(r, later);
        d.lastUserContactAt = Math.max(r.lastUserContactAt, at);
        if (callbackPermission && !isGrant(state) && at > lastGrantOrDecision && !late) {
          d.state = 'granted';
          d.grantEndsAt = at + temporaryGrant;
          d.unanswered = 0;
          d.unansweredBeforeReset = 0;
          d.unansweredBeforeResetSince = NO_STRETCH;
          d.unansweredSince = Math.max(r.unansweredSince, at);
          d.revokedBefore = false;
          d.callbackAt = Math.max(r.callbackAt, at);
        }
        return d;
      }
      case 'USER_CALL_CONNECTED': {
        const d = draft(r, later);
        d.limitsResetAt = Math.max(r.limitsResetAt, at);
        if (!late) {
          d.unansweredBeforeReset = r.unanswered;
          d.unansweredBeforeResetSince = r.unansweredSince === NEVER ? NO_STRETCH : r.unansweredSince;
          d.unanswered = 0; // M3 (a late connect resets no misses)
          d.unansweredSince = Math.max(r.unansweredSince, at);
          if (state === 'prompted') d.state = 'granted';
        }
        if (r.missedAt.length) d.missedAt = r.missedAt.filter((t) => t > at); // a grant delivered later never counts them
        d.lastUserContactAt = Math.max(r.lastUserContactAt, at);
        return d;
      }
      case 'PERMISSION_ACCEPTED': {
        const d = draft(r, later);
        if (superseded) return unchanged(r, d) ? r : d; // a later decision stands
        grantCountingLaterMisses(d, at, event.expiresAt ?? PERMANENT);
        d.unansweredSince = Math.max(r.unansweredSince, at);
        if (d.state !== 'revoked') d.revokedBefore = false;
        d.decidedAt = Math.max(r.decidedAt, at);
        d.callbackAt = NEVER; // it replaces a callback grant, even a later one
        if (event.source === 'user') d.answeredAt = Math.max(r.answeredAt, at);
        return d;
      }
      case 'PERMISSION_REJECTED': {
        const d = draft(r, later);
        if (state === 'requested') {
          d.state = 'noPermission';
          d.answeredAt = Math.max(r.answeredAt, at);
          d.revokedBefore = false;
          d.decidedAt = Math.max(r.decidedAt, at);
          return d;
        }
        d.decidedAt = Math.max(r.decidedAt, at); // any reject decides
        if (event.source === 'user') d.answeredAt = Math.max(r.answeredAt, at);
        else if (!isGrant(state)) return d;
        if (isGrant(state) && at >= lastGrantOrDecision) {
          endGrant(d, 'revoked');
          d.revokedBefore = true;
        }
        return d;
      }
      case 'PERMISSION_SYNCED': {
        const live = event.status !== 'NO_PERMISSION' && (event.expiresAt === null || at < event.expiresAt);
        const d = draft(r, later);
        // Delivered late, before a later decision: a grant as a late accept, "no permission" as a late no.
        if (live ? (isGrant(state) ? at < r.decidedAt : superseded) : at < lastGrantOrDecision) return unchanged(r, d) ? r : d;
        d.decidedAt = Math.max(r.decidedAt, at);
        if (live && isGrant(state)) d.grantEndsAt = event.expiresAt ?? PERMANENT;
        else if (live) {
          d.state = 'granted';
          d.grantEndsAt = event.expiresAt ?? PERMANENT;
          d.unanswered = 0;
          d.unansweredBeforeReset = 0;
          d.unansweredBeforeResetSince = NO_STRETCH;
          d.unansweredSince = Math.max(r.unansweredSince, at);
          d.revokedBefore = false;
          d.callbackAt = NEVER;
        } else if (isGrant(state)) {
          endGrant(d, 'noPermission');
          d.unanswered = 0;
        }
        return d;
      }
      case 'PERMISSION_REVOKED': {
        const d = draft(r, later);
        if (at < lastGrantOrDecision) return unchanged(r, d) ? r : d; // a later grant stands
        endGrant(d, 'revoked');
        d.revokedBefore = true;
        d.decidedAt = Math.max(r.decidedAt, at);
        return d;
      }
      case 'REQUEST_SENT': {
        if (isGrant(state) && r.grantEndsAt === PERMANENT) return r; // R5
        if (!requestsLeft(r, at)) return r; // R1, R2
        const d = draft(r, later);
        d.requests = [...d.requests, { id: event.requestId, at }];
        if (state === 'noPermission' || state === 'revoked') d.state = 'requested';
        return d;
      }
      case 'REQUEST_FAILED': {
        let lapsesTo: RelationshipState | undefined;
        if (state === 'requested') {
          const failed = lastWithId(r.requests, event.requestId);
          if (failed >= 0 && isOpen(r, r.requests[failed]!, at) && !r.requests.some((q, i) => i !== failed && isOpen(r, q, at)))
            lapsesTo = r.revokedBefore ? 'revoked' : 'noPermission';
        }
        const d = draft(r, later);
        d.requests = without(d.requests, event.requestId);
        if (lapsesTo) d.state = lapsesTo;
        return d;
      }
      case 'CALL_STARTED': {
        if (!isGrant(state) || at >= r.grantEndsAt) return r; // G4, G1
        if (r.callsInFlight.some((c) => c.id === event.callId && at < c.at + callWindow) || slotsInUse(r, at) >= maxCalls) return r; // G2
        const d = draft(r, later);
        d.callsInFlight = [...d.callsInFlight, { id: event.callId, at }];
        return d;
      }
      case 'CALL_ID_ASSIGNED': {
        const d = draft(r, later);
        const i = d.callsInFlight.findIndex((c) => c.id === event.callId);
        if (i < 0) return unchanged(r, d) ? r : d;
        const calls = [...d.callsInFlight];
        calls[i] = { id: event.platformCallId, at: calls[i]!.at };
        d.callsInFlight = calls;
        return d;
      }
      case 'CALL_CONNECTED': {
        const d = draft(r, later);
        d.callsInFlight = without(d.callsInFlight, event.callId);
        d.connectedCalls = [...d.connectedCalls, at];
        d.limitsResetAt = Math.max(r.limitsResetAt, at);
        if (!late) {
          d.unansweredBeforeReset = r.unanswered;
          d.unansweredBeforeResetSince = r.unansweredSince === NEVER ? NO_STRETCH : r.unansweredSince;
          d.unanswered = 0; // M3 (a late connect resets no misses)
          d.unansweredSince = Math.max(r.unansweredSince, at);
          if (state === 'prompted') d.state = 'granted';
        }
        if (r.missedAt.length) d.missedAt = r.missedAt.filter((t) => t > at); // a grant delivered later never counts them
        d.lastUserContactAt = Math.max(r.lastUserContactAt, at);
        return d;
      }
      case 'CALL_UNANSWERED': {
        const d = draft(r, later);
        d.callsInFlight = without(d.callsInFlight, event.callId);
        if (at < r.unansweredSince) {
          // Late, before the count started again; in the stretch a connect in order reset, it counts there (M2).
          if (!isGrant(state) || at < r.unansweredBeforeResetSince) return unchanged(r, d) ? r : d;
          d.unansweredBeforeReset = r.unansweredBeforeReset + 1;
          if (d.unansweredBeforeReset >= revokeAfter) {
            endGrant(d, 'revoked');
            d.revokedBefore = true;
          }
          return d;
        }
        d.missedAt = withMiss(r.missedAt, at);
        if (!isGrant(state)) return d; // nothing to count against (yet: an accept delivered late may)
        d.unanswered = r.unanswered + 1;
        if (d.unanswered >= revokeAfter) {
          endGrant(d, 'revoked'); // M2 (no decision: an accept dated before it, delivered later, counts the misses after it)
          d.revokedBefore = true;
        } else if (d.unanswered >= promptAfter) d.state = 'prompted'; // M1
        return d;
      }
      case 'CALL_FAILED': {
        const d = draft(r, later);
        d.callsInFlight = without(d.callsInFlight, event.callId); // M4: no count, no reset
        return unchanged(r, d) ? r : d;
      }
    }
  }

  function permissions(r: BaselineRelationship, at: number): PermissionsView {
    let short = 0;
    let long = 0;
    let oldestShort = PERMANENT;
    let oldestLong = PERMANENT;
    for (const { at: sentAt } of r.requests) {
      if (sentAt < r.limitsResetAt) continue;
      if (at < sentAt + shortWindow) {
        short++;
        if (sentAt < oldestShort) oldestShort = sentAt;
      }
      if (at < sentAt + longWindow) {
        long++;
        if (sentAt < oldestLong) oldestLong = sentAt;
      }
    }
    let calls = 0;
    let oldestCall = PERMANENT;
    for (const t of r.connectedCalls) {
      if (at < t + slotHeld) {
        calls++;
        if (t < oldestCall) oldestCall = t;
      }
    }
    for (const { at: t } of r.callsInFlight) {
      if (at < t + slotHeld) {
        calls++;
        if (t < oldestCall) oldestCall = t;
      }
    }
    const grant = isGrant(r.state);
    const live = grant && at < r.grantEndsAt;
    const actions = [
      {
        name: 'SEND_CALL_PERMISSION_REQUEST',
        canPerformAction: !(grant && r.grantEndsAt === PERMANENT) && short < maxShort && long < maxLong,
        limits: [limit(shortPeriod, maxShort, short, oldestShort + shortWindow), limit(longPeriod, maxLong, long, oldestLong + longWindow)],
      },
      { name: 'START_CALL', canPerformAction: live && calls < maxCalls, limits: [limit(callPeriod, maxCalls, calls, oldestCall + slotHeld)] },
    ] as const;
    if (!live) return { status: 'NO_PERMISSION', actions };
    if (r.grantEndsAt === PERMANENT) return { status: 'PERMANENT', actions };
    return { status: 'TEMPORARY', expirationTime: isoTime(r.grantEndsAt), actions };
  }

  return {
    policy,
    create: (at) => ({
      state: 'noPermission',
      now: at,
      requests: [],
      limitsResetAt: NEVER,
      answeredAt: NEVER,
      connectedCalls: [],
      callsInFlight: [],
      unanswered: 0,
      unansweredSince: NEVER,
      missedAt: [],
      unansweredBeforeReset: 0,
      unansweredBeforeResetSince: NO_STRETCH,
      grantEndsAt: NEVER,
      lastUserContactAt: NEVER,
      revokedBefore: false,
      decidedAt: NEVER,
      callbackAt: NEVER,
    }),
    apply,
    permissions,
  };
}

function limit(timePeriod: string, maxAllowed: number, currentUsage: number, freesAt: number): PermissionLimit {
  return currentUsage < maxAllowed
    ? { timePeriod, maxAllowed, currentUsage }
    : { timePeriod, maxAllowed, currentUsage, limitExpirationTime: isoTime(freesAt) };
}

const MONTH_STARTS = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
/** Days from 1970-01-01 to the first of January of `year` (477 leap days fall before 1970). */
const daysBeforeYear = (year: number) => 365 * (year - 1970) + Math.floor((year - 1) / 4) - Math.floor((year - 1) / 100) + Math.floor((year - 1) / 400) - 477;
const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/**
 * `new Date(ms).toISOString()` with integer arithmetic for the years 1970–9999 (as the engine's
 * view formats, so neither pays for a `Date` the other does not); `Date` outside them.
 */
function isoTime(ms: number): string {
  if (!(ms >= 0 && ms < 253_402_300_800_000) || !Number.isInteger(ms)) return new Date(ms).toISOString();
  const days = Math.floor(ms / 86_400_000);
  let year = 1970 + Math.floor(days / 365.2425);
  while (daysBeforeYear(year) > days) year--;
  while (daysBeforeYear(year + 1) <= days) year++;
  const dayOfYear = days - daysBeforeYear(year);
  const leap = isLeap(year) ? 1 : 0;
  let month = 11;
  while (MONTH_STARTS[month]! + (month >= 2 ? leap : 0) > dayOfYear) month--;
  const day = dayOfYear - MONTH_STARTS[month]! - (month >= 2 ? leap : 0) + 1;
  const inDay = ms - days * 86_400_000;
  const millis = inDay % 1000;
  const seconds = Math.floor(inDay / 1000);
  return `${year}-${two(month + 1)}-${two(day)}T${two(Math.floor(seconds / 3600))}:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)}.${millis < 10 ? `00${millis}` : millis < 100 ? `0${millis}` : millis}Z`;
}

/** A window as Infobip writes it: whole days beyond a day (`P7D`), else hours (`PT24H`). */
function duration(ms: number): string {
  const day = 86_400_000;
  if (ms > day && ms % day === 0) return `P${ms / day}D`;
  if (ms % 3_600_000 === 0) return `PT${ms / 3_600_000}H`;
  if (ms % 60_000 === 0) return `PT${ms / 60_000}M`;
  return `PT${ms / 1000}S`;
}
