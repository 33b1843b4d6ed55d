import { InvalidEventError } from '../errors.js';
import { parseEvent, parseTime } from '../events/parse.js';
import type { RelationshipEvent, RelationshipEventInput, TimeInput } from '../events/types.js';
import type { Policy, PolicyPresetName } from '../policy/policy.js';
import { canRequestPermission, canStartCall, type CallDecision, type Refusal, type RequestDecision } from '../pure/decide.js';
import { applyNormalised, clampLateEvent, createRelationship, nextDueAt, resolvePolicy, type RelationshipSnapshot } from '../pure/snapshot.js';
import { getPermissions, type PermissionsView } from '../pure/view.js';
import type { RelationshipState } from '../relationship/context.js';
import { relationshipLogic } from '../../machines/relationshipLogic.js';
import { takenTransition } from '../../machines/transitions.js';
import { sortRuleIds } from '../rules.js';
import { isoTime } from '../time.js';
import { canSenderCall } from '../pure/sender/decide.js';
import { senderLimits } from '../sender/limits.js';
import { applySenderEvent, clampLateSenderEvent, createSender, type SenderSnapshot } from '../pure/sender/snapshot.js';
import { decisionsAt, relationshipCounters, shownDecision, type Decisions, type RelationshipCounters, type ShownDecision } from './counters.js';

/**
 * One step of a timeline: a fact (any event a host records), a call's end, or a command.
 * - `{ type: 'CALL_ENDED', at, callId }`: the end of a business call after it connected (the hang-up),
 *   as `engine.recordSender` takes it: G6 lets the next call to the user go out (and S2 frees its slot).
 * - `{ command: 'requestPermission' | 'startCall', at, id? }`: what `engine.requestPermission` /
 *   `engine.startCall` would do at `at`. Allowed, it becomes the `REQUEST_SENT` (on the channel R3
 *   picks) or `CALL_STARTED` the engine would reserve; refused, only the clock moves and the entry
 *   says which rule refused it. `id` is the request or call id; default `request-<n>` / `call-<n>`,
 *   counting commands of that kind from 1.
 */
export type TimelineInput =
  | RelationshipEventInput
  | RelationshipEvent
  | { readonly type: 'CALL_ENDED'; readonly at: TimeInput; readonly callId: string }
  | { readonly command: 'requestPermission' | 'startCall'; readonly at: TimeInput; readonly id?: string };

// The package's own names for the kinds of step.
export type TimelineCallEndedInput = Extract<TimelineInput, { readonly type: 'CALL_ENDED' }>;
export type TimelineCommandInput = Extract<TimelineInput, { readonly command: string }>;

/** An event as the timeline shows it: its times as ISO strings. */
export type TimelineEvent =
  | (RelationshipEvent extends infer E
      ? E extends { readonly at: number }
        ? Omit<E, 'at' | 'expiresAt'> & { readonly at: string } & (E extends { readonly expiresAt: number | null } ? { readonly expiresAt: string | null } : unknown)
        : never
      : never)
  | { readonly type: 'CALL_ENDED'; readonly at: string; readonly callId: string };

/** One step of a relationship's history, with everything a person asks about it. */
export interface TimelineEntry {
  /** The step's position in the input (0-based). */
  readonly index: number;
  /** When it was applied (ISO): the event's time, or the relationship's clock for a late fact. */
  readonly at: string;
  /** The event applied (for a refused command: the `CLOCK` that brought the relationship to `at`). */
  readonly event: TimelineEvent;
  /** Present when the step was a command: which, and how it went. */
  readonly command?: { readonly name: 'requestPermission' | 'startCall'; readonly outcome: 'sent' | 'started' | 'refused' };
  /** A late fact's own time, when it was moved to the relationship's clock. */
  readonly receivedAt?: string;
  readonly stateBefore: RelationshipState;
  readonly stateAfter: RelationshipState;
  /** The transitions taken, in order (`state · EVENT #n [guard] → target`): a due `CLOCK` first. */
  readonly transitions: readonly string[];
  /** rule ids ([docs/rules.md](../../docs/rules.md)) of those transitions' guards and actions, plus the rule of a refusal (R3 when a command picked the channel). */
  readonly rules: readonly string[];
  /** Whether the relationship changed (an ignored or refused step changes nothing). */
  readonly changed: boolean;
  /** Why a command or a `REQUEST_SENT`/`CALL_STARTED` fact was refused (the rule, in words, and when to retry). */
  readonly refusal?: ShownDecision<Refusal>;
  readonly counters: RelationshipCounters;
  /** `getPermissions` after the step, at its time. */
  readonly view: PermissionsView;
  /** `canRequestPermission` and `canStartCall` after the step, at its time. */
  readonly decisions: Decisions;
}

