import { getAdjacencyMap, getShortestPaths, getSimplePaths } from 'xstate/graph';
import type { RelationshipEvent } from '../events/types.js';
import { definePolicy, type Policy } from '../policy/policy.js';
import type { RelationshipContext, RelationshipState } from '../relationship/context.js';
import { relationshipLogic } from '../../machines/relationshipLogic.js';
import { countedRequestTimes, callSlotReleaseTimes, openRequestsLapseAt, sessionWindowOpen } from '../relationship/windows.js';
import { applyNormalised, createRelationship, type RelationshipSnapshot } from '../pure/snapshot.js';
import { takenTransition, type TransitionId } from '../../machines/transitions.js';

const SECOND = 1000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** One step of a model path: the event with its concrete time and ids, and what must follow. */
export interface ModelStep {
  /** A short name for the kind of event (`CLOCK +25h`, `CALL_CONNECTED`…). */
  readonly label: string;
  readonly event: RelationshipEvent;
  /** The state and context the statechart reaches (clock-first included, as the engine applies it). */
  readonly expected: { readonly value: RelationshipState; readonly context: RelationshipContext };
  /** The transitions taken, in order (a due `CLOCK` first when the event comes after an expiry). */
  readonly transitions: readonly TransitionId[];
}

/**
 * A path from a new relationship through the statechart. It carries the policy it was generated
 * under: its expected states hold only for an engine running that policy, and a harness refuses
 * to replay it on any other ({@link ModelPolicyMismatchError}).
 */
export interface ModelPath {
  readonly kind: 'shortest' | 'simple' | 'transition';
  readonly description: string;
  readonly start: number;
  /** The policy the statechart was explored under. */
  readonly policy: Policy;
  readonly steps: readonly ModelStep[];
}

/**
 * A policy with a small call limit (2 connected calls per 24 h) so the G2 guard is reachable in a
 * few steps while the traversal stays small; the other numbers are infobip's. Use `infobip` to
 * explore the real numbers.
 */
export const MODEL_POLICY: Policy = definePolicy({ connectedCallsPerWindow: 2 });

/** The new relationship's time in generated paths unless one is given: 2026-04-01T10:00:00Z. */
export const DEFAULT_MODEL_START = Date.UTC(2026, 3, 1, 10);

/** An event a traversal may take, with the label the graph uses for its kind. */
export type Candidate = { label: string; event: RelationshipEvent };

