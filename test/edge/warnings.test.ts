// Warnings before the fact on a moved clock: check-outs due within 24 hours (due_soon) and stored
// items kept past their retention limit (retention_exceeded), each raised once per cause; the case's
// retention date through the API and from the platform; the list, filtered like the items.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setCaseRetention } from '../../edge/cases/retention.ts';
import { calendarOf } from '../../edge/time/calendar.ts';
import { DAY, HOUR, intake, issue, openHarness, type Harness, type UserKey } from '../helpers/custody-site.ts';

let h: Harness;
beforeAll(async () => {
  h = await openHarness({
    site: (s) => { s.categories = s.categories.map((c) => (c.id === 'documents' ? { ...c, retentionDays: 30 } : c)); },
  });
});
afterAll(async () => { await h?.close(); });

const MIN = 60_000;
type AlarmRow = { id: string; kind: string; severity: string; state: string; occurrences: number; restricted: number; message: string; details: string };
const alarmsOf = (kind: string, itemId: string) =>
  h.custody.db.prepare('SELECT * FROM alarms WHERE kind = ? AND item_id = ? ORDER BY opened_at').all(kind, itemId) as AlarmRow[];

async function checkOut(dueInMs: number, o: { restricted?: boolean; agency?: string } = {}) {
  const { ids } = intake(h.ctx, o);
  const id = ids[0];
  const ro = issue(h.ctx, { kind: 'retrieve', itemIds: [id], purpose: '出庭示证' });
  const dueAt = h.clock.iso(dueInMs);
  const out = await h.call(o.restricted ? 'discipline' : 'operator', 'POST', `/items/${id}/retrieve`, { orderId: ro.id, takenBy: 'op-02', condition: '完好', dueAt });
  expect(out.status, out.text).toBe(200);
  return { id, dueAt, orderId: ro.id };
}
const caseOf = async (itemId: string, u: UserKey = 'supervisor') => (await h.call(u, 'GET', `/items/${itemId}`)).body.caseId as string;

describe('due_soon', () => {
  it('due in 23 hours: one warning, and the next ticks raise nothing more; overdue later is overdue_return only', async () => {
    const { id, dueAt, orderId } = await checkOut(23 * HOUR);
    h.custody.tick();
    let soon = alarmsOf('due_soon', id);
    expect(soon).toHaveLength(1);
    expect(soon[0]).toMatchObject({ severity: 'warning', state: 'open', occurrences: 1, restricted: 0 });
    expect(soon[0].message).toContain('即将到期');
    // The site's wall clock (Asia/Shanghai), not UTC, in what people read.
    expect(soon[0].message).toContain(calendarOf('Asia/Shanghai').format(dueAt));
    expect(calendarOf('Asia/Shanghai').format(dueAt)).not.toContain(dueAt.slice(11, 16));
    expect(JSON.parse(soon[0].details)).toMatchObject({ dueAt, takenBy: 'op-02' });
    const api = await h.call('operator', 'GET', `/alarms?kind=due_soon&item=${id}`);
    expect(api.status).toBe(200);
    expect(api.body.data).toEqual([expect.objectContaining({ kind: 'due_soon', orderId, details: expect.objectContaining({ dueAt }) })]);

    h.custody.tick();
    h.clock.advance(HOUR);
    h.custody.tick();
    soon = alarmsOf('due_soon', id);
    expect(soon).toHaveLength(1);
    expect(soon[0].occurrences).toBe(1);

    // Past the due time: the overdue rule takes over, due_soon is not raised again.
    h.clock.advance(22 * HOUR + MIN);
    h.custody.tick();
    expect(alarmsOf('overdue_return', id)).toHaveLength(1);
    expect(alarmsOf('due_soon', id)).toEqual([expect.objectContaining({ id: soon[0].id, occurrences: 1, state: 'open' })]);
    const list = await h.call('operator', 'GET', '/warnings');
    expect(list.body.dueSoon.map((w: { itemId: string }) => w.itemId)).not.toContain(id);
  });

  it('due in 25 hours: nothing until it is within 24; a resolved warning is not raised again', async () => {
    const { id } = await checkOut(25 * HOUR);
    h.custody.tick();
    expect(alarmsOf('due_soon', id)).toHaveLength(0);
    expect((await h.call('operator', 'GET', '/warnings')).body.dueSoon.map((w: { itemId: string }) => w.itemId)).not.toContain(id);
    h.clock.advance(2 * HOUR);
    h.custody.tick();
    const [a] = alarmsOf('due_soon', id);
    expect(a).toBeDefined();
    const list = await h.call('operator', 'GET', '/warnings');
    expect(list.status, list.text).toBe(200);
    expect(list.body.dueSoon).toContainEqual(expect.objectContaining({
      itemId: id, itemName: '华为手机', alarmId: a.id, takenBy: 'op-02', takenByName: '李秀英', locationName: '货架 1-1',
    }));
    expect((await h.call('supervisor', 'POST', `/alarms/${a.id}/resolve`, { note: '已电话提醒' })).status).toBe(200);
    h.custody.tick();
    h.clock.advance(HOUR);
    h.custody.tick();
    expect(alarmsOf('due_soon', id)).toEqual([expect.objectContaining({ id: a.id, state: 'resolved' })]);
  });

  it('a check-out back before its due time is not listed and raises nothing more', async () => {
    const { id, orderId } = await checkOut(30 * HOUR);
    const rt = issue(h.ctx, { kind: 'return', itemIds: [id] });
    expect((await h.call('operator', 'POST', `/items/${id}/return`, { orderId: rt.id, condition: '完好' })).status).toBe(200);
    void orderId;
    h.clock.advance(10 * HOUR);
    h.custody.tick();
    expect(alarmsOf('due_soon', id)).toHaveLength(0);
  });

  it('a restricted check-out raises a restricted warning, listed for the discipline role only', async () => {
    const { id } = await checkOut(5 * HOUR, { restricted: true });
    h.custody.tick();
    expect(alarmsOf('due_soon', id)).toEqual([expect.objectContaining({ restricted: 1 })]);
    const ids = async (u: UserKey) => ((await h.call(u, 'GET', '/warnings')).body.dueSoon as { itemId: string }[]).map((w) => w.itemId);
    expect(await ids('discipline')).toContain(id);
    for (const u of ['operator', 'supervisor', 'auditor', 'agency', 'agencyB'] as UserKey[]) expect(await ids(u)).not.toContain(id);
    // An agency sees its own check-outs only.
    const own = await checkOut(5 * HOUR);
    const other = await checkOut(5 * HOUR, { agency: 'psb-daiyue' });
    expect(await ids('agency')).toContain(own.id);
    expect(await ids('agency')).not.toContain(other.id);
    expect(await ids('agencyB')).toContain(other.id);
  });
});

