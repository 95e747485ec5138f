// The lifecycle over HTTP: every legal transition answers the item and its event, the item's chain
// of events reads back in order; every illegal one is refused with its code and writes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withdraw } from '../../edge/lifecycle/withdraw.ts';
import { reject } from '../../edge/lifecycle/reject.ts';
import { retrieve } from '../../edge/lifecycle/retrieve.ts';
import { dispose } from '../../edge/lifecycle/dispose.ts';
import {
  DAY, HOUR, intake, issue, itemRow, nextEpc, openHarness, storeFingerprint, type Harness, type UserKey,
} from '../helpers/custody-site.ts';

let h: Harness;
beforeAll(async () => { h = await openHarness(); });
afterAll(async () => { await h?.close(); });

const post = (u: UserKey, path: string, body: unknown) => h.call(u, 'POST', path, body);

describe('every legal transition over HTTP', () => {
  it('announce → receive → putaway → move → retrieve → return → circulate → dispose, then the event chain in order', async () => {
    const tin = issue(h.ctx, { kind: 'transfer_in', agencyId: 'psb-taishan', zoneId: 'intake' });
    const epc = nextEpc();
    const ann = await post('operator', '/items/announce', {
      orderId: tin.id,
      items: [{ id: 'LC-A', epc, name: '华为手机', categoryId: 'electronics', caseNumber: 'A3709020000002025030001', caseTitle: '张某盗窃案' }],
    });
    expect(ann.status).toBe(201);
    expect(ann.body.data).toHaveLength(1);
    expect(ann.body.data[0]).toMatchObject({ id: 'LC-A', epc, state: 'announced', agencyId: 'psb-taishan', zoneId: null, caseNumber: 'A3709020000002025030001' });
    expect(typeof ann.body.data[0].eventSeq).toBe('number');

    const steps: { op: string; body: Record<string, unknown>; state: string; event: string; zone: string | null; location: string | null; agency?: string }[] = [];
    const putOrder = issue(h.ctx, { kind: 'putaway', itemIds: ['LC-A'] });
    const moveOrder = issue(h.ctx, { kind: 'move', itemIds: ['LC-A'] });
    const retrieveOrder = issue(h.ctx, { kind: 'retrieve', itemIds: ['LC-A'], purpose: '司法鉴定', gates: ['gate-main'], direction: 'out', escorts: ['op-01', 'op-02'] });
    const returnOrder = issue(h.ctx, { kind: 'return', itemIds: ['LC-A'] });
    const circulateOrder = issue(h.ctx, { kind: 'circulate', itemIds: ['LC-A'], toAgencyId: 'procuratorate' });
    const disposeOrder = issue(h.ctx, { kind: 'dispose', itemIds: ['LC-A'] });
    steps.push(
      { op: 'receive', body: { orderId: tin.id, condition: '封装完好' }, state: 'received', event: 'received', zone: 'intake', location: null },
      { op: 'putaway', body: { orderId: putOrder.id, locationId: 'GN-01' }, state: 'stored', event: 'putaway', zone: 'general', location: 'GN-01' },
      { op: 'move', body: { orderId: moveOrder.id, locationId: 'GN-02' }, state: 'stored', event: 'moved', zone: 'general', location: 'GN-02' },
      { op: 'retrieve', body: { orderId: retrieveOrder.id, takenBy: 'op-02', condition: '外观完好，封条完整', dueAt: h.clock.iso(3 * DAY) }, state: 'out', event: 'retrieved', zone: 'general', location: 'GN-02' },
      { op: 'return', body: { orderId: returnOrder.id, condition: '外观完好，封条完整', returnedBy: 'op-02' }, state: 'stored', event: 'returned', zone: 'general', location: 'GN-02' },
      { op: 'circulate', body: { orderId: circulateOrder.id, documentRef: '泰公移〔2025〕1号' }, state: 'stored', event: 'circulated', zone: 'general', location: 'GN-02', agency: 'procuratorate' },
      { op: 'dispose', body: { orderId: disposeOrder.id, method: 'confiscated', decisionRef: '(2025)鲁09刑初10号', decidedBy: '市中级人民法院' }, state: 'disposed', event: 'disposed', zone: null, location: null, agency: 'procuratorate' },
    );
    const seqs: number[] = [ann.body.data[0].eventSeq];
    let prevState = 'announced';
    for (const s of steps) {
      h.clock.advance(HOUR);
      const r = await post('operator', `/items/LC-A/${s.op}`, s.body);
      expect(r.status, `${s.op}: ${r.text}`).toBe(200);
      expect(r.body.item).toMatchObject({ id: 'LC-A', state: s.state, zoneId: s.zone, locationId: s.location, agencyId: s.agency ?? 'psb-taishan' });
      expect(r.body.event).toMatchObject({
        kind: s.event, itemId: 'LC-A', orderId: s.body.orderId,
        actors: { by: 'u-operator', role: 'operator' },
        from: { state: prevState }, to: { state: s.state, zoneId: s.zone, locationId: s.location },
        at: h.clock.iso(), restricted: false,
      });
      expect(r.body.event.hash).toMatch(/^[0-9a-f]{64}$/);
      seqs.push(r.body.event.seq);
      prevState = s.state;
    }
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));

    const ev = await h.call('operator', 'GET', '/items/LC-A/events');
    expect(ev.status).toBe(200);
    const events = ev.body.data as any[];
    expect(events.map((e) => e.kind)).toEqual(['announced', 'received', 'putaway', 'moved', 'retrieved', 'returned', 'circulated', 'disposed']);
    expect(events.map((e) => e.seq)).toEqual(seqs);
    expect(events[0].from).toBeNull();
    for (let i = 1; i < events.length; i++) {
      expect(events[i].from, `event ${events[i].kind} starts where ${events[i - 1].kind} ended`).toEqual(events[i - 1].to);
      expect(events[i].actors).toMatchObject({ by: 'u-operator', role: 'operator' });
    }
    expect(events[4].actors.staff).toEqual(['op-02']);
    expect(events[4].details).toMatchObject({ purpose: '司法鉴定', takenBy: 'op-02', condition: '外观完好，封条完整' });
    expect(events[5].details).toMatchObject({ conditionDiffers: false, late: false, checkoutSeq: seqs[4] });
    expect(events[6].details).toMatchObject({ fromAgencyId: 'psb-taishan', toAgencyId: 'procuratorate' });
    expect(events[7].details).toMatchObject({ method: 'confiscated' });

    const detail = await h.call('operator', 'GET', '/items/LC-A');
    expect(detail.body).toMatchObject({ state: 'disposed', checkout: { outSeq: seqs[4], inSeq: seqs[5], conditionDiffers: false } });
    // Every order the item went through is now completed.
    for (const o of [tin, putOrder, moveOrder, retrieveOrder, returnOrder, circulateOrder, disposeOrder]) {
      const r = await h.call('operator', 'GET', `/orders/${o.id}`);
      expect(r.body.state, o.kind).toBe('completed');
      expect(r.body.items).toEqual([{ itemId: 'LC-A', done: true, eventChain: 'main', eventSeq: expect.any(Number) }]);
    }
    expect(h.custody.verify()).toMatchObject({ ok: true });
  });

  it('announce → withdraw, and receive → reject', async () => {
    const tin = issue(h.ctx, { kind: 'transfer_in', agencyId: 'psb-daiyue' });
    const ann = await post('operator', '/items/announce', {
      orderId: tin.id,
      items: [
        { id: 'LC-W', epc: nextEpc(), name: '账本', categoryId: 'documents', caseNumber: 'A3709110000002025030002' },
        { id: 'LC-R', epc: nextEpc(), name: '人民币现金', categoryId: 'cash', quantity: 5000, unit: '元', caseNumber: 'A3709110000002025030002' },
      ],
    });
    expect(ann.status).toBe(201);
    const w = await post('operator', '/items/LC-W/withdraw', { orderId: tin.id, reason: '办案单位撤回移交' });
    expect(w.status).toBe(200);
    expect(w.body.item.state).toBe('withdrawn');
    expect(w.body.event).toMatchObject({ kind: 'withdrawn', from: { state: 'announced' }, to: { state: 'withdrawn' }, details: { reason: '办案单位撤回移交' }, actors: { by: 'u-operator' } });

    // Cash is dualControl (双人): each operation waits for a second person's confirmation.
    const rcAsk = await post('supervisor', '/items/LC-R/receive', { orderId: tin.id });
    expect(rcAsk.status).toBe(202);
    const rc = await post('operator', `/confirmations/${rcAsk.body.pending.id}/confirm`, undefined);
    expect(rc.status, rc.text).toBe(200);
    expect(rc.body.event.actors).toMatchObject({ by: 'u-supervisor', role: 'supervisor', second: { by: 'u-operator' } });
    const rjAsk = await post('operator', '/items/LC-R/reject', { orderId: tin.id, reason: '封装破损，与移交清单不符' });
    expect(rjAsk.status).toBe(202);
    const rj = await post('supervisor', `/confirmations/${rjAsk.body.pending.id}/confirm`, undefined);
    expect(rj.status).toBe(200);
    expect(rj.body.item).toMatchObject({ state: 'rejected', locationId: null });
    expect(rj.body.event).toMatchObject({ kind: 'rejected', from: { state: 'received' }, to: { state: 'rejected' } });

    const evR = await h.call('operator', 'GET', '/items/LC-R/events');
    expect(evR.body.data.map((e: any) => [e.kind, e.actors.by])).toEqual([['announced', 'u-operator'], ['received', 'u-supervisor'], ['rejected', 'u-operator']]);
    const evW = await h.call('operator', 'GET', '/items/LC-W/events');
    expect(evW.body.data.map((e: any) => e.kind)).toEqual(['announced', 'withdrawn']);
    expect(h.custody.verify().ok).toBe(true);
  });
});

