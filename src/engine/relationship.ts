import { EffectFailedError } from '../errors.js';
import type { RelationshipEvent, RelationshipEventInput, RequestChannel } from '../events/types.js';
import type { Refusal } from '../pure/decide.js';
import type { RelationshipSnapshot } from '../pure/snapshot.js';
import type { PermissionsView } from '../pure/view.js';
import type { RelationshipState } from '../relationship/context.js';
import type { RuleId } from '../rules.js';
import type { RelationshipKey } from '../stores/store.js';
import type { CallReceipt, EffectReceipt } from './effects.js';
import type { RecordOptions, RecordResult } from './record.js';

/**
 * A command the rules, or the platform, did not let through. `by: 'rules'` — the local state
 * refused it and nothing was sent; `by: 'platform'` — the local state allowed it, the platform
 * refused it with `platformCode` (its reservation released, the relationship corrected).
 */
export interface CommandRefused {
  readonly ok: false;
  readonly kind: 'refused';
  readonly by: 'rules' | 'platform';
  /** The rule that refused it (the first of `rules`). */
  readonly rule: RuleId;
  readonly rules: readonly RuleId[];
  readonly reason: string;
  /** Epoch ms at which the same command would be allowed, when waiting is enough. */
  readonly retryAt?: number;
  /** The platform's error code (`by: 'platform'`). */
  readonly platformCode?: number;
  /** What the platform said, and what was done about it (`by: 'platform'`). */
  readonly detail?: unknown;
}

/**
 * The effect did not do it. `outcomeUnknown` — it may have gone out (a timeout after the request
 * left): the reservation is kept, since counting a send that may have happened never breaks a limit;
 * otherwise it was released. `error` says why (its `cause` is the effect's own error).
 */
export interface CommandFailed {
  readonly ok: false;
  readonly kind: 'failed';
  readonly outcomeUnknown: boolean;
  readonly reservationReleased: boolean;
  readonly error: EffectFailedError;
}

export interface RequestSent {
  readonly ok: true;
  readonly kind: 'sent';
  readonly requestId: string;
  /** R3: interactive inside the 24 h window, template outside it. */
  readonly via: RequestChannel;
  readonly at: number;
  readonly receipt: EffectReceipt | undefined;
}

export interface CallStarted {
  readonly ok: true;
  readonly kind: 'started';
  readonly callId: string;
  readonly at: number;
  readonly receipt: CallReceipt | undefined;
}

/** What a command came to: done (`ok: true`), refused, or failed in its effect — one shape for both commands. */
export type CommandOutcome<Done extends { readonly ok: true }> = Done | CommandRefused | CommandFailed;

/** A fact recorded (`changed` says whether it changed anything) or recognised by its fact key (`duplicate`). */
export interface FactRecorded {
  readonly ok: true;
  readonly kind: 'recorded' | 'duplicate';
  readonly changed: boolean;
  readonly previousState: RelationshipState;
  readonly state: RelationshipState;
  readonly snapshot: RelationshipSnapshot;
}

/**
 * One sender↔user relationship, as `engine.relationship({ sender, user })` gives it: its commands,
 * its facts, its view and its snapshot, without repeating the pair. Every command answers one
 * {@link CommandOutcome}: a refusal (by the rules or by the platform) and an effect's failure are
 * results; a thrown error means bad input or a store that failed — something unexpected.
 */
export interface Relationship {
  readonly key: RelationshipKey;
  /** R1–R5: reserve a request, send it, release it if the send definitely failed. */
  requestPermission(): Promise<CommandOutcome<RequestSent>>;
  /** G1, G2, G4: reserve a call slot, place the call, release it if placing definitely failed. */
  startCall(): Promise<CommandOutcome<CallStarted>>;
  /** Records a fact (a webhook's, a reconciliation's); see `engine.record`. */
  record(event: RelationshipEventInput | RelationshipEvent, options?: RecordOptions): Promise<FactRecorded>;
  /** The Infobip-shaped permissions view at `at` (default: the engine's clock). */
  permissions(at?: number): Promise<PermissionsView>;
  /** The stored snapshot, or `undefined` for a relationship never seen. */
  snapshot(): Promise<RelationshipSnapshot | undefined>;
}

