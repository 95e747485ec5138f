// The Sync page in headless Chromium against a real demo gateway whose platform is the simulated
// one (firmware-sim/platform, in this process): an outage shown in words with the backlog growing,
// then the backlog draining live once the platform is back, the inbox's refusals, both languages and
// a phone. The metrics carry the main chain's figures.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { apiGet, browserTestsCanRun, openPage, shot, startHarness, type Harness } from './harness.ts';
import { demoToken } from '../../gateway/demo/site.ts';
import { startPlatform, type Platform } from '../../firmware-sim/platform/server.ts';
import { appendEvents } from '../sync/fixture.ts';
import { tempDir } from '../helpers/custody-site.ts';

const ready = browserTestsCanRun();
const SECRET = 'the-demo-sites-test-secret-0123456789abcdef';
const backlogOf = async (p: Page) => Number((await p.locator('[data-testid="dest-platform:main"] [data-testid=backlog]').textContent())!.replace(/[^\d]/g, ''));

describe.skipIf(!ready)('the Sync page in a real browser', () => {
  let h: Harness;
  let platform: Platform;
  let simDir: string;

  beforeAll(async () => {
    simDir = tempDir('sync-page-sim-');
    process.env.GATEWAY_PLATFORM_SECRET = SECRET;
    platform = await startPlatform({ port: 0, dbFile: `${simDir}/platform.db`, seed: { sites: [{ id: 'ta-center', keyId: 'page-test', secret: SECRET }] } });
    // Down from the first moment: everything the demo wrote waits in the ledger.
    platform.faults.add({ kind: 'status_500', times: 0 });
    h = await startHarness({
      site: ({ site }) => {
        site.platform = { url: platform.url, keyId: 'page-test', secretEnv: 'GATEWAY_PLATFORM_SECRET', pollIntervalMs: 2000, timeoutMs: 3000,
          drainEventsPerSecond: 2500, retryBaseMs: 200, retryMaxMs: 1000, inventoryIntervalMs: 600_000, environmentIntervalMs: 600_000 };
      },
    });
    expect(h.gw.custody.ctx.site.site.id).toBe('ta-center');
  }, 180_000);
  afterAll(async () => {
    await h?.close();
    await platform?.close();
    fs.rmSync(simDir, { recursive: true, force: true });
    delete process.env.GATEWAY_PLATFORM_SECRET;
  });

  it('shows an outage in words, then the backlog draining live once the platform is back', async () => {
    appendEvents(h.gw.custody.ctx, 20_000);
    const page = await openPage(h, { token: demoToken('supervisor'), path: '/sync' });
    const dest = page.locator('[data-testid="dest-platform:main"]');
    await dest.waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="panel-platform:main"] [data-testid=last-error]')?.textContent?.includes('平台'));
    expect(await page.locator('[data-testid="panel-platform:main"] [data-testid=last-error]').textContent()).toContain('平台内部错误');
    expect(await dest.locator('[data-state]').getAttribute('data-state')).toBe('retrying');
    const waiting = await backlogOf(page);
    expect(waiting).toBeGreaterThanOrEqual(20_000);
    await shot(page, 'sync-outage');
    // No raw code or ISO time where a person reads.
    const text = (await page.locator('main').textContent())!;
    expect(text).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/);
    expect(text).not.toContain('INTERNAL');

    platform.faults.clear();
    const seen: number[] = [];
    for (let i = 0; i < 120; i++) {
      const n = await backlogOf(page);
      if (seen[seen.length - 1] !== n) seen.push(n);
      if (n === 0) break;
      await page.waitForTimeout(500);
    }
    // Drawn on the way down, not only at the end: at the shipped bound the drain takes seconds.
    expect(seen[seen.length - 1]).toBe(0);
    expect(seen.filter((n) => n > 0 && n < waiting).length).toBeGreaterThanOrEqual(2);
    await page.waitForFunction(() => document.querySelector('[data-testid="dest-platform:main"] [data-state]')?.getAttribute('data-state') === 'idle');
    expect(await page.locator('[data-testid="panel-platform:main"] [data-testid=last-error]').count()).toBe(0);
    await page.locator('[data-testid="backlog-chart-platform:main"] canvas').first().waitFor();
    await page.waitForFunction(() => !document.querySelector('[data-testid=inbox]')?.textContent?.includes('库存快照上传尚无'));
    await shot(page, 'sync-drained');
    const report = await (await fetch(`${platform.url}/admin/sites/ta-center/chains/main`)).json() as { head: { seq: number }; verified: boolean };
    expect(report).toMatchObject({ verified: true, head: { seq: h.gw.custody.ctx.ledger.headNow.seq } });
    const metrics = await (await fetch(`${h.url}/api/v1/metrics`, { headers: { authorization: `Bearer ${demoToken('supervisor')}` } })).text();
    expect(metrics).toMatch(/^gateway_sync_backlog_events 0$/m);
    expect(metrics).toMatch(new RegExp(`^gateway_sync_acked_seq ${h.gw.custody.ctx.ledger.headNow.seq}$`, 'm'));
    await page.context().close();
  }, 120_000);

  it('shows the restricted chain\'s anchor to the commission only, in English too, and fits a phone', async () => {
    const dis = await openPage(h, { token: demoToken('discipline'), path: '/sync', lang: 'en' });
    await dis.locator('[data-testid="dest-platform:restricted"]').waitFor();
    expect(await dis.locator('[data-testid="dest-platform:main"]').count()).toBe(0);
    expect(await dis.locator('main').textContent()).toContain('City platform · restricted ledger anchor');
    await shot(dis, 'sync-discipline-en');
    await dis.context().close();
    const sup = await apiGet(h, demoToken('supervisor'), '/sync');
    expect(sup.destinations.map((d: { id: string }) => d.id)).toEqual(['platform:main']);

    const phone = await openPage(h, { token: demoToken('supervisor'), path: '/sync', viewport: { width: 390, height: 844 } });
    await phone.locator('[data-testid="dest-platform:main"]').waitFor();
    expect(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    await shot(phone, 'sync-phone');
    // The menu folds behind one button naming the page; opened, every entry is on screen, none cut off.
    expect(await phone.locator('[data-testid=nav-toggle]').textContent()).toContain('平台同步');
    await phone.click('[data-testid=nav-toggle]');
    const boxes = await phone.$$eval('nav.main-nav a', (as) => as.map((a) => { const r = a.getBoundingClientRect(); return { left: r.left, right: r.right, w: r.width }; }));
    expect(boxes.length).toBeGreaterThanOrEqual(8);
    for (const b of boxes) expect(b.left >= 0 && b.right <= 390 && b.w > 40, JSON.stringify(b)).toBe(true);
    await shot(phone, 'sync-phone-menu');
    await phone.click('nav.main-nav [data-nav=environment]');
    await phone.waitForURL('**/environment');
    expect(await phone.locator('nav.main-nav').isVisible()).toBe(false);
    await phone.context().close();
  }, 60_000);
});
