// The role table of DOMAIN.md over HTTP: who may handle, dispatch, issue emergency orders,
// acknowledge and resolve; refusals write nothing; every mutation records its actor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retrieve } from '../../edge/lifecycle/retrieve.ts';
import { raiseAlarm } from '../../edge/alarms/alarm.ts';
import {
  DAY, HOUR, intake, issue, nextEpc, openHarness, principal, ROLE_USERS, storeFingerprint, tokenOf, USER_KEYS, type Harness, type UserKey,
} from '../helpers/custody-site.ts';

let h: Harness;
beforeAll(async () => { h = await openHarness(); });
afterAll(async () => { await h?.close(); });

type Op = 'announce' | 'receive' | 'withdraw' | 'reject' | 'putaway' | 'move' | 'retrieve' | 'return' | 'circulate' | 'dispose';
const OPS: Op[] = ['announce', 'receive', 'withdraw', 'reject', 'putaway', 'move', 'retrieve', 'return', 'circulate', 'dispose'];
type Owner = 'police' | 'restricted' | 'commission-open';

/** A fresh item in the state the operation needs, an order that covers it, and the request. */
function prepare(op: Op, owner: Owner): { path: string; body: Record<string, unknown> } {
  const ctx = h.ctx;
  const restricted = owner === 'restricted';
  const agency = owner === 'police' ? 'psb-taishan' : 'ccdi';
  const home = restricted ? 'RS-01' : 'GN-01';
  const other = restricted ? 'RS-02' : 'GN-02';
  if (op === 'announce') {
    const o = issue(ctx, { kind: 'transfer_in', agencyId: agency, zoneId: restricted ? 'restricted' : 'intake' });
    return { path: '/items/announce', body: { orderId: o.id, items: [{ epc: nextEpc(), name: '笔记本电脑', categoryId: 'electronics', caseNumber: `CASE-${owner}` }] } };
  }
  const to = op === 'receive' || op === 'withdraw' ? 'announced' : op === 'reject' || op === 'putaway' ? null : home;
  const { ids, transferOrder } = intake(ctx, { agency, restricted, to });
  const id = ids[0];
  const path = `/items/${id}/${op}`;
  switch (op) {
    case 'receive': return { path, body: { orderId: transferOrder.id, condition: '完好' } };
    case 'withdraw': return { path, body: { orderId: transferOrder.id, reason: '撤回' } };
    case 'reject': return { path, body: { orderId: transferOrder.id, reason: '破损' } };
    case 'putaway': return { path, body: { orderId: issue(ctx, { kind: 'putaway', itemIds: [id] }).id, locationId: home } };
    case 'move': return { path, body: { orderId: issue(ctx, { kind: 'move', itemIds: [id] }).id, locationId: other } };
    case 'retrieve': return { path, body: { orderId: issue(ctx, { kind: 'retrieve', itemIds: [id], purpose: '鉴定' }).id, takenBy: 'op-02', condition: '完好', dueAt: h.clock.iso(DAY) } };
    case 'return': {
      const ro = issue(ctx, { kind: 'retrieve', itemIds: [id], purpose: '鉴定', dueAt: h.clock.iso(DAY) });
      retrieve(ctx, principal(restricted ? 'discipline' : 'operator'), id, { orderId: ro.id, takenBy: 'op-02', condition: '完好' });
      return { path, body: { orderId: issue(ctx, { kind: 'return', itemIds: [id] }).id, condition: '完好' } };
    }
    case 'circulate': return { path, body: { orderId: issue(ctx, { kind: 'circulate', itemIds: [id], toAgencyId: 'procuratorate' }).id } };
    case 'dispose': return { path, body: { orderId: issue(ctx, { kind: 'dispose', itemIds: [id] }).id, decisionRef: 'D-1', decidedBy: '法院' } };
  }
}

/** Expected status per user, by who owns the item. 403 = seen but not allowed; 404 = not even seen. */
const EXPECT: Record<Owner, Partial<Record<UserKey, number>>> = {
  police: { operator: 200, supervisor: 200, agency: 403, agencyB: 404, discipline: 404, auditor: 403, admin: 403 },
  restricted: { operator: 404, supervisor: 404, agency: 404, agencyB: 404, discipline: 200, auditor: 404, admin: 404 },
  // The commission's own items outside the restricted zone: it sees them but acts in its zone only.
  'commission-open': { discipline: 403, operator: 200 },
};

const cases = (['police', 'restricted', 'commission-open'] as Owner[]).flatMap((owner) =>
  OPS.flatMap((op) => (Object.entries(EXPECT[owner]) as [UserKey, number][]).map(([u, status]) => [owner, op, u, status] as const)));

