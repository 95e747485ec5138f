// Cycle counts (盘点) through a real Custody and its HTTP API, on a moved clock: a count opened over a
// zone, shelf rounds and a handheld's reads (a location's tag, then its items) as observations, and
// the report that closing it gives: one line per item in its class, fingerprinted in the ledger, as
// JSON and as CSV. The restricted zone's counts are the commission's; an open count survives a restart.
import { createHash } from 'node:crypto';
import canonicalizeCjs from 'canonicalize';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeGsrn96 } from '../../edge/epc/encode.ts';
import { announce } from '../../edge/lifecycle/announce.ts';
import { receive } from '../../edge/lifecycle/receive.ts';
import { putaway } from '../../edge/lifecycle/putaway.ts';
import { retrieve } from '../../edge/lifecycle/retrieve.ts';
import type { SiteInput } from '../../edge/site/schema.ts';
import { DAY, intake, issue, itemRow, nextEpc, openHarness, principal, TestClock, type Harness, type HarnessOptions, type UserKey } from '../helpers/custody-site.ts';

const SEC = 1000;
const canonicalize = canonicalizeCjs as unknown as (v: unknown) => string;
const BADGE = encodeGsrn96('6901234', 5n);
const GN02_TAG = '3034AAAA00000000000000A2';
const RS02_TAG = '3034AAAA00000000000000B2';

function withCounting(input: SiteInput): void {
  input.serialPorts = [{ id: 'com1', path: '/dev/ttyUSB0' }, { id: 'com2', path: 'tcp://10.0.0.9:4001' }];
  input.locations = [
    ...input.locations!.map((l) => (l.id === 'GN-02' ? { ...l, tagEpc: GN02_TAG } : l.id === 'RS-02' ? { ...l, tagEpc: RS02_TAG } : l)),
    { id: 'GN-03', zoneId: 'general', name: '货架 1-3' },
  ];
  input.devices = [
    ...input.devices!,
    { id: 'sh-gn', kind: 'shelf_reader', protocol: 'r2000', port: 'com1', address: 1, antennas: [{ port: 1, locationId: 'GN-01' }] },
    { id: 'sh-rs', kind: 'shelf_reader', protocol: 'r2000', port: 'com1', address: 2, antennas: [{ port: 1, locationId: 'RS-01' }] },
    { id: 'lc-gn', kind: 'load_cell', protocol: 'modbus', port: 'com2', address: 1, profile: 'weighing-int32', locationId: 'GN-02', tareGrams: 5000, toleranceGrams: 50 },
    { id: 'hh-1', kind: 'handheld', name: '盘点手持机 1', format: 'zebra' },
  ];
  input.staff = input.staff!.map((s) => (s.id === 'op-01' ? { ...s, badgeEpc: BADGE } : s));
}

let h: Harness;
afterEach(async () => { await h?.close(); });
const open = (o: HarnessOptions = {}) => openHarness({ clock: new TestClock(), site: withCounting, ...o });

const online = (deviceId: string) => h.custody.observe({
  type: 'device', deviceId, state: 'online', reason: 'connect', at: h.clock.now(), accepted: 0, rejected: {}, readsPerSecond: 0,
});
const round = (locationId: string, epcs: string[], deviceId = locationId.startsWith('RS') ? 'sh-rs' : 'sh-gn') =>
  h.custody.observe({ type: 'shelf', deviceId, locationId, epcs, at: h.clock.now() });
const handheld = (epcs: string[], deviceId = 'hh-1') => h.custody.observe({ type: 'handheld', deviceId, epcs, at: h.clock.now() });
const epcOf = (id: string) => itemRow(h.custody, id)!.epc as string;

async function post(u: UserKey, urlPath: string, body: unknown, status: number) {
  const r = await h.call(u, 'POST', urlPath, body);
  expect(r.status, `${u} POST ${urlPath}: ${r.text}`).toBe(status);
  return r.body;
}

/** A bulk item (its weight recorded at receipt) stored at `locationId`. */
function bulk(locationId: string, grams: number): string {
  const op = principal('operator');
  const to = issue(h.ctx, { kind: 'transfer_in', agencyId: 'psb-taishan', zoneId: 'intake' });
  const [id] = announce(h.ctx, op, { orderId: to.id, items: [{ epc: nextEpc(), name: '现金（一捆）', categoryId: 'electronics', caseNumber: 'A37090200000020250300888' }] })
    .map((a) => a.item.id);
  receive(h.ctx, op, id!, { orderId: to.id, weightGrams: grams });
  putaway(h.ctx, op, id!, { orderId: issue(h.ctx, { kind: 'putaway', itemIds: [id!] }).id, locationId });
  return id!;
}