type TimelineCommand = NonNullable<TimelineEntry['command']>;

/** Builds a timeline one step at a time (the service appends as facts arrive; `buildTimeline` replays a list). */
export interface TimelineRecorder {
  readonly policy: Policy;
  /** The relationship after the last step; `undefined` before the first. */
  readonly snapshot: RelationshipSnapshot | undefined;
  /**
   * Applies one step and returns its entry. An invalid step throws an `InvalidEventError` whose
   * `path` starts with `path` (default `events[<index>]`) and changes nothing.
   */
  record(input: TimelineInput, path?: string): TimelineEntry;
}

function isCommand(input: TimelineInput): input is TimelineCommandInput {
  return typeof input === 'object' && input !== null && 'command' in input;
}

function isCallEnded(input: TimelineInput): input is TimelineCallEndedInput {
  return typeof input === 'object' && input !== null && (input as { type?: unknown }).type === 'CALL_ENDED';
}

/** The timeline's one user, as the sender's list of calls going on names it (G6 needs no real number). */
const TIMELINE_USER = 'timeline';

function shownEvent(event: RelationshipEvent): TimelineEvent {
  const shown: Record<string, unknown> = { ...event, at: isoTime(event.at) };
  if (event.type === 'PERMISSION_ACCEPTED') shown.expiresAt = event.expiresAt === null ? null : isoTime(event.expiresAt);
  return shown as TimelineEvent;
}

/** A late fact beyond tolerance, named at the step's own path rather than the pure API's `event.at`. */
function clampAt(snapshot: RelationshipSnapshot, event: RelationshipEvent, path: string): RelationshipEvent {
  try {
    return clampLateEvent(snapshot, event);
  } catch (error) {
    if (error instanceof InvalidEventError && error.path === 'event.at')
      throw new InvalidEventError(error.message.replace(/^event\.at: /, ''), `${path}.at`, error.code);
    throw error;
  }
}

const ID = /^[\x21-\x7e]{1,128}$/;

function parseCommand(input: TimelineCommandInput, path: string): { name: TimelineCommandInput['command']; at: number; id: string | undefined } {
  const raw = input as unknown as Record<string, unknown>;
  if (raw.command !== 'requestPermission' && raw.command !== 'startCall')
    throw new InvalidEventError(`must be "requestPermission" or "startCall", got ${JSON.stringify(raw.command)}`, `${path}.command`);
  for (const key of Object.keys(raw))
    if (key !== 'command' && key !== 'at' && key !== 'id') throw new InvalidEventError('is not a field of a command (command, at, id)', `${path}.${key}`);
  const at = parseTime(raw.at, `${path}.at`);
  if (raw.id !== undefined && (typeof raw.id !== 'string' || !ID.test(raw.id)))
    throw new InvalidEventError('must be 1–128 printable characters without spaces', `${path}.id`);
  return { name: raw.command, at, id: raw.id as string | undefined };
}

