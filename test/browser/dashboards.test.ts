// The dashboards end to end in headless Chromium against a real gateway: sign-in, alarms on the
// Operations page, item search and timeline, role filtering, the language switch, the emergency
// order form, the API-down banner, and a screenshot of every page (test-artifacts/screenshots).
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiGet, browserTestsCanRun, openPage, shot, startHarness, unauthorisedCrossing, type Harness } from './harness.ts';

const ready = browserTestsCanRun();
const RESTRICTED_ZONE = '纪委监委专区';

describe.skipIf(!ready)('dashboards in a real browser', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness(); }, 120_000);
  afterAll(async () => { await h?.close(); });

  it('signs in with a token, keeps it for the session only, and shows the role', async () => {
    const page = await openPage(h);
    await shot(page, '00-sign-in');
    await page.fill('#token', 'not-a-token');
    await page.click('form.signin-card button[type=submit]');
    await expect.poll(() => page.textContent('.form-error')).toContain('令牌无效');
    await page.fill('#token', 'demo-operator');
    await page.click('form.signin-card button[type=submit]');
    await page.waitForSelector('[data-testid=user-role]');
    expect(await page.getAttribute('[data-testid=user-role]', 'data-role')).toBe('operator');
    expect(await page.textContent('[data-testid=user-role]')).toContain('运营人员');
    expect(await page.evaluate(() => [sessionStorage.getItem('custody.token'), localStorage.getItem('custody.token')])).toEqual(['demo-operator', null]);
    await page.waitForSelector('[data-testid=alarms] .alarm');
    await shot(page, '01-operations');
    // a reload keeps the session; signing out forgets the token
    await page.reload();
    await page.waitForSelector('[data-testid=user-role]');
    await page.click('[data-testid=sign-out]');
    await page.waitForSelector('#token');
    expect(await page.evaluate(() => sessionStorage.getItem('custody.token'))).toBeNull();
    await page.context().close();
  });

  it('shows an unauthorised crossing as an alarm within seconds, with sound, and acknowledges it with a note', async () => {
    const page = await openPage(h, { token: 'demo-operator' });
    await page.waitForSelector('[data-testid=alarms] .alarm');
    const beepsBefore = await page.evaluate(() => (window as any).__custodyBeeps ?? 0);
    // An item no active order covers: carrying it out must be caught.
    const covered = new Set((await apiGet(h, 'demo-operator', '/orders?state=active&limit=100')).data.flatMap((o: any) => o.items.map((i: any) => i.itemId)));
    const item = (await apiGet(h, 'demo-operator', '/items?state=stored&zone=general&limit=50')).data.find((i: any) => !covered.has(i.id));
    const alarm = await unauthorisedCrossing(h, item);
    const card = page.locator(`[data-alarm-id="${alarm.id}"]`);
    await card.waitFor({ timeout: 6000 });
    expect(await card.textContent()).toContain('未授权移动');
    // new critical alarms come first and sound
    expect(await page.locator('[data-testid=alarms] .alarm').first().getAttribute('data-alarm-id')).toBe(alarm.id);
    await expect.poll(() => page.evaluate(() => (window as any).__custodyBeeps ?? 0)).toBeGreaterThan(beepsBefore);
    // an operator acknowledges but may not resolve
    expect(await card.locator('[data-action=resolve]').count()).toBe(0);
    await card.locator('[data-action=acknowledge]').click();
    await shot(page, '02-operations-acknowledge');
    await card.locator('form.note-form button[type=submit]').click();
    expect(await card.locator('.form-error').textContent()).toContain('请填写备注');
    await card.locator('textarea').fill('已到现场核实，系演练');
    await card.locator('form.note-form button[type=submit]').click();
    await expect.poll(() => page.locator(`[data-alarm-id="${alarm.id}"]`).getAttribute('data-state')).toBe('acknowledged');
    const after = await apiGet(h, 'demo-operator', `/alarms/${alarm.id}`);
    expect(after).toMatchObject({ state: 'acknowledged', acknowledgeNote: '已到现场核实，系演练', acknowledgedBy: 'user-operator' });
    await page.context().close();

    // the supervisor resolves it
    const sup = await openPage(h, { token: 'demo-supervisor' });
    const supCard = sup.locator(`[data-alarm-id="${alarm.id}"]`);
    await supCard.waitFor();
    await supCard.locator('[data-action=resolve]').click();
    await supCard.locator('textarea').fill('已处置');
    await supCard.locator('form.note-form button[type=submit]').click();
    await supCard.waitFor({ state: 'detached' });
    expect((await apiGet(h, 'demo-supervisor', `/alarms/${alarm.id}`)).state).toBe('resolved');
    await sup.context().close();
  });

  it('finds an item by its case number and shows its chain of custody and the ledger check', async () => {
    const item = (await apiGet(h, 'demo-auditor', '/items?state=stored&zone=valuables&limit=1')).data[0];
    const page = await openPage(h, { token: 'demo-auditor', path: '/inventory' });
    await page.waitForSelector('[data-testid=zones] .zone-card');
    await shot(page, '03-inventory');
    await page.fill('[data-testid=search-input]', item.caseNumber);
    await page.click('form.search-bar button[type=submit]');
    await page.waitForSelector('[data-testid=search-results] [data-testid=item-table] tbody tr');
    await shot(page, '04-inventory-search');
    await page.locator(`[data-testid=search-results] a[href="/items/${item.id}"]`).click();
    await page.waitForSelector('[data-testid=timeline] .tl-entry');
    expect(await page.textContent('[data-testid=item-name]')).toBe(item.name);
    const kinds = await page.locator('[data-testid=timeline] .tl-entry').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    expect(kinds).toContain('received');
    expect(kinds).toContain('putaway');
    const timeline = await page.textContent('[data-testid=timeline]');
    expect(timeline).toContain('入库上架');
    expect(timeline).toContain('贵重物品库');
    await page.waitForSelector('[data-testid=ledger-verify] .verify.ok');
    await shot(page, '05-item-timeline');
    // the zone → location → items path
    await page.goto(`${h.url}/inventory/zones/valuables`);
    await page.waitForSelector('[data-testid=locations] .loc-card');
    await page.locator('[data-testid=locations] .loc-card:not(.empty-loc)').first().click();
    await page.waitForSelector('[data-testid=item-table] tbody tr');
    await shot(page, '06-inventory-location');
    await page.context().close();
  });

  it('the agency user sees only its own agency\'s items', async () => {
    const other = (await apiGet(h, 'demo-supervisor', '/items?agency=psb-daiyue&state=stored&limit=1')).data[0];
    const page = await openPage(h, { token: 'demo-agency', path: '/inventory' });
    await page.waitForSelector('[data-testid=zones] .zone-card');
    expect(await page.textContent('[data-testid=user-role]')).toContain('泰山分局');
    // every item listed in a zone is the agency's own
    await page.goto(`${h.url}/inventory/zones/general`);
    await page.waitForSelector('[data-testid=item-table] tbody tr');
    const agencies = await page.locator('[data-testid=item-table] tbody tr td:nth-child(4)').allTextContents();
    expect(agencies.length).toBeGreaterThan(0);
    expect(new Set(agencies)).toEqual(new Set(['泰山分局']));
    await shot(page, '07-inventory-agency');
    // another agency's case finds nothing, its item page answers "not found"
    await page.goto(`${h.url}/inventory?q=${encodeURIComponent(other.caseNumber)}`);
    await page.waitForSelector('[data-testid=search-results] .status.empty');
    await page.goto(`${h.url}/items/${other.id}`);
    await page.waitForSelector('.status.error');
    expect(await page.textContent('main')).toContain('找不到该涉案财物');
    // and no emergency-order button, no devices page
    await page.goto(`${h.url}/orders`);
    await page.waitForSelector('.order-list');
    expect(await page.locator('[data-testid=new-order]').count()).toBe(0);
    expect(await page.locator('nav.main-nav [data-nav=devices]').count()).toBe(0);
    await page.context().close();
  });

  it('nobody but the discipline role sees the restricted zone', async () => {
    for (const role of ['operator', 'supervisor', 'agency', 'auditor', 'admin']) {
      const page = await openPage(h, { token: `demo-${role}`, path: '/inventory' });
      await page.waitForSelector('[data-testid=zones] .zone-card');
      expect(await page.locator('[data-zone-id=restricted]').count(), role).toBe(0);
      expect(await page.textContent('body'), role).not.toContain(RESTRICTED_ZONE);
      await page.context().close();
    }
    const page = await openPage(h, { token: 'demo-discipline', path: '/inventory' });
    await page.waitForSelector('[data-zone-id=restricted]');
    expect(await page.textContent('[data-zone-id=restricted]')).toContain(RESTRICTED_ZONE);
    await shot(page, '08-inventory-discipline');
    await page.context().close();
  });

  it('switches between Chinese and English, with dates and numbers in that locale', async () => {
    const page = await openPage(h, { token: 'demo-supervisor', path: '/inventory' });
    await page.waitForSelector('[data-testid=zones] .zone-card');
    expect(await page.textContent('nav.main-nav')).toContain('库存');
    await page.click('[data-testid=lang-switch]');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await page.waitForSelector('[data-testid=zones] .zone-card');
    expect(await page.textContent('nav.main-nav')).toContain('Inventory');
    expect(await page.textContent('[data-testid=zones]')).toContain('Valuables vault');
    expect(await page.textContent('[data-testid=user-role]')).toContain('Supervisor');
    await shot(page, '09-inventory-english');
    await page.goto(`${h.url}/operations`);
    await page.waitForSelector('[data-testid=alarms] .alarm');
    expect(await page.textContent('[data-testid=alarms]')).toContain('Overdue return');
    await shot(page, '10-operations-english');
    await page.click('[data-testid=lang-switch]');
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    expect(await page.textContent('nav.main-nav')).toContain('运行监控');
    await page.context().close();
  });

  it('lists the warnings before the fact on the Operations page and beside the overdue list, by name, in both languages', async () => {
    const w = await apiGet(h, 'demo-supervisor', '/warnings');
    expect(w.dueSoon.length).toBeGreaterThan(0);
    expect(w.retentionExceeded.length).toBeGreaterThan(0);
    const soon = w.dueSoon[0];
    const kept = w.retentionExceeded[0];
    const page = await openPage(h, { token: 'demo-supervisor', path: '/operations' });
    await page.waitForSelector('[data-testid=warnings] [data-testid=due-soon-table] tbody tr');
    await page.waitForSelector('[data-testid=warnings] [data-testid=retention-table] tbody tr');
    let text = await page.textContent('[data-testid=warnings]') ?? '';
    for (const s of ['即将到期', '超期存放', '案件保管期限', soon.itemName, soon.caseNumber, kept.caseNumber]) expect(text).toContain(s);
    // Names, never ids or EPCs.
    expect(text).not.toContain(soon.itemId);
    if (soon.epc) expect(text).not.toContain(soon.epc);
    expect(text).not.toContain(soon.takenBy);
    expect(text).toContain(soon.takenByName);
    await shot(page, '10b-operations-warnings');
    await page.goto(`${h.url}/inventory`);
    await page.waitForSelector('[data-testid=overdue] [data-testid=overdue-table] tbody tr');
    await page.waitForSelector('[data-testid=warnings] [data-testid=due-soon-table] tbody tr');
    await page.waitForSelector('[data-testid=warnings] [data-testid=retention-table] tbody tr');
    await page.click('[data-testid=lang-switch]');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await page.waitForSelector('[data-testid=warnings] [data-testid=retention-table] tbody tr');
    text = await page.textContent('[data-testid=warnings]') ?? '';
    for (const s of ['Due soon', 'Retention exceeded', 'case retention date']) expect(text).toContain(s);
    await shot(page, '10c-inventory-warnings-english');
    await page.click('[data-testid=lang-switch]');
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    await page.context().close();
  });

  it('a supervisor issues an emergency order; an operator is not offered the form', async () => {
    const op = await openPage(h, { token: 'demo-operator', path: '/orders' });
    await op.waitForSelector('.order-list');
    expect(await op.locator('[data-testid=new-order]').count()).toBe(0);
    await op.context().close();

    const item = (await apiGet(h, 'demo-supervisor', '/items?state=stored&zone=general&limit=1')).data[0];
    const page = await openPage(h, { token: 'demo-supervisor', path: '/orders' });
    await page.waitForSelector('.order-list .order-card');
    await page.locator('.order-card details summary').first().click();
    await page.waitForSelector('.order-item-list li');
    await shot(page, '11-orders');
    await page.click('[data-testid=new-order]');
    await page.waitForSelector('[data-testid=order-form]');
    await page.fill('[data-testid=order-item-search]', item.epc);
    await page.locator('.pick-list button').first().click();
    expect(await page.textContent('[data-testid=order-items]')).toContain(item.name);
    await page.fill('input[name=approvedBy]', '中心主任 孙志强');
    await page.fill('input[name=purpose]', '紧急司法鉴定');
    await page.locator('input[name=escorts][value="op-01"]').check().catch(() => {});
    await shot(page, '12-order-form');
    await page.click('[data-testid=order-form] button[type=submit]');
    await page.waitForSelector('.status.ok');
    const issued = new URL(page.url()).searchParams.get('issued');
    expect(issued).toMatch(/^EM-/);
    const order = await apiGet(h, 'demo-supervisor', `/orders/${issued}`);
    expect(order).toMatchObject({ kind: 'retrieve', emergency: true, purpose: '紧急司法鉴定', items: [{ itemId: item.id }] });
    await page.context().close();
  });

  it('shows the other pages, empty states for what the gateway does not offer yet, and a banner when the API is down', async () => {
    const page = await openPage(h, { token: 'demo-admin', path: '/devices' });
    await page.waitForSelector('[data-testid=devices] .status, [data-testid=device-table]');
    await shot(page, '13-devices');
    await page.goto(`${h.url}/environment`);
    // The firearms store has limits and no monitor: a grey tile that says so (environment.test.ts has the rest).
    await page.waitForSelector('[data-testid=env-tile-firearms][data-level=none]');
    expect(await page.textContent('[data-testid=env-tiles]')).toContain('暂无读数');
    await shot(page, '14-environment');
    await page.goto(`${h.url}/sync`);
    // This gateway has no platform (the browser harness runs without the simulated one): the page says so, in words.
    await page.waitForSelector('[data-testid=sync-off]');
    expect(await page.textContent('[data-testid=sync-off]')).toContain('本站未配置市级平台');
    await shot(page, '16-sync');

    // the gateway goes away: a banner, no hang; it comes back: the banner goes and the page reloads
    await page.goto(`${h.url}/operations`);
    await page.waitForSelector('[data-testid=alarms] .alarm');
    await page.route('**/api/**', (route) => route.abort('connectionrefused'));
    await page.click('nav.main-nav [data-nav=inventory]');
    await page.waitForSelector('[data-testid=offline-banner]:not([hidden])', { timeout: 10_000 });
    expect(await page.textContent('[data-testid=offline-banner]')).toContain('无法连接网关');
    await shot(page, '17-api-down');
    await page.unroute('**/api/**');
    await page.waitForSelector('[data-testid=offline-banner][hidden]', { state: 'attached', timeout: 20_000 });
    await page.waitForSelector('[data-testid=zones] .zone-card');
    await page.context().close();
  }, 90_000);

  it('draws any time series with its limit lines (the chart component)', async () => {
    const page = await openPage(h, { token: 'demo-operator' });
    // A string, so that vitest does not rewrite the browser's import().
    const out = await page.evaluate(`(async () => {
      const { lineChart } = await import('/components/chart.js');
      const t0 = Date.parse('2026-01-01T00:00:00Z');
      const points = Array.from({ length: 48 }, (_, i) => ({ t: t0 + i * 1800e3, v: 20 + 10 * Math.sin(i / 5) }));
      const fig = lineChart({ series: [{ name: 'T', points }], limits: { min: 12, max: 28 }, unit: '°C', title: 'test' });
      document.querySelector('main').prepend(fig);
      return {
        limits: fig.querySelectorAll('.chart-limit').length,
        line: fig.querySelector('.chart-line')?.getAttribute('d')?.split('L').length,
        out: fig.querySelectorAll('.chart-out').length,
      };
    })()`) as { limits: number; line: number; out: number };
    expect(out.limits).toBe(2);
    expect(out.line).toBe(48);
    expect(out.out).toBeGreaterThan(0); // the values above 28 are marked
    await page.context().close();
  });

  it('is readable on a 10-inch tablet', async () => {
    const page = await openPage(h, { token: 'demo-supervisor', viewport: { width: 800, height: 1280 } });
    await page.waitForSelector('[data-testid=alarms] .alarm');
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    await shot(page, '18-tablet-operations');
    await page.goto(`${h.url}/inventory`);
    await page.waitForSelector('[data-testid=zones] .zone-card');
    await shot(page, '19-tablet-inventory');
    const item = (await apiGet(h, 'demo-supervisor', '/items?state=out&limit=1')).data[0];
    await page.goto(`${h.url}/items/${item.id}`);
    await page.waitForSelector('[data-testid=timeline] .tl-entry');
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    await shot(page, '20-tablet-item');
    await page.context().close();
  });

  it('shows a reader whose clock is 5 minutes fast as needing setting, in both languages and on a phone', async () => {
    // rd-main's clock jumps 5 minutes ahead; the gateway measures it from the next heartbeat.
    h.readers.reader('rd-main').clockSkewMs = 5 * 60_000;
    await expect.poll(async () => (await apiGet(h, 'demo-admin', '/devices')).data.find((d: any) => d.id === 'rd-main')?.clockOffsetExceeded, { timeout: 20_000 }).toBe(true);
    const row = '[data-testid=device-table] tr:has-text("rd-main")';
    for (const [lang, expected] of [['zh', '快 5分钟 · 需校时'], ['en', '5 mins ahead · needs setting']] as const) {
      const page = await openPage(h, { token: 'demo-admin', lang, path: '/devices', viewport: { width: 390, height: 844 } });
      await page.waitForSelector(row);
      expect(await page.textContent(row)).toContain(expected);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no sideways scrolling on a phone').toBe(true);
      await shot(page, `21-phone-devices-${lang}`);
      await page.context().close();
    }
  });
});

