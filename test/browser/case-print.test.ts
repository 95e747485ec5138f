// The case view and the printable slips in a real browser against the demo gateway: the case page
// (reached from search and from an item) shows its items, one timeline, its orders and open alarms by
// name in zh and en and on a phone; the check-out slip, the transfer-in receipt and the chain of
// custody print through Chromium to A4 PDFs (test-artifacts/), with their signature lines and names,
// and with no ISO date or EPC hex where a person reads (the custody print shows the event hashes).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findProgram } from '../helpers/programs.ts';
import { apiGet, browserTestsCanRun, openPage, SCREENSHOTS, shot, startHarness, unauthorisedCrossing, type Harness } from './harness.ts';

const ready = browserTestsCanRun();
const ARTIFACTS = path.resolve(SCREENSHOTS, '..');
const ISO_RE = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const EPC_RE = /\b[0-9A-Fa-f]{24}\b/;
const HASH_RE = /\b[0-9a-f]{64}\b/;

/** The PDF of the page as printed (print media, A4), its page count by its page objects. */
async function printPdf(page: Page, name: string): Promise<{ file: string; pages: number }> {
  const file = path.join(ARTIFACTS, `${name}.pdf`);
  await page.pdf({ path: file, format: 'A4', printBackground: true, preferCSSPageSize: true });
  const buf = fs.readFileSync(file);
  expect(buf.length).toBeGreaterThan(1000);
  expect(buf.subarray(0, 4).toString('latin1')).toBe('%PDF');
  const pages = (buf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
  return { file, pages };
}

/** One page of a PDF as PNG, when poppler's pdftoppm is there (it may not be). */
function pdfToPng(pdf: string): string | null {
  if (!findProgram('pdftoppm')) return null;
  const out = pdf.replace(/\.pdf$/, '');
  execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', pdf, out]);
  return `${out}.png`;
}

async function slipText(page: Page): Promise<string> {
  await page.waitForSelector('[data-testid=slip][data-ready=true]', { timeout: 15_000 });
  // innerText: what a person reads, cell by cell (textContent would run a case number into the next cell's digits).
  return page.innerText('[data-testid=slip]');
}

describe.skipIf(!ready)('the case view and the printable slips', () => {
  let h: Harness;
  let item: any;
  let kase: any;
  let alarmId = '';
  beforeAll(async () => {
    h = await startHarness();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    // A stored item no active order covers, carried out: its case has an open alarm.
    const covered = new Set((await apiGet(h, 'demo-supervisor', '/orders?state=active&limit=100')).data.flatMap((o: any) => o.items.map((i: any) => i.itemId)));
    item = (await apiGet(h, 'demo-supervisor', '/items?state=stored&zone=general&limit=100')).data.find((i: any) => !covered.has(i.id));
    alarmId = (await unauthorisedCrossing(h, item)).id;
    kase = await apiGet(h, 'demo-supervisor', `/cases/${encodeURIComponent(item.caseId)}`);
  }, 120_000);
  afterAll(async () => { await h?.close(); });

  it('the API answers the case with its items, orders and the open alarm', () => {
    expect(kase.number).toBe(item.caseNumber);
    expect(kase.itemList.map((i: any) => i.id)).toContain(item.id);
    expect(kase.alarms.map((a: any) => a.id)).toContain(alarmId);
    expect(kase.orders.length).toBeGreaterThan(0);
  });

  it('search by case number → the case page: header, items by name, one timeline, orders, open alarms, all in words (zh)', async () => {
    const page = await openPage(h, { token: 'demo-supervisor', path: `/inventory?q=${encodeURIComponent(item.caseNumber)}` });
    await page.locator(`[data-testid=case-results] a[href="/cases/${encodeURIComponent(kase.id)}"]`).click();
    await page.waitForSelector('[data-testid=case-timeline] .tl-entry');
    expect(await page.textContent('[data-testid=case-number]')).toContain(kase.number);
    expect(await page.textContent('[data-testid=case-unit]')).toBe(kase.agency.name);
    const items = await page.textContent('[data-testid=case-items]');
    for (const i of kase.itemList) expect(items).toContain(i.name);
    expect(items).toContain(kase.itemList[0].zone?.name ?? '');
    const kinds = await page.locator('[data-testid=case-timeline] .tl-entry').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    expect(kinds).toContain('received');
    // the timeline covers every item of the case, not just one
    const itemsOnTimeline = new Set(await page.locator('[data-testid=case-timeline] .tl-entry').evaluateAll((els) => els.map((e) => e.getAttribute('data-item-id'))));
    expect(itemsOnTimeline.size).toBe(kase.itemList.length);
    const alarms = await page.textContent('[data-testid=case-alarms]');
    expect(alarms).toContain('未授权移动');
    expect(alarms).toContain(item.name);
    for (const o of kase.orders) expect(await page.locator(`[data-testid=case-orders] [data-order-id="${o.id}"]`).count()).toBe(1);
    const text = await page.innerText('main');
    expect(text).toContain('入库上架');
    for (const i of kase.itemList) if (i.epc) expect(text).not.toContain(i.epc);
    expect(text).not.toMatch(ISO_RE);
    expect(text).not.toMatch(EPC_RE);
    await shot(page, 'case-01-case-zh');
    await page.locator('[data-testid=case-timeline]').screenshot({ path: path.join(SCREENSHOTS, 'case-02-timeline-zh.png') });
    await page.context().close();
  });

  it('the item page\'s case number opens the case; the case page reads in English', async () => {
    const page = await openPage(h, { token: 'demo-supervisor', lang: 'en', path: `/items/${encodeURIComponent(item.id)}` });
    await page.locator('[data-testid=item-case] a').click();
    await page.waitForSelector('[data-testid=case-timeline] .tl-entry');
    expect(page.url()).toContain(`/cases/${encodeURIComponent(kase.id)}`);
    expect(await page.textContent('[data-testid=case-unit]')).toBe(kase.agency.nameEn ?? kase.agency.name);
    expect(await page.textContent('[data-testid=case-alarms]')).toContain('Unauthorised movement');
    expect(await page.textContent('[data-testid=case-items]')).toContain('Stored');
    const text = await page.innerText('main');
    expect(text).not.toMatch(ISO_RE);
    expect(text).not.toMatch(EPC_RE);
    await shot(page, 'case-03-case-en');
    await page.context().close();
  });

  it('on a 390 px phone the case page has no sideways scroll and each item\'s state shows', async () => {
    const page = await openPage(h, { token: 'demo-supervisor', viewport: { width: 390, height: 844 }, path: `/cases/${encodeURIComponent(kase.id)}` });
    await page.waitForSelector('[data-testid=case-timeline] .tl-entry');
    const { sw, cw } = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth }));
    expect(sw).toBeLessThanOrEqual(cw);
    const states = page.locator('[data-testid=case-items] tbody tr td:nth-child(2) .badge');
    expect(await states.count()).toBe(kase.itemList.length);
    expect(await states.first().isVisible()).toBe(true);
    expect(await page.locator('[data-testid=case-items] tbody tr td.hide-narrow').first().isVisible()).toBe(false);
    await shot(page, 'case-04-case-phone');
    await page.context().close();
  });

  it('a restricted-zone case opens for discipline and is not found for anyone else', async () => {
    const rs = (await apiGet(h, 'demo-discipline', '/items?zone=restricted&limit=1')).data[0];
    const page = await openPage(h, { token: 'demo-discipline', path: `/cases/${encodeURIComponent(rs.caseId)}` });
    await page.waitForSelector('[data-testid=case-timeline] .tl-entry');
    expect(await page.textContent('[data-testid=case-items]')).toContain(rs.name);
    await page.context().close();
    const other = await openPage(h, { token: 'demo-auditor', path: `/cases/${encodeURIComponent(rs.caseId)}` });
    await other.waitForSelector('.status.error');
    expect(await other.textContent('main')).toContain('找不到该案件');
    await other.context().close();
  });

  it('the check-out slip (调用单) prints to an A4 PDF with names, dates in words and the three signature lines', async () => {
    const out = (await apiGet(h, 'demo-supervisor', '/items?state=out&zone=general&limit=50')).data[0];
    const detail = await apiGet(h, 'demo-supervisor', `/items/${encodeURIComponent(out.id)}`);
    const page = await openPage(h, { token: 'demo-supervisor', path: `/items/${encodeURIComponent(out.id)}` });
    await page.locator('[data-testid=print-checkout]').click();
    const text = await slipText(page);
    for (const s of ['涉案财物调用单', '交物人', '领物人', '经办人', out.name, out.caseNumber, detail.checkout.purpose, detail.checkout.orderId, detail.checkout.conditionOut, detail.checkout.approvedBy]) {
      expect(text).toContain(s);
    }
    const staff = (await apiGet(h, 'demo-supervisor', '/staff?limit=500')).data.find((s: any) => s.id === detail.checkout.takenBy);
    if (staff) expect(await page.textContent('[data-testid=taken-by]')).toBe(staff.name);
    expect(text).not.toMatch(ISO_RE);
    expect(text).not.toMatch(EPC_RE);
    expect(text).not.toMatch(HASH_RE);
    expect(text).not.toContain(out.epc);
    await shot(page, 'print-01-checkout');
    const pdf = await printPdf(page, 'print-checkout');
    expect(pdf.pages).toBe(1);
    const png = pdfToPng(pdf.file);
    if (png) expect(fs.statSync(png).size).toBeGreaterThan(0);
    await page.context().close();
    // the same slip in English
    const en = await openPage(h, { token: 'demo-supervisor', lang: 'en', path: `/print/checkout/${encodeURIComponent(detail.checkout.orderId)}/${encodeURIComponent(out.id)}` });
    const enText = await slipText(en);
    for (const s of ['Check-out slip', 'Handed over by', 'Received by', 'Handled by', out.name, detail.checkout.purpose]) expect(enText).toContain(s);
    expect(enText).not.toMatch(ISO_RE);
    await en.context().close();
  });

  it('the transfer-in receipt (入库单) lists the manifest with case numbers, quantities, condition and the two signature lines', async () => {
    const order = (await apiGet(h, 'demo-supervisor', '/orders?kind=transfer_in&limit=50')).data.find((o: any) => o.items.length > 0 && o.items.length <= 30);
    const page = await openPage(h, { token: 'demo-supervisor', path: '/orders?tab=ended' });
    await page.goto(`${h.url}/print/receipt/${encodeURIComponent(order.id)}`);
    const text = await slipText(page);
    for (const s of ['涉案财物入库单', '移交人', '接收人', order.id]) expect(text).toContain(s);
    expect(await page.locator('[data-testid=receipt-items] tbody tr').count()).toBe(order.items.length);
    const first = await apiGet(h, 'demo-supervisor', `/items/${encodeURIComponent(order.items[0].itemId)}`);
    expect(text).toContain(first.name);
    expect(text).toContain(first.caseNumber);
    expect(text).not.toContain(first.epc);
    expect(text).not.toMatch(ISO_RE);
    expect(text).not.toMatch(EPC_RE);
    expect(text).not.toMatch(HASH_RE);
    await shot(page, 'print-02-receipt');
    const pdf = await printPdf(page, 'print-receipt');
    expect(pdf.pages).toBeGreaterThanOrEqual(1);
    await page.context().close();
  });

  it('the orders page offers the receipt of a transfer_in', async () => {
    const page = await openPage(h, { token: 'demo-supervisor', path: '/orders?tab=ended' });
    await page.waitForSelector('.order-card');
    // the demo's manifests have all been received: they are among the ended orders
    await expect.poll(() => page.locator('[data-testid=print-receipt]').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.locator('[data-testid=print-receipt]').first().click();
    expect(await slipText(page)).toContain('涉案财物入库单');
    await page.context().close();
  });

  it('the chain of custody prints every event with kind in words, names, places, hashes and the verify result with its time', async () => {
    const events = (await apiGet(h, 'demo-supervisor', `/items/${encodeURIComponent(item.id)}/events?limit=500`)).data;
    const page = await openPage(h, { token: 'demo-supervisor', path: `/items/${encodeURIComponent(item.id)}` });
    await page.locator('[data-testid=print-custody]').click();
    const text = await slipText(page);
    expect(await page.locator('[data-testid=custody-events] .custody-event').count()).toBe(events.length);
    for (const e of events) {
      expect(text).toContain(e.hash);
      expect(text).toContain(e.prevHash);
    }
    for (const s of ['涉案财物保管链记录', '入库上架', '接收', item.name, item.caseNumber, '校验时间', '经办人']) expect(text).toContain(s);
    expect(await page.getAttribute('[data-testid=custody-verify]', 'data-ok')).toBe('true');
    const named = events.map((e: any) => e.actors?.name).filter(Boolean);
    if (named.length) expect(text).toContain(named[0]);
    expect(text).not.toMatch(ISO_RE);
    // hashes are evidence and shown whole; no EPC anywhere
    expect(text.replace(/\b[0-9a-f]{64}\b/g, '')).not.toMatch(EPC_RE);
    expect(text).not.toContain(item.epc);
    await shot(page, 'print-03-custody');
    const pdf = await printPdf(page, 'print-custody');
    expect(pdf.pages).toBeGreaterThanOrEqual(1);
    const png = pdfToPng(pdf.file);
    if (png) expect(fs.statSync(png).size).toBeGreaterThan(0);
    // printed, the app's header and the print buttons are gone
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('header.app-header').isVisible()).toBe(false);
    expect(await page.locator('[data-testid=print-tools]').isVisible()).toBe(false);
    expect(await page.locator('[data-testid=slip]').isVisible()).toBe(true);
    await shot(page, 'print-04-custody-as-printed');
    await page.context().close();
  });
});
