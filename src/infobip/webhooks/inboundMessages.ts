import type { RuleId } from '../../rules.js';
import type { AcceptSource, RejectSource, RelationshipEventInput } from '../../events/types.js';
import { InfobipWebhookError } from '../errors.js';
import { findPlatformCode, rulesForPlatformCode, type PlatformCodeCarrier } from '../platformCodes.js';
import { boolean, count, id, object, oneOf, optionalObject, optionalString, phone, ShapeError, string, time, typeName, type Json } from '../shape.js';
import type { IgnoredWebhookItem, WebhookFact } from './types.js';

/** A field that may link a reply to the request it answers. */
export type ReplyLinkField = NonNullable<InboundMessageOptions['replyLinkFields']>[number];

export interface InboundMessageOptions {
  /**
   * The fields that may link a reply to the request it answers ([docs/rules.md, "Corrections"](../../../docs/rules.md#corrections):
   * `pairedMessageId` and `callbackData` are confirmed, `message.context.id` exists), tried in order;
   * the first present one is the reply's `requestId`. Default `pairedMessageId`, then `message.context.id`.
   */
  readonly replyLinkFields?: readonly ('pairedMessageId' | 'message.context.id' | 'callbackData')[];
  /**
   * Whether a reply's permanent flag (`isPermanent` / Meta's `is_permanent`) is read.
   * [docs/rules.md, "Corrections"](../../../docs/rules.md#corrections): Infobip's reply has no such flag (Meta's has). Default true; without it an accept with no expiry is decided
   * by the policy's `acceptWithoutExpiry`.
   */
  readonly honourPermanentFlag?: boolean;
  /** How a numeric `expirationTimestamp` is read (Meta sends Unix seconds). Default `seconds`; ISO strings always work. */
  readonly numericTimestampUnit?: 'seconds' | 'milliseconds';
  /** The `message.type` values that are user messages (W1). Other well-formed types are ignored and reported. */
  readonly userMessageTypes?: readonly string[];
  /** More results than this in one batch is refused as absurd. Default 1,000. */
  readonly maxResults?: number;
  /** Where Meta's code sits in a delivery report's error. Default: searched in every field. */
  readonly platformCodeOf?: (carrier: PlatformCodeCarrier) => number | undefined;
}

/**
 * Infobip's inbound WhatsApp message types that a user sends (each opens the 24 h window, W1): the
 * `type` values of the inbound message schema in Infobip's OpenAPI-generated clients
 * (`WhatsAppWebhookType` and the inbound message's subtypes), but the call-permission reply, which
 * is read as a reply.
 */
export const DEFAULT_USER_MESSAGE_TYPES: readonly string[] = Object.freeze([
  'TEXT',
  'IMAGE',
  'DOCUMENT',
  'STICKER',
  'LOCATION',
  'CONTACT',
  'VIDEO',
  'VOICE',
  'AUDIO',
  'BUTTON',
  'INTERACTIVE_BUTTON_REPLY',
  'INTERACTIVE_LIST_REPLY',
  'INTERACTIVE_FLOW_REPLY',
  'INTERACTIVE_EXTENSION_REPLY',
  'INTERACTIVE_PAYMENT_CONFIRMATION',
  'ORDER',
  'REACTION',
  'INFECTED_CONTENT',
  'UNSUPPORTED',
]);

export interface ParsedInboundMessages {
  readonly facts: readonly WebhookFact[];
  readonly ignored: readonly IgnoredWebhookItem[];
  /** The delivery reports of our sends (results with `status` and no `message`). */
  readonly deliveryReports: readonly {
    readonly path: string;
    readonly messageId: string;
    readonly user: string;
    readonly groupName: string;
    readonly text: string;
    readonly platformCode?: number;
    readonly rules?: readonly RuleId[];
  }[];
}

/** A delivery report of one of our sends (the package's own name for it). */
export type DeliveryReport = ParsedInboundMessages['deliveryReports'][number];

const REPLY = 'INTERACTIVE_CALL_PERMISSION_REPLY';

/**
 * Infobip's inbound-message webhook `{results:[…], messageCount, pendingMessageCount}` → facts, in
 * order: a call-permission reply → `PERMISSION_ACCEPTED` / `PERMISSION_REJECTED`; a user message →
 * `USER_MESSAGE`. Pure, strict and total: anything malformed anywhere in the batch is an
 * {@link InfobipWebhookError} naming the field, and no fact of the batch is returned.
 */
