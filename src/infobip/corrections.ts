import type { RuleId } from '../rules.js';
import type { CallPermissionEngine } from '../engine/engine.js';
import { EventInFutureError } from '../errors.js';
import type { RelationshipEventInput, RelationshipEventType } from '../events/types.js';
import type { PermissionsView } from '../pure/view.js';
import { isoDuration, isoTime } from '../time.js';
import type { InfobipClient } from './client.js';
import { platformCodeRow, type CorrectionKind, type PlatformCodeCarrier } from './platformCodes.js';
import { reconcile, type ReconcileResult } from './reconcile.js';

/**
 * What a refusal's data says beyond its code. Where Infobip puts Meta's `error_data` is not
 * confirmed anywhere public, so the default ({@link readRefusalData}) reads the text; a host that
 * knows the field passes its own reader.
 */
export interface RefusalData {
  /** When the platform allows the action again (138012: "the next is allowed at …"). */
  readonly retryAt?: number;
  /** A number the platform states for the limit (138012: "Currently 100"). */
  readonly maxAllowed?: number;
}

const ISO_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})/;
const CURRENTLY = /\bcurrently\s+(\d{1,6})\b/i;

/** The default reader: the first ISO 8601 time in the refusal's texts is `retryAt`; "currently N" is the number. */
export function readRefusalData(carrier: PlatformCodeCarrier): RefusalData {
  const texts: string[] = [];
  if (carrier.text) texts.push(carrier.text);
  for (const v of carrier.violations ?? []) texts.push(v.violation);
  for (const x of carrier.extra ?? []) if (typeof x === 'string') texts.push(x);
  let retryAt: number | undefined;
  let maxAllowed: number | undefined;
  for (const text of texts) {
    const time = retryAt === undefined ? ISO_TIME.exec(text) : null;
    if (time) {
      const ms = Date.parse(time[0].replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
      if (Number.isFinite(ms)) retryAt = ms;
    }
    const stated = maxAllowed === undefined ? CURRENTLY.exec(text) : null;
    if (stated) maxAllowed = Number(stated[1]);
  }
  return { ...(retryAt === undefined ? {} : { retryAt }), ...(maxAllowed === undefined || maxAllowed < 1 ? {} : { maxAllowed }) };
}

/** A platform refusal turned into recorded facts, and what the host is told. */
export interface AppliedCorrection {
  readonly platformCode: number;
  readonly rules: readonly RuleId[];
  /**
   * What the engine changed, by the platform-code table's row: `no-permission` (the permission ended),
   * `request-slots` / `call-slots` (reservations up to the platform's count), `permanent` (a permanent
   * grant), `restriction` / `unavailable` (the sender paused, S4/S3), `sender-attempts` (S1 used up),
   * `call-going-on` (the pair's turn held, G6), `report` (nothing local to correct, S2).
   */
  readonly correction: 'no-permission' | 'request-slots' | 'call-slots' | 'permanent' | 'restriction' | 'unavailable' | 'sender-attempts' | 'call-going-on' | 'report';
  /**
   * Facts recorded (or found already recorded under their keys), each under its own key: the view's
   * first (`infobip:correction:<code>:<ref>:view:…`), then the code's own (`infobip:correction:<code>:<ref>`
   * and `…:slot-<n>`). A sender fact (`RESTRICTED`, `ATTEMPTS_EXHAUSTED`, `CALL_GOING_ON`) is recorded on
   * the sender's statechart: its key names it, and its idempotency is the statechart's own (a pause
   * already in force, a pair already held, changes nothing).
   */
  readonly facts: readonly CorrectionFact[];
  /**
   * When the engine allows the refused action again (epoch ms): the later of the platform's time
   * (`platformRetryAt`) and the local state's, so the host is never told a time the engine refuses at.
   */
  readonly retryAt?: number;
  /** The time the refusal's data gave, when it gave one. */
  readonly platformRetryAt?: number;
  /** The connected-call limit the refusal stated and the engine learned for the sender (138012). */
  readonly learnedMaxAllowed?: number;
  /** What the host is told, in a sentence. */
  readonly message: string;
  /** Infobip's view folded in first (when a client was given and the read worked). */
  readonly reconciliation?: ReconcileResult;
  /** Why the view could not be read (the correction stands on the code alone). */
  readonly reconcileError?: string;
}

/** One fact a correction recorded, or found already recorded under its key. */
export interface CorrectionFact {
  readonly type: RelationshipEventType | 'RESTRICTED' | 'ATTEMPTS_EXHAUSTED' | 'CALL_GOING_ON';
  readonly factKey: string;
  readonly outcome: 'recorded' | 'duplicate';
}

export interface CorrectionInput {
  readonly code: number;
  readonly sender: string;
  readonly user: string;
  /** The id the refusal concerns (our request or call id, or the platform's message or call id): part of every key. */
  readonly ref: string;
  /** The correction's time (the engine's clock, or the webhook's time). */
  readonly at: number;
  readonly data?: RefusalData;
}

export interface CorrectionOptions {
  /** Read Infobip's view first and fold it in (precise counts and expiries). */
  readonly client?: InfobipClient;
}

/** The key of a correction's facts: one per code and refused operation, so a repeated refusal corrects once. */
export function correctionKey(code: number, ref: string): string {
  return `infobip:correction:${code}:${ref}`;
}

const actionOf = (view: PermissionsView, name: 'SEND_CALL_PERMISSION_REQUEST' | 'START_CALL') => view.actions.find((a) => a.name === name)!;

/** When the binding limit of an action frees, as a view says (`limitExpirationTime` of a full window). */
function viewRetryAt(view: PermissionsView, name: 'SEND_CALL_PERMISSION_REQUEST' | 'START_CALL'): number | undefined {
  let latest: number | undefined;
  for (const limit of actionOf(view, name).limits) {
    if (limit.currentUsage < limit.maxAllowed || limit.limitExpirationTime === undefined) continue;
    const t = Date.parse(limit.limitExpirationTime);
    if (Number.isFinite(t) && (latest === undefined || t > latest)) latest = t;
  }
  return latest;
}

/**
 * Applies the row of {@link PLATFORM_CODE_TABLE} for a refusal: first Infobip's view (when a client
 * is given), then the code's own correction, which makes the local state refuse what the platform
 * refused whatever the view said. Every fact is keyed by code and `ref`: applying the same
 * correction again (a repeated webhook) records nothing.
 */
export async function applyCorrection(engine: CallPermissionEngine, input: CorrectionInput, options: CorrectionOptions = {}): Promise<AppliedCorrection> {
  const row = platformCodeRow(input.code);
  if (!row) throw new RangeError(`platform code ${input.code} is not in the table`);
  const { sender, user, at } = input;
  const base = correctionKey(input.code, input.ref);
  let reconciliation: ReconcileResult | undefined;
  let reconcileError: string | undefined;
  if (options.client) {
    try {
      reconciliation = await reconcile(engine, options.client, sender, user, { clock: () => at, factKeyPrefix: `${base}:view` });
    } catch (error) {
      reconcileError = error instanceof Error ? error.message : String(error);
    }
  }

  const facts: CorrectionFact[] = (reconciliation?.factKeys ?? []).map((factKey, i) => ({ type: reconciliation!.recorded[i]!, factKey, outcome: 'recorded' as const }));
  const record = async (event: RelationshipEventInput, factKey: string) => {
    let result;
    try {
      result = await engine.record(sender, user, event, { factKey, source: 'reconcile' });
    } catch (error) {
      // A refusal dated beyond the engine's clock bound corrects nothing (the view read above still did).
      if (error instanceof EventInFutureError) return false;
      throw error;
    }
    if (result.duplicate) facts.push({ type: event.type, factKey, outcome: 'duplicate' });
    else if (result.changed) facts.push({ type: event.type, factKey, outcome: 'recorded' });
    return result.changed;
  };
  const view = () => engine.permissions(sender, user, at);
  const platformRetryAt = input.data?.retryAt;
  let localRetryAt: number | undefined;
  let learned: number | undefined;

  switch (row.correction) {
    case 'no-permission':
      if ((await view()).status !== 'NO_PERMISSION') await record({ type: 'PERMISSION_SYNCED', at, status: 'NO_PERMISSION' }, base);
      break;
    case 'permanent':
      if ((await view()).status !== 'PERMANENT') await record({ type: 'PERMISSION_ACCEPTED', at, permanent: true, source: 'automatic' }, base);
      break;
    case 'request-slots': {
      const bound = (await engine.policyFor(sender)).requestsPerLongWindow;
      for (let i = 0; i < bound && actionOf(await view(), 'SEND_CALL_PERMISSION_REQUEST').canPerformAction; i++)
        if (!(await record({ type: 'REQUEST_SENT', at, requestId: `${input.code}-${input.ref}-${i}`.slice(0, 128), via: 'template' }, `${base}:slot-${i}`))) break;
      localRetryAt = viewRetryAt(await view(), 'SEND_CALL_PERMISSION_REQUEST');
      break;
    }
    case 'call-slots': {
      // The number the refusal states is the sender's limit from now on (never looser than it said).
      const stated = input.data?.maxAllowed;
      if (stated !== undefined) {
        const policy = await engine.policyFor(sender);
        learned = (
          await engine.learnLimits(sender, [{ action: 'START_CALL', timePeriod: isoDuration(policy.callWindowMs), maxAllowed: stated, learnedAt: at, source: `refusal ${input.code}` }])
        ).changed
          ? stated
          : undefined;
      }
      const current = await view();
      const bound = actionOf(current, 'START_CALL').limits[0]?.maxAllowed ?? 0;
      // The platform's "next allowed at" is when its oldest counted call leaves the window: the first
      // slot held counts from then minus the window, so it frees when the platform's does. A time not
      // after now (skew, or stale data) or more than a window ahead cannot be a slot's: counted from now.
      const windowMs = (await engine.policyFor(sender)).callWindowMs;
      const oldest = platformRetryAt !== undefined && platformRetryAt > at && platformRetryAt <= at + windowMs ? platformRetryAt - windowMs : undefined;
      // A grant is needed to hold call slots; without one, G4 refuses calls already.
      if (current.status !== 'NO_PERMISSION')
        for (let i = 0; i < bound && actionOf(await view(), 'START_CALL').canPerformAction; i++) {
          const callId = `${input.code}-${input.ref}-${i}`.slice(0, 128);
          const own = i === 0 && oldest !== undefined && oldest < at && (await record({ type: 'CALL_STARTED', at, callId, countedFrom: oldest }, `${base}:slot-${i}:from`));
          if (!own && !(await record({ type: 'CALL_STARTED', at, callId }, `${base}:slot-${i}`))) break;
        }
      localRetryAt = viewRetryAt(await view(), 'START_CALL');
      break;
    }
    case 'restriction':
    case 'unavailable': {
      // S4 (and S3 the policy's list missed): the sender pauses until the platform's time, else qualityPauseMs.
      // A pause already in force as long is left as it is, so the same refusal again changes nothing.
      const until = platformRetryAt ?? at + engine.policy.qualityPauseMs;
      const status = await engine.senderStatus(sender, at);
      const current = status.restrictedUntil === undefined ? undefined : Date.parse(status.restrictedUntil);
      if (current === undefined || current < until) {
        try {
          await engine.recordSender(sender, { type: 'RESTRICTED', at, until });
          facts.push({ type: 'RESTRICTED', factKey: `${base}:sender`, outcome: 'recorded' });
        } catch (error) {
          if (!(error instanceof EventInFutureError)) throw error;
        }
      } else facts.push({ type: 'RESTRICTED', factKey: `${base}:sender`, outcome: 'duplicate' });
      const after = (await engine.senderStatus(sender, at)).restrictedUntil;
      if (after !== undefined) localRetryAt = Date.parse(after);
      break;
    }
    case 'sender-attempts': {
      // S1: the platform counted the day's attempts up; the local count is raised to the limit (every shard).
      const before = await engine.senderStatus(sender, at);
      try {
        const after = await engine.recordSender(sender, { type: 'ATTEMPTS_EXHAUSTED', at });
        facts.push({ type: 'ATTEMPTS_EXHAUSTED', factKey: `${base}:sender`, outcome: after.limits[0].currentUsage > before.limits[0].currentUsage ? 'recorded' : 'duplicate' });
      } catch (error) {
        if (!(error instanceof EventInFutureError)) throw error;
      }
      const frees = (await engine.senderStatus(sender, at)).limits[0].limitExpirationTime;
      if (frees !== undefined) localRetryAt = Date.parse(frees);
      break;
    }
    case 'call-going-on': {
      // G6: a call with the user the engine did not place; its turn is held until its end (or ongoingCallMaxMs).
      const callId = `${input.code}-${input.ref}`.slice(0, 128);
      const before = await engine.senderStatus(sender, at);
      try {
        const after = await engine.recordSender(sender, { type: 'CALL_GOING_ON', at, callId, user });
        const held = after.limits[1].currentUsage > before.limits[1].currentUsage;
        facts.push({ type: 'CALL_GOING_ON', factKey: `${base}:sender`, outcome: held ? 'recorded' : 'duplicate' });
      } catch (error) {
        if (!(error instanceof EventInFutureError)) throw error;
      }
      break;
    }
    case 'report':
      break;
  }
  const known = [platformRetryAt, localRetryAt].filter((t): t is number => t !== undefined);
  const retryAt = known.length ? Math.max(...known) : undefined;
  const when = retryAt === undefined ? '' : ` (next allowed at ${isoTime(retryAt)})`;
  return {
    platformCode: row.code,
    rules: row.rules,
    correction: row.correction,
    facts,
    ...(retryAt === undefined ? {} : { retryAt }),
    ...(platformRetryAt === undefined ? {} : { platformRetryAt }),
    ...(learned === undefined ? {} : { learnedMaxAllowed: learned }),
    message: `Platform refused with ${row.code} (${row.meaning}): ${row.hostTold}${when}.`,
    ...(reconciliation ? { reconciliation } : {}),
    ...(reconcileError === undefined ? {} : { reconcileError }),
  };
}
