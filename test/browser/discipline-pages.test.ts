// The discipline commission's pages in a real browser against the demo gateway: every page it can
// reach makes no request that fails (no 404, no 403), and every date reads on the site's wall
// clock even when the browser is set to another zone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Response } from 'playwright-core';
import { apiGet, browserTestsCanRun, openPage, shot, startHarness, unauthorisedCrossing, type Harness } from './harness.ts';
import { calendarOf } from '../../edge/time/calendar.ts';

const ready = browserTestsCanRun();
const TOKEN = 'demo-discipline';

/** Every answer to the page's requests under /api that failed, or that is not the JSON the API gives (the dashboards' fallback page answering for a route that does not exist). */
function watchFailures(page: Page): string[] {
  const bad: string[] = [];
  page.on('response', (r: Response) => {
    const url = new URL(r.url());
    if (!url.pathname.startsWith('/api/')) {
      if (r.status() >= 400) bad.push(`${r.status()} ${url.pathname}${url.search}`);
      return;
    }
    if (url.pathname.startsWith('/api/docs') || url.pathname === '/api/v1/stream') return;
    const type = r.headers()['content-type'] ?? '';
    if (r.status() >= 400) bad.push(`${r.status()} ${r.request().method()} ${url.pathname}${url.search}`);
    else if (r.status() !== 204 && !type.includes('json')) bad.push(`not JSON (${type}) ${r.request().method()} ${url.pathname}${url.search}`);
  });
  page.on('requestfailed', (r) => {
    const url = new URL(r.url());
    // Leaving a page aborts its pending requests: not an answer.
    if (!/ERR_ABORTED/.test(r.failure()?.errorText ?? '')) bad.push(`failed ${url.pathname}: ${r.failure()?.errorText}`);
  });
  return bad;
}

/** Lets the page's loads, refreshes and lazy lists finish. */
async function settle(page: Page, ms = 1000) {
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.waitForTimeout(ms);
}

