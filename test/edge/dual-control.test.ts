// Two-person operations (双人) over real HTTP: an operation on a dualControl item by one person
// waits as a pending operation and applies only when a second person confirms it within the
// window; the same person twice, a late confirmation, a second confirmation and a stranger are
// refused with their codes; the event names both people; the commission's pending operations
// stay the commission's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmByBadge, needsSecondPerson } from '../../edge/lifecycle/dual-control.ts';
import { CustodyError } from '../../edge/errors.ts';
import type { Principal } from '../../edge/auth/principal.ts';
import { intake, issue, itemRow, openHarness, storeFingerprint, type Harness, type UserKey } from '../helpers/custody-site.ts';

let h: Harness;
beforeAll(async () => { h = await openHarness(); });
afterAll(async () => { await h?.close(); });

const post = (u: UserKey, path: string, body?: unknown) => h.call(u, 'POST', path, body);
const get = (u: UserKey, path: string) => h.call(u, 'GET', path);
const WINDOW_MS = 300_000;

/** A received cash item and a putaway order for it. */
function receivedCash(restricted = false) {
  const { ids: [id] } = intake(h.ctx, { category: 'cash', to: null, restricted });
  const order = issue(h.ctx, { kind: 'putaway', itemIds: [id] });
  return { id, orderId: order.id };
}

const pendingCount = () => (h.custody.db.prepare('SELECT COUNT(*) AS n FROM pending_operations').get() as { n: number }).n;

function codeOf(fn: () => unknown): string {
  try { fn(); } catch (e) { if (e instanceof CustodyError) return e.code; throw e; }
  return 'no error';
}

describe('an operator alone cannot put away cash', () => {
  it('the request answers 202 with a pending operation, and nothing of the item or the ledger changes', async () => {
    const { id, orderId } = receivedCash();
    const before = storeFingerprint(h.custody);
    const r = await post('operator', `/items/${id}/putaway`, { orderId, locationId: 'VL-01' });
    expect(r.status, r.text).toBe(202);
    expect(r.body.pending).toMatchObject({
      operation: 'putaway', itemId: id, input: { orderId, locationId: 'VL-01' }, state: 'pending',
      requestedBy: { by: 'u-operator', role: 'operator' }, decidedBy: null, event: null, attempts: [],
      requestedAt: h.clock.iso(), expiresAt: h.clock.iso(WINDOW_MS),
    });
    expect(r.body.pending.id).toMatch(/^DC-/);
    // The item is still received, no custody event was appended, the order item is not done.
    expect(storeFingerprint(h.custody)).toEqual(before);
    expect(itemRow(h.custody, id)).toMatchObject({ state: 'received', location_id: null });
    const list = await get('supervisor', `/confirmations?state=pending&item=${id}`);
    expect(list.body.data.map((p: any) => p.id)).toEqual([r.body.pending.id]);
    expect((await get('operator', `/confirmations/${r.body.pending.id}`)).body.state).toBe('pending');
  });

  it('an item without dualControl still applies at once (200)', async () => {
    const { ids: [id] } = intake(h.ctx, { to: null });
    const order = issue(h.ctx, { kind: 'putaway', itemIds: [id] });
    const r = await post('operator', `/items/${id}/putaway`, { orderId: order.id, locationId: 'GN-01' });
    expect(r.status, r.text).toBe(200);
    expect(r.body.item.state).toBe('stored');
    expect(r.body.event.actors.second).toBeUndefined();
  });

  it('the gateway at a gate is exempt (it has seen two badges); a person is not', () => {
    const gate: Principal = { userId: 'gateway:gate-main', name: '主出入口', role: 'supervisor', agencyId: null, staffId: null, actingAs: 'gateway' };
    const cash = { category_id: 'cash' };
    expect(needsSecondPerson(h.ctx, gate, cash)).toBe(false);
    expect(needsSecondPerson(h.ctx, { ...gate, actingAs: undefined }, cash)).toBe(true);
    expect(needsSecondPerson(h.ctx, { ...gate, actingAs: undefined }, { category_id: 'electronics' })).toBe(false);
  });
});