describe('handling and dispatch by role', () => {
  it.each(cases)('%s item, %s by %s → %i', async (owner, op, u, status) => {
    const req = prepare(op, owner);
    const before = storeFingerprint(h.custody);
    const r = await h.call(u, 'POST', req.path, req.body);
    const want = op === 'announce' && status === 200 ? 201 : status;
    expect(r.status, r.text).toBe(want);
    if (status === 200) {
      const [chain, seq] = op === 'announce' ? [r.body.data[0].eventChain, r.body.data[0].eventSeq] : [r.body.event.chain, r.body.event.seq];
      const ev = h.custody.db.prepare('SELECT actors FROM events WHERE chain = ? AND seq = ?').get(chain, seq) as { actors: string };
      expect(JSON.parse(ev.actors)).toMatchObject({ by: ROLE_USERS[u].id, role: ROLE_USERS[u].role });
      expect(h.custody.ctx.ledger.headOf(chain).seq).toBe(seq);
    } else {
      expect(r.body.code).toBe(status === 403 ? 'FORBIDDEN' : op === 'announce' ? 'ORDER_NOT_FOUND' : 'ITEM_NOT_FOUND');
      expect(storeFingerprint(h.custody)).toEqual(before);
    }
  });
});

describe('emergency orders (POST /orders)', () => {
  const order = (itemIds: string[], extra: Record<string, unknown> = {}) => ({
    kind: 'move', itemIds, approvedBy: '现场值班主任', validFrom: h.clock.iso(), validUntil: h.clock.iso(4 * HOUR), ...extra,
  });

  it('only the supervisor issues one for the center; it is flagged emergency and local, and can be used at once', async () => {
    const { ids } = intake(h.ctx);
    for (const u of ['operator', 'agency', 'auditor', 'admin', 'discipline'] as UserKey[]) {
      const before = storeFingerprint(h.custody);
      const r = await h.call(u, 'POST', '/orders', order(ids));
      expect(r.status, `${u}: ${r.text}`).toBe(403);
      expect(r.body.code).toBe('FORBIDDEN');
      expect(storeFingerprint(h.custody)).toEqual(before);
    }
    const r = await h.call('supervisor', 'POST', '/orders', order(ids));
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ kind: 'move', emergency: true, source: 'local', issuedBy: 'u-supervisor', state: 'active', items: [{ itemId: ids[0], done: false }] });
    expect(r.body.id).toMatch(/^EM-/);
    const mv = await h.call('operator', 'POST', `/items/${ids[0]}/move`, { orderId: r.body.id, locationId: 'GN-02' });
    expect(mv.status).toBe(200);
    expect(mv.body.event.orderId).toBe(r.body.id);
  });

  it('for the restricted zone only discipline issues one; the supervisor does not even see its items', async () => {
    const { ids } = intake(h.ctx, { restricted: true });
    const sup = await h.call('supervisor', 'POST', '/orders', order(ids));
    expect(sup.status).toBe(404);
    expect(sup.body.code).toBe('ITEM_NOT_FOUND');
    const zoneOnly = await h.call('supervisor', 'POST', '/orders', order([], { kind: 'transfer_in', zoneId: 'restricted', agencyId: 'ccdi' }));
    // The zone does not exist for the supervisor: no restricted order can be made by one.
    expect(zoneOnly.status).toBe(400);
    expect(zoneOnly.body).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'zoneId' } });
    const viaGate = await h.call('supervisor', 'POST', '/orders', order([], { gates: ['gate-restricted'] }));
    expect(viaGate.status).toBe(400);
    const dc = await h.call('discipline', 'POST', '/orders', order(ids));
    expect(dc.status).toBe(201);
    expect(dc.body).toMatchObject({ emergency: true, issuedBy: 'u-discipline' });
    expect((await h.call('supervisor', 'GET', `/orders/${dc.body.id}`)).status).toBe(404);
    const mv = await h.call('discipline', 'POST', `/items/${ids[0]}/move`, { orderId: dc.body.id, locationId: 'RS-02' });
    expect(mv.status).toBe(200);
    expect(mv.body.event).toMatchObject({ restricted: true, actors: { by: 'u-discipline', role: 'discipline' } });
  });

  it('only the issuer cancels an order', async () => {
    const { ids } = intake(h.ctx);
    const r = await h.call('supervisor', 'POST', '/orders', order(ids));
    const platformOrder = issue(h.ctx, { kind: 'move', itemIds: ids });
    expect((await h.call('operator', 'POST', `/orders/${r.body.id}/cancel`, { reason: 'x' })).status).toBe(403);
    expect((await h.call('supervisor', 'POST', `/orders/${platformOrder.id}/cancel`, { reason: 'x' })).status).toBe(403);
    expect((await h.call('supervisor', 'POST', `/orders/${r.body.id}/cancel`, { reason: '误发' })).body).toMatchObject({ state: 'cancelled', cancelledBy: 'u-supervisor' });
  });
});

