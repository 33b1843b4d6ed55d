import type { CallPermissionEngine } from '../../engine/engine.js';
import { CallPermissionError, EventInFutureError } from '../../errors.js';
import { parseEvent } from '../../events/parse.js';
import type { RelationshipEventType } from '../../events/types.js';
import { isoTime } from '../../time.js';
import type { InfobipClient } from '../client.js';
import { MemoryCorrelationDirectory, type CorrelationDirectory } from '../correlations.js';
import { validateCallOutcomeTable } from '../callOutcomes.js';
import { InfobipWebhookError } from '../errors.js';
import { confirmPermanence, type PermanenceConfirmation, type PermanenceConfirmationOptions } from '../confirmPermanence.js';
import { applyCorrection, readRefusalData, type AppliedCorrection, type CorrectionFact, type RefusalData } from '../corrections.js';
import type { PlatformCodeCarrier } from '../platformCodes.js';
import type { ReconcileResult } from '../reconcile.js';
import { isObject } from '../shape.js';
import { createAuthCheck, type WebhookAuth } from './auth.js';
import { attributeCallEvent, callEventFacts, callRefusal, parseCallEvent, type AttributedCall, type CallEventOptions } from './callEvents.js';
import { parseInboundMessages, type InboundMessageOptions } from './inboundMessages.js';
import { readJsonBody } from './readBody.js';
import type { IgnoredWebhookItem, PlatformRefusal, WebhookFact } from './types.js';

export interface WebhookHandlerOptions {
  readonly engine: CallPermissionEngine;
  /** How Infobip's requests are recognised (checked in constant time). */
  readonly auth: WebhookAuth;
  /** The directory the effects fill when they place calls and send requests. Share the same object. */
  readonly correlations?: CorrelationDirectory;
  readonly messages?: InboundMessageOptions;
  readonly calls?: CallEventOptions;
  /** Bodies larger than this are refused (413). Default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** When given, a relationship named in a platform refusal is reconciled with Infobip's view. */
  readonly reconcileWith?: InfobipClient;
  /**
   * When given, an accept without expiry or permanent flag is confirmed with Infobip's permissions
   * view before the webhook is answered (docs/platform.md "Permanent only when the platform says so").
   */
  readonly confirmWith?: InfobipClient;
  /** How hard to confirm (attempts, waits). */
  readonly confirmation?: Omit<PermanenceConfirmationOptions, 'clock'>;
  /** The time of facts that carry none (a refusal folded from a delivery report). Default `Date.now`; pass the engine's clock. */
  readonly clock?: () => number;
  /** Reads `retryAt` and a stated limit from a refusal's text. Default {@link readRefusalData}. */
  readonly refusalDataOf?: (carrier: PlatformCodeCarrier) => RefusalData;
  /** Told of every platform refusal, after the state is stored. Its errors are swallowed (the facts are safe). */
  readonly onDisagreement?: (disagreement: WebhookDisagreement) => void | Promise<void>;
}

/** A platform refusal found in a webhook: what was folded into the local state, and the reconciliation. */
export interface WebhookDisagreement {
  readonly refusal: PlatformRefusal;
  /** Facts the correction recorded (docs/platform.md's table): e.g. `PERMISSION_SYNCED` for 138006, a permanent accept for 138017. */
  readonly folded: readonly CorrectionFact['type'][];
  /** The correction applied, when the refusal names its relationship. */
  readonly correction?: AppliedCorrection;
  readonly reconciliation?: ReconcileResult;
  readonly reconcileError?: string;
}

export interface RecordedFact {
  readonly path: string;
  readonly type: RelationshipEventType;
  readonly factKey: string;
  /** `duplicate`: the fact key was recorded before (a repeated delivery, or a call's outcome already known). */
  readonly outcome: 'recorded' | 'duplicate';
}

