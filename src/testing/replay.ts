import { CallPermissionError } from '../errors.js';
import type { CallPermissionEffects, PermissionRequestCommand, StartCallCommand } from '../engine/effects.js';
import { createCallPermissionEngine, type CallPermissionEngine } from '../engine/engine.js';
import type { Policy, PolicyPresetName } from '../policy/policy.js';
import { getPermissions } from '../pure/view.js';
import type { RelationshipStore } from '../stores/store.js';
import type { ModelPath } from './modelPaths.js';

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
  readonly engine: CallPermissionEngine;
  /** The clock the engine was created with. */
  readonly clock: ManualClock;
  /** The id source the engine was created with. */
  readonly ids: IdQueue;
  readonly sender: string;
  readonly user: string;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Replays a model path through an engine: requests and call starts as commands (through the
 * engine's effects), every other event as a recorded fact. After each step the stored state,
 * context and permissions view must equal the statechart's; otherwise a {@link ModelPathMismatchError}
 * names the step.
 */
export async function replayModelPath(path: ModelPath, target: ReplayTarget): Promise<void> {
  const { engine, clock, ids, sender, user } = target;
  for (const [i, step] of path.steps.entries()) {
    const { event } = step;
    clock.set(event.at);
    if (event.type === 'REQUEST_SENT' || event.type === 'CALL_STARTED') {
      const allowed = step.transitions.some((t) => t.event === event.type);
      if (event.type === 'CALL_STARTED') {
        // G6 (one call at a time per pair) is the sender statechart's rule, which these paths do not
        // walk: they may hold several calls in flight, so the earlier calls' turns end on the sender first.
        const current = await engine.snapshot(sender, user);
        for (const [callId] of current?.context.callsInFlight ?? []) await engine.recordSender(sender, { type: 'CALL_ENDED', at: event.at, callId, user });
      }
      ids.clear();
      ids.push(event.type === 'REQUEST_SENT' ? event.requestId : event.callId);
      const result = event.type === 'REQUEST_SENT' ? await engine.requestPermission(sender, user) : await engine.startCall(sender, user);
      if ((result.outcome !== 'refused') !== allowed)
        throw new ModelPathMismatchError(path, i, `the engine answered ${result.outcome}, the statechart ${allowed ? 'allows' : 'refuses'} it`);
    } else {
      await engine.record(sender, user, event);
    }
    const stored = await engine.snapshot(sender, user);
    if (!stored) throw new ModelPathMismatchError(path, i, 'nothing was stored');
    if (stored.value !== step.expected.value) throw new ModelPathMismatchError(path, i, `state ${stored.value}, expected ${step.expected.value}`);
    if (!same(stored.context, step.expected.context))
      throw new ModelPathMismatchError(path, i, `context ${JSON.stringify(stored.context)}, expected ${JSON.stringify(step.expected.context)}`);
    const view = await engine.permissions(sender, user, event.at);
    const expectedView = getPermissions({ ...step.expected, policy: engine.policy }, event.at);
    if (!same(view, expectedView)) throw new ModelPathMismatchError(path, i, `view ${JSON.stringify(view)}, expected ${JSON.stringify(expectedView)}`);
  }
}

export interface ModelHarnessOptions {
  readonly policy?: Policy | PolicyPresetName;
  /** A fresh store per harness is the usual choice; default a new MemoryStore. */
  readonly store?: RelationshipStore;
  /** Default: {@link createRecordingEffects}. */
  readonly effects?: CallPermissionEffects;
  readonly sender?: string;
  readonly user?: string;
}

/** An engine wired for replay (manual clock, queued ids) over the store and effects you give it. */
export function createModelHarness(options: ModelHarnessOptions = {}) {
  const clock = createManualClock();
  const ids = createIdQueue();
  const effects = options.effects ?? createRecordingEffects();
  const engine = createCallPermissionEngine({
    clock,
    newId: ids,
    effects,
    ...(options.policy === undefined ? {} : { policy: options.policy }),
    ...(options.store === undefined ? {} : { store: options.store }),
  });
  const base = { engine, clock, ids, effects, sender: options.sender ?? '441134960000', user: options.user ?? '441134960001' };
  let relationship = 0;
  return {
    ...base,
    /** Replays a path on a relationship of its own (a new user number per path). */
    replay(path: ModelPath) {
      relationship += 1;
      return replayModelPath(path, { ...base, user: `${base.user.slice(0, -6)}${String(relationship).padStart(6, '0')}` });
    },
    /** Replays every path, each on its own relationship; the mismatches, one message per failed path. */
    async replayAll(paths: readonly ModelPath[]): Promise<string[]> {
      const failures: string[] = [];
      for (const path of paths) {
        try {
          await this.replay(path);
        } catch (error) {
          failures.push(String(error));
        }
      }
      return failures;
    },
  };
}
