import { CallPermissionError } from '../errors.js';
import type { CallPermissionEffects, PermissionRequestCommand, StartCallCommand } from '../engine/effects.js';
import { createCallPermissionEngine, type CallPermissionEngine } from '../engine/engine.js';
import type { Policy } from '../policy/policy.js';
import { getPermissions } from '../pure/view.js';
import type { RelationshipStore } from '../stores/store.js';
import type { ModelPath } from './modelPaths.js';
import { ModelPolicyMismatchError, policyDifferences } from './policyMismatch.js';

/** A clock a test moves by hand: pass `clock.now` as the engine's `clock`. */
export interface ManualClock {
  (): number;
  set(at: number): void;
}

export function createManualClock(start = 0): ManualClock {
  let now = start;
  const clock = (() => now) as ManualClock;
  clock.set = (at: number) => {
    now = at;
  };
  return clock;
}

/** Ids a test decides in advance: pass `ids` as the engine's `newId`. */
export interface IdQueue {
  (): string;
  push(id: string): void;
  clear(): void;
}

export function createIdQueue(fallback: () => string = () => `id-${Math.random().toString(16).slice(2)}`): IdQueue {
  const queue: string[] = [];
  const next = (() => queue.shift() ?? fallback()) as IdQueue;
  next.push = (id) => void queue.push(id);
  next.clear = () => void queue.splice(0);
  return next;
}

/** Effects that succeed and remember every command, in order. */
export interface RecordingEffects extends CallPermissionEffects {
  readonly commands: ({ kind: 'request' } & PermissionRequestCommand | { kind: 'call' } & StartCallCommand)[];
}

export function createRecordingEffects(): RecordingEffects {
  const commands: RecordingEffects['commands'] = [];
  return {
    commands,
    async sendPermissionRequest(command) {
      commands.push({ kind: 'request', ...command });
      return { messageId: command.requestId };
    },
    async startCall(command) {
      commands.push({ kind: 'call', ...command });
      return {};
    },
  };
}

/** A replayed step did not do what the statechart says it must. */
export class ModelPathMismatchError extends CallPermissionError {
  readonly step: number;
  constructor(path: ModelPath, step: number, what: string) {
    super('MODEL_PATH_MISMATCH', `step ${step + 1} (${path.steps[step]?.label}) of "${path.description}": ${what}`);
    this.step = step;
  }
}

