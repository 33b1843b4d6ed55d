/**
 * An independent reference model of one relationship, written from docs/rules.md and
 * docs/semantics.md only: no XState, no code shared with the engine's rules. It exists so that
 * property tests can compare two implementations written separately; where they disagree, one of
 * them misreads the rulebook.
 *
 * Everything is plain data: arrays of timestamps, a list of calls in flight, a state string.
 * Questions about a later time (`stateAt`, `canRequest`, `canCall`, `view`) are answered lazily,
 * as if the clock had moved there, without changing the model.
 *
 * Where the two documents are silent, this model reads them so (each reading is marked where it
 * is used):
 * - a refused REQUEST_SENT / CALL_STARTED is not applied, so it does not move the clock, unless
 *   the clock-first step before it changed something (that CLOCK is applied at the event's time);
 * - a CALL_STARTED whose id is in flight and still holds its slot is the same call: ignored;
 *   a call whose outcome never came stops being in flight when its slot lapses;
 * - call outcomes for unknown ids still count ("it happened"); REQUEST_FAILED removes the latest
 *   send with that id (a failure answers the send just made);
 * - only the user's own replies (source `user`) answer requests, plus a reject in `requested`
 *   (a decline, whatever its source); "sent after the last reply" is strict, by time;
 * - `requested` returns to the state it was entered from (`revoked` or `noPermission`);
 * - when R1 and R2 free at the same moment, R2 is cited.
 *
 * Late facts (docs/semantics.md "Late facts"): a fact dated before the clock, within the tolerance,
 * keeps its own time if it is a contact, a reply, a revoke, a connected call, a miss or a user's
 * call; any other late event is moved to the clock. The clock never runs back. Where a late fact
 * cannot be placed exactly, the model takes the side the semantics names: a late connect resets
 * no misses (and leaves `prompted` as it is); an accept dated at or before the latest decision
 * on the permission (any reject, a revoke, the platform's view, a grant) grants nothing, even at the
 * same millisecond, but one dated at or before a callback grant (G5) replaces it; a no dated before
 * a later grant leaves that grant (at the same millisecond the no wins); a late miss dated before the
 * miss count last started again (a grant, a connect in order) counts nothing; the platform's view
 * (PERMISSION_SYNCED) delivered late keeps its time, a grant it reports superseded as an accept
 * would be, its "no permission" as a no would be.
 */
import type { RelationshipEventInput, RequestChannel } from '../../src/events/types.js';
import type { Policy } from '../../src/policy/policy.js';

export type ReferenceState = 'noPermission' | 'requested' | 'granted' | 'prompted' | 'revoked';
export type ReferenceRule = 'R1' | 'R2' | 'R5' | 'G2' | 'G4';

export type ReferenceRequestDecision =
  | { allowed: true; via: RequestChannel }
  | { allowed: false; rule: ReferenceRule; retryAt?: number };
export type ReferenceCallDecision = { allowed: true } | { allowed: false; rule: ReferenceRule; retryAt?: number };

export interface ReferenceLimit {
  timePeriod: string;
  maxAllowed: number;
  currentUsage: number;
  limitExpirationTime?: string;
}
export interface ReferenceView {
  status: 'NO_PERMISSION' | 'TEMPORARY' | 'PERMANENT';
  expirationTime?: string;
  actions: [
    { name: 'SEND_CALL_PERMISSION_REQUEST'; canPerformAction: boolean; limits: ReferenceLimit[] },
    { name: 'START_CALL'; canPerformAction: boolean; limits: ReferenceLimit[] },
  ];
}

export interface ReferenceRequest {
  readonly id: string;
  readonly sentAt: number;
}
export interface ReferenceCall {
  readonly id: string;
  readonly startedAt: number;
}

/**
 * What became of an event: applied (or at least the clock-first step was), ignored (a command the
 * rules refuse, or a call id already in flight, with nothing else due: not even the clock moves),
 * or refused as a late fact beyond the tolerance.
 */
export type ReferenceOutcome = 'applied' | 'ignored' | 'tooLate';