/** The events a traversal may take from a relationship: every kind, at concrete times and ids. */
export function candidateEvents(value: RelationshipState, context: RelationshipContext): Candidate[] {
  const at = context.now + SECOND;
  const latestRequest = context.requests.at(-1)?.[0];
  const latestCall = context.callsInFlight.at(-1)?.[0];
  const call = latestCall ?? `c${at}`;
  const out: Candidate[] = [
    { label: 'CLOCK +1h', event: { type: 'CLOCK', at: context.now + HOUR } },
    { label: 'CLOCK +25h', event: { type: 'CLOCK', at: context.now + 25 * HOUR } },
    { label: 'CLOCK +8d', event: { type: 'CLOCK', at: context.now + 8 * DAY } },
    { label: 'USER_MESSAGE', event: { type: 'USER_MESSAGE', at } },
    { label: 'REQUEST_SENT', event: { type: 'REQUEST_SENT', at, requestId: `r${at}`, via: 'template' } },
    { label: 'PERMISSION_ACCEPTED temporary', event: { type: 'PERMISSION_ACCEPTED', at, expiresAt: at + 7 * DAY, source: 'user' } },
    { label: 'PERMISSION_ACCEPTED permanent', event: { type: 'PERMISSION_ACCEPTED', at, expiresAt: null, source: 'profile' } },
    { label: 'PERMISSION_REJECTED user', event: { type: 'PERMISSION_REJECTED', at, source: 'user' } },
    { label: 'PERMISSION_REJECTED automatic', event: { type: 'PERMISSION_REJECTED', at, source: 'automatic' } },
    { label: 'PERMISSION_REVOKED', event: { type: 'PERMISSION_REVOKED', at } },
    { label: 'PERMISSION_SYNCED none', event: { type: 'PERMISSION_SYNCED', at, status: 'NO_PERMISSION', expiresAt: null } },
    { label: 'PERMISSION_SYNCED temporary', event: { type: 'PERMISSION_SYNCED', at, status: 'TEMPORARY', expiresAt: at + 3 * DAY } },
    { label: 'PERMISSION_SYNCED permanent', event: { type: 'PERMISSION_SYNCED', at, status: 'PERMANENT', expiresAt: null } },
    { label: 'CALL_STARTED', event: { type: 'CALL_STARTED', at, callId: `c${at}` } },
    { label: 'CALL_CONNECTED', event: { type: 'CALL_CONNECTED', at, callId: call } },
    { label: 'CALL_UNANSWERED', event: { type: 'CALL_UNANSWERED', at, callId: call, reason: 'no_answer' } },
    { label: 'CALL_FAILED', event: { type: 'CALL_FAILED', at, callId: call, reason: 'SERVICE_UNAVAILABLE' } },
    { label: 'USER_CALL_RECEIVED', event: { type: 'USER_CALL_RECEIVED', at, callId: `u${at}` } },
    { label: 'USER_CALL_CONNECTED', event: { type: 'USER_CALL_CONNECTED', at, callId: `u${at}` } },
  ];
  // Late facts (docs/semantics.md "Late facts"): a connect delivered after a later event, an accept after a later decision.
  const late = context.now - SECOND;
  out.push({ label: 'CALL_CONNECTED late', event: { type: 'CALL_CONNECTED', at: late, callId: call } });
  out.push({ label: 'USER_CALL_CONNECTED late', event: { type: 'USER_CALL_CONNECTED', at: late, callId: `u${late}` } });
  if (context.decidedAt !== null) {
    out.push({ label: 'PERMISSION_ACCEPTED late', event: { type: 'PERMISSION_ACCEPTED', at: Math.min(context.decidedAt, late), expiresAt: null, source: 'user' } });
    out.push({ label: 'PERMISSION_REVOKED late', event: { type: 'PERMISSION_REVOKED', at: context.decidedAt - 1 } });
    out.push({ label: 'PERMISSION_REJECTED late', event: { type: 'PERMISSION_REJECTED', at: context.decidedAt - 1, source: 'user' } });
    out.push({ label: 'PERMISSION_SYNCED permanent late', event: { type: 'PERMISSION_SYNCED', at: Math.min(context.decidedAt, late), status: 'PERMANENT', expiresAt: null } });
    out.push({ label: 'PERMISSION_SYNCED none late', event: { type: 'PERMISSION_SYNCED', at: context.decidedAt - 1, status: 'NO_PERMISSION', expiresAt: null } });
  }
  // A miss dated before the miss count started again (a grant, a connect): it counts nothing.
  if (context.unansweredSince !== null)
    out.push({ label: 'CALL_UNANSWERED late', event: { type: 'CALL_UNANSWERED', at: Math.min(context.unansweredSince - 1, late), callId: call, reason: 'no_answer' } });
  // An accept dated at the callback grant's millisecond (G5): in time order it came first, and it replaces the grant.
  if (context.callbackGrantedAt !== null)
    out.push({ label: 'PERMISSION_ACCEPTED before the callback grant', event: { type: 'PERMISSION_ACCEPTED', at: context.callbackGrantedAt, expiresAt: null, source: 'user' } });
  // A grant dated just before the latest misses, delivered after them: they count against it (M1/M2).
  const misses = context.missedAt;
  if (misses.length >= 2) {
    const before = misses[misses.length - 2]! - 1;
    out.push({ label: 'PERMISSION_ACCEPTED before 2 misses', event: { type: 'PERMISSION_ACCEPTED', at: before, expiresAt: null, source: 'user' } });
  }
  if (misses.length >= 4) out.push({ label: 'PERMISSION_ACCEPTED before 4 misses', event: { type: 'PERMISSION_ACCEPTED', at: misses[misses.length - 4]! - 1, expiresAt: null, source: 'user' } });
  if (latestRequest) out.push({ label: 'REQUEST_FAILED', event: { type: 'REQUEST_FAILED', at, requestId: latestRequest } });
  if (latestCall) out.push({ label: 'CALL_ID_ASSIGNED', event: { type: 'CALL_ID_ASSIGNED', at, callId: latestCall, platformCallId: `p${at}` } });
  return out;
}

/**
 * The relationship with time abstracted away: counts inside windows instead of timestamps, so the
 * traversal sees a small, finite graph (serialising whole snapshots never terminates: every event
 * makes a new time).
 */
export function abstractState(value: RelationshipState, context: RelationshipContext, policy: Policy): string {
  const at = context.now;
  return JSON.stringify([
    value,
    countedRequestTimes(context, policy.requestShortWindowMs, at).length,
    countedRequestTimes(context, policy.requestLongWindowMs, at).length,
    openRequestsLapseAt(context, policy, at) !== undefined,
    Math.min(callSlotReleaseTimes(context, policy, at).length, policy.connectedCallsPerWindow + 1),
    Math.min(context.callsInFlight.length, policy.connectedCallsPerWindow + 1),
    context.unanswered,
    context.grantExpiresAt === null ? 'none-or-permanent' : 'temporary',
    sessionWindowOpen(context, policy, at),
    context.revokedAt !== null,
    context.decidedAt !== null,
    context.callbackGrantedAt !== null,
  ]);
}

