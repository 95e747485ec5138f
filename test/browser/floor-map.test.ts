// The floor map of the Operations page in headless Chromium against the demo gateway: the demo's
// zones, gates and locations drawn from GET /floor-plan; an unauthorised crossing made through the
// simulated readers lights its gate, runs through it, turns its zone red and makes the alarm's place
// flash; a click on a zone opens its locations; the commission sees its zone, nobody else does; in
// English, on a tablet and on a phone, without sideways scrolling. Screenshots in test-artifacts/screenshots.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { apiGet, browserTestsCanRun, openPage, shot, startHarness, unauthorisedCrossing, type Harness } from './harness.ts';

const ready = browserTestsCanRun();
const MAP = '[data-testid=floor-map]';
const fits = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
const zoneIds = (page: Page) => page.$$eval(`${MAP} .fm-zone`, (els) => els.map((e) => e.getAttribute('data-zone-id')).sort());
const gateIds = (page: Page) => page.$$eval(`${MAP} .fm-gate`, (els) => els.map((e) => e.getAttribute('data-gate-id')).sort());

describe.skipIf(!ready)('the floor map on the Operations page', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness(); }, 120_000);
  afterAll(async () => { await h?.close(); });

  it('draws the demo\'s zones, gates and locations; the restricted zone for the commission only', async () => {
    const page = await openPage(h, { token: 'demo-supervisor', viewport: { width: 1440, height: 900 } });
    await page.waitForSelector(`${MAP} .fm-zone`);
    expect(await zoneIds(page)).toEqual(['cold', 'display', 'firearms', 'general', 'hazardous', 'intake', 'valuables', 'vehicle']);
    expect(await gateIds(page)).toEqual(['gate-intake', 'gate-main', 'gate-valuables']);
    expect(await page.locator(`${MAP} .fm-location`).count()).toBe(284);
    expect(await page.locator('[data-testid=gates]').count()).toBe(0); // the map, not the tiles
    expect(await page.textContent(MAP)).toContain('一般物品库');
    expect(await page.locator(`${MAP} .fm-gate[data-gate-id=gate-main]`).getAttribute('data-state')).toMatch(/^(idle|crossing|alarm)$/);
    expect(await fits(page)).toBe(true);
    await shot(page, 'fm-01-operations-map');
    await page.context().close();

    const dc = await openPage(h, { token: 'demo-discipline', viewport: { width: 1440, height: 900 } });
    await dc.waitForSelector(`${MAP} .fm-zone`);
    expect(await zoneIds(dc)).toContain('restricted');
    expect(await gateIds(dc)).toContain('gate-restricted');
    expect(await dc.locator(`${MAP} .fm-location`).count()).toBe(324);
    expect(await dc.textContent(MAP)).toContain('纪委监委专区');
    await shot(dc, 'fm-02-operations-map-discipline');
    await dc.context().close();
  }, 60_000);

  it('an unauthorised crossing lights its gate, runs through it, turns its zone red and flashes the alarm\'s place; a zone opens its locations', async () => {
    const page = await openPage(h, { token: 'demo-operator', viewport: { width: 1440, height: 900 } });
    await page.waitForSelector(`${MAP} .fm-zone`);
    const covered = new Set((await apiGet(h, 'demo-operator', '/orders?state=active&limit=100')).data.flatMap((o: any) => o.items.map((i: any) => i.itemId)));
    const item = (await apiGet(h, 'demo-operator', '/items?state=stored&zone=general&limit=50')).data.find((i: any) => !covered.has(i.id));
    const moving = page.waitForSelector(`${MAP} .fm-crossing[data-gate-id=gate-main]`, { state: 'attached', timeout: 15_000 });
    const alarm = await unauthorisedCrossing(h, item);
    await moving;
    const gate = page.locator(`${MAP} .fm-gate[data-gate-id=gate-main]`);
    await expect.poll(() => gate.getAttribute('data-state'), { timeout: 6000 }).toBe('alarm');
    await expect.poll(() => gate.getAttribute('data-flashing')).toBe('true'); // the alarm's place
    const zoneId = alarm.zoneId ?? item.zoneId ?? 'general';
    const zone = page.locator(`${MAP} .fm-zone[data-zone-id=${zoneId}]`);
    await expect.poll(() => zone.getAttribute('data-state')).toBe('critical');
    expect(await zone.locator('title').textContent()).toContain('未授权移动');
    await shot(page, 'fm-03-operations-map-alarm');
    // A click on a zone opens its locations.
    await page.locator(`${MAP} .fm-zone[data-zone-id=valuables]`).click({ position: { x: 6, y: 6 } });
    await expect.poll(() => new URL(page.url()).pathname).toBe('/inventory/zones/valuables');
    await page.waitForSelector('[data-testid=locations], table, .zone-card');
    await shot(page, 'fm-04-zone-opened');
    // A location on the map opens its items.
    await page.goBack();
    await page.waitForSelector(`${MAP} .fm-location[data-location-id=GN-01-01]`);
    await page.locator(`${MAP} .fm-location[data-location-id=GN-01-01]`).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/inventory/zones/general/locations/GN-01-01');
    await page.context().close();
  }, 60_000);

  it('reads in English, and fits a 1024×768 tablet and a 390 px phone', async () => {
    const en = await openPage(h, { token: 'demo-supervisor', lang: 'en', viewport: { width: 1440, height: 900 } });
    await en.waitForSelector(`${MAP} .fm-zone`);
    const text = await en.textContent(MAP);
    expect(text).toContain('General store');
    expect(text).toContain('Critical alarm');
    expect(text).not.toMatch(/fm\./);
    expect(await en.textContent('[data-testid=floor-map-panel] h2')).toBe('Floor map');
    await shot(en, 'fm-05-operations-map-en');
    await en.context().close();
    for (const [name, viewport] of [['tablet', { width: 1024, height: 768 }], ['phone', { width: 390, height: 844 }]] as const) {
      const page = await openPage(h, { token: 'demo-supervisor', viewport });
      await page.waitForSelector(`${MAP} .fm-zone`);
      expect(await fits(page), name).toBe(true);
      const box = await page.locator(`${MAP} svg`).boundingBox();
      expect(box!.width, name).toBeLessThanOrEqual(viewport.width);
      expect(box!.width, name).toBeGreaterThan(viewport.width * 0.6);
      await page.locator('[data-testid=floor-map-panel]').scrollIntoViewIfNeeded();
      await shot(page, `fm-06-operations-map-${name}`);
      await page.context().close();
    }
  }, 60_000);
});