describe('each state of a pending operation', () => {
  it('refused for the same person (it stays pending, the attempt recorded), then confirmed by a second: both in the event', async () => {
    const { id, orderId } = receivedCash();
    const asked = await post('operator', `/items/${id}/putaway`, { orderId, locationId: 'VL-01' });
    const pid = asked.body.pending.id;

    h.clock.advance(30_000);
    const self = await post('operator', `/confirmations/${pid}/confirm`);
    expect(self.status).toBe(409);
    expect(self.body.code).toBe('CONFIRMATION_SAME_PERSON');
    const still = await get('operator', `/confirmations/${pid}`);
    expect(still.body).toMatchObject({ state: 'pending', decidedBy: null });
    expect(still.body.attempts).toEqual([{ by: 'u-operator', name: '王建国', role: 'operator', via: 'api', at: h.clock.iso(), code: 'CONFIRMATION_SAME_PERSON' }]);
    expect(itemRow(h.custody, id)).toMatchObject({ state: 'received' });

    h.clock.advance(30_000);
    const ok = await post('supervisor', `/confirmations/${pid}/confirm`);
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.item).toMatchObject({ id, state: 'stored', zoneId: 'valuables', locationId: 'VL-01' });
    expect(ok.body.event).toMatchObject({
      kind: 'putaway', orderId, at: h.clock.iso(), chain: 'main',
      actors: { by: 'u-operator', name: '王建国', role: 'operator', second: { by: 'u-supervisor', name: '孙志强', role: 'supervisor', staffId: 'sup-01', via: 'api' } },
    });
    expect(ok.body.pending).toMatchObject({
      state: 'confirmed', decidedBy: { by: 'u-supervisor', role: 'supervisor', via: 'api' }, decidedAt: h.clock.iso(),
      event: { chain: 'main', seq: ok.body.event.seq },
    });
    // The item's history names both people; the order records the item done under that event.
    const events = await get('auditor', `/items/${id}/events`);
    expect(events.body.data.at(-1)).toMatchObject({ kind: 'putaway', actors: { by: 'u-operator', second: { by: 'u-supervisor' } } });
    const order = await get('operator', `/orders/${orderId}`);
    expect(order.body.items).toEqual([{ itemId: id, done: true, eventChain: 'main', eventSeq: ok.body.event.seq }]);
    expect(h.custody.verify().ok).toBe(true);

    // Not pending any more: a second confirmation, or a refusal, is refused.
    const again = await post('supervisor', `/confirmations/${pid}/confirm`);
    expect([again.status, again.body.code]).toEqual([409, 'CONFIRMATION_NOT_PENDING']);
    const late = await post('supervisor', `/confirmations/${pid}/refuse`, { reason: '太晚了' });
    expect([late.status, late.body.code]).toEqual([409, 'CONFIRMATION_NOT_PENDING']);
  });

  it('after the window: CONFIRMATION_EXPIRED, the state expired, and the item untouched', async () => {
    const { id, orderId } = receivedCash();
    const pid = (await post('operator', `/items/${id}/putaway`, { orderId, locationId: 'VL-01' })).body.pending.id;
    h.clock.advance(WINDOW_MS);
    // On the clock it reads expired at once, before anything is written.
    expect((await get('operator', `/confirmations/${pid}`)).body.state).toBe('expired');
    const r = await post('supervisor', `/confirmations/${pid}/confirm`);
    expect([r.status, r.body.code]).toEqual([409, 'CONFIRMATION_EXPIRED']);
    expect(h.custody.db.prepare('SELECT state, decided_at FROM pending_operations WHERE id = ?').get(pid))
      .toEqual({ state: 'expired', decided_at: h.clock.iso() });
    expect(itemRow(h.custody, id)).toMatchObject({ state: 'received' });
    // A new request is a new pending operation with its own window.
    const anew = await post('operator', `/items/${id}/putaway`, { orderId, locationId: 'VL-01' });
    expect(anew.status).toBe(202);
    expect((await post('supervisor', `/confirmations/${anew.body.pending.id}/confirm`)).status).toBe(200);
  });

  it('the periodic tick sweeps expired pending operations; the lists follow the clock', async () => {
    const { id, orderId } = receivedCash();
    const pid = (await post('operator', `/items/${id}/putaway`, { orderId, locationId: 'VL-01' })).body.pending.id;
    h.clock.advance(WINDOW_MS - 1000);
    h.custody.tick();
    expect((h.custody.db.prepare('SELECT state FROM pending_operations WHERE id = ?').get(pid) as any).state).toBe('pending');
    h.clock.advance(1000);
    expect((await get('supervisor', '/confirmations?state=pending')).body.data.map((p: any) => p.id)).not.toContain(pid);
    expect((await get('supervisor', '/confirmations?state=expired')).body.data.map((p: any) => p.id)).toContain(pid);
    h.custody.tick();
    expect((h.custody.db.prepare('SELECT state FROM pending_operations WHERE id = ?').get(pid) as any).state).toBe('expired');
  });

  it('refused with a reason by a second person; a refusal needs a reason', async () => {
    const { id, orderId } = receivedCash();
    const pid = (await post('operator', `/items/${id}/putaway`, { orderId, locationId: 'VL-01' })).body.pending.id;
    const none = await post('supervisor', `/confirmations/${pid}/refuse`, { reason: '  ' });
    expect([none.status, none.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    const r = await post('supervisor', `/confirmations/${pid}/refuse`, { reason: '金额与清单不符，先复点' });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ state: 'refused', reason: '金额与清单不符，先复点', decidedBy: { by: 'u-supervisor' }, event: null });
    const after = await post('operator', `/confirmations/${pid}/confirm`);
    expect([after.status, after.body.code]).toEqual([409, 'CONFIRMATION_NOT_PENDING']);
    expect(itemRow(h.custody, id)).toMatchObject({ state: 'received' });
    expect((await get('operator', '/confirmations?state=refused')).body.data.map((p: any) => p.id)).toContain(pid);
  });

  it('unknown id: CONFIRMATION_NOT_FOUND', async () => {
    for (const path of ['/confirmations/DC-nope', '/confirmations/DC-nope/confirm']) {
      const r = path.endsWith('confirm') ? await post('supervisor', path) : await get('supervisor', path);
      expect([r.status, r.body.code]).toEqual([404, 'CONFIRMATION_NOT_FOUND']);
    }
  });
});