// --- refusals -------------------------------------------------------------------------------

type Op = 'receive' | 'withdraw' | 'reject' | 'putaway' | 'move' | 'retrieve' | 'return' | 'circulate' | 'dispose';
const LEGAL_FROM: Record<Op, string[]> = {
  receive: ['announced'], withdraw: ['announced'], reject: ['received'], putaway: ['received'], move: ['stored'],
  retrieve: ['stored'], return: ['out'], circulate: ['stored', 'out'], dispose: ['stored', 'out'],
};
const STATES = ['announced', 'received', 'stored', 'out', 'withdrawn', 'rejected', 'disposed'] as const;

describe('every illegal transition is refused and writes nothing', () => {
  const itemIn: Record<string, string> = {};
  const orders = {} as Record<Op, string>;

  beforeAll(() => {
    const { ctx } = h;
    const a = intake(ctx, { to: 'announced', count: 2 });
    itemIn.announced = a.ids[0];
    const rec = intake(ctx, { to: null, count: 2 });
    itemIn.received = rec.ids[0];
    const st = intake(ctx, { count: 3 });
    itemIn.stored = st.ids[0];
    itemIn.out = st.ids[1];
    itemIn.disposed = st.ids[2];
    // withdrawn and rejected, through the HTTP-independent core
    const op = { userId: 'u-operator', name: 'op', role: 'operator' as const, agencyId: 'op', staffId: 'op-01' };
    itemIn.withdrawn = a.ids[1];
    itemIn.rejected = rec.ids[1];
    {
      withdraw(ctx, op, itemIn.withdrawn, { orderId: a.transferOrder.id, reason: '撤回' });
      reject(ctx, op, itemIn.rejected, { orderId: rec.transferOrder.id, reason: '拒收' });
      const ro = issue(ctx, { kind: 'retrieve', itemIds: [itemIn.out], purpose: '出庭示证', dueAt: h.clock.iso(5 * DAY) });
      retrieve(ctx, op, itemIn.out, { orderId: ro.id, takenBy: 'op-02', condition: '完好' });
      const dis = issue(ctx, { kind: 'dispose', itemIds: [itemIn.disposed] });
      dispose(ctx, op, itemIn.disposed, { orderId: dis.id, decisionRef: 'D-1', decidedBy: '法院' });
      // One order per kind that covers every test item, so that the state is the only reason to refuse.
      // (receive, withdraw and reject use the transfer_in order each item was announced under.)
      const all = Object.values(itemIn);
      for (const k of ['putaway', 'move', 'retrieve', 'return', 'circulate', 'dispose'] as const) {
        orders[k] = issue(ctx, {
          kind: k, itemIds: all, ...(k === 'circulate' ? { toAgencyId: 'procuratorate' } : {}),
          ...(k === 'retrieve' ? { purpose: '鉴定', dueAt: h.clock.iso(5 * DAY) } : {}),
        }).id;
      }
    }
  });

  const bodyFor = (op: Op, orderId: string): Record<string, unknown> => ({
    receive: { orderId },
    withdraw: { orderId, reason: 'r' },
    reject: { orderId, reason: 'r' },
    putaway: { orderId, locationId: 'GN-02' },
    move: { orderId, locationId: 'GN-02' },
    retrieve: { orderId, takenBy: 'op-02', condition: 'ok', dueAt: h.clock.iso(DAY) },
    return: { orderId, condition: 'ok' },
    circulate: { orderId },
    dispose: { orderId, decisionRef: 'D', decidedBy: 'X' },
  })[op];

  const illegal = STATES.flatMap((state) => (Object.keys(LEGAL_FROM) as Op[]).filter((op) => !LEGAL_FROM[op].includes(state)).map((op) => [state, op] as const));

  it.each(illegal)('%s item: %s → 409 ILLEGAL_TRANSITION', async (state, op) => {
    const id = itemIn[state];
    // receive/withdraw/reject: the transfer_in order the item was announced under, when it has one.
    const orderId = ['receive', 'withdraw', 'reject'].includes(op)
      ? (h.custody.db.prepare(`SELECT o.id FROM orders o JOIN order_items oi ON oi.order_id = o.id WHERE oi.item_id = ? AND o.kind = 'transfer_in' LIMIT 1`).get(id) as { id: string }).id
      : orders[op];
    const before = storeFingerprint(h.custody);
    const r = await post('operator', `/items/${id}/${op}`, bodyFor(op, orderId));
    expect(r.status, r.text).toBe(409);
    expect(r.body).toMatchObject({ code: 'ILLEGAL_TRANSITION', details: { itemId: id, state } });
    expect(storeFingerprint(h.custody)).toEqual(before);
  });

  it('covers the cases the issue names: putaway an announced item, retrieve an out item, anything on a disposed item', () => {
    const names = illegal.map(([s, o]) => `${s}:${o}`);
    expect(names).toEqual(expect.arrayContaining(['announced:putaway', 'out:retrieve',
      ...(Object.keys(LEGAL_FROM) as Op[]).map((o) => `disposed:${o}`)]));
  });

  it('an order of the wrong kind → ORDER_WRONG_KIND', async () => {
    const { ids } = intake(h.ctx, { to: null });
    const moveOrder = issue(h.ctx, { kind: 'move', itemIds: ids });
    const before = storeFingerprint(h.custody);
    const r = await post('operator', `/items/${ids[0]}/putaway`, { orderId: moveOrder.id, locationId: 'GN-01' });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ code: 'ORDER_WRONG_KIND', details: { orderId: moveOrder.id, kind: 'move' } });
    expect(storeFingerprint(h.custody)).toEqual(before);
    expect(itemRow(h.custody, ids[0])).toMatchObject({ state: 'received' });
  });

  it('an expired order (the clock moved past its window) → ORDER_EXPIRED', async () => {
    const { ids } = intake(h.ctx, { to: null });
    const o = issue(h.ctx, { kind: 'putaway', itemIds: ids, validUntil: h.clock.iso(HOUR) });
    h.clock.advance(2 * HOUR);
    const before = storeFingerprint(h.custody);
    const row = itemRow(h.custody, ids[0]);
    const r = await post('operator', `/items/${ids[0]}/putaway`, { orderId: o.id, locationId: 'GN-01' });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('ORDER_EXPIRED');
    expect(storeFingerprint(h.custody)).toEqual(before);
    expect(itemRow(h.custody, ids[0])).toEqual(row);
    // The order reads as expired by the clock, before and after a tick persists it.
    expect((await h.call('operator', 'GET', `/orders/${o.id}`)).body.state).toBe('expired');
    h.custody.tick();
    expect((await h.call('operator', 'GET', `/orders/${o.id}`)).body.state).toBe('expired');
  });

  it('an order whose window has not begun → ORDER_NOT_ACTIVE; once the clock reaches it, the same call succeeds', async () => {
    const { ids } = intake(h.ctx, { to: null });
    const o = issue(h.ctx, { kind: 'putaway', itemIds: ids, validFrom: h.clock.iso(HOUR), validUntil: h.clock.iso(5 * HOUR) });
    const before = storeFingerprint(h.custody);
    const r = await post('operator', `/items/${ids[0]}/putaway`, { orderId: o.id, locationId: 'GN-01' });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ code: 'ORDER_NOT_ACTIVE', details: { state: 'open' } });
    expect(storeFingerprint(h.custody)).toEqual(before);
    h.clock.advance(HOUR);
    const ok = await post('operator', `/items/${ids[0]}/putaway`, { orderId: o.id, locationId: 'GN-01' });
    expect(ok.status).toBe(200);
  });

  it('an item the order does not cover → ORDER_ITEM_NOT_COVERED', async () => {
    const { ids } = intake(h.ctx, { to: null, count: 2 });
    const o = issue(h.ctx, { kind: 'putaway', itemIds: [ids[0]] });
    const before = storeFingerprint(h.custody);
    const r = await post('operator', `/items/${ids[1]}/putaway`, { orderId: o.id, locationId: 'GN-01' });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ code: 'ORDER_ITEM_NOT_COVERED', details: { orderId: o.id, itemId: ids[1] } });
    expect(storeFingerprint(h.custody)).toEqual(before);
  });

  it('an item already done under its order → ORDER_ITEM_DONE; a cancelled order → ORDER_NOT_ACTIVE', async () => {
    const { ids } = intake(h.ctx, { count: 2 });
    const mv = issue(h.ctx, { kind: 'move', itemIds: ids });
    expect((await post('operator', `/items/${ids[0]}/move`, { orderId: mv.id, locationId: 'GN-02' })).status).toBe(200);
    let before = storeFingerprint(h.custody);
    const again = await post('operator', `/items/${ids[0]}/move`, { orderId: mv.id, locationId: 'GN-01' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('ORDER_ITEM_DONE');
    expect(storeFingerprint(h.custody)).toEqual(before);

    const em = await h.call('supervisor', 'POST', '/orders', { kind: 'move', itemIds: [ids[1]], approvedBy: '孙志强', validFrom: h.clock.iso(), validUntil: h.clock.iso(HOUR) });
    expect(em.status).toBe(201);
    const c = await h.call('supervisor', 'POST', `/orders/${em.body.id}/cancel`, { reason: '误发' });
    expect(c.status).toBe(200);
    expect(c.body.state).toBe('cancelled');
    before = storeFingerprint(h.custody);
    const r = await post('supervisor', `/items/${ids[1]}/move`, { orderId: em.body.id, locationId: 'GN-02' });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('ORDER_NOT_ACTIVE');
    expect(storeFingerprint(h.custody)).toEqual(before);
  });

  it('an unknown item → 404 ITEM_NOT_FOUND; an unknown order → 404 ORDER_NOT_FOUND; unknown location → 404', async () => {
    const { ids } = intake(h.ctx, { to: null });
    const o = issue(h.ctx, { kind: 'putaway', itemIds: ids });
    const before = storeFingerprint(h.custody);
    for (const op of Object.keys(LEGAL_FROM) as Op[]) {
      const r = await post('operator', `/items/NO-SUCH-ITEM/${op}`, bodyFor(op, o.id));
      expect(r.status, op).toBe(404);
      expect(r.body.code).toBe('ITEM_NOT_FOUND');
    }
    const r2 = await post('operator', `/items/${ids[0]}/putaway`, { orderId: 'NO-SUCH-ORDER', locationId: 'GN-01' });
    expect(r2.status).toBe(404);
    expect(r2.body.code).toBe('ORDER_NOT_FOUND');
    const r3 = await post('operator', `/items/${ids[0]}/putaway`, { orderId: o.id, locationId: 'NO-SUCH-LOC' });
    expect(r3.status).toBe(404);
    expect(r3.body.code).toBe('LOCATION_NOT_FOUND');
    // A restricted location does not exist for an ordinary item.
    const r4 = await post('operator', `/items/${ids[0]}/putaway`, { orderId: o.id, locationId: 'RS-01' });
    expect(r4.status).toBe(404);
    expect(r4.body.code).toBe('LOCATION_NOT_FOUND');
    const r5 = await post('operator', `/items/${ids[0]}/putaway`, { orderId: o.id, locationId: 'IN-01' });
    expect(r5.status).toBe(409);
    expect(r5.body.code).toBe('LOCATION_WRONG_ZONE');
    expect((await h.call('operator', 'GET', '/items/NO-SUCH-ITEM')).status).toBe(404);
    expect((await h.call('operator', 'GET', '/items/NO-SUCH-ITEM/events')).body.code).toBe('ITEM_NOT_FOUND');
    expect(storeFingerprint(h.custody)).toEqual(before);
  });

  it('announce refusals write nothing: a duplicate EPC, an unknown category, a non-transfer_in order', async () => {
    const tin = issue(h.ctx, { kind: 'transfer_in', agencyId: 'psb-taishan' });
    const taken = itemRow(h.custody, itemIn.stored)!.epc as string;
    const before = storeFingerprint(h.custody);
    const dup = await post('operator', '/items/announce', { orderId: tin.id, items: [
      { epc: nextEpc(), name: 'a', categoryId: 'electronics', caseNumber: 'C-DUP-1' },
      { epc: taken, name: 'b', categoryId: 'electronics', caseNumber: 'C-DUP-1' },
    ] });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ code: 'EPC_IN_USE', details: { index: 1 } });
    const cat = await post('operator', '/items/announce', { orderId: tin.id, items: [{ epc: nextEpc(), name: 'a', categoryId: 'nope', caseNumber: 'C-DUP-2' }] });
    expect(cat.status).toBe(409);
    expect(cat.body.code).toBe('UNKNOWN_CATEGORY');
    const wrong = await post('operator', '/items/announce', { orderId: orders.move, items: [{ epc: nextEpc(), name: 'a', categoryId: 'electronics', caseNumber: 'C-DUP-3' }] });
    expect(wrong.status).toBe(409);
    expect(wrong.body.code).toBe('ORDER_WRONG_KIND');
    expect(storeFingerprint(h.custody)).toEqual(before);
  });
});

