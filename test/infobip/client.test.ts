import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createInfobipClient, findPlatformCode, InfobipConfigError, InfobipError, type InfobipClient, type InfobipConfig } from '../../src/infobip/index.js';
import { errorFromBody, parseRetryAfter } from '../../src/infobip/http.js';
import { API_KEY, CALLS_CONFIGURATION, SENDER, USER } from './harness.js';
import { LocalInfobip, metaRefusal, noPermissionView } from './localInfobip.js';

/** The HTTP client against the local Infobip: every endpoint, both error shapes, retries, timeouts. */
describe('Infobip client over HTTP', () => {
  let infobip: LocalInfobip;
  let waits: number[];
  let client: InfobipClient;
  const make = (config: Partial<InfobipConfig> = {}) =>
    createInfobipClient({
      baseUrl: infobip.baseUrl,
      apiKey: API_KEY,
      callsConfigurationId: CALLS_CONFIGURATION,
      template: { name: 'call_permission_request', language: 'en_GB', placeholders: ['Acme'] },
      timeoutMs: 300,
      retries: 2,
      sleep: async (ms) => {
        waits.push(ms);
      },
      backoff: { initialMs: 100, maxMs: 1_000, factor: 2, jitter: false },
      ...config,
    });

  beforeAll(async () => {
    infobip = await LocalInfobip.start({ apiKey: API_KEY, callsConfigurationId: CALLS_CONFIGURATION });
  });
  afterAll(async () => {
    await infobip.close();
  });
  beforeEach(() => {
    infobip.requests.length = 0;
    waits = [];
    client = make();
  });

  async function failure(promise: Promise<unknown>): Promise<InfobipError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InfobipError);
    return error as InfobipError;
  }

  describe('endpoints', () => {
    it('R3: the interactive request carries our messageId and the App key', async () => {
      const receipt = await client.sendInteractivePermissionRequest({ from: SENDER, to: USER, messageId: 'req-1', callbackData: 'cb' });
      expect(receipt).toEqual({ messageId: 'req-1', to: USER, status: expect.objectContaining({ groupName: 'PENDING', groupId: 1 }), via: 'interactive' });
      const [request] = infobip.requestsOn('interactive');
      expect(request!.authorization).toBe(`App ${API_KEY}`);
      expect(request!.body).toEqual({ from: SENDER, to: USER, messageId: 'req-1', callbackData: 'cb' });
    });

    it('R3: the template request names the configured template, language and placeholders', async () => {
      const withNotify = make({ notifyUrl: 'https://example.invalid/reports' });
      const receipt = await withNotify.sendTemplatePermissionRequest({ from: SENDER, to: USER, messageId: 'req-2', placeholders: ['Acme', 'support'] });
      expect(receipt).toMatchObject({ messageId: 'req-2', via: 'template', bulkId: expect.stringMatching(/^bulk-/) });
      expect(infobip.requestsOn('template')[0]!.body).toEqual({
        messages: [
          {
            from: SENDER,
            to: USER,
            messageId: 'req-2',
            content: { templateName: 'call_permission_request', templateData: { body: { placeholders: ['Acme', 'support'] } }, language: 'en_GB' },
            notifyUrl: 'https://example.invalid/reports',
          },
        ],
      });
    });

    it('G4: a call goes to a WHATSAPP endpoint with our id as externalId, and Infobip’s id comes back', async () => {
      const receipt = await make({ connectTimeout: 30 }).placeCall({ from: SENDER, to: USER, externalId: 'our-call-1' });
      expect(receipt).toEqual({ platformCallId: expect.stringMatching(/^ib-call-/), externalId: 'our-call-1', state: 'CALLING' });
      expect(infobip.requestsOn('calls')[0]!.body).toEqual({
        endpoint: { type: 'WHATSAPP', phoneNumber: USER },
        from: SENDER,
        callsConfigurationId: CALLS_CONFIGURATION,
        externalId: 'our-call-1',
        connectTimeout: 30,
      });
    });

    it('the permissions endpoint answers in the view’s shape', async () => {
      const view = { ...noPermissionView(), status: 'TEMPORARY' as const, expirationTime: '2026-04-08T10:10:00.000Z' };
      infobip.setPermissions(SENDER, USER, view);
      expect(await client.getPermissions(SENDER, USER)).toEqual(view);
      expect(infobip.requestsOn('permissions')[0]!.path).toBe(`/whatsapp/1/senders/${SENDER}/calls/${USER}/permissions`);
    });
  });

  describe('errors', () => {
    it('a wrong API key is a 401 with serviceException’s code, not retried', async () => {
      const error = await failure(make({ apiKey: 'wrong' }).getPermissions(SENDER, USER));
      expect(error).toMatchObject({ status: 401, errorCode: 'UNAUTHORIZED', text: 'Invalid login details', attempts: 1, definitelyNotAccepted: true });
      expect(infobip.requests).toHaveLength(1);
    });

    it('a 400 with violations (second shape) is parsed into the same error, not retried', async () => {
      const error = await failure(client.sendInteractivePermissionRequest({ from: SENDER, to: 'not-a-number', messageId: 'req-3' }));
      expect(error).toMatchObject({ status: 400, errorCode: 'E400', text: 'Request cannot be processed.', definitelyNotAccepted: true, attempts: 1 });
      expect(error.violations).toEqual([{ property: 'to', violation: 'must be a phone number in international format' }]);
      expect(error.action).toMatch(/violations/);
      expect(infobip.requests).toHaveLength(1);
    });

    it('both error shapes, validationErrors included, fold into status, errorCode, text, violations', () => {
      const first = errorFromBody(
        { platformCodeOf: findPlatformCode },
        400,
        JSON.stringify({ requestError: { serviceException: { messageId: 'BAD_REQUEST', text: 'Bad request', validationErrors: { to: ['must not be blank', 'too short'] } } } }),
        'POST /x',
        1,
      );
      expect(first).toMatchObject({ status: 400, errorCode: 'BAD_REQUEST', text: 'Bad request', violations: [{ property: 'to', violation: 'must not be blank' }, { property: 'to', violation: 'too short' }] });
      const second = errorFromBody({ platformCodeOf: findPlatformCode }, 404, JSON.stringify({ errorCode: 'E404', description: 'Not found', action: 'Check', violations: [] }), 'GET /y', 2);
      expect(second).toMatchObject({ status: 404, errorCode: 'E404', text: 'Not found', action: 'Check', violations: [], attempts: 2 });
      const html = errorFromBody({ platformCodeOf: findPlatformCode }, 502, '<html>bad gateway</html>', 'GET /z', 3);
      expect(html).toMatchObject({ status: 502, errorCode: undefined, text: '<html>bad gateway</html>', definitelyNotAccepted: false });
    });

    it('G4 R5 R1 G2 S1 S2 S3: Meta’s codes in an error are found and mapped to their rules', async () => {
      infobip.script('calls', metaRefusal(138006, 'No approved call permission'));
      const error = await failure(client.placeCall({ from: SENDER, to: USER, externalId: 'c' }));
      expect(error).toMatchObject({ platformCode: 138006, rules: ['G4'] });
      const table: [number, string[]][] = [
        [138009, ['R1', 'R2']],
        [138012, ['G2']],
        [138017, ['R5']],
        [138002, ['S2']],
        [138005, ['S1']],
        [138013, ['S3']],
      ];
      for (const [code, rules] of table) {
        const e = errorFromBody({ platformCodeOf: findPlatformCode }, 400, JSON.stringify({ errorCode: 'E400', description: 'Refused', violations: [{ property: 'to', violation: `error ${code}` }] }), 'POST /x', 1);
        expect([e.platformCode, e.rules]).toEqual([code, rules]);
      }
      expect(findPlatformCode({ text: 'code 1380061 is not one' })).toBeUndefined();
      expect(findPlatformCode({ text: 'code 138099 is not in the table' })).toBeUndefined();
    });

    it('a 2xx whose status says REJECTED is a definite refusal', async () => {
      infobip.script('interactive', { status: 200, body: { to: USER, messageCount: 1, messageId: 'req-4', status: { groupId: 5, groupName: 'REJECTED', id: 12, name: 'REJECTED_NOT_ENOUGH_CREDITS' } } });
      const error = await failure(client.sendInteractivePermissionRequest({ from: SENDER, to: USER, messageId: 'req-4' }));
      expect(error).toMatchObject({ failure: 'INFOBIP_REJECTED', definitelyNotAccepted: true, errorCode: 'REJECTED_NOT_ENOUGH_CREDITS' });
    });
  });

  describe('retries', () => {
    it('429 is retried after Retry-After (seconds), then succeeds', async () => {
      infobip.script('permissions', { status: 429, retryAfter: '2' });
      await client.getPermissions(SENDER, USER);
      expect(waits).toEqual([2_000]);
      expect(infobip.requestsOn('permissions').map((r) => r.status)).toEqual([429, 200]);
    });

    it('Retry-After as an HTTP date is honoured too', () => {
      const inAMinute = new Date(Date.now() + 60_000).toUTCString();
      expect(parseRetryAfter(inAMinute)).toBeGreaterThan(55_000);
      expect(parseRetryAfter(inAMinute)).toBeLessThanOrEqual(60_000);
      expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT')).toBe(0);
      expect(parseRetryAfter('soon')).toBeUndefined();
    });

    it('a Retry-After longer than maxRetryAfterMs is not waited for: the 429 is returned', async () => {
      infobip.script('permissions', { status: 429, retryAfter: '3600' });
      const error = await failure(client.getPermissions(SENDER, USER));
      expect(error).toMatchObject({ status: 429, errorCode: 'TOO_MANY_REQUESTS', attempts: 1, definitelyNotAccepted: true });
      expect(waits).toEqual([]);
    });

    it('5xx is retried with exponential backoff, then succeeds', async () => {
      infobip.script('interactive', { status: 500 }, { status: 503 });
      await client.sendInteractivePermissionRequest({ from: SENDER, to: USER, messageId: 'req-5' });
      expect(waits).toEqual([100, 200]);
      // A retry is recognisable: every attempt carried our messageId.
      expect(infobip.requestsOn('interactive').map((r) => (r.body as { messageId: string }).messageId)).toEqual(['req-5', 'req-5', 'req-5']);
    });

    it('5xx beyond the retries is an error whose outcome is unknown', async () => {
      infobip.script('calls', { status: 500 }, { status: 502 }, { status: 500 });
      const error = await failure(client.placeCall({ from: SENDER, to: USER, externalId: 'c2' }));
      expect(error).toMatchObject({ status: 500, errorCode: 'E500', attempts: 3, definitelyNotAccepted: false });
      expect(infobip.requestsOn('calls')).toHaveLength(3);
    });

    it('a 4xx other than 429 is never retried', async () => {
      infobip.script('template', { status: 403, body: { requestError: { serviceException: { messageId: 'FORBIDDEN', text: 'No access' } } } });
      const error = await failure(client.sendTemplatePermissionRequest({ from: SENDER, to: USER, messageId: 'req-6', placeholders: [] }));
      expect(error).toMatchObject({ status: 403, errorCode: 'FORBIDDEN', attempts: 1 });
      expect(infobip.requestsOn('template')).toHaveLength(1);
    });
  });

  describe('timeouts and broken answers', () => {
    it('a server that never answers is a timeout error, not a hang; a send is retried', async () => {
      infobip.script('interactive', { hang: true }, { hang: true }, { hang: true });
      const error = await failure(client.sendInteractivePermissionRequest({ from: SENDER, to: USER, messageId: 'req-7' }));
      expect(error).toMatchObject({ failure: 'INFOBIP_TIMEOUT', attempts: 3, definitelyNotAccepted: false, status: undefined });
    });

    it('a body that stops half-way is a timeout too', async () => {
      infobip.script('permissions', { hangBody: true }, { hangBody: true }, { hangBody: true });
      const error = await failure(client.getPermissions(SENDER, USER));
      expect(error.failure).toBe('INFOBIP_TIMEOUT');
    });

    it('placing a call is not repeated after a timeout (a repeat could ring twice)', async () => {
      infobip.script('calls', { acceptThenHang: true });
      const error = await failure(client.placeCall({ from: SENDER, to: USER, externalId: 'c3' }));
      expect(error).toMatchObject({ failure: 'INFOBIP_TIMEOUT', attempts: 1, definitelyNotAccepted: false });
      expect(infobip.requestsOn('calls')).toHaveLength(1);
    });

    it('a 2xx that is not JSON is a malformed-response error with unknown outcome', async () => {
      infobip.script('interactive', { malformed: true });
      const error = await failure(client.sendInteractivePermissionRequest({ from: SENDER, to: USER, messageId: 'req-8' }));
      expect(error).toMatchObject({ failure: 'INFOBIP_MALFORMED_RESPONSE', status: 200, definitelyNotAccepted: false });
    });

    it('a 2xx JSON without the documented fields names the missing field', async () => {
      infobip.script('calls', { wrongShape: true });
      const error = await failure(client.placeCall({ from: SENDER, to: USER, externalId: 'c4' }));
      expect(error.failure).toBe('INFOBIP_MALFORMED_RESPONSE');
      expect(error.text).toContain('body.id');
      infobip.script('permissions', { wrongShape: true });
      expect((await failure(client.getPermissions(SENDER, USER))).text).toContain('body.status');
    });

    it('a refused connection is a network error', async () => {
      const closed = await LocalInfobip.start({ apiKey: API_KEY, callsConfigurationId: CALLS_CONFIGURATION });
      const url = closed.baseUrl;
      await closed.close();
      const error = await failure(make({ baseUrl: url }).getPermissions(SENDER, USER));
      expect(error).toMatchObject({ failure: 'INFOBIP_NETWORK_ERROR', attempts: 3, definitelyNotAccepted: false });
    });
  });

  describe('configuration', () => {
    it('nonsense settings are refused with the setting named', () => {
      const base = { baseUrl: 'https://x.api.infobip.com', apiKey: 'k', callsConfigurationId: 'c', template: { name: 't', language: 'en' } };
      const cases: [Partial<InfobipConfig> & Record<string, unknown>, string][] = [
        [{ baseUrl: 'ftp://x' }, 'config.baseUrl'],
        [{ baseUrl: 'not a url' }, 'config.baseUrl'],
        [{ apiKey: '' }, 'config.apiKey'],
        [{ timeoutMs: 0 }, 'config.timeoutMs'],
        [{ retries: -1 }, 'config.retries'],
        [{ retries: 1.5 }, 'config.retries'],
        [{ backoff: { factor: 0.5 } }, 'config.backoff.factor'],
        [{ template: { name: '', language: 'en' } }, 'config.template.name'],
        [{ template: { name: 't', language: 'en', placeholders: [1 as unknown as string] } }, 'config.template.placeholders'],
        [{ callsConfigurationId: '' }, 'config.callsConfigurationId'],
        [{ callIdFields: [] }, 'config.callIdFields'],
      ];
      for (const [override, path] of cases) {
        let error: unknown;
        try {
          createInfobipClient({ ...base, ...override } as InfobipConfig);
        } catch (e) {
          error = e;
        }
        expect(error, path).toBeInstanceOf(InfobipConfigError);
        expect((error as InfobipConfigError).path).toBe(path);
      }
      expect(createInfobipClient(base).config).toMatchObject({ baseUrl: 'https://x.api.infobip.com', timeoutMs: 10_000, retries: 2 });
    });
  });
});
