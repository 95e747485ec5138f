// Who sees what: an agency sees only its own items; the restricted zone exists for discipline only,
// in every list, count, search and direct request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retrieve } from '../../edge/lifecycle/retrieve.ts';
import { DAY, HOUR, intake, issue, itemRow, openHarness, principal, type Harness, type UserKey } from '../helpers/custody-site.ts';

let h: Harness;
const ts: string[] = [];
const dy: string[] = [];
const rs: string[] = [];
const cc: string[] = [];
let rsEpc = '';
let rsOrder = '';
let tsOrder = '';
const RS_CASE = '泰纪监立〔2025〕99号';
const TS_CASE = 'A3709020000002025030101';
const DY_CASE = 'A3709110000002025030102';

beforeAll(async () => {
  h = await openHarness();
  const ctx = h.ctx;
  ts.push(...intake(ctx, { agency: 'psb-taishan', count: 3, caseNumber: TS_CASE }).ids);
  ts.push(...intake(ctx, { agency: 'psb-taishan', to: 'announced', caseNumber: TS_CASE }).ids);
  dy.push(...intake(ctx, { agency: 'psb-daiyue', count: 2, to: 'GN-02', caseNumber: DY_CASE }).ids);
  rs.push(...intake(ctx, { restricted: true, count: 3, caseNumber: RS_CASE }).ids);
  cc.push(...intake(ctx, { agency: 'ccdi', count: 1, caseNumber: 'CCDI-OPEN-1' }).ids);
  rsEpc = itemRow(h.custody, rs[0])!.epc as string;
  // One item out and overdue on each side of the line, and one for the other police unit: three alarms.
  const out = (id: string, who: UserKey) => {
    const o = issue(ctx, { kind: 'retrieve', itemIds: [id], purpose: '谈话核查', dueAt: h.clock.iso(HOUR), gates: [who === 'discipline' ? 'gate-restricted' : 'gate-main'] });
    retrieve(ctx, principal(who), id, { orderId: o.id, takenBy: who === 'discipline' ? 'dc-01' : 'op-02', condition: '完好' });
    return o.id;
  };
  rsOrder = out(rs[0], 'discipline');
  tsOrder = out(ts[0], 'operator');
  out(dy[0], 'operator');
  h.clock.advance(2 * HOUR);
  h.custody.tick();
  expect(h.custody.db.prepare(`SELECT count(*) AS n FROM alarms WHERE kind = 'overdue_return'`).get()).toEqual({ n: 3 });
});
afterAll(async () => { await h?.close(); });

const get = async (u: UserKey, path: string) => {
  const r = await h.call(u, 'GET', path);
  expect(r.status, `${u} GET ${path}: ${r.text}`).toBe(200);
  return r.body;
};
const ids = (body: { data: { id: string }[] }) => body.data.map((x) => x.id).sort();
const sumCounts = (zones: { counts: Record<string, number> }[]) => zones.reduce((n, z) => n + Object.values(z.counts).reduce((a, b) => a + b, 0), 0);

const OUTSIDERS: UserKey[] = ['operator', 'supervisor', 'agency', 'agencyB', 'auditor', 'admin'];