export function createTimelineRecorder(
  options: {
    /** A preset name or a policy from `definePolicy`. Default `infobip`. */
    readonly policy?: Policy | PolicyPresetName;
  } = {},
): TimelineRecorder {
  const policy = resolvePolicy(options.policy);
  const machine = relationshipLogic(policy).machine;
  let snapshot: RelationshipSnapshot | undefined;
  /** The sender's side (G6, S1, S2) of this one relationship's calls, as the engine keeps it. */
  let sender: SenderSnapshot | undefined;
  const limits = senderLimits(policy);
  let index = 0;
  const commandsSoFar = { requestPermission: 0, startCall: 0 };

  /** The transitions `applyNormalised` takes for `event`: a due CLOCK first (clock-first), then the event's own. */
  function step(before: RelationshipSnapshot, event: RelationshipEvent) {
    const transitions: { id: string; rules: string[] }[] = [];
    const take = (from: RelationshipSnapshot, e: RelationshipEvent) => {
      const taken = takenTransition(machine, from.value, from.context, e);
      if (taken) transitions.push({ id: taken.id, rules: [...taken.rules] });
    };
    let current = before;
    if (event.type !== 'CLOCK') {
      // As applyNormalised: a late fact meets the state as it is at the relationship's clock.
      const at = Math.max(event.at, current.context.now);
      const due = nextDueAt(current);
      if (due !== undefined && due <= at) {
        take(current, { type: 'CLOCK', at });
        current = applyNormalised(current, { type: 'CLOCK', at }, 'compiled');
      }
    }
    take(current, event);
    return { beforeEvent: current, after: applyNormalised(current, event, 'compiled'), transitions };
  }

  function entry(
    before: RelationshipSnapshot,
    after: RelationshipSnapshot,
    event: RelationshipEvent,
    transitions: readonly { id: string; rules: string[] }[],
    extra: { command?: TimelineCommand; receivedAt?: number; appliedAt?: number; refusal?: Refusal; rules?: string[]; shown?: TimelineEvent },
  ): TimelineEntry {
    const at = extra.appliedAt ?? event.at;
    const rules = sortRuleIds([...transitions.flatMap((t) => t.rules), ...(extra.refusal ? [extra.refusal.rule] : []), ...(extra.rules ?? [])]);
    return {
      index: index++,
      at: isoTime(at),
      event: extra.shown ?? shownEvent(event),
      ...(extra.command ? { command: extra.command } : {}),
      ...(extra.receivedAt !== undefined ? { receivedAt: isoTime(extra.receivedAt) } : {}),
      stateBefore: before.value,
      stateAfter: after.value,
      transitions: transitions.map((t) => t.id),
      rules,
      changed: after !== before,
      ...(extra.refusal ? { refusal: shownDecision(extra.refusal) } : {}),
      counters: relationshipCounters(after, at),
      view: getPermissions(after, at),
      decisions: decisionsAt(after, at),
    };
  }

  function recordFact(input: RelationshipEventInput | RelationshipEvent, path: string): TimelineEntry {
    const parsed = parseEvent(input, policy, path);
    const before = snapshot ?? createRelationship({ at: parsed.at, policy });
    const event = clampAt(before, parsed, path);
    const { beforeEvent, after, transitions } = step(before, event);
    let refusal: Refusal | undefined;
    if (after === beforeEvent && (event.type === 'REQUEST_SENT' || event.type === 'CALL_STARTED')) {
      const decision = event.type === 'REQUEST_SENT' ? canRequestPermission(beforeEvent, event.at) : canStartCall(beforeEvent, event.at);
      if (!decision.allowed) refusal = decision;
    }
    snapshot = after;
    // A late fact is applied at the relationship's clock (it may keep its own time where the rules count it, docs/semantics.md "Late facts").
    const appliedAt = Math.max(event.at, before.context.now);
    // The sender's side, as the engine's `record` does it: a call's end frees G6/S2, a platform id is carried over.
    if (sender && (event.type === 'CALL_UNANSWERED' || event.type === 'CALL_FAILED')) sender = onSender(sender, { type: 'CALL_ENDED', at: event.at, callId: event.callId });
    if (sender && event.type === 'CALL_ID_ASSIGNED') sender = onSender(sender, { type: 'CALL_ID_ASSIGNED', at: event.at, callId: event.callId, platformCallId: event.platformCallId });
    return entry(before, after, event, transitions, { appliedAt, ...(appliedAt !== parsed.at ? { receivedAt: parsed.at } : {}), ...(refusal ? { refusal } : {}) });
  }

  function onSender(current: SenderSnapshot, event: Parameters<typeof applySenderEvent>[1]): SenderSnapshot {
    return applySenderEvent(current, clampLateSenderEvent(current, event), 'compiled');
  }

  /** A hang-up: only the sender's side changes; the relationship is shown as it stands. */
  function recordCallEnded(input: TimelineCallEndedInput, path: string): TimelineEntry {
    const at = Math.max(parseTime(input.at, `${path}.at`), snapshot?.context.now ?? -Infinity);
    if (typeof input.callId !== 'string' || !ID.test(input.callId)) throw new InvalidEventError('must be 1–128 printable characters without spaces', `${path}.callId`);
    if (sender) sender = onSender(sender, { type: 'CALL_ENDED', at, callId: input.callId });
    const current = snapshot ?? createRelationship({ at, policy });
    return entry(current, current, { type: 'CLOCK', at }, [], { rules: ['G6', 'S2'], shown: { type: 'CALL_ENDED', at: isoTime(at), callId: input.callId } });
  }

  /** As the engine's `reserve`: bring the relationship to `at`, decide, and on yes apply the reservation. */
  function recordCommand(input: TimelineCommandInput, path: string): TimelineEntry {
    const { name, at: requested, id } = parseCommand(input, path);
    const at = Math.max(requested, snapshot?.context.now ?? requested);
    const before = snapshot ?? createRelationship({ at, policy });
    const clock: RelationshipEvent = { type: 'CLOCK', at };
    const { after: current, transitions: clockTransitions } = step(before, clock);
    // Shown only when the clock alone changes something due (an expiry, a lapse), as for a fact.
    const due = nextDueAt(before);
    const shownClock = due !== undefined && due <= at ? clockTransitions : [];
    const request = name === 'requestPermission' ? canRequestPermission(current, at) : undefined;
    let decision: RequestDecision | CallDecision = request ?? canStartCall(current, at);
    const senderBefore = sender ?? createSender(at, limits);
    if (!request && decision.allowed) decision = canSenderCall(senderBefore, undefined, TIMELINE_USER, Math.max(at, senderBefore.context.now)); // G6, S1, S2
    if (!decision.allowed) {
      // The engine stores a refusal's clock step only when it changed the state; a relationship it
      // never stored stays unknown (its first fact will create it at that fact's own time).
      const kept = current.value !== before.value ? current : before;
      if (kept !== before) snapshot = kept;
      return entry(before, kept, clock, shownClock, { command: { name, outcome: 'refused' }, refusal: decision });
    }
    const n = commandsSoFar[name] + 1;
    const event: RelationshipEvent =
      request?.allowed
        ? { type: 'REQUEST_SENT', at, requestId: id ?? `request-${n}`, via: request.via }
        : { type: 'CALL_STARTED', at, callId: id ?? `call-${n}` };
    const { after, transitions } = step(current, event);
    if (after === current) throw new InvalidEventError(`the statechart refused the ${event.type} that the decision allowed: is the id already in use?`, `${path}.id`);
    snapshot = after;
    if (event.type === 'CALL_STARTED') sender = onSender(senderBefore, { type: 'CALL_RESERVED', at, callId: event.callId, user: TIMELINE_USER });
    commandsSoFar[name] = n;
    const sent = event.type === 'REQUEST_SENT';
    return entry(before, after, event, [...shownClock, ...transitions], { command: { name, outcome: sent ? 'sent' : 'started' }, ...(sent ? { rules: ['R3'] } : {}) });
  }

  return {
    policy,
    get snapshot() {
      return snapshot;
    },
    record(input, path = `events[${index}]`) {
      if (isCommand(input)) return recordCommand(input, path);
      return isCallEnded(input) ? recordCallEnded(input, path) : recordFact(input, path);
    },
  };
}

/**
 * A relationship's history, step by step: each event (or command), the state before and after,
 * the transitions taken and their rules, the counters, the permissions view and both decisions
 * after it. The relationship starts, new, at the first step's time. An invalid step throws an
 * `InvalidEventError` whose `path` names it (`events[3].at`).
 */
export function buildTimeline(
  events: readonly TimelineInput[],
  options: {
    /** A preset name or a policy from `definePolicy`. Default `infobip`. */
    readonly policy?: Policy | PolicyPresetName;
  } = {},
): TimelineEntry[] {
  const recorder = createTimelineRecorder(options);
  return events.map((event, i) => recorder.record(event, `events[${i}]`));
}
