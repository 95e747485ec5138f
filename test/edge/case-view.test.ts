// The case view (GET /cases/{id}, /cases/{id}/events) by role: the restricted zone's items and
// chain for discipline only, an agency only its own agency's items, a case the role cannot see 404.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retrieve } from '../../edge/lifecycle/retrieve.ts';
import { circulate } from '../../edge/lifecycle/circulate.ts';
import { HOUR, intake, issue, openHarness, principal, type Harness, type UserKey } from '../helpers/custody-site.ts';

let h: Harness;
const MIXED = 'A3709020000002025040001'; // 泰山分局's case; one of its items circulated to 岱岳分局
const RS_CASE = '泰纪监立〔2025〕77号';
const ts: string[] = [];
const dy: string[] = [];
const rs: string[] = [];
let tsOrder = '';
let rsOrder = '';

const caseId = (number: string) => (h.custody.db.prepare('SELECT id FROM cases WHERE number = ?').get(number) as { id: string }).id;

beforeAll(async () => {
  h = await openHarness();
  const ctx = h.ctx;
  ts.push(...intake(ctx, { agency: 'psb-taishan', count: 2, caseNumber: MIXED }).ids);
  // A third item of the case goes to 岱岳分局 (流转): the item stays, the legal control moves.
  dy.push(...intake(ctx, { agency: 'psb-taishan', count: 1, to: 'GN-02', caseNumber: MIXED }).ids);
  const c = issue(ctx, { kind: 'circulate', itemIds: dy, toAgencyId: 'psb-daiyue' });
  circulate(ctx, principal('operator'), dy[0], { orderId: c.id });
  rs.push(...intake(ctx, { restricted: true, count: 2, caseNumber: RS_CASE }).ids);
  const o = issue(ctx, { kind: 'retrieve', itemIds: [ts[0]], purpose: '司法鉴定', dueAt: h.clock.iso(HOUR), gates: ['gate-main'] });
  retrieve(ctx, principal('operator'), ts[0], { orderId: o.id, takenBy: 'op-02', condition: '完好' });
  tsOrder = o.id;
  const r = issue(ctx, { kind: 'retrieve', itemIds: [rs[0]], purpose: '谈话核查', dueAt: h.clock.iso(HOUR), gates: ['gate-restricted'] });
  retrieve(ctx, principal('discipline'), rs[0], { orderId: r.id, takenBy: 'dc-01', condition: '完好' });
  rsOrder = r.id;
  h.clock.advance(2 * HOUR);
  h.custody.tick();
});
afterAll(async () => { await h?.close(); });

const get = async (u: UserKey, path: string) => {
  const r = await h.call(u, 'GET', path);
  expect(r.status, `${u} GET ${path}: ${r.text}`).toBe(200);
  return r.body;
};

