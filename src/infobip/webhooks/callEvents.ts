import type { RuleId } from '../../rules.js';
import type { EventOfType } from '../../events/types.js';
import type { InfobipWebhook } from './payloads.js';
import { classifyCallOutcome, DEFAULT_CALL_OUTCOME_TABLE, type CallOutcomeRow, type HangupSource } from '../callOutcomes.js';
import type { CallDirection, Correlation } from '../correlations.js';
import { InfobipWebhookError } from '../errors.js';
import { findPlatformCode, rulesForPlatformCode, type PlatformCodeCarrier } from '../platformCodes.js';
import { count, id, object, oneOf, optionalId, optionalObject, optionalString, phone, ShapeError, time, typeName, type Json } from '../shape.js';
import type { IgnoredWebhookItem, PlatformRefusal, WebhookFact } from './types.js';

/** The call event types that move a relationship; other well-formed types are ignored and reported. */
export const HANDLED_CALL_EVENT_TYPES = Object.freeze(['CALL_RECEIVED', 'CALL_ESTABLISHED', 'CALL_FINISHED', 'CALL_FAILED'] as const);
export type HandledCallEventType = (typeof HANDLED_CALL_EVENT_TYPES)[number];


export interface CallEventOptions {
  /** When set, events of any other calls configuration are ignored and reported. */
  readonly callsConfigurationId?: string;
  /** Where Meta's code sits in a failed call's `errorCode`. Default: searched in every field. */
  readonly platformCodeOf?: (carrier: PlatformCodeCarrier) => number | undefined;
  /**
   * How `errorCode.name` + `hangupSource` classify a finished call (miss / connected / technical).
   * Default {@link DEFAULT_CALL_OUTCOME_TABLE} (docs/platform.md "Call outcomes").
   */
  readonly outcomeTable?: readonly CallOutcomeRow[];
}

/** How a business call ended, as far as this event tells. */
export type CallOutcome = NonNullable<ParsedCallEvent['outcome']>;

/** A call event checked and read, before it is tied to a relationship. */
export interface ParsedCallEvent {
  readonly type: string;
  readonly callId: string;
  readonly at: number;
  readonly callsConfigurationId?: string;
  /** `undefined` when the event is to be ignored; then `ignored` says why. */
  readonly handled?: InfobipWebhook.HandledCallEventType;
  readonly ignored?: IgnoredWebhookItem;
  /** `properties.call.direction` (or the callLog's); CALL_RECEIVED is always inbound. */
  readonly direction?: InfobipWebhook.CallDirection;
  /** Numbers the payload names: `from`, `to`, `endpoint.phoneNumber`. */
  readonly numbers: { readonly from?: string; readonly to?: string; readonly endpoint?: string };
  /** Our call id, when the payload echoes the `externalId` we sent. */
  readonly externalId?: string;
  /** How a business call ended, as far as this event tells (for CALL_ESTABLISHED, CALL_FINISHED, CALL_FAILED). */
  readonly outcome?:
    | { readonly kind: 'connected'; readonly at: number }
    | { readonly kind: 'unanswered'; readonly reason: EventOfType<'CALL_UNANSWERED'>['reason']; readonly errorName: string; readonly hangupSource?: CallOutcomeRow['hangupSource'] }
    | { readonly kind: 'failed'; readonly errorName: string; readonly hangupSource?: CallOutcomeRow['hangupSource'] };
  readonly platformCode?: number;
  readonly rules?: readonly RuleId[];
  readonly errorText?: string;
}

/**
 * Infobip's call event `{type, callId, timestamp, callsConfigurationId, properties}`, checked.
 * Pure, strict and total: malformed input is an {@link InfobipWebhookError} naming the field.
 *
 * A finished or failed call counts as connected when it shows it was established (an `answerTime`,
 * `errorCode.name` NORMAL_HANGUP, or a `duration` above 0): a finish that arrives before its
 * establish then still records the connection, and both map to the same fact key.
 */
export function parseCallEvent(input: unknown, options: CallEventOptions = {}): ParsedCallEvent {
  try {
    return parse(input, options);
  } catch (error) {
    if (error instanceof ShapeError) throw new InfobipWebhookError('INVALID_WEBHOOK', error.reason, error.path);
    throw error;
  }
}