export interface ReplayTarget {
  /** The engine to replay through: it must run the policy the path was generated under. */
  readonly engine: CallPermissionEngine;
  /** The clock the engine was created with. */
  readonly clock: ManualClock;
  /** The id source the engine was created with. */
  readonly ids: IdQueue;
  readonly sender: string;
  readonly user: string;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Refuses, before anything is replayed, a path whose expectations were computed under another policy than the engine's. */
function checkPolicy(path: ModelPath, engine: CallPermissionEngine): void {
  if (typeof path.policy !== 'object' || path.policy === null) throw new ModelPolicyMismatchError(path.description, 'none carried');
  const differences = policyDifferences(path.policy, engine.policy);
  if (differences.length > 0) throw new ModelPolicyMismatchError(path.description, differences);
}

/**
 * Replays a model path through an engine: requests and call starts as commands (through the
 * engine's effects), every other event as a recorded fact, all on the relationship's handle. After
 * each step the stored state, context and permissions view must equal the statechart's; otherwise a
 * {@link ModelPathMismatchError} names the step. A path generated under another policy than the
 * engine's is refused first ({@link ModelPolicyMismatchError}): its failures would be the policy's,
 * not the store's. A model's own harness ({@link TestModel.createHarness}) cannot meet that case.
 */
export async function replayModelPath(path: ModelPath, target: ReplayTarget): Promise<void> {
  const { engine, clock, ids, sender, user } = target;
  checkPolicy(path, engine);
  const relationship = engine.relationship({ sender, user });
  for (const [i, step] of path.steps.entries()) {
    const { event } = step;
    clock.set(event.at);
    if (event.type === 'REQUEST_SENT' || event.type === 'CALL_STARTED') {
      const allowed = step.transitions.some((t) => t.event === event.type);
      if (event.type === 'CALL_STARTED') {
        // G6 (one call at a time per pair) is the sender statechart's rule, which these paths do not
        // walk: they may hold several calls in flight, so the earlier calls' turns end on the sender first.
        const current = await relationship.snapshot();
        for (const [callId] of current?.context.callsInFlight ?? []) await engine.recordSender(sender, { type: 'CALL_ENDED', at: event.at, callId, user });
      }
      ids.clear();
      ids.push(event.type === 'REQUEST_SENT' ? event.requestId : event.callId);
      const result = event.type === 'REQUEST_SENT' ? await relationship.requestPermission() : await relationship.startCall();
      if ((result.kind !== 'refused') !== allowed)
        throw new ModelPathMismatchError(path, i, `the engine answered ${result.kind}, the statechart ${allowed ? 'allows' : 'refuses'} it`);
    } else {
      await relationship.record(event);
    }
    const stored = await relationship.snapshot();
    if (!stored) throw new ModelPathMismatchError(path, i, 'nothing was stored');
    if (stored.value !== step.expected.value) throw new ModelPathMismatchError(path, i, `state ${stored.value}, expected ${step.expected.value}`);
    if (!same(stored.context, step.expected.context))
      throw new ModelPathMismatchError(path, i, `context ${JSON.stringify(stored.context)}, expected ${JSON.stringify(step.expected.context)}`);
    const view = await relationship.permissions(event.at);
    const expectedView = getPermissions({ ...step.expected, policy: engine.policy }, event.at);
    if (!same(view, expectedView)) throw new ModelPathMismatchError(path, i, `view ${JSON.stringify(view)}, expected ${JSON.stringify(expectedView)}`);
  }
}

/** What a model's harness runs over: yours. The policy is not among them: it is the model's. */
export interface TestHarnessOptions {
  /** A fresh store per harness is the usual choice; default a new MemoryStore. */
  readonly store?: RelationshipStore;
  /** Default: {@link createRecordingEffects}. */
  readonly effects?: CallPermissionEffects;
  /** The business number every path is replayed for. Default `441134960000`. */
  readonly sender?: string;
  /** The first user number; each replayed path gets one of its own. Default `441134960001`. */
  readonly user?: string;
}

/** An engine wired for replay (manual clock, queued ids) over your store and effects, running its model's policy. */
export interface TestHarness extends ReplayTarget {
  /** The policy the engine runs: the model's. */
  readonly policy: Policy;
  readonly effects: CallPermissionEffects;
  /** Replays a path on a relationship of its own (a new user number per path). */
  replay(path: ModelPath): Promise<void>;
  /** Replays every path, each on its own relationship; the mismatches, one message per failed path. */
  replayAll(paths: readonly ModelPath[]): Promise<string[]>;
}

/** The harness of a model: its engine runs `policy`, the one the model's paths were generated under. */
export function createTestHarness(policy: Policy, options: TestHarnessOptions = {}): TestHarness {
  const clock = createManualClock();
  const ids = createIdQueue();
  const effects = options.effects ?? createRecordingEffects();
  const engine = createCallPermissionEngine({ clock, newId: ids, effects, policy, ...(options.store === undefined ? {} : { store: options.store }) });
  const sender = options.sender ?? '441134960000';
  const user = options.user ?? '441134960001';
  let relationship = 0;
  const replay = (path: ModelPath) => {
    relationship += 1;
    return replayModelPath(path, { engine, clock, ids, sender, user: `${user.slice(0, -6)}${String(relationship).padStart(6, '0')}` });
  };
  return {
    engine,
    clock,
    ids,
    effects,
    sender,
    user,
    policy: engine.policy,
    replay,
    async replayAll(paths) {
      // A path of another model is a mistake in the test, not a failure of the store: refused before anything runs.
      for (const path of paths) checkPolicy(path, engine);
      const failures: string[] = [];
      for (const path of paths) {
        try {
          await replay(path);
        } catch (error) {
          failures.push(String(error));
        }
      }
      return failures;
    },
  };
}
