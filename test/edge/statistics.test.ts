// 出入库统计 over HTTP: the figures are what was done through the core operations, each role's the
// ones it may see (as GET /events, /alarms, /crossings), the site's calendar decides today, the
// week and the month, bad spans answer 400 with a field, and the CSV carries the same figures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retrieve } from '../../edge/lifecycle/retrieve.ts';
import { returnItem } from '../../edge/lifecycle/return.ts';
import { circulate } from '../../edge/lifecycle/circulate.ts';
import { dispose } from '../../edge/lifecycle/dispose.ts';
import { raiseAlarm } from '../../edge/alarms/alarm.ts';
import { MOVEMENTS, type Statistics } from '../../edge/stats/statistics.ts';
import { DAY, HOUR, intake, issue, openHarness, principal, T0, tokenOf, type Harness, type UserKey } from '../helpers/custody-site.ts';

let h: Harness;
const ids: Record<string, string> = {};

beforeAll(async () => {
  h = await openHarness();
  const { ctx, clock } = h;
  // The day before (a Sunday, in the previous week, in the same month): counted by the month only.
  clock.t = T0 - DAY;
  intake(ctx, { agency: 'psb-daiyue', category: 'documents', idPrefix: 'OLD' });
  clock.t = T0;
  const ts = intake(ctx, { agency: 'psb-taishan', count: 3, idPrefix: 'TS' }).ids;
  intake(ctx, { agency: 'psb-daiyue', count: 2, category: 'documents', idPrefix: 'DY' });
  const rs = intake(ctx, { restricted: true, count: 2, idPrefix: 'RS' }).ids;
  [ids.t1, ids.t2, ids.t3] = ts;
  const op = principal('operator');
  const ro = issue(ctx, { kind: 'retrieve', itemIds: [ids.t1], purpose: '鉴定', dueAt: clock.iso(5 * DAY) });
  retrieve(ctx, op, ids.t1, { orderId: ro.id, takenBy: 'op-02', condition: '完好' });
  returnItem(ctx, op, ids.t1, { orderId: ro.id, condition: '完好' });
  const co = issue(ctx, { kind: 'circulate', itemIds: [ids.t2], toAgencyId: 'procuratorate' });
  circulate(ctx, op, ids.t2, { orderId: co.id });
  const dis = issue(ctx, { kind: 'dispose', itemIds: [ids.t3] });
  dispose(ctx, op, ids.t3, { orderId: dis.id, decisionRef: 'D-1', decidedBy: '法院' });
  const rro = issue(ctx, { kind: 'retrieve', itemIds: [rs[0]], purpose: '谈话核实', dueAt: clock.iso(5 * DAY) });
  retrieve(ctx, principal('discipline'), rs[0], { orderId: rro.id, takenBy: 'dc-01', condition: '完好' });

  raiseAlarm(ctx, { kind: 'unknown_tag', severity: 'warning', causeKey: 'unknown_tag:gate-main:X', message: '未知标签', restricted: false, gateId: 'gate-main' });
  raiseAlarm(ctx, { kind: 'misplaced', severity: 'warning', causeKey: `misplaced:${ids.t1}`, message: '错放', restricted: false, itemId: ids.t1 });
  raiseAlarm(ctx, { kind: 'restricted_zone_breach', severity: 'critical', causeKey: 'breach:gate-restricted:1', message: '专区闯入', restricted: true, gateId: 'gate-restricted' });

  // Crossings at 16:00 and 17:00 Shanghai (T0 is 08:00 UTC).
  const ins = ctx.db.prepare(`INSERT INTO crossings (id, gate_id, epc, item_id, staff_id, direction, confidence, first_seen, last_seen, read_count, badges,
    order_id, decision, alarm_kinds, event_seq, restricted, agency_id, decided_at) VALUES (?, ?, ?, ?, NULL, 'in', 0.9, ?, ?, 10, '[]', NULL, ?, '[]', NULL, ?, ?, ?)`);
  const at = (ms: number) => new Date(ms).toISOString();
  ins.run('c1', 'gate-main', 'E1', ids.t1, at(T0), at(T0), 'authorised', 0, 'psb-taishan', at(T0 + 60_000));
  ins.run('c2', 'gate-main', 'E2', null, at(T0), at(T0), 'alarm', 0, null, at(T0 + 120_000));
  ins.run('c3', 'gate-restricted', 'E3', rs[1], at(T0 + HOUR), at(T0 + HOUR), 'authorised', 1, 'ccdi', at(T0 + HOUR + 60_000));
}, 60_000);
afterAll(async () => { await h?.close(); });