describe.skipIf(!ready)('a site whose plan has two floors, and one with no plan', () => {
  it('switches between the floors', async () => {
    // The display room (示证室) upstairs: the demo's plan less that room, and a second floor with it.
    const h = await startHarness({
      site: (r) => {
        const [f1] = r.site.floorPlan!.floors;
        const grid = f1!.grids.find((g) => g.locations[0]!.startsWith('DP-'))!;
        f1!.zones = f1!.zones.filter((z) => z.zoneId !== 'display');
        f1!.grids = f1!.grids.filter((g) => g !== grid);
        r.site.floorPlan!.floors.push({
          id: 'f2', name: '二层', nameEn: 'First floor', width: 400, height: 200,
          zones: [{ zoneId: 'display', outline: [[0, 0], [400, 0], [400, 200], [0, 200]] }],
          grids: [{ ...grid, x: 60, y: 100, dx: 56 }], locations: [], gates: [],
        });
      },
    });
    try {
      const page = await openPage(h, { token: 'demo-supervisor', lang: 'en', viewport: { width: 1440, height: 900 } });
      await page.waitForSelector(`${MAP} .fm-zone`);
      expect(await page.$$eval(`${MAP} .fm-floors button`, (bs) => bs.map((b) => b.textContent))).toEqual(['Ground floor', 'First floor']);
      expect(await zoneIds(page)).not.toContain('display');
      await page.click(`${MAP} .fm-floors button[data-floor=f2]`);
      await expect.poll(() => zoneIds(page)).toEqual(['display']);
      expect(await page.locator(`${MAP} svg`).getAttribute('data-floor')).toBe('f2');
      expect(await page.locator(`${MAP} .fm-location`).count()).toBe(6);
      expect(await page.getAttribute(`${MAP} .fm-floors button[data-floor=f2]`, 'aria-selected')).toBe('true');
      await shot(page, 'fm-07-operations-map-second-floor');
      await page.context().close();
    } finally {
      await h.close();
    }
  }, 120_000);

  it('without a plan, the gates are tiles as before', async () => {
    const h = await startHarness({ site: (r) => { delete r.site.floorPlan; } });
    try {
      expect(await apiGet(h, 'demo-supervisor', '/floor-plan')).toEqual({ floors: [] });
      const page = await openPage(h, { token: 'demo-supervisor', viewport: { width: 1440, height: 900 } });
      await page.waitForSelector('[data-testid=gates] .gate');
      expect(await page.locator('[data-testid=gates] .gate').count()).toBe(3);
      expect(await page.locator(MAP).count()).toBe(0);
      await shot(page, 'fm-08-operations-no-plan');
      await page.context().close();
    } finally {
      await h.close();
    }
  }, 120_000);
});