describe('a cycle count of a zone', () => {
  it('reports one line per item in its class, fingerprinted by one custody event, as JSON and CSV', async () => {
    h = await open();
    const [found, missing, moved, out] = intake(h.ctx, { count: 4, to: 'GN-01' }).ids;
    const [notCounted] = intake(h.ctx, { to: 'GN-03' }).ids;
    const [foreign] = intake(h.ctx, { to: 'VL-01' }).ids;
    const heavy = bulk('GN-02', 800);
    const retrieveOrder = issue(h.ctx, { kind: 'retrieve', itemIds: [out!] });
    retrieve(h.ctx, principal('operator'), out!, { orderId: retrieveOrder.id, takenBy: 'op-01', condition: '封装完好', purpose: '鉴定', dueAt: new Date(h.clock.now() + DAY).toISOString() });
    online('sh-gn');
    online('lc-gn');
    const stray = nextEpc();

    const opened = await post('supervisor', '/counts', { zoneId: 'general', note: '季度盘点' }, 201);
    expect(opened).toMatchObject({
      state: 'open', scope: { zoneId: 'general', locationIds: ['GN-01', 'GN-02', 'GN-03'] }, restricted: false, note: '季度盘点',
      openedBy: { by: 'u-supervisor', name: expect.any(String) }, report: null, reportSha256: null,
      progress: { expected: 5, found: 0, locations: expect.arrayContaining([{ locationId: 'GN-03', name: '货架 1-3', covered: false, expected: 1, found: 0 }]) },
    });
    await post('supervisor', '/counts', { locationIds: ['GN-02'] }, 409);

    // The shelf reads GN-01: two of its items, the valuables' item left there, a badge; the handheld reads GN-02's tag, then the cash bag and a stray tag.
    h.clock.advance(5 * SEC);
    expect(round('GN-01', [epcOf(found!), epcOf(foreign!), BADGE])).toEqual({ ok: true });
    expect(handheld([GN02_TAG, epcOf(heavy), epcOf(moved!), stray])).toEqual({ ok: true });
    expect(h.custody.observe({ type: 'shelf', deviceId: 'lc-gn', locationId: 'GN-02', weightGrams: 5500, at: h.clock.now() })).toEqual({ ok: true });
    const live = (await h.call('supervisor', 'GET', `/counts/${opened.id}`)).body;
    expect(live.progress).toMatchObject({ expected: 5, found: 2, misplaced: 2, unexpected: 1 });
    expect(live.progress.locations).toEqual([
      { locationId: 'GN-01', name: '货架 1-1', covered: true, expected: 3, found: 1 },
      { locationId: 'GN-02', name: '货架 1-2', covered: true, expected: 1, found: 1 },
      { locationId: 'GN-03', name: '货架 1-3', covered: false, expected: 1, found: 0 },
    ]);

    h.clock.advance(60 * SEC);
    const closed = await post('supervisor', `/counts/${opened.id}/close`, {}, 200);
    expect(closed).toMatchObject({ state: 'closed', closedBy: { by: 'u-supervisor' }, progress: null, event: { chain: 'main', seq: expect.any(Number) } });
    expect(closed.totals).toEqual({ found: 1, missing: 1, misplaced: 2, unexpected: 1, weight_mismatch: 1, not_counted: 1, checked_out: 1 });
    const byClass = (cls: string) => closed.report.lines.filter((l: any) => l.class === cls);
    expect(byClass('found')).toEqual([expect.objectContaining({ itemId: found, seenLocationId: 'GN-01', via: 'shelf' })]);
    expect(byClass('missing')).toEqual([expect.objectContaining({ itemId: missing, expectedLocationId: 'GN-01', seenLocationId: null })]);
    expect(byClass('misplaced')).toEqual(expect.arrayContaining([
      expect.objectContaining({ itemId: moved, expectedLocationId: 'GN-01', seenLocationId: 'GN-02', via: 'handheld' }),
      expect.objectContaining({ itemId: foreign, expectedLocationId: 'VL-01', seenLocationId: 'GN-01', via: 'shelf' }),
    ]));
    expect(byClass('unexpected')).toEqual([expect.objectContaining({ itemId: null, epc: stray, seenLocationId: 'GN-02', via: 'handheld' })]);
    expect(byClass('weight_mismatch')).toEqual([expect.objectContaining({ itemId: heavy, measuredGrams: 5500, expectedGrams: 5800 })]);
    expect(byClass('not_counted')).toEqual([expect.objectContaining({ itemId: notCounted, expectedLocationId: 'GN-03' })]);
    expect(byClass('checked_out')).toEqual([expect.objectContaining({ itemId: out, expectedLocationId: 'GN-01' })]);
    expect(closed.report.lines.some((l: any) => l.epc === BADGE || l.epc === GN02_TAG)).toBe(false);

    // The JSON is what was hashed, and the ledger's event carries the same hash.
    const json = await h.call('auditor', 'GET', `/counts/${opened.id}/report.json`);
    expect(json.status).toBe(200);
    expect(createHash('sha256').update(json.text, 'utf8').digest('hex')).toBe(closed.reportSha256);
    // Canonical as any RFC 8785 implementation writes it: an auditor recomputes the hash with their own.
    expect(json.text).toBe(canonicalize(JSON.parse(json.text)));
    expect(JSON.parse(json.text)).toEqual(closed.report);
    const event = h.custody.db.prepare('SELECT kind, item_id, details FROM events WHERE chain = ? AND seq = ?').get('main', closed.event.seq) as { kind: string; item_id: null; details: string };
    expect(event.kind).toBe('count_closed');
    expect(JSON.parse(event.details)).toMatchObject({ countId: opened.id, reportSha256: closed.reportSha256, totals: closed.totals });
    expect(h.custody.verify().ok).toBe(true);

    const csv = await fetch(`${h.url}/api/v1/counts/${opened.id}/report.csv`, { headers: { authorization: 'Bearer tok-auditor-xxxxxxxx' } });
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    expect(text).toContain('结果,物品编号,物品名称,案件编号,标签EPC,应在货位,读到货位,读到时间,读取方式');
    expect(text).toMatch(new RegExp(`缺失,${missing},华为手机,[^,]+,${epcOf(missing!)},货架 1-1,,`));
    expect(text).toContain('重量不符');
    expect(text.split('\r\n').filter((l) => /^(找到|缺失|错位|多出|重量不符|未盘到|已调出),/.test(l))).toHaveLength(8);

    await post('supervisor', `/counts/${opened.id}/close`, {}, 409);
    const list = (await h.call('auditor', 'GET', '/counts')).body.counts;
    expect(list).toEqual([expect.objectContaining({ id: opened.id, state: 'closed', totals: closed.totals, report: null })]);
  });

  it('finds an item the shelves read outside the count while it ran misplaced, not missing', async () => {
    h = await open();
    const [a] = intake(h.ctx, { to: 'GN-02' }).ids;
    online('sh-gn');
    const c = await post('supervisor', '/counts', { locationIds: ['GN-02'] }, 201);
    handheld([GN02_TAG]);
    h.clock.advance(SEC);
    round('GN-01', [epcOf(a!)]);
    const closed = await post('supervisor', `/counts/${c.id}/close`, {}, 200);
    expect(closed.report.lines).toEqual([expect.objectContaining({ class: 'misplaced', itemId: a, seenLocationId: 'GN-01', via: 'shelf' })]);
  });
});