function parse(input: unknown, options: CallEventOptions): ParsedCallEvent {
  const body = object(input, 'body');
  const type = typeName(body.type, 'type');
  const callId = id(body.callId, 'callId');
  const at = time(body.timestamp, 'timestamp');
  const callsConfigurationId = optionalString(body.callsConfigurationId, 'callsConfigurationId', 256);
  const properties = optionalObject(body.properties, 'properties') ?? {};
  const call = optionalObject(properties.call, 'properties.call');
  const callLog = optionalObject(properties.callLog, 'properties.callLog');
  const base = { type, callId, at, ...(callsConfigurationId === undefined ? {} : { callsConfigurationId }) };

  const handled = (HANDLED_CALL_EVENT_TYPES as readonly string[]).includes(type) ? (type as HandledCallEventType) : undefined;
  if (!handled) return { ...base, numbers: {}, ignored: { path: 'type', reason: 'UNKNOWN_CALL_EVENT_TYPE', type, id: callId } };
  if (options.callsConfigurationId !== undefined && callsConfigurationId !== undefined && callsConfigurationId !== options.callsConfigurationId)
    return { ...base, numbers: {}, ignored: { path: 'callsConfigurationId', reason: 'OTHER_CALLS_CONFIGURATION', type, id: callId } };

  // The call's description: `properties.call` on live events, `properties.callLog` on the final ones.
  const sources: [Json, string][] = [];
  if (call) sources.push([call, 'properties.call']);
  if (callLog) sources.push([callLog, 'properties.callLog']);
  const pick = <T>(field: string, read: (value: unknown, path: string) => T): T | undefined => {
    let found: T | undefined;
    for (const [obj, path] of sources) {
      if (obj[field] === undefined || obj[field] === null) continue;
      const value = read(obj[field], `${path}.${field}`);
      if (found === undefined) found = value;
    }
    return found;
  };
  const endpoint = pick('endpoint', object);
  const endpointPath = call?.endpoint !== undefined ? 'properties.call.endpoint' : 'properties.callLog.endpoint';
  if (endpoint?.type !== undefined) {
    const endpointType = typeName(endpoint.type, `${endpointPath}.type`);
    if (endpointType !== 'WHATSAPP') return { ...base, handled, numbers: {}, ignored: { path: `${endpointPath}.type`, reason: 'NOT_WHATSAPP', type, id: callId } };
  }
  const numbers = {
    ...optionalField('from', pick('from', phone)),
    ...optionalField('to', pick('to', phone)),
    ...optionalField('endpoint', endpoint?.phoneNumber === undefined ? undefined : phone(endpoint.phoneNumber, `${endpointPath}.phoneNumber`)),
  };
  const direction = type === 'CALL_RECEIVED' ? 'INBOUND' : pick('direction', (v, p) => oneOf(v, ['INBOUND', 'OUTBOUND'] as const, p));
  const externalId = pick('externalId', (v, p) => optionalId(v, p));
  const answerTime = pick('answerTime', time);
  const common = { ...base, handled, numbers, ...optionalField('direction', direction), ...optionalField('externalId', externalId) };

  if (handled === 'CALL_RECEIVED') return common;
  if (handled === 'CALL_ESTABLISHED') return { ...common, outcome: { kind: 'connected', at } };

  // CALL_FINISHED / CALL_FAILED: the log says how it ended.
  if (!callLog) throw new ShapeError('properties.callLog', `must be an object on ${type}, got nothing`);
  const errorCode = object(callLog.errorCode, 'properties.callLog.errorCode');
  const errorName = typeName(errorCode.name, 'properties.callLog.errorCode.name');
  const errorId = errorCode.id === undefined || errorCode.id === null ? undefined : count(errorCode.id, 'properties.callLog.errorCode.id');
  const description = optionalString(errorCode.description, 'properties.callLog.errorCode.description');
  if (callLog.state !== undefined) typeName(callLog.state, 'properties.callLog.state');
  const duration = callLog.duration === undefined || callLog.duration === null ? undefined : readDuration(callLog.duration);
  const hangupSource =
    callLog.hangupSource === undefined || callLog.hangupSource === null
      ? undefined
      : oneOf(callLog.hangupSource, ['ENDPOINT', 'API', 'PLATFORM'] as const, 'properties.callLog.hangupSource');
  const errorText = [errorName, errorId, description].filter((t) => t !== undefined).join(' ');
  const platformCode = (options.platformCodeOf ?? findPlatformCode)({ errorCode: errorName, text: description, extra: [errorId] });
  const rules = rulesForPlatformCode(platformCode);
  const refusal = rules ? { platformCode, rules } : {};

  // An answer time (or a duration) is proof the call connected, whatever the name says; else the table decides.
  let outcome: CallOutcome;
  const row = classifyCallOutcome(errorName, hangupSource, options.outcomeTable ?? DEFAULT_CALL_OUTCOME_TABLE);
  const source = hangupSource === undefined ? {} : { hangupSource };
  if (answerTime !== undefined || row.outcome === 'connected') outcome = { kind: 'connected', at: Math.min(answerTime ?? at, at) };
  else if (duration !== undefined && duration > 0) outcome = { kind: 'connected', at };
  else if (row.outcome === 'miss') outcome = { kind: 'unanswered', reason: row.reason!, errorName, ...source };
  else outcome = { kind: 'failed', errorName, ...source };
  return { ...common, outcome, errorText, ...refusal };
}

function readDuration(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 31 * 86_400)
    throw new ShapeError('properties.callLog.duration', `must be a number of seconds 0–${31 * 86_400}, got ${String(value)}`);
  return value;
}