export function parseInboundMessages(input: unknown, options: InboundMessageOptions = {}): ParsedInboundMessages {
  try {
    return parse(input, options);
  } catch (error) {
    if (error instanceof ShapeError) throw new InfobipWebhookError('INVALID_WEBHOOK', error.reason, error.path);
    throw error;
  }
}

function parse(input: unknown, options: InboundMessageOptions): ParsedInboundMessages {
  const linkFields = options.replyLinkFields ?? ['pairedMessageId', 'message.context.id'];
  const userTypes = new Set(options.userMessageTypes ?? DEFAULT_USER_MESSAGE_TYPES);
  const maxResults = options.maxResults ?? 1000;
  const body = object(input, 'body');
  if (!Array.isArray(body.results)) throw new ShapeError('results', `must be an array, got ${body.results === undefined ? 'nothing' : typeof body.results}`);
  if (body.results.length > maxResults) throw new ShapeError('results', `holds ${body.results.length} results; at most ${maxResults} are accepted in one batch`);
  if (body.messageCount !== undefined) count(body.messageCount, 'messageCount');
  if (body.pendingMessageCount !== undefined) count(body.pendingMessageCount, 'pendingMessageCount');

  const facts: WebhookFact[] = [];
  const ignored: IgnoredWebhookItem[] = [];
  const deliveryReports: DeliveryReport[] = [];
  body.results.forEach((raw, i) => {
    const path = `results[${i}]`;
    const result = object(raw, path);
    if (result.message === undefined && result.status !== undefined) {
      const report = readDeliveryReport(result, path, options.platformCodeOf ?? findPlatformCode);
      deliveryReports.push(report);
      ignored.push({ path, reason: 'DELIVERY_REPORT', id: report.messageId });
      return;
    }
    const user = phone(result.from, `${path}.from`);
    const sender = phone(result.to, `${path}.to`);
    if (result.integrationType !== undefined) oneOf(result.integrationType, ['WHATSAPP'], `${path}.integrationType`);
    const at = time(result.receivedAt, `${path}.receivedAt`);
    const messageId = id(result.messageId, `${path}.messageId`);
    const message = object(result.message, `${path}.message`);
    const type = typeName(message.type, `${path}.message.type`);
    const factKey = `infobip:message:${messageId}`;
    if (type === REPLY) {
      const event = readReply(result, message, at, path, linkFields, options);
      // An accept that says neither its end nor that it is permanent: only the platform can tell which.
      const ambiguous = event.type === 'PERMISSION_ACCEPTED' && event.expiresAt === undefined && event.permanent === undefined;
      facts.push({ sender, user, event, factKey, path, ...(ambiguous ? { confirmPermanence: true } : {}) });
    } else if (userTypes.has(type)) {
      facts.push({ sender, user, event: { type: 'USER_MESSAGE', at }, factKey, path });
    } else {
      ignored.push({ path, reason: 'UNKNOWN_MESSAGE_TYPE', type, id: messageId });
    }
  });
  return { facts, ignored, deliveryReports };
}