describe.skipIf(!ready)('the discipline user\'s pages', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness(); }, 120_000);
  afterAll(async () => { await h?.close(); });

  it('no page makes a request that fails', async () => {
    // Crossings the operations page lists: a police item carried out of the main gate (not the
    // commission's to see at all) and one carried through the commission's own door (a crossing it
    // sees, of an item it may not open).
    const police = (await apiGet(h, 'demo-supervisor', '/items?state=stored&zone=general&limit=3')).data;
    await unauthorisedCrossing(h, police[0], 'gate-main');
    await h.readers.runWalk({ gateId: 'gate-restricted', direction: 'in', staff: ['op-07'], items: [police[1].epc] });
    await expect.poll(async () => (await apiGet(h, TOKEN, '/crossings?gate=gate-restricted&limit=50')).data.some((c: any) => c.epc === police[1].epc), { timeout: 15_000 }).toBe(true);
    const seen = (await apiGet(h, TOKEN, '/crossings?limit=200')).data;
    expect(seen.some((c: any) => c.epc === police[0].epc)).toBe(false);
    expect(seen.filter((c: any) => c.itemId === police[1].id)).toEqual([]);

    const page = await openPage(h, { token: TOKEN });
    const bad = watchFailures(page);
    const visited: string[] = [];
    const visit = async (path: string, selector?: string) => {
      visited.push(path);
      await page.goto(`${h.url}${path}`);
      await page.waitForSelector('header.app-header [data-testid=user-role]');
      if (selector) await page.waitForSelector(selector, { timeout: 15_000 });
      await settle(page);
    };

    // Every page in the navigation, as the discipline user sees it.
    await visit('/operations', '[data-testid=alarms]');
    const nav = await page.$$eval('nav.main-nav a', (as) => as.map((a) => a.getAttribute('href')!));
    expect(nav).toContain('/inventory');
    for (const path of nav) await visit(path);

    // The restricted zone, a location in it, and items: one in the zone, one of the commission's own outside it.
    const zones = (await apiGet(h, TOKEN, '/zones')).data as { id: string; kind: string }[];
    const rz = zones.find((z) => z.kind === 'restricted')!;
    await visit(`/inventory/zones/${rz.id}`, '[data-testid=zones], .loc-card, .status');
    const loc = (await apiGet(h, TOKEN, `/locations?zone=${rz.id}`)).data[0];
    await visit(`/inventory/zones/${rz.id}/locations/${encodeURIComponent(loc.id)}`);
    // The demo keeps all of the commission's items stored in its zone (none outside it, none checked
    // out): the item pages visited are those. Should the demo add others, visit them too.
    const inZone = (await apiGet(h, TOKEN, `/items?zone=${rz.id}&limit=5`)).data;
    expect(inZone.length, 'the commission\'s items in its zone').toBeGreaterThan(0);
    const others = [...(await apiGet(h, TOKEN, '/items?limit=500')).data.filter((i: any) => i.zoneId !== rz.id).slice(0, 2),
      ...(await apiGet(h, TOKEN, '/items?state=out&limit=2')).data];
    for (const item of [...inZone.slice(0, 2), ...others]) await visit(`/items/${encodeURIComponent(item.id)}`, '[data-testid=item-name]');

    // Every tab of the orders, with every order's items opened.
    for (const tab of ['active', 'open', 'ended']) {
      await visit(`/orders?tab=${tab}`, '.order-list');
      for (const d of await page.$$('details.order-items')) await d.evaluate((el) => { (el as HTMLDetailsElement).open = true; });
      await settle(page);
    }
    await visit('/orders/new', 'form');
    await shot(page, '30-discipline-order-form');

    // A crossing through the commission's door while its operations page is open: it arrives on the
    // stream, shows with its EPC, and the page asks for no item it may not open.
    await visit('/operations', '[data-testid=alarms]');
    await h.readers.runWalk({ gateId: 'gate-restricted', direction: 'in', staff: ['op-07'], items: [police[2].epc] });
    await page.waitForSelector(`[data-testid=crossing-table] code:text("${police[2].epc}")`, { timeout: 15_000 });
    await settle(page);
    // And the language switch redraws the page it is on.
    await page.click('[data-testid=lang-switch]');
    await settle(page);

    // The dashboards ask only for what this gateway serves: /me names it.
    const me = await apiGet(h, TOKEN, '/me');
    expect(me.endpoints).toEqual(expect.arrayContaining(['items', 'orders', 'alarms', 'gates', 'crossings', 'devices', 'events', 'ledger', 'environment', 'counts']));
    expect(visited.length).toBeGreaterThan(10);
    expect(bad, `failed requests on ${visited.join(', ')}`).toEqual([]);
    await page.context().close();
  }, 180_000);

  it('dates read on the site\'s wall clock in a browser set to another zone', async () => {
    const health = await (await fetch(`${h.url}/api/health`)).json();
    expect(health.timezone).toBe('Asia/Shanghai');
    const page = await openPage(h, { token: TOKEN, timezoneId: 'America/New_York' });
    expect(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).toBe('America/New_York');
    // An instant near the site's midnight: 23:59 on the 3rd in Shanghai, still the morning of the 3rd in New York.
    const iso = '2026-12-03T15:59:00.000Z';
    const shown = await page.evaluate(`(async () => {
      const m = await import('/i18n.js');
      return { tz: m.getTimeZone(), text: m.fmtDateTime(${JSON.stringify(iso)}, { year: 'numeric', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
        input: m.toSiteInput(new Date(${JSON.stringify(iso)})), back: m.fromSiteInput('2026-12-04T00:01') };
    })()`) as { tz: string; text: string; input: string; back: string };
    expect(shown.tz).toBe('Asia/Shanghai');
    expect(shown.text).toContain('2026/12/3');
    expect(shown.text).toContain('23:59');
    expect(shown.input).toBe('2026-12-03T23:59');
    expect(shown.back).toBe('2026-12-03T16:01:00.000Z');

    // A due time on an item page: the text shown is the site's, not the browser's.
    const out = (await apiGet(h, 'demo-operator', '/items?state=out&limit=1')).data[0];
    expect(out?.dueAt, 'the demo has items out, each with a due time').toBeTruthy();
    const p2 = await openPage(h, { token: 'demo-operator', timezoneId: 'America/New_York', path: `/items/${encodeURIComponent(out.id)}` });
    await p2.waitForSelector('[data-testid=item-name]');
    const cal = calendarOf('Asia/Shanghai').parts(out.dueAt);
    const hm = `${String(cal.hour).padStart(2, '0')}:${String(cal.minute).padStart(2, '0')}`;
    expect(await p2.textContent('main')).toContain(hm);
    await p2.context().close();
    await page.context().close();
  }, 60_000);
});