function optionalField<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** A call event tied to its relationship, and how it was tied. */
export interface AttributedCall {
  readonly sender: string;
  readonly user: string;
  readonly direction: InfobipWebhook.CallDirection;
  /** Our id of a business call that Infobip knows by another (`CALL_ID_ASSIGNED` is recorded first). */
  readonly ourId?: string;
}

/**
 * Which relationship a call event belongs to: the correlation the effects stored when they placed
 * the call (or the handler stored at CALL_RECEIVED) wins; otherwise the payload's numbers, read by
 * direction (OUTBOUND: `from` is the sender, `endpoint.phoneNumber` or `to` the user; INBOUND:
 * `endpoint.phoneNumber` or `from` the user, `to` the sender). Neither → WEBHOOK_NOT_ATTRIBUTABLE.
 */
export function attributeCallEvent(event: ParsedCallEvent, known: Correlation | undefined): AttributedCall {
  const direction = known?.direction ?? event.direction;
  if (!direction)
    throw new InfobipWebhookError('WEBHOOK_NOT_ATTRIBUTABLE', `call ${event.callId} is unknown here and the event does not say its direction`, 'properties.call.direction');
  if (event.type === 'CALL_RECEIVED' && direction === 'OUTBOUND')
    throw new InfobipWebhookError('INVALID_WEBHOOK', `CALL_RECEIVED for call ${event.callId}, which the business placed`, 'type');
  const { from, to, endpoint } = event.numbers;
  const sender = known?.sender ?? (direction === 'OUTBOUND' ? from : to);
  const user = known?.user ?? (direction === 'OUTBOUND' ? (endpoint ?? to) : (endpoint ?? from));
  if (!sender || !user)
    throw new InfobipWebhookError(
      'WEBHOOK_NOT_ATTRIBUTABLE',
      `call ${event.callId} is unknown here and the event does not name both numbers`,
      direction === 'OUTBOUND' ? (sender ? 'properties.call.endpoint.phoneNumber' : 'properties.call.from') : sender ? 'properties.call.from' : 'properties.call.to',
    );
  const ourId = direction === 'OUTBOUND' ? (known?.ourId ?? event.externalId) : undefined;
  return { sender, user, direction, ...(ourId !== undefined && ourId !== event.callId ? { ourId } : {}) };
}

/**
 * The facts of an attributed call event (pure). Business calls: connected → `CALL_CONNECTED`, a
 * miss of the outcome table → `CALL_UNANSWERED`, a technical end → `CALL_FAILED` (M4).
 * User calls: `USER_CALL_RECEIVED` from any of their events (W1, keyed once), plus
 * `USER_CALL_CONNECTED` once it connected (G3).
 */
export function callEventFacts(event: ParsedCallEvent, call: AttributedCall): WebhookFact[] {
  if (!event.handled) return [];
  const { sender, user } = call;
  const key = (suffix: 'received' | 'outcome') => `infobip:call:${event.callId}:${suffix}`;
  const path = event.handled === 'CALL_FINISHED' || event.handled === 'CALL_FAILED' ? 'properties.callLog' : 'type';
  const callId = event.callId;
  if (call.direction === 'INBOUND') {
    const facts: WebhookFact[] = [{ sender, user, event: { type: 'USER_CALL_RECEIVED', at: event.at, callId }, factKey: key('received'), path }];
    if (event.outcome?.kind === 'connected')
      facts.push({ sender, user, event: { type: 'USER_CALL_CONNECTED', at: event.outcome.at, callId }, factKey: key('outcome'), path });
    return facts;
  }
  const outcome = event.outcome;
  if (!outcome) return [];
  switch (outcome.kind) {
    case 'connected':
      return [{ sender, user, event: { type: 'CALL_CONNECTED', at: outcome.at, callId }, factKey: key('outcome'), path }];
    case 'unanswered':
      return [{ sender, user, event: { type: 'CALL_UNANSWERED', at: event.at, callId, reason: outcome.reason }, factKey: key('outcome'), path }];
    case 'failed':
      return [
        {
          sender,
          user,
          event: { type: 'CALL_FAILED', at: event.at, callId, reason: outcome.hangupSource ? `${outcome.errorName}:${outcome.hangupSource}` : outcome.errorName },
          factKey: key('outcome'),
          path,
        },
      ];
  }
}

/** A refusal code in a failed call, as a disagreement to report. */
export function callRefusal(event: ParsedCallEvent, call: AttributedCall | undefined): PlatformRefusal | undefined {
  if (event.platformCode === undefined || !event.rules) return undefined;
  return {
    path: 'properties.callLog.errorCode',
    id: event.callId,
    platformCode: event.platformCode,
    rules: event.rules,
    text: event.errorText ?? '',
    ...(call ? { sender: call.sender, user: call.user } : {}),
  };
}