describe('the restricted zone is absent for everyone but discipline', () => {
  it.each(OUTSIDERS)('%s: zones, counts, locations, items, search, epc, cases, orders, alarms, events, staff', async (u) => {
    const zones = await get(u, '/zones');
    expect(zones.data.map((z: any) => z.id)).toEqual(['intake', 'general', 'valuables']);
    expect((await h.call(u, 'GET', '/zones/restricted')).status).toBe(404);

    const locs = await get(u, '/locations?limit=500');
    expect(locs.data.map((l: any) => l.zoneId)).not.toContain('restricted');
    expect((await get(u, '/locations?zone=restricted')).data).toEqual([]);
    expect((await h.call(u, 'GET', '/locations/RS-01')).status).toBe(404);

    const items = await get(u, '/items?limit=500');
    for (const id of rs) expect(ids(items)).not.toContain(id);
    expect((await get(u, '/items?zone=restricted')).data).toEqual([]);
    expect((await get(u, `/items?q=${encodeURIComponent('账本')}`)).data).toEqual([]);
    expect((await get(u, `/items?q=${encodeURIComponent('泰纪监立')}`)).data).toEqual([]);
    expect((await get(u, `/items?epc=${rsEpc}`)).data).toEqual([]);
    expect((await get(u, `/items?epc=${rsEpc.toLowerCase()}`)).data).toEqual([]);
    expect((await get(u, `/items?q=${rsEpc.slice(4)}`)).data).toEqual([]);
    expect((await get(u, `/items?case=${encodeURIComponent(RS_CASE)}`)).data).toEqual([]);
    expect((await get(u, '/items?state=out&limit=500')).data.map((i: any) => i.id)).not.toContain(rs[0]);
    for (const path of [`/items/${rs[0]}`, `/items/${rs[0]}/events`, `/items/${rs[1]}`]) {
      const r = await h.call(u, 'GET', path);
      expect(r.status, path).toBe(404);
      expect(r.body.code).toBe('ITEM_NOT_FOUND');
    }

    const cases = await get(u, '/cases?limit=500');
    expect(cases.data.map((c: any) => c.number)).not.toContain(RS_CASE);
    expect((await get(u, `/cases?q=${encodeURIComponent('纪监')}`)).data).toEqual([]);

    const orders = await get(u, '/orders?limit=500');
    expect(orders.data.map((o: any) => o.id)).not.toContain(rsOrder);
    expect(orders.data.every((o: any) => o.items.every((i: any) => !rs.includes(i.itemId)))).toBe(true);
    expect((await get(u, `/orders?item=${rs[0]}`)).data).toEqual([]);
    expect((await h.call(u, 'GET', `/orders/${rsOrder}`)).status).toBe(404);

    const alarms = await get(u, '/alarms?limit=500');
    expect(alarms.data.some((a: any) => a.restricted || rs.includes(a.itemId))).toBe(false);
    const rsAlarm = h.custody.db.prepare('SELECT id FROM alarms WHERE item_id = ?').get(rs[0]) as { id: string };
    expect((await h.call(u, 'GET', `/alarms/${rsAlarm.id}`)).status).toBe(404);
    expect((await get(u, `/alarms?item=${rs[0]}`)).data).toEqual([]);

    const events = await get(u, '/events?limit=500');
    expect(events.data.length, 'the other events are there to be filtered').toBeGreaterThan(0);
    expect(events.data.some((e: any) => e.restricted || rs.includes(e.itemId))).toBe(false);

    const staff = await get(u, '/staff');
    expect(staff.data.length, 'there are staff to check').toBeGreaterThan(0);
    for (const s of staff.data) expect(s.clearances).not.toContain('restricted');
  });

  it('discipline sees the restricted zone and its own agency, nothing of the police units', async () => {
    const zones = await get('discipline', '/zones');
    expect(zones.data.map((z: any) => z.id)).toContain('restricted');
    const rz = await get('discipline', '/zones/restricted');
    expect(rz.counts).toMatchObject({ stored: 2, out: 1 });
    expect(rz.locations).toBe(2);
    expect(zones.data.find((z: any) => z.id === 'general').counts).toMatchObject({ stored: 1, out: 0 }); // the commission's open item only

    expect(ids(await get('discipline', '/items?limit=500'))).toEqual([...rs, ...cc].sort());
    expect(ids(await get('discipline', `/items?q=${encodeURIComponent('账本')}`))).toEqual([...rs].sort());
    expect(ids(await get('discipline', `/items?epc=${rsEpc}`))).toEqual([rs[0]]);
    expect((await h.call('discipline', 'GET', `/items/${ts[1]}`)).status).toBe(404);
    expect((await h.call('discipline', 'GET', `/items/${ts[1]}/events`)).status).toBe(404);
    expect((await get('discipline', `/items/${rs[0]}/events`)).data.map((e: any) => e.kind)).toEqual(['announced', 'received', 'putaway', 'retrieved']);
    expect((await get('discipline', '/locations?zone=restricted')).data.map((l: any) => l.id)).toEqual(['RS-01', 'RS-02']);
    expect((await get('discipline', '/cases')).data.map((c: any) => c.number).sort()).toEqual(['CCDI-OPEN-1', RS_CASE].sort());

    const orders = await get('discipline', '/orders?limit=500');
    expect(orders.data.map((o: any) => o.id)).toContain(rsOrder);
    expect(orders.data.map((o: any) => o.id)).not.toContain(tsOrder);
    expect((await h.call('discipline', 'GET', `/orders/${tsOrder}`)).status).toBe(404);

    const alarms = await get('discipline', '/alarms');
    expect(alarms.data.map((a: any) => a.itemId)).toEqual([rs[0]]);
    const tsAlarm = h.custody.db.prepare('SELECT id FROM alarms WHERE item_id = ?').get(ts[0]) as { id: string };
    expect((await h.call('discipline', 'GET', `/alarms/${tsAlarm.id}`)).status).toBe(404);

    // Its own agency's items in the main chain, the restricted zone's in a chain of their own.
    const events = await get('discipline', '/events?limit=500');
    expect([...new Set(events.data.map((e: any) => e.itemId))].sort()).toEqual([...cc].sort());
    expect(events.data.every((e: any) => e.chain === 'main' && !e.restricted)).toBe(true);
    const zone = await get('discipline', '/events?chain=restricted&limit=500');
    expect([...new Set(zone.data.map((e: any) => e.itemId))].sort()).toEqual([...rs].sort());
    expect(zone.data.every((e: any) => e.chain === 'restricted' && e.restricted)).toBe(true);
  });
});