const stats = async (u: UserKey, q = 'period=month') => {
  const r = await h.call<Statistics>(u, 'GET', `/statistics?${q}`);
  expect(r.status, r.text).toBe(200);
  return r.body;
};
const counts = (received: number, stored: number, takenOut: number, returned: number, circulated: number, disposed: number) =>
  ({ received, stored, takenOut, returned, circulated, disposed });
const zeroHours = () => new Array<number>(24).fill(0);
const hoursWith = (at: Record<number, number>) => zeroHours().map((_, i) => at[i] ?? 0);

/** The same movements counted from GET /events, every chain the role reads, within the span. */
async function fromEvents(u: UserKey, from: string, to: string) {
  const kinds: Record<string, string> = { received: 'received', putaway: 'stored', retrieved: 'takenOut', returned: 'returned', circulated: 'circulated', disposed: 'disposed' };
  const out = counts(0, 0, 0, 0, 0, 0) as Record<string, number>;
  for (const chain of ['main', 'restricted']) {
    const r = await h.call(u, 'GET', `/events?chain=${chain}&limit=500`);
    if (r.status === 404) continue;
    for (const e of r.body.data as { kind: string; at: string }[]) if (kinds[e.kind] && e.at >= from && e.at < to) out[kinds[e.kind]]++;
  }
  return out;
}