/** What a webhook did; the handler answers it as JSON with status 200. */
export interface WebhookReport {
  readonly kind: 'messages' | 'call';
  readonly facts: readonly RecordedFact[];
  readonly ignored: readonly IgnoredWebhookItem[];
  readonly counts: { readonly recorded: number; readonly duplicates: number; readonly ignored: number };
  readonly disagreements: readonly WebhookDisagreement[];
  /** Accepts without expiry that were confirmed with the platform (or could not be: then they stay temporary). */
  readonly confirmations?: readonly ({ readonly path: string; readonly sender: string; readonly user: string } & PermanenceConfirmation)[];
}

export interface WebhookHandler {
  /** Request → Response: verify, read, parse, record, and answer 200 only once every fact is stored. */
  (request: Request): Promise<Response>;
  /** The same after authentication and body reading, for a host that has the JSON already (throws the typed errors). */
  handleJson(body: unknown): Promise<WebhookReport>;
}

/**
 * The web-standard webhook endpoint for Infobip's inbound messages and call events (one URL for
 * both; told apart by shape: `{results:[…]}` or `{type, callId, …}`). Usable from Node's http (see
 * `toNodeListener`), Bun, Deno, Hono and workers.
 *
 * Answers: 200 with a {@link WebhookReport} once every fact is stored; 401 bad credentials; 405 not
 * POST; 413 too large; 415 not JSON content; 400 malformed (the JSON error names the field); 422 a
 * call that cannot be tied to a relationship; 503 the store failed (Infobip retries; facts already
 * stored are recognised by their keys). For every 4xx but 425, nothing of the body was recorded.
 * 425 Too Early (with `Retry-After`, and the report): a fact is dated beyond the trusted clock bound
 * (`policy.maxClockSkewMs`) and is of a kind that is refused then (docs/semantics.md "Trusted time");
 * the other facts were recorded, so a user's reject in the same batch is never held back, and the
 * redelivery finds them by their keys.
 */