/** Replays labelled events from a new relationship, recording what the statechart does at each step. */
export function walk(policy: Policy, start: number, events: readonly Candidate[]): ModelStep[] {
  const { machine } = relationshipLogic(policy);
  let snapshot: RelationshipSnapshot = createRelationship({ at: start, policy });
  return events.map(({ label, event }) => {
    const transitions: TransitionId[] = [];
    const due = event.type === 'CLOCK' ? undefined : dueClock(snapshot, Math.max(event.at, snapshot.context.now));
    if (due) {
      const t = takenTransition(machine, snapshot.value, snapshot.context, due);
      if (t) transitions.push(t);
      snapshot = applyNormalised(snapshot, due, 'xstate');
    }
    const t = takenTransition(machine, snapshot.value, snapshot.context, event);
    if (t) transitions.push(t);
    snapshot = applyNormalised(snapshot, event, 'xstate');
    return { label, event, expected: { value: snapshot.value, context: snapshot.context }, transitions };
  });
}

function dueClock(snapshot: RelationshipSnapshot, at: number): RelationshipEvent | undefined {
  const next = applyNormalised(snapshot, { type: 'CLOCK', at }, 'xstate');
  return next.value !== snapshot.value ? { type: 'CLOCK', at } : undefined;
}

/**
 * Paths through the statechart generated by `xstate/graph` under `policy`, with concrete times and
 * ids, each carrying that policy:
 * - `shortest`: the shortest path to every distinct (abstracted) relationship;
 * - `transition`: for every transition the traversal can take, the shortest path to a state where
 *   it is taken, plus that event;
 * - `simple`: a bounded number of simple (loop-free) paths to each top-level state.
 */
export function exploreModelPaths(policy: Policy, start: number, simplePathsPerState: number): ModelPath[] {
  const { machine } = relationshipLogic(policy);
  const labelOf = new WeakMap<RelationshipEvent, string>();
  const traversal = {
    input: { at: start },
    events: (snapshot: { value: unknown; context: RelationshipContext }) =>
      candidateEvents(snapshot.value as RelationshipState, snapshot.context).map(({ label, event }) => {
        labelOf.set(event, label);
        return event;
      }),
    serializeState: (snapshot: { value: unknown; context: RelationshipContext }) => abstractState(snapshot.value as RelationshipState, snapshot.context, policy),
    serializeEvent: (event: RelationshipEvent) => labelOf.get(event) ?? event.type,
  };
  const label = (event: RelationshipEvent) => labelOf.get(event) ?? event.type;
  // Traversal paths begin with XState's own init step; our paths are the relationship's events only.
  const ours = (steps: { event: RelationshipEvent }[]) => steps.filter(({ event }) => !event.type.startsWith('xstate.'));
  const toPath = (kind: ModelPath['kind'], steps: { event: RelationshipEvent }[]): ModelPath => {
    const walked = walk(policy, start, ours(steps).map(({ event }) => ({ label: label(event), event })));
    return { kind, description: walked.map((s) => s.label).join(' → ') || '(initial)', start, policy, steps: walked };
  };

  const shortest = getShortestPaths(machine, traversal as never) as unknown as { state: { value: unknown; context: RelationshipContext }; steps: { event: RelationshipEvent }[] }[];
  const paths: ModelPath[] = shortest.map((p) => toPath('shortest', p.steps));

  // One path per transition: reach the state by its shortest path, then fire the event that takes it.
  const byState = new Map<string, { steps: { event: RelationshipEvent }[] }>();
  for (const p of shortest) byState.set(abstractState(p.state.value as RelationshipState, p.state.context, policy), p);
  const adjacency = getAdjacencyMap(machine, traversal as never) as unknown as Record<string, { state: { value: unknown; context: RelationshipContext } }>;
  const seen = new Set<string>();
  for (const [key, { state }] of Object.entries(adjacency)) {
    const path = byState.get(key);
    if (!path) continue;
    for (const candidate of candidateEvents(state.value as RelationshipState, state.context)) {
      const taken = takenTransition(machine, state.value as RelationshipState, state.context, candidate.event);
      if (!taken || seen.has(taken.id)) continue;
      seen.add(taken.id);
      const end = walk(policy, start, ours(path.steps).map(({ event }) => ({ label: label(event), event }))).at(-1)?.expected;
      const last = end ? candidateEvents(end.value, end.context).find((c) => c.label === candidate.label) : candidate;
      if (!last) continue;
      const walked = walk(policy, start, [...ours(path.steps).map(({ event }) => ({ label: label(event), event })), last]);
      paths.push({ kind: 'transition', description: `${taken.id}: ${walked.map((s) => s.label).join(' → ')}`, start, policy, steps: walked });
    }
  }

  // Simple paths over the top-level states only (over the full abstraction their number is
  // exponential), a few per final state, shortest first.
  const perState = simplePathsPerState;
  const simple = getSimplePaths(machine, { ...traversal, serializeState: (snapshot: { value: unknown }) => String(snapshot.value) } as never) as unknown as typeof shortest;
  const kept = new Map<string, number>();
  for (const p of [...simple].sort((a, b) => a.steps.length - b.steps.length)) {
    const value = p.state.value as string;
    const count = kept.get(value) ?? 0;
    if (count >= perState || ours(p.steps).length === 0) continue;
    kept.set(value, count + 1);
    paths.push(toPath('simple', p.steps));
  }
  if (policy.userCallGrantsPermission)
    for (const [before, after] of [[2, 0], [4, 0], [2, 2]] as const) paths.push(lateAcceptAfterCallbackGrant(policy, start, before, after));
  for (const after of [0, policy.unansweredBeforePrompt]) paths.push(lateMissBeforeConnect(policy, start, after));
  return paths;
}