describe('an agency sees only the items its agency controls', () => {
  it('lists, detail, events, cases, counts, orders, alarms', async () => {
    expect(ids(await get('agency', '/items?limit=500'))).toEqual([...ts].sort());
    expect(ids(await get('agencyB', '/items?limit=500'))).toEqual([...dy].sort());
    // A filter naming another agency finds nothing, it does not widen the view.
    expect((await get('agency', '/items?agency=psb-daiyue')).data).toEqual([]);
    expect((await get('agency', `/items?case=${DY_CASE}`)).data).toEqual([]);
    for (const path of [`/items/${dy[0]}`, `/items/${dy[0]}/events`, `/items/${cc[0]}`]) {
      const r = await h.call('agency', 'GET', path);
      expect(r.status, path).toBe(404);
      expect(r.body.code).toBe('ITEM_NOT_FOUND');
    }
    expect((await get('agency', `/items/${ts[0]}`)).id).toBe(ts[0]);
    expect((await get('agency', `/items/${ts[0]}/events`)).data.length).toBe(4);
    expect((await get('agency', '/cases')).data.map((c: any) => c.number)).toEqual([TS_CASE]);
    expect((await get('agencyB', '/cases')).data.map((c: any) => c.number)).toEqual([DY_CASE]);

    const zones = await get('agency', '/zones');
    expect(zones.data.find((z: any) => z.id === 'general').counts).toMatchObject({ stored: 2, out: 1 });
    expect(zones.data.find((z: any) => z.id === '' )).toBeUndefined();
    const everything = await get('operator', '/zones');
    expect(sumCounts(everything.data)).toBeGreaterThan(sumCounts(zones.data));
    expect(everything.data.find((z: any) => z.id === 'general').counts).toMatchObject({ stored: 4, out: 2 });
    const locs = await get('agency', '/locations');
    expect(locs.data.find((l: any) => l.id === 'GN-01').items).toBe(3);
    expect(locs.data.find((l: any) => l.id === 'GN-02').items).toBe(0);

    const evs = await get('agency', '/events?limit=500');
    expect(new Set(evs.data.map((e: any) => e.itemId))).toEqual(new Set(ts));
    const alarms = await get('agency', '/alarms');
    expect(alarms.data.map((a: any) => a.itemId)).toEqual([ts[0]]);
    const dyAlarm = h.custody.db.prepare('SELECT id FROM alarms WHERE item_id = ?').get(dy[0]) as { id: string };
    expect((await h.call('agency', 'GET', `/alarms/${dyAlarm.id}`)).status).toBe(404);
    // Orders that name the agency (its transfer_in orders) and orders that cover its items without naming it.
    const orders = await get('agency', '/orders?limit=500');
    expect(orders.data.map((o: any) => o.id)).toContain(tsOrder);
    expect(orders.data.find((o: any) => o.id === tsOrder)).toMatchObject({ agencyId: null, items: [expect.objectContaining({ itemId: ts[0], done: true })] });
    for (const o of orders.data) {
      expect(o.agencyId === 'psb-taishan' || o.items.length > 0, o.id).toBe(true);
      for (const i of o.items) expect(ts, `${o.id} shows ${i.itemId}`).toContain(i.itemId);
    }
    expect((await get('agency', `/orders/${tsOrder}`)).items.map((i: any) => i.itemId)).toEqual([ts[0]]);
    expect((await get('agencyB', '/orders?limit=500')).data.map((o: any) => o.id)).not.toContain(tsOrder);
    expect((await h.call('agencyB', 'GET', `/orders/${tsOrder}`)).status).toBe(404);
  });

  it('an order that covers two units\' items: each unit reads it, with its own items only', async () => {
    const mixed = issue(h.ctx, { kind: 'retrieve', itemIds: [ts[2], dy[1], cc[0]], purpose: '并案鉴定', dueAt: h.clock.iso(DAY) });
    const onlyOthers = issue(h.ctx, { kind: 'move', itemIds: [dy[1]], zoneId: 'general' });
    const itemsOf = (o: any) => o.items.map((i: any) => i.itemId).sort();

    const byAgency = async (u: UserKey) => (await get(u, '/orders?limit=500')).data.find((o: any) => o.id === mixed.id);
    expect(itemsOf(await byAgency('agency'))).toEqual([ts[2]]);
    expect(itemsOf(await byAgency('agencyB'))).toEqual([dy[1]]);
    expect(itemsOf(await byAgency('discipline'))).toEqual([cc[0]]);
    expect(itemsOf(await byAgency('operator'))).toEqual([ts[2], dy[1], cc[0]].sort());
    expect(itemsOf(await byAgency('auditor'))).toEqual([ts[2], dy[1], cc[0]].sort());
    expect(itemsOf(await get('agency', `/orders/${mixed.id}`))).toEqual([ts[2]]);
    expect(itemsOf(await get('agencyB', `/orders/${mixed.id}`))).toEqual([dy[1]]);

    // An order with none of its items, and naming another unit's item in a filter, finds nothing.
    expect((await get('agency', '/orders?limit=500')).data.map((o: any) => o.id)).not.toContain(onlyOthers.id);
    const r = await h.call('agency', 'GET', `/orders/${onlyOthers.id}`);
    expect(r.status).toBe(404);
    expect(r.body.code).toBe('ORDER_NOT_FOUND');
    expect((await get('agency', `/orders?item=${dy[1]}`)).data).toEqual([]);
    // Its own item's orders: the transfer in, the putaway and the mixed one.
    expect((await get('agency', `/orders?item=${ts[2]}`)).data.map((o: any) => o.kind).sort()).toEqual(['putaway', 'retrieve', 'transfer_in']);
    expect((await get('agencyB', `/orders?item=${dy[1]}`)).data.map((o: any) => o.id)).toEqual(expect.arrayContaining([mixed.id, onlyOthers.id]));
    expect((await get('discipline', `/orders?item=${ts[2]}`)).data).toEqual([]);
  });

  it('a page of orders (its items read in one query) answers each order as its own request does, for every role', async () => {
    for (const u of [...OUTSIDERS, 'discipline'] as UserKey[]) {
      // Small pages, so that pages of several orders and the cursor between them are both crossed.
      const listed: any[] = [];
      let cursor: string | null = null;
      do {
        const page: any = await get(u, `/orders?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        listed.push(...page.data);
        cursor = page.nextCursor;
      } while (cursor);
      expect(listed.length, u).toBeGreaterThan(0);
      for (const o of listed) expect(o, `${u} ${o.id}`).toEqual(await get(u, `/orders/${o.id}`));
    }
    // Those who see by agency read a narrowed order beside whole ones on the same page.
    const discipline = (await get('discipline', '/orders?limit=500')).data;
    expect(discipline.some((o: any) => o.id === rsOrder)).toBe(true);
    expect(discipline.some((o: any) => o.id !== rsOrder)).toBe(true);
  });

  it('the auditor reads everything outside the restricted zone', async () => {
    expect(ids(await get('auditor', '/items?limit=500'))).toEqual([...ts, ...dy, ...cc].sort());
    expect((await get('auditor', '/alarms')).data.length).toBe(2);
  });
});