describe('retention_exceeded', () => {
  it('by category: 30 days from reception, once', async () => {
    const { ids } = intake(h.ctx, { category: 'documents' });
    const id = ids[0];
    const received = h.clock.iso();
    h.clock.advance(30 * DAY - MIN);
    h.custody.tick();
    expect(alarmsOf('retention_exceeded', id)).toHaveLength(0);
    h.clock.advance(2 * MIN);
    h.custody.tick();
    h.custody.tick();
    const alarms = alarmsOf('retention_exceeded', id);
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({ severity: 'warning', occurrences: 1 });
    expect(alarms[0].message).toContain('超期存放');
    expect(JSON.parse(alarms[0].details)).toMatchObject({
      basis: 'category', retentionDays: 30, receivedAt: received, retainUntil: new Date(Date.parse(received) + 30 * DAY).toISOString(),
    });
    const list = await h.call('auditor', 'GET', '/warnings');
    expect(list.body.retentionExceeded).toContainEqual(expect.objectContaining({ itemId: id, basis: 'category', alarmId: alarms[0].id, locationName: '货架 1-1' }));
  });

  it('by the case\'s date, set through the API; a new date is a new cause; cleared, the category applies again', async () => {
    const { ids } = intake(h.ctx, { category: 'electronics' });
    const id = ids[0];
    const caseId = await caseOf(id);
    const until = h.clock.iso(HOUR);
    const put = await h.call('supervisor', 'PUT', `/cases/${encodeURIComponent(caseId)}/retention`, { retainUntil: until, note: '法院判决后保管一小时' });
    expect(put.status, put.text).toBe(200);
    expect(put.body).toMatchObject({ id: caseId, retainUntil: until, retainSetBy: 'u-supervisor', retainNote: '法院判决后保管一小时', items: 1 });
    const listed = await h.call('supervisor', 'GET', `/cases?q=${encodeURIComponent(put.body.number)}`);
    expect(listed.body.data).toEqual([expect.objectContaining({ id: caseId, retainUntil: until })]);
    h.custody.tick();
    expect(alarmsOf('retention_exceeded', id)).toHaveLength(0);
    h.clock.advance(2 * HOUR);
    h.custody.tick();
    h.custody.tick();
    let alarms = alarmsOf('retention_exceeded', id);
    expect(alarms).toHaveLength(1);
    expect(JSON.parse(alarms[0].details)).toMatchObject({ basis: 'case', retainUntil: until });

    // The platform moves the date (the sync inbox calls the same function): a new limit, a new warning once it passes.
    const later = h.clock.iso(DAY);
    expect(setCaseRetention(h.ctx, { by: 'platform', role: 'platform' }, caseId, later)).toMatchObject({ retainUntil: later, retainSetBy: 'platform' });
    h.custody.tick();
    expect(alarmsOf('retention_exceeded', id)).toHaveLength(1);
    expect((await h.call('operator', 'GET', '/warnings')).body.retentionExceeded.map((w: { itemId: string }) => w.itemId)).not.toContain(id);
    h.clock.advance(DAY + MIN);
    h.custody.tick();
    alarms = alarmsOf('retention_exceeded', id);
    expect(alarms).toHaveLength(2);
    expect(JSON.parse(alarms[1].details)).toMatchObject({ basis: 'case', retainUntil: later });

    const cleared = await h.call('supervisor', 'PUT', `/cases/${encodeURIComponent(caseId)}/retention`, { retainUntil: null });
    expect(cleared.body.retainUntil).toBeNull();
    // electronics has no period: nothing listed any more.
    expect((await h.call('operator', 'GET', '/warnings')).body.retentionExceeded.map((w: { itemId: string }) => w.itemId)).not.toContain(id);
  });

  it('an item out, or disposed, is not kept in the store: no warning', async () => {
    const { ids } = intake(h.ctx, { category: 'documents', count: 2 });
    const ro = issue(h.ctx, { kind: 'retrieve', itemIds: [ids[0]], purpose: '鉴定', dueAt: h.clock.iso(60 * DAY) });
    expect((await h.call('operator', 'POST', `/items/${ids[0]}/retrieve`, { orderId: ro.id, takenBy: 'op-02', condition: '完好' })).status).toBe(200);
    const d = issue(h.ctx, { kind: 'dispose', itemIds: [ids[1]] });
    expect((await h.call('operator', 'POST', `/items/${ids[1]}/dispose`, { orderId: d.id, decisionRef: 'D-1', decidedBy: '法院' })).status).toBe(200);
    h.clock.advance(31 * DAY);
    h.custody.tick();
    expect(alarmsOf('retention_exceeded', ids[0])).toHaveLength(0);
    expect(alarmsOf('retention_exceeded', ids[1])).toHaveLength(0);
  });

  it('restricted items raise restricted warnings, listed for the discipline role only', async () => {
    const { ids } = intake(h.ctx, { restricted: true, category: 'documents' });
    h.clock.advance(31 * DAY);
    h.custody.tick();
    expect(alarmsOf('retention_exceeded', ids[0])).toEqual([expect.objectContaining({ restricted: 1 })]);
    const ids_ = async (u: UserKey) => ((await h.call(u, 'GET', '/warnings')).body.retentionExceeded as { itemId: string }[]).map((w) => w.itemId);
    expect(await ids_('discipline')).toContain(ids[0]);
    for (const u of ['operator', 'supervisor', 'auditor', 'agency', 'admin'] as UserKey[]) expect(await ids_(u)).not.toContain(ids[0]);
  });
});