describe('who counts what', () => {
  it('the restricted zone is counted by the discipline role alone, on its own chain, and seen by no other role', async () => {
    h = await open();
    const [kept] = intake(h.ctx, { restricted: true, to: 'RS-01' }).ids;
    online('sh-rs');
    expect((await h.call('supervisor', 'POST', '/counts', { zoneId: 'restricted' })).body).toMatchObject({ code: 'ZONE_NOT_FOUND' });
    expect((await h.call('supervisor', 'POST', '/counts', { locationIds: ['GN-01', 'RS-01'] })).body).toMatchObject({ code: 'LOCATION_NOT_FOUND' });
    expect((await h.call('discipline', 'POST', '/counts', { locationIds: ['GN-01', 'RS-01'] })).body).toMatchObject({ code: 'COUNT_MIXED_SCOPE' });
    expect((await h.call('discipline', 'POST', '/counts', { zoneId: 'general' })).status).toBe(403);
    expect((await h.call('operator', 'POST', '/counts', { zoneId: 'general' })).status).toBe(403);
    expect((await h.call('supervisor', 'POST', '/counts', { zoneId: 'general', locationIds: ['GN-01'] })).status).toBe(400);

    const c = await post('discipline', '/counts', { zoneId: 'restricted' }, 201);
    round('RS-01', [epcOf(kept!)]);
    handheld([RS02_TAG]);
    for (const u of ['supervisor', 'auditor', 'operator'] as const) {
      expect((await h.call(u, 'GET', `/counts/${c.id}`)).status, u).toBe(404);
      expect((await h.call(u, 'GET', '/counts')).body.counts, u).toEqual([]);
    }
    expect((await h.call('agency', 'GET', '/counts')).body).toEqual({ counts: [] });
    expect((await h.call('admin', 'GET', `/counts/${c.id}`)).status).toBe(404);
    const closed = await post('discipline', `/counts/${c.id}/close`, {}, 200);
    expect(closed).toMatchObject({ restricted: true, event: { chain: 'restricted' }, totals: { found: 1, not_counted: 0, missing: 0 } });
    expect((await h.call('supervisor', 'GET', `/counts/${c.id}/report.csv`)).status).toBe(404);
    expect((await h.call('discipline', 'GET', `/counts/${c.id}/report.csv`)).status).toBe(200);
    expect(h.custody.verify().ok).toBe(true);
  });

  it('a restricted item left on a general shelf is a tag in the general count, never named', async () => {
    h = await open();
    const [kept] = intake(h.ctx, { restricted: true, to: 'RS-01' }).ids;
    online('sh-gn');
    const c = await post('supervisor', '/counts', { locationIds: ['GN-01'] }, 201);
    round('GN-01', [epcOf(kept!)]);
    const closed = await post('supervisor', `/counts/${c.id}/close`, {}, 200);
    expect(closed.report.lines).toEqual([expect.objectContaining({ class: 'unexpected', itemId: null, itemName: null, expectedLocationId: null })]);
  });
});