function readReply(result: Json, message: Json, at: number, path: string, linkFields: readonly ReplyLinkField[], options: InboundMessageOptions): RelationshipEventInput {
  const replyPath = `${path}.message.callPermissionReply`;
  const reply = object(message.callPermissionReply, replyPath);
  const response = oneOf(reply.response, ['ACCEPT', 'REJECT', 'accept', 'reject'], `${replyPath}.response`).toUpperCase();
  const requestId = linkedRequest(result, message, path, linkFields);
  const source = aliased(reply, 'responseSource', 'response_source', replyPath, (v, p) =>
    oneOf(v, ['user_action', 'automatic', 'USER_ACTION', 'AUTOMATIC'], p).toLowerCase() === 'automatic' ? 'automatic' : 'user',
  );
  const link = requestId === undefined ? {} : { requestId };
  if (response === 'REJECT') return { type: 'PERMISSION_REJECTED', at, source: (source ?? 'user') as RejectSource, ...link };

  const permanent = options.honourPermanentFlag === false ? undefined : aliased(reply, 'isPermanent', 'is_permanent', replyPath, boolean);
  const expiry = aliased(reply, 'expirationTimestamp', 'expiration_timestamp', replyPath, (v, p) => expirationTime(v, p, options.numericTimestampUnit ?? 'seconds'));
  if (expiry !== undefined) {
    const expiryPath = `${replyPath}.${reply.expirationTimestamp !== undefined ? 'expirationTimestamp' : 'expiration_timestamp'}`;
    if (permanent === true) throw new ShapeError(expiryPath, 'a permanent permission has no expiry');
    if (expiry <= at) throw new ShapeError(expiryPath, `must be after the reply's receivedAt (${new Date(at).toISOString()}), got ${new Date(expiry).toISOString()}`);
  }
  const accept: RelationshipEventInput = {
    type: 'PERMISSION_ACCEPTED',
    at,
    source: (source ?? 'user') as AcceptSource,
    ...link,
    ...(expiry !== undefined ? { expiresAt: expiry } : permanent !== undefined ? { permanent } : {}),
  };
  return accept;
}

/** The first configured link field that is present, checked as an id. */
function linkedRequest(result: Json, message: Json, path: string, fields: readonly ReplyLinkField[]): string | undefined {
  for (const field of fields) {
    if (field === 'pairedMessageId' && result.pairedMessageId !== undefined && result.pairedMessageId !== null)
      return id(result.pairedMessageId, `${path}.pairedMessageId`);
    if (field === 'callbackData' && result.callbackData !== undefined && result.callbackData !== null)
      return id(result.callbackData, `${path}.callbackData`);
    if (field === 'message.context.id') {
      const context = optionalObject(message.context, `${path}.message.context`);
      if (context && context.id !== undefined && context.id !== null) return id(context.id, `${path}.message.context.id`);
    }
  }
  return undefined;
}

/** Infobip's camelCase field or Meta's snake_case one; both present and different is a contradiction. */
function aliased<T>(obj: Json, camel: string, snake: string, path: string, read: (value: unknown, path: string) => T): T | undefined {
  const a = obj[camel] === undefined || obj[camel] === null ? undefined : read(obj[camel], `${path}.${camel}`);
  const b = obj[snake] === undefined || obj[snake] === null ? undefined : read(obj[snake], `${path}.${snake}`);
  if (a !== undefined && b !== undefined && a !== b) throw new ShapeError(`${path}.${snake}`, `contradicts ${camel}`);
  return a ?? b;
}

/** ISO 8601 with a zone, or a number (or digit string) in the configured unit. */
function expirationTime(value: unknown, path: string, unit: 'seconds' | 'milliseconds'): number {
  if (typeof value === 'number' || (typeof value === 'string' && /^\d{1,16}$/.test(value))) {
    const n = Number(value);
    if (!Number.isSafeInteger(n)) throw new ShapeError(path, `must be a whole number, got ${String(value)}`);
    const ms = unit === 'seconds' ? n * 1000 : n;
    return time(new Date(ms).toISOString(), path);
  }
  return time(value, path);
}

function readDeliveryReport(result: Json, path: string, platformCodeOf: (carrier: PlatformCodeCarrier) => number | undefined): DeliveryReport {
  const messageId = id(result.messageId, `${path}.messageId`);
  const user = phone(result.to, `${path}.to`);
  const status = object(result.status, `${path}.status`);
  const groupName = string(status.groupName, `${path}.status.groupName`, 64);
  const error = result.error === undefined || result.error === null ? undefined : object(result.error, `${path}.error`);
  const texts = [optionalString(status.name, `${path}.status.name`, 128), optionalString(status.description, `${path}.status.description`)];
  if (error) {
    texts.push(optionalString(error.name, `${path}.error.name`, 128), optionalString(error.description, `${path}.error.description`));
    if (error.id !== undefined && error.id !== null) texts.push(String(count(error.id, `${path}.error.id`)));
  }
  const text = texts.filter((t): t is string => t !== undefined).join('; ');
  const platformCode = platformCodeOf({ text, extra: texts });
  const rules = rulesForPlatformCode(platformCode);
  return { path, messageId, user, groupName, text, ...(rules ? { platformCode, rules } : {}) };
}