describe('GET /cases/{id}', () => {
  it('an operator reads the case whole: number, handling unit by name, items with places by name, orders, live alarms', async () => {
    const c = await get('operator', `/cases/${encodeURIComponent(caseId(MIXED))}`);
    expect(c.number).toBe(MIXED);
    expect(c.agency).toMatchObject({ id: 'psb-taishan', name: '泰山分局' });
    expect(c.items).toBe(3);
    expect(c.itemList.map((i: any) => i.id).sort()).toEqual([...ts, ...dy].sort());
    const stored = c.itemList.find((i: any) => i.id === ts[1]);
    expect(stored).toMatchObject({ state: 'stored', zone: { id: 'general', name: '一般物品库' }, location: { id: 'GN-01', name: '货架 1-1' } });
    expect(c.itemList.find((i: any) => i.id === dy[0]).location.name).toBe('货架 1-2');
    expect(c.orders.map((o: any) => o.id)).toContain(tsOrder);
    expect(c.orders.every((o: any) => o.kind)).toBe(true);
    expect(c.alarms.map((a: any) => [a.kind, a.itemId])).toEqual([['overdue_return', ts[0]]]);
    expect(c).toHaveProperty('retainUntil', null);
  });

  it('an agency sees only its own agency\'s items of a shared case, and the orders and alarms of those', async () => {
    const c = await get('agencyB', `/cases/${encodeURIComponent(caseId(MIXED))}`);
    expect(c.items).toBe(1);
    expect(c.itemList.map((i: any) => i.id)).toEqual(dy);
    expect(c.orders.map((o: any) => o.id)).not.toContain(tsOrder);
    for (const o of c.orders) for (const i of o.items) expect(dy).toContain(i.itemId);
    expect(c.alarms).toEqual([]);
    const a = await get('agency', `/cases/${encodeURIComponent(caseId(MIXED))}`);
    expect(a.itemList.map((i: any) => i.id).sort()).toEqual([...ts].sort());
    expect(a.alarms.map((x: any) => x.itemId)).toEqual([ts[0]]);
  });

  it('the restricted zone\'s case exists for discipline only; everyone else gets 404', async () => {
    const id = caseId(RS_CASE);
    const c = await get('discipline', `/cases/${encodeURIComponent(id)}`);
    expect(c.itemList.map((i: any) => i.id).sort()).toEqual([...rs].sort());
    expect(c.itemList[0].zone.name).toBe('纪委监委专区');
    expect(c.orders.map((o: any) => o.id)).toContain(rsOrder);
    expect(c.alarms.map((a: any) => a.itemId)).toEqual([rs[0]]);
    for (const u of ['operator', 'supervisor', 'agency', 'agencyB', 'auditor', 'admin'] as UserKey[]) {
      for (const path of [`/cases/${encodeURIComponent(id)}`, `/cases/${encodeURIComponent(id)}/events`]) {
        const r = await h.call(u, 'GET', path);
        expect(r.status, `${u} ${path}`).toBe(404);
        expect(r.body.code).toBe('CASE_NOT_FOUND');
      }
    }
    // discipline sees the shared police case not at all (no item of its agency in it)
    expect((await h.call('discipline', 'GET', `/cases/${encodeURIComponent(caseId(MIXED))}`)).status).toBe(404);
  });

  it('an unknown case and no token answer 404 and 401', async () => {
    expect((await h.call('operator', 'GET', '/cases/nope')).status).toBe(404);
    expect((await h.call('operator', 'GET', '/cases/nope/events')).status).toBe(404);
    expect((await h.call(null, 'GET', `/cases/${encodeURIComponent(caseId(MIXED))}`)).status).toBe(401);
  });
});

describe('GET /cases/{id}/events', () => {
  it('the whole case\'s chain of custody, oldest first, paged, only of the items the role sees', async () => {
    const id = encodeURIComponent(caseId(MIXED));
    const all = await get('auditor', `/cases/${id}/events?limit=500`);
    expect(new Set(all.data.map((e: any) => e.itemId))).toEqual(new Set([...ts, ...dy]));
    const ats = all.data.map((e: any) => e.at);
    expect([...ats].sort()).toEqual(ats);
    expect(all.data.every((e: any) => typeof e.hash === 'string' && e.hash.length === 64)).toBe(true);
    expect(all.data.map((e: any) => e.kind)).toContain('retrieved');
    // paged: the same events, two at a time
    const paged: any[] = [];
    let cursor: string | null = null;
    do {
      const r: any = await get('auditor', `/cases/${id}/events?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      paged.push(...r.data);
      cursor = r.nextCursor;
    } while (cursor);
    expect(paged.map((e) => [e.chain, e.seq])).toEqual(all.data.map((e: any) => [e.chain, e.seq]));
    expect((await h.call('auditor', 'GET', `/cases/${id}/events?cursor=bad`)).status).toBe(400);
    const ag = await get('agencyB', `/cases/${id}/events?limit=500`);
    expect(new Set(ag.data.map((e: any) => e.itemId))).toEqual(new Set(dy));
    expect(ag.data.every((e: any) => e.chain === 'main' && !e.restricted)).toBe(true);
  });

  it('discipline reads its zone\'s chain for its case', async () => {
    const r = await get('discipline', `/cases/${encodeURIComponent(caseId(RS_CASE))}/events?limit=500`);
    expect(r.data.length).toBeGreaterThan(0);
    expect(new Set(r.data.map((e: any) => e.itemId))).toEqual(new Set(rs));
    expect(r.data.some((e: any) => e.chain === 'restricted')).toBe(true);
  });
});