describe('orders are not reusable once done', () => {
  it('a return order that already brought an item back does not cover a second return of it', async () => {
    const { ids } = intake(h.ctx);
    const id = ids[0];
    const r1 = issue(h.ctx, { kind: 'retrieve', itemIds: [id], purpose: '鉴定', dueAt: h.clock.iso(DAY) });
    const rt = issue(h.ctx, { kind: 'return', itemIds: [id] });
    expect((await post('operator', `/items/${id}/retrieve`, { orderId: r1.id, takenBy: 'op-02', condition: '完好' })).status).toBe(200);
    expect((await post('operator', `/items/${id}/return`, { orderId: rt.id, condition: '完好' })).status).toBe(200);
    expect((await h.call('operator', 'GET', `/orders/${rt.id}`)).body.state).toBe('completed');
    const r2 = issue(h.ctx, { kind: 'retrieve', itemIds: [id], purpose: '出庭', dueAt: h.clock.iso(DAY) });
    expect((await post('operator', `/items/${id}/retrieve`, { orderId: r2.id, takenBy: 'op-02', condition: '完好' })).status).toBe(200);
    const before = storeFingerprint(h.custody);
    const again = await post('operator', `/items/${id}/return`, { orderId: rt.id, condition: '完好' });
    expect(again.status, again.text).toBe(409);
    expect(again.body.code).toBe('ORDER_ITEM_DONE');
    expect(storeFingerprint(h.custody)).toEqual(before);
    // The retrieve order that took it out still covers its return, even once expired.
    h.clock.advance(3 * DAY);
    const back = await post('operator', `/items/${id}/return`, { orderId: r2.id, condition: '完好' });
    expect(back.status, back.text).toBe(200);
    expect(back.body.event.details).toMatchObject({ late: true });
    // …but not a return of a check-out made under another order.
    const r3 = issue(h.ctx, { kind: 'retrieve', itemIds: [id], purpose: '辨认', dueAt: h.clock.iso(DAY) });
    expect((await post('operator', `/items/${id}/retrieve`, { orderId: r3.id, takenBy: 'op-02', condition: '完好' })).status).toBe(200);
    const wrong = await post('operator', `/items/${id}/return`, { orderId: r2.id, condition: '完好' });
    expect(wrong.body.code).toBe('ORDER_ITEM_NOT_COVERED');
  });
});

describe('the ledger agrees with the store', () => {
  it('for every item: each event starts where the last ended, and the item row is where its last event left it', () => {
    const items = h.custody.db.prepare('SELECT id, state, zone_id, location_id, agency_id FROM items').all() as { id: string; state: string; zone_id: string | null; location_id: string | null; agency_id: string }[];
    expect(items.length).toBeGreaterThan(10);
    for (const it of items) {
      const evs = h.custody.db.prepare('SELECT from_state, to_state FROM events WHERE item_id = ? ORDER BY at, chain, seq').all(it.id) as { from_state: string | null; to_state: string }[];
      expect(evs[0].from_state, it.id).toBeNull();
      for (let i = 1; i < evs.length; i++) expect(JSON.parse(evs[i].from_state!), it.id).toEqual(JSON.parse(evs[i - 1].to_state));
      expect(JSON.parse(evs[evs.length - 1].to_state), it.id).toEqual({ state: it.state, zoneId: it.zone_id, locationId: it.location_id, agencyId: it.agency_id });
    }
    expect(h.custody.verify()).toMatchObject({ ok: true, main: { firstBadSeq: null }, restricted: { firstBadSeq: null } });
  });
});