describe('checks at request time and again at confirmation', () => {
  it('what the operation would refuse is refused at once, and nothing waits', async () => {
    const { id, orderId } = receivedCash();
    const n = pendingCount();
    const noLoc = await post('operator', `/items/${id}/putaway`, { orderId, locationId: 'NOWHERE' });
    expect([noLoc.status, noLoc.body.code]).toEqual([404, 'LOCATION_NOT_FOUND']);
    const wrongState = await post('operator', `/items/${id}/move`, { orderId, locationId: 'VL-01' });
    expect([wrongState.status, wrongState.body.code]).toEqual([409, 'ILLEGAL_TRANSITION']);
    const noOrder = await post('operator', `/items/${id}/putaway`, { orderId: 'OR-NONE', locationId: 'VL-01' });
    expect(noOrder.status).toBe(404);
    const stranger = await post('auditor', `/items/${id}/putaway`, { orderId, locationId: 'VL-01' });
    expect([stranger.status, stranger.body.code]).toEqual([403, 'FORBIDDEN']);
    const bad = await post('operator', `/items/${id}/putaway`, { orderId, locationId: 'VL-01', extra: 1 });
    expect([bad.status, bad.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(pendingCount()).toBe(n);
  });

  it('when the world changed meanwhile, the confirmation is refused with the operation\'s code and the pending operation says why', async () => {
    const { id, orderId } = receivedCash();
    const first = (await post('operator', `/items/${id}/putaway`, { orderId, locationId: 'VL-01' })).body.pending.id;
    const second = (await post('supervisor', `/items/${id}/putaway`, { orderId, locationId: 'VL-01' })).body.pending.id;
    expect((await post('supervisor', `/confirmations/${first}/confirm`)).status).toBe(200);
    const r = await post('operator', `/confirmations/${second}/confirm`);
    expect([r.status, r.body.code]).toEqual([409, 'ILLEGAL_TRANSITION']);
    const p = await get('operator', `/confirmations/${second}`);
    expect(p.body).toMatchObject({ state: 'refused', decidedBy: { by: 'u-operator' }, event: null });
    expect(p.body.reason).toMatch(/^ILLEGAL_TRANSITION: /);
    expect(h.custody.verify().ok).toBe(true);
  });

  it('a second person without the operation\'s role cannot confirm: it stays pending for someone who can', async () => {
    const { id, orderId } = receivedCash();
    const pid = (await post('operator', `/items/${id}/putaway`, { orderId, locationId: 'VL-01' })).body.pending.id;
    const auditor = await post('auditor', `/confirmations/${pid}/confirm`);
    expect([auditor.status, auditor.body.code]).toEqual([403, 'FORBIDDEN']);
    // The item's own agency sees it and may not confirm it; another agency does not see it at all.
    const agency = await post('agency', `/confirmations/${pid}/confirm`);
    expect([agency.status, agency.body.code]).toEqual([403, 'FORBIDDEN']);
    const other = await post('agencyB', `/confirmations/${pid}/confirm`);
    expect([other.status, other.body.code]).toEqual([404, 'CONFIRMATION_NOT_FOUND']);
    expect((await get('agency', '/confirmations')).body.data.map((p: any) => p.id)).toContain(pid);
    expect((await get('agencyB', '/confirmations')).body.data.map((p: any) => p.id)).not.toContain(pid);
    expect((await get('operator', `/confirmations/${pid}`)).body.state).toBe('pending');
    expect((await post('supervisor', `/confirmations/${pid}/confirm`)).status).toBe(200);
  });

  it('every operation on a dualControl item waits: receive, retrieve and return too', async () => {
    const { ids: [id], transferOrder } = intake(h.ctx, { category: 'cash', to: 'announced' });
    const confirmed = async (op: string, body: Record<string, unknown>) => {
      const asked = await post('operator', `/items/${id}/${op}`, body);
      expect(asked.status, `${op}: ${asked.text}`).toBe(202);
      const ok = await post('supervisor', `/confirmations/${asked.body.pending.id}/confirm`);
      expect(ok.status, `${op}: ${ok.text}`).toBe(200);
      return ok.body;
    };
    await confirmed('receive', { orderId: transferOrder.id, condition: '封装完好' });
    await confirmed('putaway', { orderId: issue(h.ctx, { kind: 'putaway', itemIds: [id] }).id, locationId: 'VL-01' });
    const ro = issue(h.ctx, { kind: 'retrieve', itemIds: [id], purpose: '司法鉴定', dueAt: h.clock.iso(86_400_000) });
    const out = await confirmed('retrieve', { orderId: ro.id, takenBy: 'op-02', condition: '封条完整' });
    expect(out.item.state).toBe('out');
    const back = await confirmed('return', { orderId: ro.id, condition: '封条完整' });
    expect(back.item.state).toBe('stored');
    const kinds = (await get('auditor', `/items/${id}/events`)).body.data.map((e: any) => [e.kind, e.actors.second?.by ?? null]);
    expect(kinds).toEqual([['announced', null], ['received', 'u-supervisor'], ['putaway', 'u-supervisor'], ['retrieved', 'u-supervisor'], ['returned', 'u-supervisor']]);
  });
});

describe('the desk reader: confirmByBadge', () => {
  it('a second staff member\'s badge confirms; the requester\'s own badge, an unknown badge and a role without the right do not', async () => {
    const { id, orderId } = receivedCash();
    const pid = (await post('operator', `/items/${id}/putaway`, { orderId, locationId: 'VL-01' })).body.pending.id;
    expect(codeOf(() => confirmByBadge(h.ctx, pid, 'op-01'))).toBe('CONFIRMATION_SAME_PERSON');
    expect(codeOf(() => confirmByBadge(h.ctx, pid, 'nobody'))).toBe('UNKNOWN_STAFF');
    expect(codeOf(() => confirmByBadge(h.ctx, pid, 'au-01'))).toBe('FORBIDDEN');
    expect(codeOf(() => confirmByBadge(h.ctx, 'DC-nope', 'op-02'))).toBe('CONFIRMATION_NOT_FOUND');
    const r = confirmByBadge(h.ctx, pid, 'op-02');
    expect(r.event.actors).toMatchObject({ by: 'u-operator', second: { by: 'staff:op-02', name: '李秀英', role: 'operator', staffId: 'op-02', via: 'desk_badge' } });
    expect(r.pending).toMatchObject({ state: 'confirmed', decidedBy: { by: 'staff:op-02', via: 'desk_badge' } });
    const seen = await get('operator', `/confirmations/${pid}`);
    expect(seen.body.attempts.map((a: any) => [a.via, a.code])).toEqual([['desk_badge', 'CONFIRMATION_SAME_PERSON']]);
  });
});

describe('the commission\'s zone', () => {
  it('a restricted pending operation is invisible to every other role, and its confirmation stays in the restricted chain', async () => {
    const { id, orderId } = receivedCash(true);
    const mainHead = h.ctx.ledger.headNow;
    const asked = await post('discipline', `/items/${id}/putaway`, { orderId, locationId: 'RS-01' });
    expect(asked.status, asked.text).toBe(202);
    const pid = asked.body.pending.id;
    expect((await get('discipline', '/confirmations?state=pending')).body.data.map((p: any) => p.id)).toContain(pid);
    for (const u of ['operator', 'supervisor', 'agency', 'agencyB', 'auditor', 'admin'] as const) {
      const list = await get(u, '/confirmations');
      expect(list.body.data.map((p: any) => p.id), u).not.toContain(pid);
      expect((await get(u, `/confirmations?item=${id}`)).body.data, u).toEqual([]);
      const one = await get(u, `/confirmations/${pid}`);
      expect([one.status, one.body.code], u).toEqual([404, 'CONFIRMATION_NOT_FOUND']);
      const c = await post(u, `/confirmations/${pid}/confirm`);
      expect([c.status, c.body.code], u).toEqual([404, 'CONFIRMATION_NOT_FOUND']);
      const rf = await post(u, `/confirmations/${pid}/refuse`, { reason: '试探' });
      expect([rf.status, rf.body.code], u).toEqual([404, 'CONFIRMATION_NOT_FOUND']);
    }
    // An operator's badge at the desk does not find it either.
    expect(codeOf(() => confirmByBadge(h.ctx, pid, 'op-02'))).toBe('CONFIRMATION_NOT_FOUND');
    expect(codeOf(() => confirmByBadge(h.ctx, pid, 'dc-01'))).toBe('CONFIRMATION_SAME_PERSON');
    // A second member of the commission, as the site file would list them, confirms at the desk.
    h.custody.db.prepare(`INSERT INTO staff (id, name, agency_id, roles, badge_epc, clearances) VALUES ('dc-02', '周敏', 'ccdi', '["discipline"]', NULL, '["restricted"]')`).run();
    const r = confirmByBadge(h.ctx, pid, 'dc-02');
    expect(r.event).toMatchObject({ chain: 'restricted', actors: { by: 'u-discipline', second: { by: 'staff:dc-02', role: 'discipline' } } });
    expect(h.ctx.ledger.headNow).toEqual(mainHead);
    expect((await get('discipline', `/confirmations/${pid}`)).body).toMatchObject({ state: 'confirmed', event: { chain: 'restricted' } });
    expect(h.custody.verify().ok).toBe(true);
  });
});