/** A platform's refusal of a command the local state allowed, as an integration reports it (Infobip's `refused-by-platform`). */
export interface PlatformRefusal {
  readonly outcome: 'refused-by-platform';
  readonly platformCode: number;
  readonly rules: readonly RuleId[];
  readonly error: Error;
}

type RequestAnswer =
  | { readonly outcome: 'sent'; readonly requestId: string; readonly via: RequestChannel; readonly at: number; readonly receipt: EffectReceipt | void }
  | { readonly outcome: 'refused'; readonly refusal: Refusal }
  | PlatformRefusal;
type CallAnswer =
  | { readonly outcome: 'started'; readonly callId: string; readonly at: number; readonly receipt: CallReceipt | void }
  | { readonly outcome: 'refused'; readonly refusal: Refusal }
  | PlatformRefusal;

/** What a relationship handle is built on: the engine, or an integration that adds the platform's refusals. */
export interface RelationshipCommands {
  requestPermission(sender: string, user: string): Promise<RequestAnswer>;
  startCall(sender: string, user: string): Promise<CallAnswer>;
  record(sender: string, user: string, event: RelationshipEventInput | RelationshipEvent, options?: RecordOptions): Promise<RecordResult>;
  permissions(sender: string, user: string, at?: number): Promise<PermissionsView>;
  snapshot(sender: string, user: string): Promise<RelationshipSnapshot | undefined>;
}

function refusedByRules(refusal: Refusal): CommandRefused {
  return { ok: false, kind: 'refused', by: 'rules', rule: refusal.rule, rules: [refusal.rule], reason: refusal.reason, ...(refusal.retryAt === undefined ? {} : { retryAt: refusal.retryAt }) };
}

function refusedByPlatform(answer: PlatformRefusal): CommandRefused {
  const { outcome: _outcome, platformCode, rules, error, ...detail } = answer;
  const retryAt = (detail as { correction?: { retryAt?: unknown } }).correction?.retryAt;
  return {
    ok: false,
    kind: 'refused',
    by: 'platform',
    // A platform code always names at least one rule (the platform-code table); G4 is the one every refusal of a call could cite.
    rule: rules[0] ?? 'G4',
    rules,
    reason: error.message,
    platformCode,
    ...(typeof retryAt === 'number' ? { retryAt } : {}),
    detail: { error, ...detail },
  };
}

/** An effect's failure as a result; anything else is unexpected and thrown on. */
async function failedAsResult<T>(run: () => Promise<T>): Promise<T | CommandFailed> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof EffectFailedError)) throw error;
    return { ok: false, kind: 'failed', outcomeUnknown: !error.reservationReleased, reservationReleased: error.reservationReleased, error };
  }
}

/** A handle on one relationship of `commands` (an engine or an integration). */
export function relationshipOf(commands: RelationshipCommands, key: RelationshipKey): Relationship {
  const { sender, user } = key;
  return {
    key: { sender, user },
    requestPermission: () =>
      failedAsResult(async (): Promise<CommandOutcome<RequestSent>> => {
        const answer = await commands.requestPermission(sender, user);
        if (answer.outcome === 'refused') return refusedByRules(answer.refusal);
        if (answer.outcome === 'refused-by-platform') return refusedByPlatform(answer);
        return { ok: true, kind: 'sent', requestId: answer.requestId, via: answer.via, at: answer.at, receipt: answer.receipt ?? undefined };
      }),
    startCall: () =>
      failedAsResult(async (): Promise<CommandOutcome<CallStarted>> => {
        const answer = await commands.startCall(sender, user);
        if (answer.outcome === 'refused') return refusedByRules(answer.refusal);
        if (answer.outcome === 'refused-by-platform') return refusedByPlatform(answer);
        return { ok: true, kind: 'started', callId: answer.callId, at: answer.at, receipt: answer.receipt ?? undefined };
      }),
    async record(event, options) {
      const result = await commands.record(sender, user, event, options);
      return {
        ok: true,
        kind: result.duplicate ? 'duplicate' : 'recorded',
        changed: result.changed,
        previousState: result.previousState,
        state: result.state,
        snapshot: result.snapshot,
      };
    },
    permissions: (at) => commands.permissions(sender, user, at),
    snapshot: () => commands.snapshot(sender, user),
  };
}
