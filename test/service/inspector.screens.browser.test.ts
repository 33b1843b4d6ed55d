import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RULE_SUMMARIES } from '../../src/diagram/ruleSummaries.js';

import { DAY, SENDER, startTestService, T0, USER, type TestService } from './harness.js';

/**
 * The inspector on a phone (390 px) and a desktop (1440 px), in headless Chromium: nothing scrolls
 * sideways, the relationship's state comes first, the chart's labels stay legible, durations read as
 * a person says them, rule badges link to their section of docs/rules.md, the clock ticks under real
 * time, and a first visit opens the example pair. Screenshots go to test-results/ (and to docs/ with
 * WACP_UPDATE_SCREENSHOT=1).
 */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const hasChromium = existsSync(CHROMIUM);
/** The smallest edge or node label that counts as legible, in CSS pixels of rendered text height. */
const LEGIBLE_PX = 11;

describe.skipIf(!hasChromium)('the inspector on any screen', () => {
  let service: TestService;
  let fresh: TestService;
  let browser: Browser;
  let profile: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // A relationship with a story: requested, accepted, two calls unanswered (M1 prompts), one refusal.
    service = await startTestService();
    await service.call('POST', service.relationship('permission-requests'));
    await service.call('POST', service.relationship('permission-requests'));
    await service.call('POST', service.relationship('events'), { type: 'PERMISSION_ACCEPTED', at: T0 + 5 * 60_000, expiresAt: new Date(T0 + 7 * DAY).toISOString() });
    for (let miss = 1; miss <= 2; miss++) {
      await service.call('POST', '/v1/clock', { advance: 'PT1H' });
      const { body } = await service.call('POST', service.relationship('calls'));
      await service.call('POST', service.relationship('events'), { type: 'CALL_UNANSWERED', callId: body.callId, reason: 'no_answer' });
    }
    fresh = await startTestService({ clock: 'real' });
    profile = await mkdtemp(join(tmpdir(), 'wacp-chromium-screens-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  });
  afterAll(async () => {
    await browser?.close();
    await service?.dispose();
    await fresh?.dispose();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  async function openPage(url: string, width: number, height: number): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForSelector('body[data-loaded]');
    await page.waitForSelector('#statechart svg');
    return page;
  }

  async function screenshot(page: Page, name: string) {
    const path = join('test-results', 'service', name);
    await mkdir(join('test-results', 'service'), { recursive: true });
    await page.screenshot({ path, fullPage: true });
    if (process.env.WACP_UPDATE_SCREENSHOT === '1') await copyFile(path, join('docs', name));
  }

  /** Rendered heights of the chart's texts (node names and edge labels), smallest first. */
  const labelHeights = (page: Page) =>
    page.locator('#statechart svg text').evaluateAll((texts) => texts.map((text) => text.getBoundingClientRect().height).sort((a, b) => a - b));

  test.each([
    [390, 844, 'inspector-390.png'],
    [1440, 1000, 'inspector-1440.png'],
  ])('%i px wide: no sideways scroll, state first, legible chart, human durations, linked rules', async (width, height, name) => {
    const page = await openPage(`${service.url}/?sender=${SENDER}&user=${USER}`, width, height);
    expect(await page.locator('#state').textContent()).toBe('prompted');

    const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
    expect(scrollWidth).toBeLessThanOrEqual(innerWidth);

    // The state is on the first screen, and above the relationship picker.
    const state = (await page.locator('#state').boundingBox())!;
    const picker = (await page.locator('#open-form').boundingBox())!;
    expect(state.y + state.height).toBeLessThanOrEqual(height);
    if (width < 1100) expect(state.y).toBeLessThan(picker.y);

    const heights = await labelHeights(page);
    expect(heights.length).toBeGreaterThan(10);
    expect(heights[0]).toBeGreaterThanOrEqual(LEGIBLE_PX);

    // Durations as a person says them; the JSON (and the page's JSON view) keeps ISO 8601.
    const counters = await page.locator('#counters').innerText();
    expect(counters).toContain('Requests in 24 h');
    expect(counters).toContain('Requests in 7 days');
    expect(counters).not.toMatch(/P(T\d+H|\d+D)/);
    expect((await service.call('GET', service.relationship('permissions'))).body.actions[0].limits.map((l: { timePeriod: string }) => l.timePeriod)).toEqual(['PT24H', 'P7D']);

    // Every rule badge links to its section of the rulebook, its summary as the tooltip.
    const badges = await page.locator('a.rule').evaluateAll((links) => links.map((a) => ({ id: a.textContent, href: a.getAttribute('href'), title: a.getAttribute('title') })));
    expect(badges.length).toBeGreaterThan(10);
    for (const badge of badges) {
      expect(badge.href).toBe(`/docs/rules.md#${badge.id!.toLowerCase()}`);
      expect(badge.title).toBe(`${badge.id}: ${RULE_SUMMARIES[badge.id!]}`);
    }
    // The relationship's rules, and the sender's beside them (its card: S1–S4, G6).
    expect(new Set(badges.map((b) => b.id))).toEqual(new Set(['R1', 'R2', 'G1', 'G2', 'G4', 'G5', 'M1', 'M2', 'U1', 'U2', 'W1', 'S1', 'S2', 'S3', 'S4', 'G6']));

    await screenshot(page, name);
    await page.close();
    expect(pageErrors).toEqual([]);
  });

  test('a first visit opens the example pair; under the real clock the clock card ticks', async () => {
    const page = await openPage(`${fresh.url}/`, 390, 844);
    expect(await page.locator('#pair').textContent()).toBe('441134960000 ↔ 447700900123');
    expect(await page.locator('#state').textContent()).toBe('noPermission');
    expect(await page.locator('#decisions').innerText()).toContain('Request permission: allowed (template)');

    const first = await page.locator('#clock-now').textContent();
    await expect.poll(() => page.locator('#clock-now').textContent(), { timeout: 5_000, interval: 100 }).not.toBe(first);
    const shown = Date.parse(`${(await page.locator('#clock-now').textContent())!.replace(' UTC', 'Z').replace(' ', 'T')}`);
    expect(Math.abs(shown - Date.now())).toBeLessThan(3_000);
    expect(await page.locator('#clock-badge').textContent()).toMatch(/^real clock · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    await page.close();
    expect(pageErrors).toEqual([]);
  });
});
