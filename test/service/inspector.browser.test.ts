import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { businessCallEvent, permissionReply } from './infobipPayloads.js';
import { DAY, SENDER, startTestService, T0, USER, type TestService } from './harness.js';

/**
 * The inspector page in a real headless Chromium (Debian's `chromium`, driven by playwright-core):
 * a relationship driven from noPermission to revoked through the page's buttons and form and the
 * Infobip webhook route, on the virtual clock, with what the page shows checked at every step.
 * The page is never reloaded: it learns of webhook facts from the change feed.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SCREENSHOT = join('test-results', 'service', 'inspector.png');
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.info(`[test/service] skipping the browser test: ${CHROMIUM} is not installed (apt-get install -y chromium; .ci/run installs it)`);

describe.skipIf(!hasChromium)('the inspector page in headless Chromium', () => {
  let service: TestService;
  let profile: string;
  let browser: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    service = await startTestService();
    profile = await mkdtemp(join(tmpdir(), 'wacp-chromium-profile-'));
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, headless: true, viewport: { width: 1440, height: 1000 } });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      // A refused command is a 409 the page shows; the browser logs every 4xx as a failed load.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text());
    });
  });
  afterAll(async () => {
    await browser?.close();
    await service?.dispose();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  /** What the page shows, read the way a person would: the state, its highlight, counters, view, timeline. */
  const shown = {
    state: () => page.locator('#state').textContent(),
    highlighted: () => page.locator('#statechart g.node.current title').textContent(),
    counter: (name: string) => page.locator(`[data-counter="${name}"] td`).nth(1).textContent(),
    /** The sender's side (S1–S4, G6), across all its users. */
    sender: (name: string) => page.locator(`[data-sender="${name}"] td`).nth(1).textContent(),
    viewStatus: () => page.locator('[data-testid="view-status"]').textContent(),
    decisions: () => page.locator('#decisions').innerText(),
    result: () => page.locator('#result').textContent(),
    clock: () => page.locator('#clock-badge').textContent(),
    /** Timeline rows, oldest first, as `TYPE state→state | what it did`. */
    timeline: async () =>
      (
        await page.locator('#timeline tr[data-kind]').evaluateAll((rows) =>
          rows.map((row) => {
            const cells = row.querySelectorAll('td');
            const what = Array.from(cells[4]!.childNodes).map((node) => node.textContent!.trim()).filter(Boolean).join(' / ');
            return `${cells[1]!.querySelector('.type')!.textContent} ${cells[3]!.textContent!.replace(/\s+/g, '')} | ${what}`;
          }),
        )
      ).reverse(),
  };
  const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 10_000, interval: 50 });

  async function lastCallId(): Promise<string> {
    const rows = (await service.call('GET', service.relationship('timeline'))).body.rows;
    return rows.filter((r: any) => r.kind === 'event' && r.event.type === 'CALL_STARTED').at(-1).event.callId;
  }
  async function clockNow(): Promise<number> {
    return Date.parse((await service.call('GET', '/v1/clock')).body.now);
  }
  async function sendFormEvent(type: string, fields: Record<string, string> = {}) {
    await page.selectOption('#event-type', type);
    for (const [name, value] of Object.entries(fields)) {
      const field = page.locator(`#event-form [name="${name}"]`);
      if ((await field.evaluate((el) => el.tagName)) === 'SELECT') await field.selectOption(value);
      else await field.fill(value);
    }
    await page.click('#event-submit');
  }

  test('noPermission → requested → granted → prompted → revoked, through the page and the webhook route', async () => {
    await page.goto(`${service.url}/`);
    await page.waitForSelector('body[data-ready="true"]');
    await poll(shown.clock).toBe('virtual clock · 2026-04-06 09:00:00 UTC');
    expect(await page.locator('#effects-badge').textContent()).toBe('dry run: nothing is sent');
    await poll(() => page.locator('#live-badge').textContent()).toBe('live');

    // Open a relationship nobody has touched: noPermission, nothing in its timeline.
    await page.fill('#sender', `+${SENDER}`);
    await page.fill('#user', USER);
    await page.click('#open-form button[type="submit"]');
    await poll(shown.state).toBe('noPermission');
    await poll(shown.highlighted).toBe('noPermission');
    expect(await page.locator('#timeline').textContent()).toContain('no events yet');
    expect(await shown.decisions()).toContain('Request permission: allowed (template)');
    expect(await shown.decisions()).toContain('Start a call: refused by G4');

    // R1, R3: the request goes out (as a template: the user has not written), and is counted.
    await page.click('#request-button');
    await poll(shown.state).toBe('requested');
    await poll(shown.highlighted).toBe('requested');
    expect(await shown.result()).toMatch(/^Permission request: sent as template/);
    expect(await shown.counter('requests-short')).toBe('1 / 1');
    expect(await shown.decisions()).toContain('Request permission: refused by R1 until 2026-04-07 09:00:00 UTC');
    expect(await shown.timeline()).toEqual(['REQUEST_SENT noPermission→requested | R1 R2 U2 / requests (R1) 0 → 1 · requests (R2) 0 → 1 / dry run: would POST /whatsapp/1/message/template']);
    // R1 again, from the page: refused, and the refusal is in the timeline.
    await page.click('#request-button');
    await poll(shown.result).toMatch(/^Permission request refused by R1/);
    await poll(async () => (await shown.timeline()).at(-1)).toMatch(/^request refused requested \| R1 \/ 1 permission request\(s\) were already sent in the last 24 h/);

    // G1: the user accepts with an expiry, through Infobip's webhook; the page hears of it by itself.
    const accepted = await service.call('POST', '/webhooks/infobip', permissionReply(SENDER, USER, T0 + 5 * 60_000, { response: 'ACCEPT', expiresAt: T0 + 7 * DAY }));
    expect(accepted.status).toBe(200);
    await poll(shown.state).toBe('granted');
    await poll(shown.highlighted).toBe('granted');
    await poll(shown.viewStatus).toBe('TEMPORARY  until 2026-04-13 09:00:00 UTC');
    expect(await shown.counter('grant')).toBe('until 2026-04-13 09:00:00 UTC');

    // Four calls, an hour apart, none answered: M1 prompts at two, M2 revokes at four.
    // Misses 1 and 3 arrive as Infobip call events, 2 and 4 from the page's test-event form.
    const after: string[] = [];
    for (let miss = 1; miss <= 4; miss++) {
      await page.click('#clock-buttons [data-advance="PT1H"]');
      await poll(shown.clock).toBe(`virtual clock · 2026-04-06 ${String(9 + miss).padStart(2, '0')}:00:00 UTC`);
      await page.click('#call-button');
      await poll(shown.result).toMatch(/^Call: started/);
      await poll(() => shown.counter('in-flight')).toBe('1');
      // The sender's side: the attempt counts (S1), the call holds a slot (S2, G6) until its end.
      await poll(() => shown.sender('concurrent')).toBe('1 / 1000');
      expect(await shown.sender('attempts')).toBe(`${miss} / 10000`);
      if (miss % 2 === 1) {
        const event = businessCallEvent(SENDER, USER, await lastCallId(), (await clockNow()) + 30_000, 'NO_ANSWER');
        expect((await service.call('POST', '/webhooks/infobip', event)).status).toBe(200);
      } else {
        await sendFormEvent('CALL_UNANSWERED', { unansweredReason: 'busy' });
      }
      await poll(() => shown.counter('unanswered')).toBe(String(miss));
      await poll(() => shown.counter('in-flight')).toBe('0');
      await poll(() => shown.sender('concurrent')).toBe('0 / 1000');
      after.push(`${await shown.state()}/${await shown.highlighted()}`);
    }
    expect(after).toEqual(['granted/granted', 'prompted/prompted', 'prompted/prompted', 'revoked/revoked']);

    // Revoked: no permission in the view, calls refused (G4); a request may be sent again (U2) a day later (R1).
    await poll(shown.viewStatus).toBe('NO_PERMISSION');
    expect(await shown.decisions()).toContain('Start a call: refused by G4');
    await page.click('#clock-buttons [data-advance="P1D"]');
    await poll(shown.clock).toBe('virtual clock · 2026-04-07 13:00:00 UTC');
    await poll(shown.decisions).toContain('Request permission: allowed (template)');

    // The day's sweep recorded the clock passing the R1 window (its slot freed): no state change.
    await poll(async () => (await shown.timeline()).at(-1)).toBe('CLOCK revoked | requests (R1) 1 → 0');
    // The whole story as the timeline tells it: event, state, rules of the transitions taken, what changed, what was sent.
    const call = 'CALL_STARTED %s | G1 G2 G4 / in flight 0 → 1 / dry run: would POST /calls/1/calls';
    expect(await shown.timeline()).toEqual([
      'REQUEST_SENT noPermission→requested | R1 R2 U2 / requests (R1) 0 → 1 · requests (R2) 0 → 1 / dry run: would POST /whatsapp/1/message/template',
      'request refused requested | R1 / 1 permission request(s) were already sent in the last 24 h; the next is allowed at 2026-04-07T09:00:00.000Z.',
      'PERMISSION_ACCEPTED requested→granted | G1 G5 U1 / NO_PERMISSION → TEMPORARY',
      call.replace('%s', 'granted'),
      'CALL_UNANSWERED granted | M1 M2 / in flight 1 → 0 · unanswered 0 → 1',
      call.replace('%s', 'granted'),
      'CALL_UNANSWERED granted→prompted | M1 M2 / in flight 1 → 0 · unanswered 1 → 2',
      call.replace('%s', 'prompted'),
      'CALL_UNANSWERED prompted | M1 M2 / in flight 1 → 0 · unanswered 2 → 3',
      call.replace('%s', 'prompted'),
      'CALL_UNANSWERED prompted→revoked | M2 / TEMPORARY → NO_PERMISSION · in flight 1 → 0 · unanswered 3 → 4',
      'CLOCK revoked | requests (R1) 1 → 0',
    ]);
    expect(await page.locator('#timeline-note').textContent()).toBe('12 entries');
    expect(await page.locator('#relationship-list a.current').innerText()).toMatch(/441134960000 ↔ 447700900123\s+revoked/);

    await mkdir(join('test-results', 'service'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    // The README's picture: refreshed only on request, so a test run never edits the docs.
    if (process.env.WACP_UPDATE_SCREENSHOT === '1') await copyFile(SCREENSHOT, join('docs', 'inspector.png'));
    expect(pageErrors).toEqual([]);
  });

  test('G1: a week later the temporary grant would have expired — the clock alone moves a relationship, and the page follows', async () => {
    // A second relationship on the same page: accepted for one day, then the clock passes its expiry.
    const user = '447700900999';
    const now = await clockNow();
    await service.call('POST', service.relationship('events', SENDER, user), { type: 'PERMISSION_ACCEPTED', expiresAt: new Date(now + DAY).toISOString() });
    await page.locator(`#relationship-list a[data-user="${user}"]`).click();
    await poll(shown.state).toBe('granted');
    await page.click('#clock-buttons [data-advance="P7D"]');
    await poll(shown.state).toBe('noPermission');
    await poll(shown.highlighted).toBe('noPermission');
    await poll(async () => (await shown.timeline()).at(-1)).toBe('CLOCK granted→noPermission | G1 / TEMPORARY → NO_PERMISSION');
    expect(await shown.clock()).toBe(`virtual clock · ${new Date(now + 7 * DAY).toISOString().slice(0, 19).replace('T', ' ')} UTC`);
    expect(pageErrors).toEqual([]);
  });
});
