// Overdue returns on a moved clock: a warning at the due time, the same alarm critical after the
// grace, and the return compares the condition written at check-out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR, intake, issue, openHarness, storeFingerprint, type Harness } from '../helpers/custody-site.ts';

let h: Harness;
beforeAll(async () => { h = await openHarness(); });
afterAll(async () => { await h?.close(); });

const MIN = 60_000;
const overdueAlarms = (itemId: string) =>
  h.custody.db.prepare(`SELECT * FROM alarms WHERE kind = 'overdue_return' AND item_id = ?`).all(itemId) as { id: string; severity: string; state: string; occurrences: number }[];

describe('overdue_return', () => {
  it('warning at the due time, the same alarm critical after the grace, then a return with another condition', async () => {
    expect(h.site.rules.overdueGraceMinutes).toBe(60);
    const { ids } = intake(h.ctx);
    const id = ids[0];
    const ro = issue(h.ctx, { kind: 'retrieve', itemIds: [id], purpose: '出庭示证', validUntil: h.clock.iso(HOUR) });
    const due = h.clock.iso(2 * HOUR);
    const out = await h.call('operator', 'POST', `/items/${id}/retrieve`, { orderId: ro.id, takenBy: 'ag-ts-01', condition: '外观完好，封条完整', dueAt: due });
    expect(out.status, out.text).toBe(200);
    expect(out.body.item).toMatchObject({ state: 'out', dueAt: due });

    h.clock.advance(2 * HOUR - MIN);
    h.custody.tick();
    expect(overdueAlarms(id)).toHaveLength(0);

    h.clock.advance(2 * MIN);
    h.custody.tick();
    let alarms = overdueAlarms(id);
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({ severity: 'warning', state: 'open', occurrences: 1 });
    const alarmId = alarms[0].id;
    const api = await h.call('operator', 'GET', `/alarms?kind=overdue_return&item=${id}`);
    expect(api.body.data).toEqual([expect.objectContaining({ id: alarmId, severity: 'warning', itemId: id, orderId: ro.id, details: expect.objectContaining({ dueAt: due, takenBy: 'ag-ts-01', checkoutSeq: out.body.event.seq }) })]);

    // The same state every tick is not news.
    const quiet = storeFingerprint(h.custody);
    h.custody.tick();
    h.clock.advance(30 * MIN);
    h.custody.tick();
    expect(storeFingerprint(h.custody).hash).toBe(quiet.hash);

    // Someone acknowledges the warning; past the grace it becomes critical: still one alarm.
    expect((await h.call('operator', 'POST', `/alarms/${alarmId}/acknowledge`, { note: '已联系取件人' })).status).toBe(200);
    h.clock.advance(30 * MIN);
    h.custody.tick();
    alarms = overdueAlarms(id);
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({ id: alarmId, severity: 'critical', occurrences: 2, state: 'acknowledged' });
    h.clock.advance(5 * HOUR);
    h.custody.tick();
    h.custody.tick();
    expect(overdueAlarms(id)).toEqual([expect.objectContaining({ id: alarmId, severity: 'critical', occurrences: 2 })]);

    // The retrieve order expired long ago: it still covers the return.
    const back = await h.call('operator', 'POST', `/items/${id}/return`, { orderId: ro.id, condition: '封条已拆，外壳有划痕', returnedBy: 'ag-ts-01' });
    expect(back.status, back.text).toBe(200);
    expect(back.body.item).toMatchObject({ state: 'stored', dueAt: null, locationId: 'GN-01' });
    expect(back.body.event.details).toMatchObject({
      conditionDiffers: true, late: true, condition: '封条已拆，外壳有划痕', conditionOut: '外观完好，封条完整', checkoutSeq: out.body.event.seq,
    });
    const detail = await h.call('operator', 'GET', `/items/${id}`);
    expect(detail.body.checkout).toMatchObject({ conditionDiffers: true, conditionIn: '封条已拆，外壳有划痕', inSeq: back.body.event.seq });
    h.custody.tick();
    expect(overdueAlarms(id)).toHaveLength(1);
    // The alarm waits for a person.
    const resolved = await h.call('supervisor', 'POST', `/alarms/${alarmId}/resolve`, { note: '已归还，外壳划痕已记录' });
    expect(resolved.body).toMatchObject({ state: 'resolved', resolvedBy: 'u-supervisor' });
  });

  it('a return in time with the same condition (spacing and case aside) is not flagged', async () => {
    const { ids } = intake(h.ctx);
    const ro = issue(h.ctx, { kind: 'retrieve', itemIds: ids, purpose: '司法鉴定', dueAt: h.clock.iso(3 * HOUR) });
    expect((await h.call('operator', 'POST', `/items/${ids[0]}/retrieve`, { orderId: ro.id, takenBy: 'op-02', condition: 'Seal intact,  no marks' })).status).toBe(200);
    expect((await h.call('operator', 'GET', `/items/${ids[0]}`)).body.dueAt).toBe(h.clock.iso(3 * HOUR));
    h.clock.advance(HOUR);
    h.custody.tick();
    expect(overdueAlarms(ids[0])).toHaveLength(0);
    const rt = issue(h.ctx, { kind: 'return', itemIds: ids });
    const back = await h.call('operator', 'POST', `/items/${ids[0]}/return`, { orderId: rt.id, condition: ' seal intact, no MARKS ' });
    expect(back.body.event.details).toMatchObject({ conditionDiffers: false, late: false });
    h.clock.advance(5 * HOUR);
    h.custody.tick();
    expect(overdueAlarms(ids[0])).toHaveLength(0);
  });

  it('a grace of zero goes straight to critical; a due time in the past is refused', async () => {
    const { ids } = intake(h.ctx, { count: 2 });
    const ro = issue(h.ctx, { kind: 'retrieve', itemIds: ids, purpose: '辨认' });
    const past = await h.call('operator', 'POST', `/items/${ids[0]}/retrieve`, { orderId: ro.id, takenBy: 'op-02', condition: 'ok', dueAt: h.clock.iso(-MIN) });
    expect(past.status).toBe(400);
    expect(past.body).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'dueAt' } });
    const none = await h.call('operator', 'POST', `/items/${ids[0]}/retrieve`, { orderId: ro.id, takenBy: 'op-02', condition: 'ok' });
    expect(none.status).toBe(400);
    expect(none.body.details).toEqual({ field: 'dueAt' });
    expect(ids.map((i) => overdueAlarms(i).length)).toEqual([0, 0]);
  });
});