describe('acknowledge and resolve alarms', () => {
  const alarm = (restricted: boolean, itemId: string | null = null) => raiseAlarm(h.ctx, {
    kind: 'unexpected_removal', severity: 'critical', causeKey: `test:${Math.random()}`, message: 'gone from its shelf', restricted, itemId,
  });

  it('acknowledge: operator and supervisor; others 403 or, if they cannot see it, 404', async () => {
    const { ids } = intake(h.ctx);
    const expectAck: Record<UserKey, number> = { operator: 200, supervisor: 200, agency: 403, agencyB: 404, discipline: 404, auditor: 403, admin: 403 };
    for (const u of USER_KEYS) {
      const a = alarm(false, ids[0]);
      const r = await h.call(u, 'POST', `/alarms/${a.id}/acknowledge`, { note: '已派人查看' });
      expect(r.status, `${u}: ${r.text}`).toBe(expectAck[u]);
      if (r.status === 200) expect(r.body).toMatchObject({ state: 'acknowledged', acknowledgedBy: ROLE_USERS[u].id, acknowledgeNote: '已派人查看' });
      else expect((await h.call('operator', 'GET', `/alarms/${a.id}`)).body.state).toBe('open');
    }
  });

  it('resolve: supervisor only (discipline in its zone)', async () => {
    const { ids } = intake(h.ctx);
    const expectResolve: Record<UserKey, number> = { operator: 403, supervisor: 200, agency: 403, agencyB: 404, discipline: 404, auditor: 403, admin: 403 };
    for (const u of USER_KEYS) {
      const a = alarm(false, ids[0]);
      const r = await h.call(u, 'POST', `/alarms/${a.id}/resolve`, { note: '已核实，物品在库' });
      expect(r.status, `${u}: ${r.text}`).toBe(expectResolve[u]);
      if (r.status === 200) expect(r.body).toMatchObject({ state: 'resolved', resolvedBy: 'u-supervisor' });
    }
    const done = alarm(false);
    await h.call('supervisor', 'POST', `/alarms/${done.id}/resolve`, { note: 'ok' });
    expect((await h.call('supervisor', 'POST', `/alarms/${done.id}/resolve`, { note: 'again' })).body.code).toBe('ALARM_ALREADY_RESOLVED');
    expect((await h.call('supervisor', 'POST', `/alarms/${alarm(false).id}/resolve`, { note: '  ' })).status).toBe(400);
  });

  it('a restricted-zone alarm: discipline acknowledges and resolves it; everyone else gets 404', async () => {
    const { ids } = intake(h.ctx, { restricted: true });
    const a = alarm(true, ids[0]);
    for (const u of USER_KEYS.filter((k) => k !== 'discipline')) {
      expect((await h.call(u, 'POST', `/alarms/${a.id}/acknowledge`, { note: 'x' })).status, u).toBe(404);
      expect((await h.call(u, 'POST', `/alarms/${a.id}/resolve`, { note: 'x' })).status, u).toBe(404);
    }
    expect((await h.call('discipline', 'POST', `/alarms/${a.id}/acknowledge`, { note: '专区已查看' })).body).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'u-discipline' });
    expect((await h.call('discipline', 'POST', `/alarms/${a.id}/resolve`, { note: '已处理' })).body).toMatchObject({ state: 'resolved', resolvedBy: 'u-discipline' });
  });
});

describe('photos by role', () => {
  it('operator and supervisor may add one; agency, auditor, admin may not', async () => {
    const { ids } = intake(h.ctx);
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    for (const u of ['agency', 'auditor', 'admin'] as UserKey[]) {
      const r = await h.raw('POST', `/items/${ids[0]}/photos`, { body: png, headers: { authorization: `Bearer ${tokenOf(u)}`, 'content-type': 'image/png' } });
      expect(r.status, u).toBe(403);
    }
    const r = await h.raw('POST', `/items/${ids[0]}/photos`, { body: png, headers: { authorization: `Bearer ${tokenOf('supervisor')}`, 'content-type': 'image/png' } });
    expect(r.status).toBe(201);
    expect(r.body.event.actors).toMatchObject({ by: 'u-supervisor' });
  });
});