describe('statistics', () => {
  it('counts what was done this month, by handling unit and by category, names not ids', async () => {
    const s = await stats('operator');
    expect(s.period).toBe('month');
    expect(s.from).toBe('2025-02-28T16:00:00.000Z');
    expect(s.to).toBe('2025-03-31T16:00:00.000Z');
    expect(s.movements).toEqual(counts(6, 6, 1, 1, 1, 1));
    expect(s.byAgency.map((a) => [a.name, a.counts])).toEqual([
      ['泰山分局', counts(3, 3, 1, 1, 1, 1)],
      ['岱岳分局', counts(3, 3, 0, 0, 0, 0)],
    ]);
    expect(s.byAgency[0]).toMatchObject({ agencyId: 'psb-taishan', total: 10 });
    expect(s.byCategory.map((c) => [c.categoryId, c.name, c.total])).toEqual([['electronics', '手机及电子设备', 10], ['documents', '文书资料', 6]]);
    expect(s.alarms).toEqual({ total: 2, byKind: [{ kind: 'misplaced', count: 1 }, { kind: 'unknown_tag', count: 1 }] });
    expect(s.gateTraffic.total).toBe(2);
    expect(s.gateTraffic.hours).toEqual(hoursWith({ 16: 2 }));
    expect(s.gateTraffic.byGate.map((g) => g.gateId)).toEqual(['gate-main']);
  });

  it('today and this week are the site\'s day and week (from Monday): yesterday\'s intake is in the month only', async () => {
    const today = await stats('operator', 'period=today');
    expect([today.from, today.to]).toEqual(['2025-03-02T16:00:00.000Z', '2025-03-03T16:00:00.000Z']);
    expect(today.movements).toEqual(counts(5, 5, 1, 1, 1, 1));
    const week = await stats('operator', 'period=week');
    expect([week.from, week.to]).toEqual(['2025-03-02T16:00:00.000Z', '2025-03-09T16:00:00.000Z']);
    expect(week.movements).toEqual(today.movements);
    // No query: today.
    expect((await stats('operator', '')).movements).toEqual(today.movements);
    const custom = await stats('operator', `from=${encodeURIComponent('2025-03-02T00:00:00+08:00')}&to=${encodeURIComponent('2025-03-03T00:00:00+08:00')}`);
    expect(custom.period).toBe('custom');
    expect(custom.movements).toEqual(counts(1, 1, 0, 0, 0, 0));
    // Whole UTC days are read as day totals, the edges as rows: the same figures either way.
    const days = await stats('operator', 'from=2025-03-01T00:00:00Z&to=2025-03-05T00:00:00Z');
    expect(days.movements).toEqual(counts(6, 6, 1, 1, 1, 1));
    const edges = await stats('operator', 'from=2025-03-02T07:59:00Z&to=2025-03-03T08:00:00.001Z');
    expect(edges.movements).toEqual(counts(6, 6, 1, 1, 1, 1));
    const cut = await stats('operator', 'from=2025-03-02T08:00:00.001Z&to=2025-03-03T08:00:00.000Z');
    expect(cut.movements).toEqual(counts(0, 0, 0, 0, 0, 0));
    for (const u of ['discipline', 'agency'] as const) expect((await stats(u, 'from=2025-03-01T00:00:00Z&to=2025-03-05T00:00:00Z')).movements, u).toEqual((await stats(u)).movements);
  });

  it('every role counts what GET /events shows it: the restricted chain for discipline only, an agency its own items', async () => {
    for (const u of ['operator', 'supervisor', 'auditor', 'admin', 'agency', 'agencyB', 'discipline'] as const) {
      const s = await stats(u);
      expect(s.movements, u).toEqual(await fromEvents(u, s.from, s.to));
    }
    for (const u of ['operator', 'auditor', 'admin', 'agency'] as const) {
      const s = await stats(u);
      expect(s.byAgency.map((a) => a.agencyId), u).not.toContain('ccdi');
      expect(s.alarms.byKind.map((a) => a.kind), u).not.toContain('restricted_zone_breach');
      expect(s.gateTraffic.byGate.map((g) => g.gateId), u).not.toContain('gate-restricted');
    }
    const d = await stats('discipline');
    expect(d.movements).toEqual(counts(2, 2, 1, 0, 0, 0));
    expect(d.byAgency.map((a) => [a.name, a.total])).toEqual([['市纪委监委', 5]]);
    expect(d.alarms.byKind).toEqual([{ kind: 'restricted_zone_breach', count: 1 }]);
    expect(d.gateTraffic.byGate.map((g) => [g.gateId, g.total])).toEqual([['gate-main', 0], ['gate-restricted', 1]]);
    expect(d.gateTraffic.hours).toEqual(hoursWith({ 17: 1 }));
    // 泰山分局 reads its items only: the one circulated to the procuratorate left its view with its events.
    const a = await stats('agency');
    expect(a.movements).toEqual(counts(2, 2, 1, 1, 0, 1));
    expect(a.byAgency.map((x) => x.agencyId)).toEqual(['psb-taishan']);
    expect(a.alarms.byKind).toEqual([{ kind: 'misplaced', count: 1 }]);
    expect(a.gateTraffic.total).toBe(1);
    const b = await stats('agencyB');
    expect(b.movements).toEqual(counts(3, 3, 0, 0, 0, 0));
    expect(b.byAgency.map((x) => x.agencyId)).toEqual(['psb-daiyue']);
    expect(b.alarms.total).toBe(0);
  });

  it('a bad span answers 400 VALIDATION_FAILED naming its field', async () => {
    const bad = async (q: string, field?: string) => {
      const r = await h.call('operator', 'GET', `/statistics?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.code, q).toBe('VALIDATION_FAILED');
      if (field) expect(r.body.details.field, q).toBe(field);
      else expect(JSON.stringify(r.body.details.issues), q).toMatch(/from|to|period|nope/);
      const csv = await h.call('operator', 'GET', `/statistics.csv?${q}`);
      expect(csv.status, q).toBe(400);
      expect(csv.body.code, q).toBe('VALIDATION_FAILED');
    };
    await bad('from=2025-03-03T00:00:00Z&to=2025-03-02T00:00:00Z', 'from');
    await bad('from=2025-03-03T00:00:00Z&to=2025-03-03T00:00:00Z', 'from');
    await bad('from=2024-01-01T00:00:00Z&to=2025-03-03T00:00:00Z', 'to');
    await bad('from=2025-03-03T00:00:00Z', 'to');
    await bad('to=2025-03-03T00:00:00Z', 'from');
    await bad('period=month&from=2025-03-01T00:00:00Z&to=2025-03-03T00:00:00Z', 'period');
    await bad('from=yesterday&to=2025-03-03T00:00:00Z');
    await bad('from=2025-02-30T00:00:00Z&to=2025-03-03T00:00:00Z');
    await bad('period=year');
    await bad('nope=1');
  });

  it('the CSV: UTF-8 with BOM, Chinese headings, names not ids, the same figures', async () => {
    const res = await fetch(`${h.url}/api/v1/statistics.csv?period=month`, { headers: { authorization: `Bearer ${tokenOf('operator')}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toContain('statistics-month-2025-03-01.csv');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8').slice(1);
    const lines = text.split('\r\n');
    const s = await stats('operator');
    const after = (heading: string) => lines[lines.indexOf(heading) + 1];
    expect(lines).toContain('出入库合计');
    expect(after('出入库合计')).toBe('接收入库,上架,调用出库,归还,流转,处置');
    expect(lines[lines.indexOf('出入库合计') + 2]).toBe(MOVEMENTS.map((m) => s.movements[m]).join(','));
    expect(lines).toContain(`泰山分局,${MOVEMENTS.map((m) => s.byAgency[0].counts[m]).join(',')},${s.byAgency[0].total}`);
    expect(lines).toContain('手机及电子设备,3,3,1,1,1,1,10');
    expect(lines).toContain('错放,1');
    expect(lines.find((l) => l.startsWith('主出入口,'))).toBe(`主出入口,${hoursWith({ 16: 2 }).join(',')},2`);
    expect(text).not.toMatch(/psb-taishan|electronics|gate-main|misplaced/);
    // The discipline commission's CSV has its zone; nobody else's does.
    const d = await (await fetch(`${h.url}/api/v1/statistics.csv?period=month`, { headers: { authorization: `Bearer ${tokenOf('discipline')}` } })).text();
    expect(d).toContain('专区门');
    expect(d).toContain('专区闯入,1');
    expect(text).not.toContain('专区');
  });

  it('reads the span from the covering index of migration 13, and its rows are the ledger\'s movements', () => {
    const db = h.ctx.db;
    const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT m.kind, m.agency_id, m.category_id, count(*) FROM event_movements m
      WHERE m.chain = 'main' AND m.at >= ? AND m.at < ? AND m.restricted = 0 GROUP BY 1, 2, 3`).all('a', 'b') as { detail: string }[];
    expect(plan.map((p) => p.detail).join('\n')).toMatch(/COVERING INDEX event_movements_span/);
    // The circulated item's rows carry its new agency: the one an agency's view goes by.
    const derived = db.prepare(`SELECT e.chain, e.seq, e.at, e.kind, e.restricted, e.item_id, json_extract(e.from_state, '$.agencyId') AS agency_id, i.category_id,
      i.agency_id AS item_agency_id, i.restricted AS item_restricted
      FROM events e JOIN items i ON i.id = e.item_id WHERE e.kind IN ('received', 'putaway', 'retrieved', 'returned', 'circulated', 'disposed') ORDER BY 1, 2`).all();
    expect(db.prepare('SELECT chain, seq, at, kind, restricted, item_id, agency_id, category_id, item_agency_id, item_restricted FROM event_movements ORDER BY 1, 2').all()).toEqual(derived);
    expect(db.prepare('SELECT DISTINCT item_agency_id FROM event_movements WHERE item_id = ?').all(ids.t2)).toEqual([{ item_agency_id: 'procuratorate' }]);
    expect(derived.length).toBeGreaterThan(20);
    expect(db.prepare('SELECT chain, day, kind, restricted, agency_id, category_id, n FROM event_movement_days ORDER BY 1, 2, 3, 4, 5, 6').all()).toEqual(
      db.prepare(`SELECT chain, substr(at, 1, 10) AS day, kind, restricted, ifnull(agency_id, '') AS agency_id, ifnull(category_id, '') AS category_id, count(*) AS n
        FROM event_movements GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6`).all());
  });
});