export function createWebhookHandler(options: WebhookHandlerOptions): WebhookHandler {
  const { engine } = options;
  const auth = createAuthCheck(options.auth);
  const correlations = options.correlations ?? new MemoryCorrelationDirectory();
  const maxBodyBytes = options.maxBodyBytes ?? 1_048_576;
  const clock = options.clock ?? Date.now;
  if (options.calls?.outcomeTable !== undefined) validateCallOutcomeTable(options.calls.outcomeTable);
  const refusalDataOf = options.refusalDataOf ?? readRefusalData;

  /** Every fact must pass the engine's own check before any is recorded: a bad batch records nothing. */
  function validate(facts: readonly WebhookFact[]) {
    for (const fact of facts) {
      try {
        parseEvent(fact.event, engine.policy, fact.path);
      } catch (error) {
        if (error instanceof CallPermissionError) throw new InfobipWebhookError('INVALID_WEBHOOK', error.message, fact.path, { cause: error });
        throw error;
      }
    }
  }

  /** A batch's facts in one go (one read and one write over PostgreSQL), reported in their order. */
  async function recordAll(facts: readonly WebhookFact[], recorded: RecordedFact[], ignored: IgnoredWebhookItem[]) {
    const outcomes = await engine.recordMany(facts.map((fact) => ({ sender: fact.sender, user: fact.user, event: fact.event, factKey: fact.factKey, source: 'webhook' })));
    facts.forEach((fact, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) recorded.push({ path: fact.path, type: fact.event.type, factKey: fact.factKey, outcome: outcome.result.duplicate ? 'duplicate' : 'recorded' });
      // Older than the late-event tolerance: it can never be applied, so re-delivery would not help.
      else if (outcome.error.code === 'EVENT_TOO_LATE') ignored.push({ path: fact.path, reason: 'TOO_LATE', type: fact.event.type, id: fact.factKey });
      // Beyond the trusted clock bound: the rest of the batch is still recorded (a user's reject in it must not wait), and the answer asks for it again.
      else if (outcome.error instanceof EventInFutureError) ignored.push(inFuture(fact.path, fact.event.type, fact.factKey, outcome.error));
      else throw outcome.error;
    });
  }

  /** The row of the platform-code table for a refusal found in a webhook; keyed by the message or call it concerns. */
  async function fold(refusal: PlatformRefusal, at: number): Promise<WebhookDisagreement> {
    if (!refusal.sender || !refusal.user) return { refusal, folded: [] };
    const correction = await applyCorrection(
      engine,
      { code: refusal.platformCode, sender: refusal.sender, user: refusal.user, ref: refusal.id, at, data: refusalDataOf({ text: refusal.text }) },
      options.reconcileWith ? { client: options.reconcileWith } : {},
    );
    return {
      refusal,
      folded: correction.facts.filter((f) => f.outcome === 'recorded').map((f) => f.type),
      correction,
      ...(correction.reconciliation ? { reconciliation: correction.reconciliation } : {}),
      ...(correction.reconcileError === undefined ? {} : { reconcileError: correction.reconcileError }),
    };
  }

  async function processMessages(body: unknown): Promise<WebhookReport> {
    const parsed = parseInboundMessages(body, options.messages);
    validate(parsed.facts);
    const facts: RecordedFact[] = [];
    const ignored = [...parsed.ignored];
    await recordAll(parsed.facts, facts, ignored);
    const confirmations: NonNullable<WebhookReport['confirmations']>[number][] = [];
    if (options.confirmWith) {
      for (const fact of parsed.facts) {
        // Only a newly recorded accept: a repeated delivery was confirmed (or not) the first time.
        if (!fact.confirmPermanence || !facts.some((f) => f.factKey === fact.factKey && f.outcome === 'recorded')) continue;
        const result = await confirmPermanence(engine, options.confirmWith, fact.sender, fact.user, fact.factKey, { ...options.confirmation, clock });
        confirmations.push({ path: fact.path, sender: fact.sender, user: fact.user, ...result });
      }
    }
    const disagreements: WebhookDisagreement[] = [];
    for (const report of parsed.deliveryReports) {
      if (report.platformCode === undefined || !report.rules) continue;
      const known = await correlations.get('message', report.messageId);
      const refusal: PlatformRefusal = {
        path: report.path,
        id: report.messageId,
        platformCode: report.platformCode,
        rules: report.rules,
        text: report.text,
        ...(known ? { sender: known.sender, user: known.user } : {}),
      };
      disagreements.push(await fold(refusal, clock()));
    }
    const report = summary('messages', facts, ignored, disagreements);
    return confirmations.length ? { ...report, confirmations } : report;
  }

  async function processCall(body: unknown): Promise<WebhookReport> {
    const parsed = parseCallEvent(body, options.calls);
    if (parsed.ignored) return summary('call', [], [parsed.ignored], []);
    const known = await correlations.get('call', parsed.callId);
    const call: AttributedCall = attributeCallEvent(parsed, known);
    const facts = callEventFacts(parsed, call);
    validate(facts);
    if (call.direction === 'INBOUND' && !known) {
      try {
        await correlations.set('call', parsed.callId, { sender: call.sender, user: call.user, direction: 'INBOUND' });
      } catch {
        // Later events of this call carry their own numbers, or are refused as not attributable.
      }
    }
    // The event may overtake the engine's own CALL_ID_ASSIGNED: re-key the reservation first (a no-op if done).
    if (call.ourId !== undefined) {
      try {
        await engine.record(call.sender, call.user, { type: 'CALL_ID_ASSIGNED', at: parsed.at, callId: call.ourId, platformCallId: parsed.callId }, { source: 'webhook' });
      } catch (error) {
        if (!(error instanceof CallPermissionError && error.code === 'EVENT_TOO_LATE')) throw error;
      }
    }
    const recorded: RecordedFact[] = [];
    const ignored: IgnoredWebhookItem[] = [];
    await recordAll(facts, recorded, ignored);
    // S2/G6: a business call that finished (after connecting, or not) is over: its sender slot is free. Idempotent.
    if (call.direction === 'OUTBOUND' && (parsed.handled === 'CALL_FINISHED' || parsed.handled === 'CALL_FAILED')) {
      try {
        await engine.recordSender(call.sender, { type: 'CALL_ENDED', at: parsed.at, callId: parsed.callId, user: call.user });
      } catch (error) {
        // Dated beyond the trusted clock bound: asked for again (425), like the call's own facts.
        if (error instanceof EventInFutureError) ignored.push(inFuture('body', 'CALL_ENDED', `sender:${parsed.callId}`, error));
        // Older than the sender's tolerance: its slot lapsed long ago (ongoingCallMaxMs).
        else if (!(error instanceof CallPermissionError && error.code === 'EVENT_TOO_LATE')) throw error;
      }
    }
    const refusal = callRefusal(parsed, call);
    const disagreements = refusal ? [await fold(refusal, parsed.at)] : [];
    return summary('call', recorded, ignored, disagreements);
  }

  async function handleJson(body: unknown): Promise<WebhookReport> {
    if (isObject(body) && 'results' in body) return processMessages(body);
    if (isObject(body) && ('callId' in body || 'type' in body)) return processCall(body);
    throw new InfobipWebhookError('INVALID_WEBHOOK', 'is neither an inbound-message batch {results:[…]} nor a call event {type, callId, …}', 'body');
  }

  async function notify(report: WebhookReport) {
    if (!options.onDisagreement) return;
    for (const d of report.disagreements) {
      try {
        await options.onDisagreement(d);
      } catch {
        // The facts are stored; a failing hook must not make Infobip deliver them again.
      }
    }
  }

  const handler = (async (request: Request): Promise<Response> => {
    try {
      if (request.method !== 'POST') throw new InfobipWebhookError('WEBHOOK_METHOD_NOT_ALLOWED', `${request.method} is not accepted; Infobip POSTs`, 'method');
      if (!auth.check(request.headers)) throw new InfobipWebhookError('WEBHOOK_UNAUTHORIZED', 'missing or wrong credentials', 'authorization');
      const body = await readJsonBody(request, maxBodyBytes);
      const report = await handleJson(body);
      await notify(report);
      const retryAt = earliestRetry(report);
      // 425 Too Early: a fact is dated beyond the trusted clock bound; what could be recorded was, the rest must come again.
      if (retryAt !== undefined) return json(425, { ...report, error: { code: 'EVENT_IN_FUTURE', message: 'a fact is dated beyond the trusted clock bound (policy.maxClockSkewMs); deliver it again' } }, { 'Retry-After': String(Math.min(300, Math.max(1, Math.ceil((retryAt - clock()) / 1000)))) });
      return json(200, report);
    } catch (error) {
      if (error instanceof InfobipWebhookError) {
        const headers: Record<string, string> = {};
        if (error.status === 401 && auth.challenge) headers['WWW-Authenticate'] = auth.challenge;
        if (error.status === 405) headers.Allow = 'POST';
        return json(error.status, { error: { code: error.code, path: error.path, message: error.message } }, headers);
      }
      const code = error instanceof CallPermissionError ? error.code : 'NOT_STORED';
      return json(503, { error: { code, message: 'the facts could not be stored; deliver again' } }, { 'Retry-After': '5' });
    }
  }) as WebhookHandler;
  handler.handleJson = handleJson;
  return handler;
}

function inFuture(path: string, type: string, id: string, error: EventInFutureError): IgnoredWebhookItem {
  return { path, reason: 'IN_FUTURE', type, id, retryAt: isoTime(error.acceptableAt) };
}

/** When the earliest fact refused as dated in the future becomes acceptable, if any was. */
function earliestRetry(report: WebhookReport): number | undefined {
  let earliest: number | undefined;
  for (const item of report.ignored) {
    if (item.reason !== 'IN_FUTURE' || item.retryAt === undefined) continue;
    const at = Date.parse(item.retryAt);
    if (earliest === undefined || at < earliest) earliest = at;
  }
  return earliest;
}

function summary(kind: 'messages' | 'call', facts: RecordedFact[], ignored: IgnoredWebhookItem[], disagreements: WebhookDisagreement[]): WebhookReport {
  const recorded = facts.filter((f) => f.outcome === 'recorded').length;
  return { kind, facts, ignored, counts: { recorded, duplicates: facts.length - recorded, ignored: ignored.length }, disagreements };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}