/**
 * Another path the abstraction cannot find: a grant missed one short of the revoke (M2), a connect in
 * order (M3 resets the count), `after` misses more, then, delivered late, a miss dated before the
 * connect: in time order it revoked the grant, and the connect did not bring it back.
 */
function lateMissBeforeConnect(policy: Policy, start: number, after: number): ModelPath {
  const at = (seconds: number) => start + seconds * SECOND;
  const events: Candidate[] = [{ label: 'PERMISSION_ACCEPTED permanent', event: { type: 'PERMISSION_ACCEPTED', at: at(0), expiresAt: null, source: 'user' } }];
  const before = policy.unansweredBeforeRevoke - 1;
  for (let i = 0; i < before; i++) events.push({ label: 'CALL_UNANSWERED', event: { type: 'CALL_UNANSWERED', at: at(1 + i), callId: `c${i}`, reason: 'no_answer' } });
  events.push({ label: 'CALL_CONNECTED', event: { type: 'CALL_CONNECTED', at: at(before + 2), callId: 'connected' } });
  for (let i = 0; i < after; i++) events.push({ label: 'CALL_UNANSWERED', event: { type: 'CALL_UNANSWERED', at: at(before + 3 + i), callId: `d${i}`, reason: 'busy' } });
  events.push({ label: 'CALL_UNANSWERED late', event: { type: 'CALL_UNANSWERED', at: at(before + 1), callId: 'late', reason: 'no_answer' } });
  const steps = walk(policy, start, events);
  return { kind: 'transition', description: steps.map((s) => s.label).join(' → '), start, policy, steps };
}

/**
 * A path the abstraction cannot find (it forgets when misses happened): misses recorded after a
 * revoke, a callback grant (G5), then, delivered late, an accept dated between the revoke and the
 * misses. It replaces the callback grant and counts those misses (M1, or M2 with enough of them);
 * `after` misses in order first prompt the callback grant, so the accept meets `prompted`.
 */
function lateAcceptAfterCallbackGrant(policy: Policy, start: number, misses: number, after: number): ModelPath {
  const at = (seconds: number) => start + seconds * SECOND;
  const events: Candidate[] = [
    { label: 'PERMISSION_ACCEPTED permanent', event: { type: 'PERMISSION_ACCEPTED', at: at(0), expiresAt: null, source: 'user' } },
    { label: 'PERMISSION_REVOKED', event: { type: 'PERMISSION_REVOKED', at: at(1) } },
  ];
  for (let i = 0; i < misses; i++) events.push({ label: 'CALL_UNANSWERED', event: { type: 'CALL_UNANSWERED', at: at(3 + i), callId: `c${i}`, reason: 'no_answer' } });
  events.push({ label: 'USER_CALL_RECEIVED', event: { type: 'USER_CALL_RECEIVED', at: at(10), callId: 'u1' } });
  for (let i = 0; i < after; i++) events.push({ label: 'CALL_UNANSWERED', event: { type: 'CALL_UNANSWERED', at: at(11 + i), callId: `d${i}`, reason: 'busy' } });
  events.push({ label: 'PERMISSION_ACCEPTED before the misses', event: { type: 'PERMISSION_ACCEPTED', at: at(2), expiresAt: null, source: 'user' } });
  const steps = walk(policy, start, events);
  return { kind: 'transition', description: steps.map((s) => s.label).join(' → '), start, policy, steps };
}