/** Late facts that count as of their own time; other late events are moved to the clock. */
const KEEPS_OWN_TIME: readonly string[] = [
  'USER_MESSAGE',
  'PERMISSION_ACCEPTED',
  'PERMISSION_REJECTED',
  'PERMISSION_REVOKED',
  'PERMISSION_SYNCED',
  'CALL_CONNECTED',
  'CALL_UNANSWERED',
  'USER_CALL_RECEIVED',
  'USER_CALL_CONNECTED',
];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** ISO 8601 duration as Infobip writes its windows: hours up to a day, whole days beyond. */
export function referenceDuration(ms: number): string {
  if (ms > DAY && ms % DAY === 0) return `P${ms / DAY}D`;
  if (ms % HOUR === 0) return `PT${ms / HOUR}H`;
  if (ms % 60_000 === 0) return `PT${ms / 60_000}M`;
  return `PT${ms / 1000}S`;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class ReferenceRelationship {
  readonly policy: Policy;
  /** The relationship's clock: the time of the last event applied (it never runs backwards; a refused command is not applied). */
  now: number;
  /** The state as stored after the last event (clock-caused changes after `now` not yet applied). */
  state: ReferenceState = 'noPermission';
  /** G1: the grant's expiry while granted/prompted; `null` = permanent. Meaningless in other states. */
  grantExpiresAt: number | null = null;
  /** R1/R2/R4: requests sent and not known to have failed. */
  requests: ReferenceRequest[] = [];
  /** R4: the time of the user's last reply; requests sent at or before it are answered. */
  lastReplyAt: number | undefined;
  /** R4 / U2: the state `requested` returns to when its last open request lapses. */
  returnTo: 'noPermission' | 'revoked' = 'noPermission';
  /** G3: the last reset of the request limits (a connected call of either direction). */
  lastResetAt: number | undefined;
  /** G2: connect times of business-initiated calls. */
  connectedAt: number[] = [];
  /** G2: business-initiated calls started whose outcome has not arrived. */
  inFlight: ReferenceCall[] = [];
  /** M1/M2: consecutive unanswered business calls. */
  unanswered = 0;
  /** W1: the user's last contact. */
  lastContactAt: number | undefined;
  /** The latest decision on the permission: a user's reply, a decline, a revoke (the user's, not M2), the platform's view. */
  lastDecisionAt: number | undefined;
  /** G5: the latest callback grant, until an accept (or the platform's grant) replaces it. */
  lastCallbackAt: number | undefined;
  /** M1–M3: when the consecutive-unanswered count last started again (a grant, a connect delivered in order). */
  unansweredSince: number | undefined;
  /** M2/M3: the count when a connect in order last reset it, and since when it counted (undefined after a grant). */
  unansweredBeforeReset = 0;
  unansweredBeforeResetSince: number | undefined;
  /** M1/M2: times of the misses recorded (in any state) since the count last started again. */
  missedAt: number[] = [];

  constructor(policy: Policy, at: number) {
    this.policy = policy;
    this.now = at;
  }

  // ---- time ---------------------------------------------------------------------------------

  private grantLiveAt(at: number): boolean {
    if (this.state !== 'granted' && this.state !== 'prompted') return false;
    return this.grantExpiresAt === null || at < this.grantExpiresAt;
  }

  /** R4: a request is open while sent after the last reply and not yet lapsed. */
  private openRequestsAt(at: number): ReferenceRequest[] {
    return this.requests.filter(
      (r) => (this.lastReplyAt === undefined || r.sentAt > this.lastReplyAt) && at < r.sentAt + this.policy.requestAnswerableMs,
    );
  }

  /** The state at `at` once the clock alone has done its work (G1 expiry, R4 lapse). */
  stateAt(at: number): ReferenceState {
    if ((this.state === 'granted' || this.state === 'prompted') && !this.grantLiveAt(at)) return 'noPermission';
    if (this.state === 'requested' && this.openRequestsAt(at).length === 0) return this.returnTo;
    return this.state;
  }

  /**
   * Clock-first: applies what the clock alone causes up to `at` (a CLOCK event, which moves the
   * clock) and says whether it changed anything.
   */
  private advance(at: number): boolean {
    const next = this.stateAt(at);
    if (next === this.state) return false;
    // G1: at expiry the consecutive-unanswered count returns to 0.
    if (this.state === 'granted' || this.state === 'prompted') this.unanswered = 0;
    this.state = next;
    this.now = Math.max(this.now, at);
    return true;
  }

  // ---- windows --------------------------------------------------------------------------------

  /** R1/R2: times of requests counted at `at` in a window of `windowMs` (only those at or after the last reset: a tie counts). */
  private countedRequestTimes(at: number, windowMs: number): number[] {
    return this.requests
      .map((r) => r.sentAt)
      .filter((t) => (this.lastResetAt === undefined || t >= this.lastResetAt) && t <= at && at < t + windowMs)
      .sort((a, b) => a - b);
  }

  /** G2: when each slot held at `at` is released (connected: connect + window; in flight: start + window). */
  private slotReleaseTimes(at: number): number[] {
    const w = this.policy.callWindowMs;
    return [...this.connectedAt, ...this.inFlight.map((c) => c.startedAt)]
      .filter((t) => t <= at && at < t + w)
      .map((t) => t + w)
      .sort((a, b) => a - b);
  }

  /** When a request or call starts counting: its time, or a reconstructed one's own, never before the last reset (a late command's is dropped: it counts from the clock). */
  private reconstructedFrom(event: RelationshipEventInput, late: boolean, at: number): number {
    if (late || (event.type !== 'REQUEST_SENT' && event.type !== 'CALL_STARTED') || event.countedFrom === undefined) return at;
    const t = event.countedFrom as number;
    return event.type === 'REQUEST_SENT' && this.lastResetAt !== undefined && t < this.lastResetAt ? this.lastResetAt : t;
  }

  private holdsSlot(callId: string, at: number): boolean {
    return this.inFlight.some((c) => c.id === callId && at < c.startedAt + this.policy.callWindowMs);
  }

  private sessionOpenAt(at: number): boolean {
    return this.lastContactAt !== undefined && at < this.lastContactAt + this.policy.sessionWindowMs;
  }

  // ---- questions ------------------------------------------------------------------------------

  /** R1–R5: may a permission request go out at `at`, and how? */
  canRequest(at: number): ReferenceRequestDecision {
    if (this.grantLiveAt(at) && this.grantExpiresAt === null) return { allowed: false, rule: 'R5' };
    const p = this.policy;
    const binding: { rule: ReferenceRule; freeAt: number }[] = [];
    const short = this.countedRequestTimes(at, p.requestShortWindowMs);
    if (short.length >= p.requestsPerShortWindow)
      binding.push({ rule: 'R1', freeAt: short[short.length - p.requestsPerShortWindow]! + p.requestShortWindowMs });
    const long = this.countedRequestTimes(at, p.requestLongWindowMs);
    if (long.length >= p.requestsPerLongWindow)
      binding.push({ rule: 'R2', freeAt: long[long.length - p.requestsPerLongWindow]! + p.requestLongWindowMs });
    if (binding.length) {
      // The limit whose slot frees later is cited; its time is when both allow a request.
      // On a tie (possible when the two windows are equally long) R2 is cited: semantics.md leaves it open.
      const cited = binding.reduce((a, b) => (b.freeAt >= a.freeAt ? b : a));
      return { allowed: false, rule: cited.rule, retryAt: cited.freeAt };
    }
    return { allowed: true, via: this.sessionOpenAt(at) ? 'interactive' : 'template' };
  }

  /** G4, G2: may a business-initiated call start at `at`? */
  canCall(at: number): ReferenceCallDecision {
    if (!this.grantLiveAt(at)) return { allowed: false, rule: 'G4' };
    const releases = this.slotReleaseTimes(at);
    const cap = this.policy.connectedCallsPerWindow;
    if (releases.length < cap) return { allowed: true };
    const retryAt = releases[releases.length - cap]!;
    if (this.grantExpiresAt !== null && retryAt >= this.grantExpiresAt) return { allowed: false, rule: 'G2' };
    return { allowed: false, rule: 'G2', retryAt };
  }

  /** docs/rules.md, "The permissions view": the shape of Infobip's permissions endpoint, at `at`. */
  view(at: number): ReferenceView {
    const p = this.policy;
    const live = this.grantLiveAt(at);
    const limit = (windowMs: number, maxAllowed: number, leavesAt: number[]): ReferenceLimit => {
      const out: ReferenceLimit = { timePeriod: referenceDuration(windowMs), maxAllowed, currentUsage: leavesAt.length };
      if (leavesAt.length >= maxAllowed) out.limitExpirationTime = iso(Math.min(...leavesAt));
      return out;
    };
    const short = this.countedRequestTimes(at, p.requestShortWindowMs).map((t) => t + p.requestShortWindowMs);
    const long = this.countedRequestTimes(at, p.requestLongWindowMs).map((t) => t + p.requestLongWindowMs);
    const status = !live ? 'NO_PERMISSION' : this.grantExpiresAt === null ? 'PERMANENT' : 'TEMPORARY';
    const actions: ReferenceView['actions'] = [
      {
        name: 'SEND_CALL_PERMISSION_REQUEST',
        canPerformAction: this.canRequest(at).allowed,
        limits: [limit(p.requestShortWindowMs, p.requestsPerShortWindow, short), limit(p.requestLongWindowMs, p.requestsPerLongWindow, long)],
      },
      {
        name: 'START_CALL',
        canPerformAction: this.canCall(at).allowed,
        limits: [limit(p.callWindowMs, p.connectedCallsPerWindow, this.slotReleaseTimes(at))],
      },
    ];
    return status === 'TEMPORARY' ? { status, expirationTime: iso(this.grantExpiresAt!), actions } : { status, actions };
  }

  // ---- events ---------------------------------------------------------------------------------

  /**
   * Applies one event given as a host gives it (times as epoch ms). A late fact is moved to the
   * clock within `lateEventToleranceMs` and refused beyond it.
   */
  apply(event: RelationshipEventInput): ReferenceOutcome {
    const ownAt = event.at as number;
    if (ownAt < this.now && this.now - ownAt > this.policy.lateEventToleranceMs) return 'tooLate';
    const before = this.now;
    const late = ownAt < before;
    const keepsOwnTime = KEEPS_OWN_TIME.includes(event.type);
    // `at`: when it happened, as far as the rules count it; `later`: where the clock goes (never back).
    const at = late && !keepsOwnTime ? before : ownAt;
    const later = Math.max(ownAt, before);
    /** Whether a later decision on the permission stands against this late accept (a callback grant does not). */
    const superseded = this.lastDecisionAt !== undefined && at <= this.lastDecisionAt;
    const lastGrantOrDecision = Math.max(this.lastDecisionAt ?? -Infinity, this.lastCallbackAt ?? -Infinity);
    /** A no dated before the latest decision or callback grant (a later grant stands; at the same millisecond the no wins). */
    const noSuperseded = at < lastGrantOrDecision;
    const decided = () => {
      this.lastDecisionAt = this.lastDecisionAt === undefined ? at : Math.max(this.lastDecisionAt, at);
    };
    const clockChangedSomething = this.advance(later);
    // A command the rules refuse is not applied: the clock stays at the last event applied.
    // A call id in flight (still holding its slot) names the same call: a repeated start adds nothing.
    // A reconstructed use (countedFrom, not late) counts from its own time, never before a use already
    // counted (nor the last reset); it needs room there too, so no window it falls in overflows.
    const countsFrom = this.reconstructedFrom(event, late, at);
    const p0 = this.policy;
    /** Room in every window of `w` that holds `t`, among the uses counted at `at` (docs/semantics.md "Reconstructed uses"). */
    const room = (uses: number[], w: number, max: number, t: number) =>
      [t, ...uses.filter((u) => u > t && u < t + w)].every((y) => uses.filter((u) => u <= y && y < u + w).length < max);
    const requestRoom = () => {
      const uses = this.countedRequestTimes(at, p0.requestLongWindowMs);
      return room(uses, p0.requestShortWindowMs, p0.requestsPerShortWindow, countsFrom) && room(uses, p0.requestLongWindowMs, p0.requestsPerLongWindow, countsFrom);
    };
    const slotRoom = () => room(this.slotReleaseTimes(at).map((free) => free - p0.callWindowMs), p0.callWindowMs, p0.connectedCallsPerWindow, countsFrom);
    const refused =
      (event.type === 'REQUEST_SENT' && (countsFrom < at ? this.grantLiveAt(at) && this.grantExpiresAt === null || !requestRoom() : !this.canRequest(at).allowed)) ||
      (event.type === 'CALL_STARTED' && (this.holdsSlot(event.callId, at) || (countsFrom < at ? !this.grantLiveAt(at) || !slotRoom() : !this.canCall(at).allowed)));
    if (refused) return clockChangedSomething ? 'applied' : 'ignored';
    this.now = later;
    const p = this.policy;
    // G2: a call whose outcome never arrived stops being "in flight" once its slot has lapsed.
    this.inFlight = this.inFlight.filter((c) => later < c.startedAt + p.callWindowMs);
    switch (event.type) {
      case 'CLOCK':
        break;
      case 'USER_MESSAGE':
        this.contact(at);
        break;
      case 'REQUEST_SENT':
        this.requests.push({ id: event.requestId, sentAt: countsFrom });
        if (this.state === 'noPermission' || this.state === 'revoked') {
          this.returnTo = this.state;
          this.state = 'requested';
        }
        break;
      case 'REQUEST_FAILED': {
        const i = this.requests.findLastIndex((r) => r.id === event.requestId);
        if (i >= 0) this.requests.splice(i, 1);
        this.advance(at);
        break;
      }
      case 'PERMISSION_ACCEPTED': {
        if (superseded) break; // a later decision stands
        const expiry = event.expiresAt;
        let expiresAt: number | null;
        if (expiry !== undefined && expiry !== null) expiresAt = expiry as number;
        else if (event.permanent === true || (expiry === null && event.permanent !== false)) expiresAt = null; // an explicit null is permanent
        else if (event.permanent === false || p.acceptWithoutExpiry === 'temporary') expiresAt = ownAt + p.temporaryGrantMs;
        else expiresAt = null;
        this.grantCountingLaterMisses(expiresAt, at);
        this.lastCallbackAt = undefined; // in time order it came before any callback grant dated at or after it
        decided();
        // R4: only the user's own reply answers requests (a profile or platform grant is not a reply).
        if (event.source === undefined || event.source === 'user') this.reply(at);
        break;
      }
      case 'PERMISSION_REJECTED': {
        // R4: a user's reply answers every earlier request; a reject in `requested` is a decline of it.
        const isReply = (event.source ?? 'user') === 'user' || this.state === 'requested';
        decided(); // any reject decides, the platform's too
        if (this.state === 'requested') this.state = 'noPermission';
        else if ((this.state === 'granted' || this.state === 'prompted') && !noSuperseded) this.revoke();
        if (isReply) this.reply(at);
        break;
      }
      case 'PERMISSION_REVOKED':
        if (noSuperseded) break;
        this.revoke();
        decided();
        break;
      case 'PERMISSION_SYNCED': {
        // Reconciliation: the platform's view wins. A grant it reports (still live at this time) is
        // adopted, its expiry replacing ours; "no permission" ends a grant we believed in.
        const expiresAt = event.expiresAt === undefined || event.expiresAt === null ? null : (event.expiresAt as number);
        const live = event.status !== 'NO_PERMISSION' && (expiresAt === null || at < expiresAt);
        const granted = this.state === 'granted' || this.state === 'prompted';
        // Dated before a later decision (delivered late): a grant it reports as a late accept, "no permission" as a late no.
        // In a grant, a grant it reports at the very millisecond of the latest decision still replaces the expiry (the platform's view wins).
        const grantSuperseded = granted ? this.lastDecisionAt !== undefined && at < this.lastDecisionAt : superseded;
        if (live ? grantSuperseded : noSuperseded) break;
        decided();
        if (live && granted) this.grantExpiresAt = expiresAt;
        else if (live) {
          this.grant(expiresAt, at);
          this.lastCallbackAt = undefined;
        }
        else if (granted) {
          this.state = 'noPermission';
          this.grantExpiresAt = null;
          this.unanswered = 0;
        }
        break;
      }
      case 'CALL_STARTED':
        this.inFlight.push({ id: event.callId, startedAt: countsFrom });
        break;
      case 'CALL_ID_ASSIGNED': {
        const i = this.inFlight.findIndex((c) => c.id === event.callId);
        if (i >= 0) this.inFlight[i] = { id: event.platformCallId, startedAt: this.inFlight[i]!.startedAt };
        break;
      }
      case 'CALL_CONNECTED':
        this.release(event.callId);
        this.connectedAt.push(at);
        this.resetLimits(at, !late);
        this.contact(at);
        break;
      case 'CALL_UNANSWERED':
        this.release(event.callId);
        // Dated before the count last started again (delivered late): in time order the reset came after
        // it. Before a connect in order, in the stretch that connect reset, it counts there: reaching M2,
        // the grant ended before the connect.
        if (this.unansweredSince !== undefined && at < this.unansweredSince) {
          const grant = this.state === 'granted' || this.state === 'prompted';
          if (grant && this.unansweredBeforeResetSince !== undefined && at >= this.unansweredBeforeResetSince) {
            this.unansweredBeforeReset += 1;
            if (this.unansweredBeforeReset >= p.unansweredBeforeRevoke) this.revoke();
          }
          break;
        }
        this.missedAt.push(at);
        if (this.state === 'granted' || this.state === 'prompted') {
          this.unanswered += 1;
          // M2 is no decision a late accept dated before it yields to: that accept counts the misses after it instead.
          if (this.unanswered >= p.unansweredBeforeRevoke) this.revoke();
          else if (this.unanswered >= p.unansweredBeforePrompt) this.state = 'prompted';
        }
        break;
      case 'CALL_FAILED':
        this.release(event.callId);
        break;
      case 'USER_CALL_RECEIVED':
        this.contact(at);
        if (p.userCallGrantsPermission && at > lastGrantOrDecision && !late && (this.state === 'noPermission' || this.state === 'requested' || this.state === 'revoked')) {
          this.grant(at + p.temporaryGrantMs, at);
          this.lastCallbackAt = Math.max(this.lastCallbackAt ?? at, at);
        }
        break;
      case 'USER_CALL_CONNECTED':
        this.resetLimits(at, !late);
        this.contact(at);
        break;
    }
    return 'applied';
  }

  private grant(expiresAt: number | null, at: number): void {
    this.state = 'granted';
    this.grantExpiresAt = expiresAt;
    this.unanswered = 0;
    this.unansweredSince = Math.max(this.unansweredSince ?? at, at);
    this.unansweredBeforeReset = 0;
    this.unansweredBeforeResetSince = undefined;
  }

  /**
   * A grant (an accept, the platform's view) as of `at`: delivered late, the misses recorded after
   * its time (and before its expiry) count against it, as in time order, and may prompt or revoke it.
   */
  private grantCountingLaterMisses(expiresAt: number | null, at: number): void {
    this.grant(expiresAt, at);
    this.unanswered = this.missedAt.filter((t) => t > at && (expiresAt === null || t < expiresAt)).length;
    if (this.unanswered >= this.policy.unansweredBeforeRevoke) this.revoke();
    else if (this.unanswered >= this.policy.unansweredBeforePrompt) this.state = 'prompted';
  }

  private revoke(): void {
    this.state = 'revoked';
    this.grantExpiresAt = null;
  }

  private release(callId: string): void {
    const i = this.inFlight.findIndex((c) => c.id === callId);
    if (i >= 0) this.inFlight.splice(i, 1);
  }

  /**
   * G3 and M3: a connected call (either direction) clears the request limits (as of its time: later
   * requests still count) and, unless it arrived late (misses may have come after it), the miss count.
   */
  private resetLimits(at: number, inOrder: boolean): void {
    this.lastResetAt = this.lastResetAt === undefined ? at : Math.max(this.lastResetAt, at);
    this.missedAt = this.missedAt.filter((t) => t > at); // a grant delivered later never counts a miss this connect reset
    if (!inOrder) return;
    this.unansweredBeforeReset = this.unanswered;
    this.unansweredBeforeResetSince = this.unansweredSince;
    this.unanswered = 0;
    this.unansweredSince = Math.max(this.unansweredSince ?? at, at);
    if (this.state === 'prompted') this.state = 'granted';
  }

  /** W1: the latest contact wins. */
  private contact(at: number): void {
    this.lastContactAt = this.lastContactAt === undefined ? at : Math.max(this.lastContactAt, at);
  }

  /** R4: the latest reply answers every request sent before it. */
  private reply(at: number): void {
    this.lastReplyAt = this.lastReplyAt === undefined ? at : Math.max(this.lastReplyAt, at);
  }

  /**
   * Times at which something may change by the clock alone, each with the millisecond before it:
   * where the boundary properties probe (a use at `t` counts while `at < t + W`).
   */
  boundaries(): number[] {
    const p = this.policy;
    const edges: number[] = [];
    for (const r of this.requests)
      edges.push(r.sentAt + p.requestShortWindowMs, r.sentAt + p.requestLongWindowMs, r.sentAt + p.requestAnswerableMs);
    for (const t of this.connectedAt) edges.push(t + p.callWindowMs);
    for (const c of this.inFlight) edges.push(c.startedAt + p.callWindowMs);
    if (this.lastContactAt !== undefined) edges.push(this.lastContactAt + p.sessionWindowMs);
    if ((this.state === 'granted' || this.state === 'prompted') && this.grantExpiresAt !== null) edges.push(this.grantExpiresAt);
    return edges.flatMap((t) => [t - 1, t]).filter((t) => t >= this.now);
  }
}
