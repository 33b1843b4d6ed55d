import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { permissionReply } from './infobipPayloads.js';
import { SENDER, startTestService, T0, USER, type TestService } from './harness.js';

/**
 * An attacker's page in a real headless Chromium, on a second loopback origin
 * (`http://localhost:A`, cross-site to the service's `http://127.0.0.1:V`), trying what a page may
 * send anywhere without asking: no-cors POSTs, a type-less Blob to the webhook, a text/plain form;
 * and the service reached under a name the attacker's DNS rebinds to 127.0.0.1. Then the inspector
 * page with an API token: it asks for the token, and no URL it loads ever holds it.
 */
const CHROMIUM = '/usr/bin/chromium';
const REBOUND = 'rebind.attacker.test';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--host-resolver-rules=MAP ${REBOUND} 127.0.0.1`];
const TOKEN = 'browser-test-token-0123456789abcdef';
const hasChromium = existsSync(CHROMIUM);

/** The attacker's page: every request it tries against the victim, and what each one said back to the page. */
function attackerPage(victim: string): string {
  const relationship = `${victim}/v1/relationships/${SENDER}/${USER}/`;
  const reply = JSON.stringify(permissionReply(SENDER, USER, T0 + 60_000, { response: 'ACCEPT' }));
  return `<!doctype html><html><body>
<iframe name="sink"></iframe>
<form id="form" method="POST" action="${victim}/v1/clock" enctype="text/plain" target="sink"><input name='{"advance":"P1D","x":"' value='"}'></form>
<script>
const attempts = {
  request: () => fetch(${JSON.stringify(`${relationship}permission-requests`)}, { method: 'POST', mode: 'no-cors' }),
  call: () => fetch(${JSON.stringify(`${relationship}calls`)}, { method: 'POST', mode: 'no-cors' }),
  event: () => fetch(${JSON.stringify(`${relationship}events`)}, { method: 'POST', mode: 'no-cors', body: '{"type":"PERMISSION_ACCEPTED"}' }),
  blobWebhook: () => fetch(${JSON.stringify(`${victim}/webhooks/infobip`)}, { method: 'POST', mode: 'no-cors', body: new Blob([${JSON.stringify(reply)}]) }),
  blobClock: () => fetch(${JSON.stringify(`${victim}/v1/clock`)}, { method: 'POST', mode: 'no-cors', body: new Blob(['{"advance":"P1D"}']) }),
  jsonCall: () => fetch(${JSON.stringify(`${relationship}calls`)}, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }),
  read: () => fetch(${JSON.stringify(`${victim}/v1/relationships`)}).then((r) => r.text()),
};
window.results = (async () => {
  const results = {};
  for (const [name, attempt] of Object.entries(attempts)) {
    try { const r = await attempt(); results[name] = typeof r === 'string' ? 'read: ' + r.slice(0, 40) : 'answered ' + r.type; }
    catch (error) { results[name] = 'blocked: ' + error.name; }
  }
  document.getElementById('form').submit();
  return results;
})();
</script></body></html>`;
}

describe.skipIf(!hasChromium)('an attacker’s page in headless Chromium', () => {
  let victim: TestService;
  let guarded: TestService;
  let attacker: Server;
  let browser: Browser;

  beforeAll(async () => {
    [victim, guarded] = await Promise.all([startTestService(), startTestService({ apiToken: TOKEN })]);
    attacker = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(attackerPage(victim.url));
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => attacker?.close(resolve));
    await Promise.all([victim?.dispose(), guarded?.dispose()]);
  });

  test('CSRF: no-cors POSTs, a type-less Blob to the webhook and a text/plain form from another site are refused; nothing is recorded', async () => {
    const before = { list: (await victim.call('GET', '/v1/relationships')).body, clock: (await victim.call('GET', '/v1/clock')).body };
    const page = await browser.newPage();
    /** What the service really answered (the page itself only sees opaque responses). */
    const answered: string[] = [];
    page.on('response', (response) => {
      const url = new URL(response.url());
      if (url.origin === victim.url) answered.push(`${response.request().method()} ${url.pathname} ${response.status()}`);
    });
    await page.goto(`http://localhost:${(attacker.address() as AddressInfo).port}/`);
    const results = await page.evaluate(() => (window as unknown as { results: Promise<Record<string, string>> }).results);
    // The reads and the JSON call are stopped by the browser (no CORS grant); the rest reach the service and are refused.
    expect(results).toMatchObject({ read: 'blocked: TypeError', jsonCall: 'blocked: TypeError' });
    await expect.poll(() => answered.filter((line) => line.startsWith('POST /v1/clock')).length, { timeout: 10_000 }).toBe(2);
    const relationship = `/v1/relationships/${SENDER}/${USER}`;
    expect(answered.filter((line) => line.startsWith('POST')).sort()).toEqual(
      [
        `POST ${relationship}/permission-requests 403`,
        `POST ${relationship}/calls 403`,
        `POST ${relationship}/events 403`,
        'POST /webhooks/infobip 403',
        'POST /v1/clock 403',
        'POST /v1/clock 403',
      ].sort(),
    );
    expect({ list: (await victim.call('GET', '/v1/relationships')).body, clock: (await victim.call('GET', '/v1/clock')).body }).toEqual(before);
    expect((await victim.call('GET', victim.relationship('timeline'))).body.rows).toEqual([]);
    await page.close();
  });

  test('DNS rebinding: under a name that resolves to 127.0.0.1 the service answers nothing but 421', async () => {
    const page = await browser.newPage();
    const port = new URL(victim.url).port;
    for (const path of ['/', '/v1/relationships', victim.relationship('timeline')]) {
      const response = await page.goto(`http://${REBOUND}:${port}${path}`);
      expect({ path, status: response!.status() }).toEqual({ path, status: 421 });
    }
    // The same page under the service's own address loads.
    expect((await page.goto(`${victim.url}/v1/relationships`))!.status()).toBe(200);
    await page.close();
  });

  test('with an API token the page asks for it once, posts it in a body, and no URL it loads holds it', async () => {
    const page = await browser.newPage();
    const urls: string[] = [];
    page.on('request', (request) => urls.push(request.url()));
    await page.goto(`${guarded.url}/`);
    await expect.poll(() => page.locator('#login').isVisible(), { timeout: 10_000 }).toBe(true);
    await page.fill('#login-token', TOKEN.slice(0, -1));
    await page.click('#login-form button[type="submit"]');
    await expect.poll(() => page.locator('#login-error').textContent(), { timeout: 10_000 }).toMatch(/that is not the API token$/);
    await page.fill('#login-token', TOKEN);
    await page.click('#login-form button[type="submit"]');
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.locator('#login').isVisible()).toBe(false);
    await page.fill('#sender', SENDER);
    await page.fill('#user', USER);
    await page.click('#open-form button[type="submit"]');
    await page.click('#request-button');
    await expect.poll(() => page.locator('#state').textContent(), { timeout: 10_000 }).toBe('requested');
    await expect.poll(() => page.locator('#live-badge').textContent(), { timeout: 10_000 }).toBe('live');
    expect(urls.length).toBeGreaterThan(5);
    expect(urls.filter((url) => url.includes(TOKEN.slice(0, 12)))).toEqual([]);
    // The session cookie is HttpOnly: the page's scripts cannot read it.
    expect(await page.evaluate(() => document.cookie)).toBe('');
    await page.close();
  });
});
