import { describe, expect, test } from 'vitest';
import { mergeServeArgs, serviceOptionsFromEnv, startService } from '../../src/service/index.js';
import { parseIsoDuration } from '../../src/service/clock.js';

/** How `npm start` / `wacp serve` read their settings: environment variables, flags over them, a bad value named. */
describe('service settings', () => {
  test('nothing set: every default (port 8080, ./.wacp-data, real clock, dry run) is the service’s own', () => {
    expect(serviceOptionsFromEnv({})).toEqual({});
  });

  test('PORT, WACP_DATA_DIR, WACP_CLOCK, WACP_CLOCK_START, WACP_POLICY and DATABASE_URL are read', () => {
    expect(
      serviceOptionsFromEnv({
        PORT: '9090',
        WACP_DATA_DIR: '/tmp/x',
        WACP_CLOCK: 'virtual',
        WACP_CLOCK_START: '2026-04-06T09:00:00Z',
        WACP_POLICY: 'meta',
        DATABASE_URL: 'postgres://u@127.0.0.1:5432/db',
      }),
    ).toEqual({ port: 9090, dataDir: '/tmp/x', clock: 'virtual', clockStart: Date.parse('2026-04-06T09:00:00Z'), policy: 'meta', databaseUrl: 'postgres://u@127.0.0.1:5432/db' });
  });

  test.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ WACP_CLOCK: 'fast' }, 'WACP_CLOCK'],
    [{ WACP_CLOCK_START: 'tomorrow' }, 'WACP_CLOCK_START'],
    [{ WACP_POLICY: 'whatsapp' }, 'WACP_POLICY'],
    [{ INFOBIP_BASE_URL: 'https://x.api.infobip.com' }, 'INFOBIP_API_KEY'],
    [{ INFOBIP_WEBHOOK_USERNAME: 'infobip' }, 'INFOBIP_WEBHOOK_PASSWORD'],
    [{ INFOBIP_WEBHOOK_SECRET: 'a-secret-of-sixteen+' }, 'INFOBIP_WEBHOOK_HEADER'],
  ])('a bad or incomplete setting %j is refused, naming %s', (env, path) => {
    expect(() => serviceOptionsFromEnv(env)).toThrow(expect.objectContaining({ code: 'INVALID_SERVICE_CONFIG', path }));
  });

  test('all four INFOBIP_* settings switch the dry run off; the template language defaults to en', () => {
    const options = serviceOptionsFromEnv({
      INFOBIP_BASE_URL: 'https://x.api.infobip.com',
      INFOBIP_API_KEY: 'key',
      INFOBIP_TEMPLATE_NAME: 'call_permission_request',
      INFOBIP_CALLS_CONFIGURATION_ID: 'config-1',
      INFOBIP_WEBHOOK_HEADER: 'X-Webhook-Secret',
      INFOBIP_WEBHOOK_SECRET: 'a-secret-of-sixteen+',
    });
    expect(options.infobip).toEqual({ baseUrl: 'https://x.api.infobip.com', apiKey: 'key', template: { name: 'call_permission_request', language: 'en' }, callsConfigurationId: 'config-1' });
    expect(options.webhookAuth).toEqual({ header: 'X-Webhook-Secret', secret: 'a-secret-of-sixteen+' });
  });

  test('flags win over the environment: --clock virtual --port=9000', () => {
    expect(mergeServeArgs(['--clock', 'virtual', '--port=9000'], { PORT: '8080', HOME: '/root' })).toEqual({ PORT: '9000', WACP_CLOCK: 'virtual', HOME: '/root' });
    expect(() => mergeServeArgs(['--colour'], {})).toThrow(expect.objectContaining({ path: 'argv[0]' }));
    expect(() => mergeServeArgs(['--port'], {})).toThrow(expect.objectContaining({ path: 'argv[1]' }));
  });

  test('Infobip without webhook authentication does not start (it would accept anyone’s facts)', async () => {
    await expect(
      startService({
        port: 0,
        dataDir: '/nonexistent/never-created',
        apiToken: 'a-token-of-thirty-two-characters-or-more',
        infobip: { baseUrl: 'https://x.api.infobip.com', apiKey: 'k', template: { name: 't', language: 'en' }, callsConfigurationId: 'c' },
      }),
    ).rejects.toMatchObject({ code: 'INVALID_SERVICE_CONFIG', path: 'INFOBIP_WEBHOOK_SECRET' });
  });
});

describe('clock moves: ISO 8601 durations of fixed length', () => {
  test.each([
    ['P1D', 86_400_000],
    ['PT1H', 3_600_000],
    ['PT2H30M', 9_000_000],
    ['P1W', 7 * 86_400_000],
    ['P1DT12H', 129_600_000],
    ['PT0.5S', 500],
  ])('%s is %i ms', (text, ms) => {
    expect(parseIsoDuration(text, 'body.advance')).toBe(ms);
  });

  test.each(['P1M', 'P1Y', 'P', 'PT', '1D', 'PT0S', 'P400D', 'p1d', 86_400_000])('%j is refused, naming body.advance', (value) => {
    expect(() => parseIsoDuration(value, 'body.advance')).toThrow(expect.objectContaining({ code: 'INVALID_DURATION', path: 'body.advance', status: 400 }));
  });
});

describe('--data-dir on the command line', () => {
  test('wins over a DATABASE_URL inherited from the environment, and is refused together with --database-url', () => {
    const env = { DATABASE_URL: 'postgres://u@127.0.0.1:5432/db' };
    expect(serviceOptionsFromEnv(mergeServeArgs(['--data-dir', '/tmp/x'], env))).toMatchObject({ dataDir: '/tmp/x' });
    expect(serviceOptionsFromEnv(mergeServeArgs(['--data-dir', '/tmp/x'], env)).databaseUrl).toBeUndefined();
    expect(serviceOptionsFromEnv(mergeServeArgs([], env)).databaseUrl).toBe(env.DATABASE_URL);
    expect(() => mergeServeArgs(['--data-dir', '/tmp/x', '--database-url', env.DATABASE_URL], {})).toThrow(/not both/);
  });
});