describe('handheld reads', () => {
  it('are placed by the last location tag; reads before one, or where no count is open, are refused with a reason', async () => {
    h = await open();
    const [a] = intake(h.ctx, { to: 'GN-02' }).ids;
    expect(handheld([GN02_TAG, epcOf(a!)])).toMatchObject({ ok: false, reason: 'no_rule' });
    const c = await post('supervisor', '/counts', { locationIds: ['GN-02'] }, 201);
    expect(handheld([epcOf(a!)], 'hh-2')).toMatchObject({ ok: false, reason: 'unknown_device' });
    expect(h.custody.observe({ type: 'handheld', deviceId: 'hh-1', epcs: [], at: h.clock.now() })).toMatchObject({ ok: false, reason: 'invalid' });
    // The tag read before the count opened still places the handheld at GN-02 (minutes ago, not yet stale).
    h.clock.advance(11 * 60 * SEC);
    expect(handheld([epcOf(a!)])).toMatchObject({ ok: false, reason: 'unknown_location' });
    expect(handheld([GN02_TAG])).toEqual({ ok: true });
    expect(handheld([epcOf(a!)])).toEqual({ ok: true });
    expect(h.custody.refused.get('handheld:unknown_location')).toBe(1);
    const closed = await post('supervisor', `/counts/${c.id}/close`, {}, 200);
    expect(closed.totals).toMatchObject({ found: 1, missing: 0 });
  });
});

describe('a count across a restart', () => {
  it('keeps what it had read by the last periodic check, and its report is made from it', async () => {
    h = await open();
    const [a, b] = intake(h.ctx, { count: 2, to: 'GN-01' }).ids;
    online('sh-gn');
    const c = await post('supervisor', '/counts', { zoneId: 'general' }, 201);
    round('GN-01', [epcOf(a!), epcOf(b!)]);
    handheld([GN02_TAG]);
    h.custody.tick();
    const { dir, key, clock } = h;
    await h.close();
    h = await open({ dir, key, clock });
    clock.advance(60 * SEC);
    const closed = await post('supervisor', `/counts/${c.id}/close`, {}, 200);
    expect(closed.totals).toMatchObject({ found: 2, missing: 0, not_counted: 0 });
    expect(closed.report.locations).toEqual([
      { locationId: 'GN-01', coveredAt: expect.any(String), via: 'shelf' },
      { locationId: 'GN-02', coveredAt: expect.any(String), via: 'handheld' },
      { locationId: 'GN-03', coveredAt: null, via: null },
    ]);
  });
});
