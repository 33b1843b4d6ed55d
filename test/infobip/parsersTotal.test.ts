import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCallPermissionEngine, MemoryStore } from '../../src/index.js';
import { createWebhookHandler, InfobipWebhookError, parseCallEvent, parseInboundMessages } from '../../src/infobip/index.js';
import { check } from '../support/fc.js';
import { SENDER, USER } from './harness.js';

const AT = Date.parse('2026-04-01T10:10:00.000Z');

const validBatch = () => ({
  results: [
    { from: USER, to: SENDER, integrationType: 'WHATSAPP', receivedAt: '2026-04-01T10:10:00.000+0000', messageId: 'm-1', message: { type: 'TEXT', text: 'hi' } },
    {
      from: USER,
      to: SENDER,
      integrationType: 'WHATSAPP',
      receivedAt: '2026-04-01T10:11:00.000+0000',
      messageId: 'm-2',
      pairedMessageId: 'req-1',
      message: { type: 'INTERACTIVE_CALL_PERMISSION_REPLY', callPermissionReply: { response: 'ACCEPT', expirationTimestamp: '2026-04-08T10:11:00.000+0000', is_permanent: false, response_source: 'user_action' }, context: { id: 'req-1' } },
    },
  ],
  messageCount: 2,
  pendingMessageCount: 0,
});
const validCall = () => ({
  type: 'CALL_FINISHED',
  callId: 'ib-1',
  timestamp: '2026-04-01T10:12:00.000+0000',
  callsConfigurationId: 'cfg',
  properties: {
    callLog: { direction: 'OUTBOUND', from: SENDER, to: USER, endpoint: { type: 'WHATSAPP', phoneNumber: USER }, state: 'FINISHED', duration: 0, errorCode: { id: 1, name: 'NO_ANSWER' }, externalId: 'ours-1' },
  },
});

/** Every path to a value inside a JSON tree (objects and arrays), the root excluded. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])]);
}

function mutate<T>(tree: T, path: (string | number)[], replacement: unknown, remove: boolean): T {
  const copy = structuredClone(tree) as any;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key];
  const last = path[path.length - 1]!;
  if (remove) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = replacement;
  return copy;
}

/** A valid payload with one field replaced by arbitrary JSON, or removed. */
const mutated = <T>(valid: () => T) =>
  fc
    .tuple(fc.nat(), fc.jsonValue({ maxDepth: 2 }), fc.boolean())
    .map(([i, replacement, remove]) => {
      const tree = valid();
      const all = paths(tree);
      return mutate(tree, all[i % all.length]!, replacement, remove);
    });

/** Parsers are total: for any input they return facts or throw the typed error naming a field; nothing else. */
describe('webhook parsers are strict and total', () => {
  const onlyTyped = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(InfobipWebhookError);
      expect((error as InfobipWebhookError).path).toEqual(expect.any(String));
    }
  };

  it('inbound messages: arbitrary JSON and mutated batches → facts or InfobipWebhookError', () => {
    check(fc.property(fc.oneof(fc.jsonValue(), mutated(validBatch)), (input) => onlyTyped(() => parseInboundMessages(input))));
  });

  it('call events: arbitrary JSON and mutated events → a parsed event or InfobipWebhookError', () => {
    check(fc.property(fc.oneof(fc.jsonValue(), mutated(validCall)), (input) => onlyTyped(() => parseCallEvent(input))));
  });

  it('the handler records all of a batch or none of it', async () => {
    await check(
      fc.asyncProperty(fc.oneof(mutated(validBatch), mutated(validCall)), async (input) => {
        const store = new MemoryStore();
        const engine = createCallPermissionEngine({ store, clock: () => AT });
        const handler = createWebhookHandler({ engine, auth: { none: true } });
        try {
          const report = await handler.handleJson(input);
          // Accepted: every fact it names is recorded.
          for (const fact of report.facts) expect(fact.outcome).toBe('recorded');
        } catch (error) {
          expect(error).toBeInstanceOf(InfobipWebhookError);
          expect(store.size).toBe(0);
        }
      }),
    );
  });
});