describe('PUT /cases/{id}/retention', () => {
  const put = (u: UserKey, caseId: string, body: unknown) => h.call(u, 'PUT', `/cases/${encodeURIComponent(caseId)}/retention`, body);

  it('a police case: the supervisor only; those who cannot see it get 404', async () => {
    const { ids } = intake(h.ctx);
    const caseId = await caseOf(ids[0]);
    const body = { retainUntil: h.clock.iso(90 * DAY) };
    const expected: Record<UserKey, number> = { supervisor: 200, operator: 403, agency: 403, auditor: 403, admin: 403, agencyB: 404, discipline: 404 };
    for (const [u, status] of Object.entries(expected) as [UserKey, number][]) {
      const r = await put(u, caseId, body);
      expect(r.status, `${u}: ${r.text}`).toBe(status);
      if (status === 404) expect(r.body.code).toBe('CASE_NOT_FOUND');
      if (status === 403) expect(r.body.code).toBe('FORBIDDEN');
    }
    expect((await put(null as unknown as UserKey, caseId, body)).status).toBe(401);
  });

  it('a case in the commission\'s zone: the discipline role only, invisible to everyone else; its open cases it sees but may not set', async () => {
    const { ids } = intake(h.ctx, { restricted: true });
    const caseId = await caseOf(ids[0], 'discipline');
    const body = { retainUntil: '2026-01-01T00:00:00+08:00' };
    for (const u of ['supervisor', 'operator', 'agency', 'auditor', 'admin'] as UserKey[]) {
      const r = await put(u, caseId, body);
      expect(r.status, u).toBe(404);
      expect(r.body.code).toBe('CASE_NOT_FOUND');
    }
    const ok = await put('discipline', caseId, body);
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.retainUntil).toBe('2025-12-31T16:00:00.000Z');
    const open = intake(h.ctx, { agency: 'ccdi' });
    const r = await put('discipline', await caseOf(open.ids[0], 'discipline'), body);
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('FORBIDDEN');
  });

  it('validation: a date without an offset, not a date, extra fields, a missing field: 400 with a code; an unknown case 404', async () => {
    const { ids } = intake(h.ctx);
    const caseId = await caseOf(ids[0]);
    for (const body of [{ retainUntil: '2025-13-01T00:00:00Z' }, { retainUntil: 'tomorrow' }, { retainUntil: '2025-06-01' },
      { retainUntil: 12 }, {}, { retainUntil: null, extra: 1 }, { retainUntil: null, note: '' }]) {
      const r = await put('supervisor', caseId, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.code).toBe('VALIDATION_FAILED');
    }
    const missing = await put('supervisor', 'no-such-case', { retainUntil: null });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('CASE_NOT_FOUND');
    expect(() => setCaseRetention(h.ctx, { by: 'platform', role: 'platform' }, caseId, 'not a date')).toThrow();
    expect(() => setCaseRetention(h.ctx, { by: 'platform', role: 'platform' }, 'no-such-case', null)).toThrow(/No case/);
  });
});