describe.skipIf(!ready)('the Shelves page in a real browser', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness(); }, 120_000);
  afterAll(async () => { await h?.close(); });

  it('draws the watched locations from the simulated shelf readers, and a location\'s items in words, in both languages and on a phone', async () => {
    const page = await openPage(h, { token: 'demo-supervisor', path: '/shelves' });
    // The simulator's R2000 readers hold the items the ledger stores at their antennas' locations.
    await page.locator('[data-testid=shelves] .shelf-tile[data-state=confirmed]').first().waitFor({ timeout: 30_000 });
    const tile = page.locator('[data-testid="shelf-GN-01-01"]');
    expect(await tile.textContent()).toMatch(/在位已确认|在位 \d+\/\d+/);
    await shot(page, '15-shelves');
    await tile.click();
    await page.waitForSelector('[data-testid=shelf-items] tbody tr');
    const first = await page.locator('[data-testid=shelf-items] tbody tr').first().textContent();
    expect(first).toContain('在位');
    expect(first).not.toMatch(/confirmed|not_seen|\d{4}-\d{2}-\d{2}T/);
    await shot(page, '15b-shelf-location');
    await page.context().close();

    const en = await openPage(h, { token: 'demo-supervisor', lang: 'en', path: '/shelves/GN-01-01' });
    await en.waitForSelector('[data-testid=shelf-items] tbody tr');
    expect(await en.locator('[data-testid=shelf-items]').textContent()).toMatch(/In place/);
    await shot(en, '15c-shelves-en');
    await en.context().close();

    const phone = await openPage(h, { token: 'demo-supervisor', viewport: { width: 390, height: 844 }, path: '/shelves' });
    await phone.locator('.shelf-tile[data-state=confirmed]').first().waitFor({ timeout: 30_000 });
    expect(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    await shot(phone, '15d-shelves-phone');
    await phone.context().close();
  }, 90_000);
  it('the intake desk binds a new tag to an untagged item step by step, in both languages and on a phone', async () => {
    const page = await openPage(h, { token: 'demo-operator', path: '/intake' });
    const rows = page.locator('[data-testid=intake-untagged] tbody tr');
    await rows.first().waitFor({ timeout: 15_000 });
    const before = await rows.count();
    const name = (await rows.first().locator('td').nth(1).textContent())!.trim();
    await shot(page, '16-intake');
    await rows.first().locator('input[type=radio]').check();
    // One desk reader on the demo site: it is chosen already.
    expect(await page.locator('[data-testid=intake-chosen]').textContent()).toContain(name);
    expect(await rows.first().locator('td').nth(3).textContent()).not.toMatch(/^\s*[a-z_]*\s*$|—/);
    await page.click('[data-testid=intake-start]');
    await page.waitForSelector('[data-testid=enrolment-state][data-state=waiting]', { timeout: 10_000 });
    await shot(page, '16b-intake-waiting');
    // The demo's desk puts a fresh tag on the reader a few seconds after the window opens.
    await page.waitForSelector('[data-testid=enrolment-state][data-state=bound]', { timeout: 20_000 });
    const outcome = (await page.locator('[data-testid=enrolment-state]').textContent())!;
    expect(outcome).toContain('已绑定');
    expect(outcome).toContain(name);
    expect(outcome).toMatch(/尾号 [0-9A-F]{4}/);
    expect(outcome).not.toMatch(/[0-9A-F]{24}/);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=intake-untagged] tbody tr').length === n - 1
      || (n === 1 && !!document.querySelector('[data-testid=intake-items] .empty')), before);
    await shot(page, '16c-intake-bound');
    await page.context().close();

    const en = await openPage(h, { token: 'demo-operator', lang: 'en', path: '/intake' });
    await en.waitForSelector('[data-testid=enrolments] tbody tr');
    const recent = (await en.locator('[data-testid=enrolments]').textContent())!;
    expect(recent).toContain('Bound');
    expect(recent).not.toMatch(/bound|waiting|\d{4}-\d{2}-\d{2}T/);
    await shot(en, '16d-intake-en');
    await en.context().close();

    const phone = await openPage(h, { token: 'demo-operator', viewport: { width: 390, height: 844 }, path: '/intake' });
    await phone.waitForSelector('[data-testid=intake-step2]');
    expect(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    await shot(phone, '16e-intake-phone');
    await phone.context().close();
  }, 90_000);

  it('a supervisor opens a count, watches it fill from the shelf readers, closes it and reads the report, in both languages and on a phone', async () => {
    const page = await openPage(h, { token: 'demo-supervisor', path: '/counts' });
    await page.selectOption('[data-testid=count-zone]', 'general');
    await page.click('[data-testid=count-open]');
    await page.waitForSelector('[data-testid=count-progress]');
    // The shelf readers' rounds cover their locations within seconds.
    await page.locator('[data-testid="count-loc-GN-01-01"].tone-ok').waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid="count-loc-GN-01-01"]').textContent()).toContain('已读到');
    expect(await page.locator('[data-testid="count-loc-GN-10-12"]').textContent()).toContain('尚未读到');
    await shot(page, '17-count-running');
    await page.click('[data-testid=count-close]');
    await page.waitForSelector('[data-testid=count-totals]', { timeout: 20_000 });
    const totals = (await page.locator('[data-testid=count-totals]').textContent())!;
    // Every watched location read, the rest of the zone not: items in place are found, the others not counted, those out checked out.
    expect(totals).toMatch(/(\d+)\s*未盘到/);
    expect(Number(/([\d,]+)\s*找到/.exec(totals)![1]!.replace(/,/g, ''))).toBeGreaterThan(0);
    expect(Number(/([\d,]+)\s*未盘到/.exec(totals)![1]!.replace(/,/g, ''))).toBeGreaterThan(0);
    const lines = (await page.locator('[data-testid=count-lines]').textContent())!;
    expect(lines).toContain('货架读写器');
    expect(lines).not.toMatch(/not_counted|found|shelf\b|\d{4}-\d{2}-\d{2}T|GN-\d\d-\d\d/);
    expect(await page.locator('[data-testid=count-fingerprint]').textContent()).toMatch(/SHA-256.*[0-9a-f]{16}…/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=count-csv]')]);
    const csv = fs.readFileSync((await download.path())!);
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.toString('utf8')).toContain('未盘到');
    await shot(page, '17b-count-report');
    const url = page.url();
    await page.context().close();

    const en = await openPage(h, { token: 'demo-supervisor', lang: 'en', path: new URL(url).pathname });
    await en.waitForSelector('[data-testid=count-totals]');
    expect(await en.locator('[data-testid=count-totals]').textContent()).toContain('Not counted');
    expect(await en.locator('[data-testid=count-lines]').textContent()).not.toMatch(/not_counted|\d{4}-\d{2}-\d{2}T/);
    await shot(en, '17c-count-report-en');
    await en.context().close();

    const phone = await openPage(h, { token: 'demo-supervisor', viewport: { width: 390, height: 844 }, path: new URL(url).pathname });
    await phone.waitForSelector('[data-testid=count-totals]');
    expect(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    await shot(phone, '17d-count-phone');
    await phone.context().close();
  }, 120_000);
});
