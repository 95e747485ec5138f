// The Statistics page (出入库统计) in headless Chromium against the demo gateway: the figures are the
// ones the API answered the page, by name (never an id), in Chinese and in English; the period
// switch asks for the week and the month; the CSV is fetched with the Bearer header; a phone's
// width holds the page without a sideways scroll.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { apiGet, browserTestsCanRun, openPage, shot, startHarness, type Harness } from './harness.ts';
import { demoToken } from '../../gateway/demo/site.ts';

const ready = browserTestsCanRun();
const MOVEMENTS = ['received', 'stored', 'takenOut', 'returned', 'circulated', 'disposed'] as const;

/** The page's figures, as numbers, read from what it shows. */
const figuresOf = async (p: Page) => Object.fromEntries(await Promise.all(MOVEMENTS.map(async (m) =>
  [m, Number((await p.locator(`[data-testid=fig-${m}]`).textContent())!.replace(/[^\d]/g, ''))])));

/** Opens the page and answers it with the statistics answer the page itself received. */
async function openStatistics(h: Harness, opts: Parameters<typeof openPage>[1]) {
  const page = await openPage(h, { ...opts, path: '/' });
  const answer = page.waitForResponse((r) => r.url().includes('/api/v1/statistics?'));
  await page.goto(`${h.url}${opts?.path ?? '/statistics'}`);
  const body = await (await answer).json();
  await page.locator('[data-testid=stats-figures]').waitFor();
  return { page, body };
}

describe.skipIf(!ready)('the Statistics page in a real browser', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness(); }, 180_000);
  afterAll(async () => { await h?.close(); });

  it('shows the API\'s figures by name in Chinese, with the charts, and switches to the month', async () => {
    const { page, body } = await openStatistics(h, { token: demoToken('supervisor') });
    expect(body.period).toBe('today');
    expect(await figuresOf(page)).toEqual(body.movements);
    // The nav has the entry, marked as the page shown.
    expect(await page.locator('nav.main-nav a[data-nav=statistics]').getAttribute('aria-current')).toBe('page');
    expect(await page.locator('h1').textContent()).toBe('出入库统计');

    const month = page.waitForResponse((r) => r.url().includes('/api/v1/statistics?period=month'));
    await page.click('[data-period=month]');
    const m = await (await month).json();
    await page.waitForFunction((v) => document.querySelector('[data-testid=fig-received]')?.getAttribute('data-value') === String(v), m.movements.received);
    expect(await figuresOf(page)).toEqual(m.movements);
    expect(await page.locator('[data-period=month]').getAttribute('aria-pressed')).toBe('true');
    const text = (await page.locator('main').textContent())!;
    if (m.byAgency.length) {
      await page.locator('[data-testid=chart-agency] canvas').first().waitFor();
      await page.locator('[data-testid=chart-category] canvas').first().waitFor();
      for (const a of m.byAgency) expect(text).toContain(a.name);
      for (const c of m.byCategory) expect(text).toContain(c.name);
      // Names, never ids.
      for (const a of m.byAgency) if (a.name !== a.agencyId) expect(text).not.toContain(a.agencyId);
      for (const c of m.byCategory) if (c.name !== c.categoryId) expect(text).not.toContain(c.categoryId);
      const rows = await page.locator('[data-testid=table-agency] tbody tr').count();
      expect(rows).toBe(m.byAgency.length);
    }
    if (m.alarms.total) {
      await page.locator('[data-testid=chart-alarms] canvas').first().waitFor();
      expect(await page.locator('[data-testid=table-alarms] [data-kind=total]').textContent()).toBe(m.alarms.total.toLocaleString('zh-CN'));
      for (const a of m.alarms.byKind) expect(text).not.toContain(a.kind);
    }
    if (m.gateTraffic.total) await page.locator('[data-testid=chart-gates] canvas').first().waitFor();
    expect(text).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/);
    await shot(page, 'statistics-month-zh');
    await page.locator('[data-testid=panel-alarms]').scrollIntoViewIfNeeded();
    await shot(page, 'statistics-month-zh-alarms');

    // The CSV: fetched with the Bearer header (no token in any URL), UTF-8 with BOM.
    const requested: string[] = [];
    page.on('request', (r) => { if (r.url().includes('statistics.csv')) requested.push(`${r.url()} ${r.headers().authorization ?? ''}`); });
    const dl = page.waitForEvent('download');
    await page.click('[data-testid=stats-csv]');
    const file = await (await dl).path();
    const bytes = fs.readFileSync(file);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.toString('utf8')).toContain('出入库合计');
    expect(requested).toHaveLength(1);
    expect(requested[0]).toMatch(/period=month Bearer demo-supervisor$/);
    expect(requested[0].split(' ')[0]).not.toContain('demo-');
    await page.context().close();
  }, 120_000);

  it('in English, as an agency (its own unit only), and on a 390 px phone without a sideways scroll', async () => {
    const { page, body } = await openStatistics(h, { token: demoToken('agency'), lang: 'en', path: '/statistics?period=month' });
    expect(body.period).toBe('month');
    expect(await figuresOf(page)).toEqual(body.movements);
    const me = await apiGet(h, demoToken('agency'), '/me');
    expect(body.byAgency.every((a: { agencyId: string }) => a.agencyId === me.agencyId)).toBe(true);
    expect(await page.locator('h1').textContent()).toBe('Movement statistics');
    expect(await page.locator('[data-testid=panel-movements]').textContent()).toContain('Taken out');
    await shot(page, 'statistics-agency-en');
    await page.context().close();

    for (const lang of ['zh', 'en'] as const) {
      const { page: phone, body: b } = await openStatistics(h, { token: demoToken('supervisor'), lang, path: '/statistics?period=month', viewport: { width: 390, height: 844 } });
      expect(await figuresOf(phone)).toEqual(b.movements);
      if (b.byAgency.length) await phone.locator('[data-testid=chart-agency] canvas').first().waitFor();
      await phone.waitForTimeout(300);
      expect(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), lang).toBe(true);
      await shot(phone, `statistics-phone-${lang}`);
      await phone.locator('[data-testid=panel-agency]').scrollIntoViewIfNeeded();
      await shot(phone, `statistics-phone-${lang}-units`);
      await phone.context().close();
    }
  }, 120_000);
});
