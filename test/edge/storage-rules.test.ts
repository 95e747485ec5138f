// 分类存放 and the final states, on a real SQLite store and real HTTP: each category is kept only in
// the zone kinds the site file names (transit zones and the restricted zone excepted), refused with
// a stable code at the shelf and when an order would require it; a store that already breaks the
// rules starts and lists them; an item in a final state is on no shelf and in no count, and a
// dispose order carries the decision it executes, through the API and through a gate.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Custody } from '../../edge/custody.ts';
import { buildApi } from '../../edge/api/server.ts';
import { parseSite } from '../../gateway/config.ts';
import { DB_FILE } from '../../edge/store/db.ts';
import { CustodyError } from '../../edge/errors.ts';
import { GateDecider } from '../../edge/rules/crossings.ts';
import { storageWarnings } from '../../edge/rules/storage.ts';
import { move } from '../../edge/lifecycle/move.ts';
import { dispose } from '../../edge/lifecycle/dispose.ts';
import { reject } from '../../edge/lifecycle/reject.ts';
import { withdraw } from '../../edge/lifecycle/withdraw.ts';
import { encodeGsrn96 } from '../../edge/epc/encode.ts';
import type { SiteInput } from '../../edge/site/schema.ts';
import { fixtureSiteInput, intake, issue, principal, storeFingerprint, tempDir, TestClock, tokenOf, type UserKey } from '../helpers/custody-site.ts';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

/** The fixture site with a cold store and a display room, and storage rules for its categories. */
function siteWithRules(dir: string, rules = true): SiteInput {
  const input = fixtureSiteInput(dir);
  input.zones!.push({ id: 'cold', name: '冷藏库', kind: 'cold' }, { id: 'display', name: '示证室', kind: 'display' });
  input.locations!.push({ id: 'CD-01', zoneId: 'cold', name: '冷柜 1', kind: 'slot' }, { id: 'DP-01', zoneId: 'display', name: '示证台 1', kind: 'bay' });
  input.categories = [
    { id: 'cash', name: '现金', dualControl: true, ...(rules ? { storageKinds: ['valuables'] as const } : {}) },
    { id: 'electronics', name: '手机及电子设备', ...(rules ? { storageKinds: ['general'] as const } : {}) },
    { id: 'documents', name: '文书资料' },
    { id: 'biological', name: '生物检材', ...(rules ? { storageKinds: ['cold'] as const } : {}) },
  ] as SiteInput['categories'];
  input.staff = input.staff!.map((s) => (s.id === 'op-01' ? { ...s, badgeEpc: encodeGsrn96('6901234', 1n) } : s));
  return input;
}

describe('storage rules and final states', () => {
  let custody: Custody;
  let app: FastifyInstance;
  let clock: TestClock;
  let dir: string;

  const open = async (input: SiteInput) => {
    custody = new Custody({ site: parseSite(input), dataDir: dir, siteKey: key, clock });
    app = await buildApi(custody, { logger: false });
  };
  const key = randomBytes(32);
  const start = async (rules = true) => {
    dir = tempDir('storage-rules-');
    dirs.push(dir);
    clock = new TestClock();
    await open(siteWithRules(dir, rules));
  };
  const close = async () => { await app?.close(); custody?.close(); };
  afterEach(close);
  const call = async (u: UserKey, method: 'GET' | 'POST', url: string, payload?: unknown) => {
    const r = await app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${tokenOf(u)}` }, ...(payload ? { payload: payload as object } : {}) });
    return { status: r.statusCode, body: r.json() as any };
  };
  const refusal = (fn: () => unknown) => {
    try { fn(); } catch (e) { if (e instanceof CustodyError) return { code: e.code, details: e.details }; throw e; }
    throw new Error('not refused');
  };

  it('putaway: a category goes only to the zone kinds it names; transit zones and the restricted zone hold any', async () => {
    await start();
    const { ids: [blood, other, cash] } = intake(custody.ctx, { count: 1, category: 'biological', to: null });
    void other; void cash;
    const order = issue(custody.ctx, { kind: 'putaway', itemIds: [blood] });
    const before = storeFingerprint(custody);
    const refused = await call('operator', 'POST', `/items/${blood}/putaway`, { orderId: order.id, locationId: 'GN-01' });
    expect(refused).toMatchObject({ status: 409, body: { code: 'STORAGE_NOT_ALLOWED', details: { categoryId: 'biological', zoneId: 'general', zoneKind: 'general', allowedKinds: ['cold'] } } });
    expect(storeFingerprint(custody).hash).toBe(before.hash);
    expect(await call('operator', 'POST', `/items/${blood}/putaway`, { orderId: order.id, locationId: 'CD-01' })).toMatchObject({ status: 200, body: { item: { zoneId: 'cold', locationId: 'CD-01' } } });

    // Cash may stand in the display room on its way (a transit zone), and the commission's zone holds any category.
    // Cash is two-person (双人): the operator asks, the supervisor confirms, and the rule holds at both steps.
    const { ids: [notes] } = intake(custody.ctx, { category: 'cash', to: null });
    const asked = await call('operator', 'POST', `/items/${notes}/putaway`, { orderId: issue(custody.ctx, { kind: 'putaway', itemIds: [notes] }).id, locationId: 'DP-01' });
    expect(asked).toMatchObject({ status: 202 });
    expect(await call('supervisor', 'POST', `/confirmations/${asked.body.pending.id}/confirm`)).toMatchObject({ status: 200, body: { item: { zoneId: 'display' } } });
    const { ids: [ledgerCash] } = intake(custody.ctx, { category: 'cash', restricted: true, to: 'RS-01' });
    expect(custody.db.prepare('SELECT zone_id FROM items WHERE id = ?').get(ledgerCash)).toEqual({ zone_id: 'restricted' });
    // A category that names no kinds may be kept in any storage zone.
    expect(intake(custody.ctx, { category: 'documents', to: 'VL-01' }).ids).toHaveLength(1);
  });

  it('move: refused to a location that breaks the rules, and an order that would require it is refused when issued', async () => {
    await start();
    const { ids: [blood] } = intake(custody.ctx, { category: 'biological', to: 'CD-01' });
    const free = issue(custody.ctx, { kind: 'move', itemIds: [blood] });
    const before = storeFingerprint(custody);
    expect(refusal(() => move(custody.ctx, principal('operator'), blood, { orderId: free.id, locationId: 'VL-01' })))
      .toMatchObject({ code: 'STORAGE_NOT_ALLOWED', details: { zoneKind: 'valuables', allowedKinds: ['cold'] } });
    expect(storeFingerprint(custody).hash).toBe(before.hash);
    // The demo's old mistake: a blood sample ordered into the valuables vault. Refused at issue, nothing written.
    expect(refusal(() => issue(custody.ctx, { kind: 'move', itemIds: [blood], zoneId: 'valuables' })))
      .toMatchObject({ code: 'STORAGE_NOT_ALLOWED', details: { itemId: blood, zoneId: 'valuables' } });
    expect(storeFingerprint(custody).hash).toBe(before.hash);
    const supervisorOrder = await call('supervisor', 'POST', '/orders', {
      kind: 'move', itemIds: [blood], zoneId: 'valuables', approvedBy: '中心主任', validFrom: clock.iso(), validUntil: clock.iso(3_600_000),
    });
    expect(supervisorOrder).toMatchObject({ status: 409, body: { code: 'STORAGE_NOT_ALLOWED' } });
  });

  it('a store that already holds items against the rules starts and lists them, filtered like the items', async () => {
    await start(false);
    const { ids: [blood] } = intake(custody.ctx, { category: 'biological', to: 'GN-01' });
    const { ids: [phone] } = intake(custody.ctx, { category: 'electronics', agency: 'psb-daiyue', to: 'VL-01' });
    intake(custody.ctx, { category: 'electronics', to: 'GN-02' });
    await close();

    await open(siteWithRules(dir, true));
    expect(storageWarnings(custody.ctx).map((w) => [w.itemId, w.zoneId, w.allowedKinds])).toEqual([
      [blood, 'general', ['cold']], [phone, 'valuables', ['general']],
    ]);
    const listed = await call('supervisor', 'GET', '/storage-warnings');
    expect(listed.status).toBe(200);
    expect(listed.body.data).toMatchObject([{ itemId: blood, categoryId: 'biological', zoneKind: 'general', locationId: 'GN-01' }, { itemId: phone }]);
    // The Taishan branch sees its own sample, not the Daiyue branch's phone.
    expect((await call('agency', 'GET', '/storage-warnings')).body.data.map((w: any) => w.itemId)).toEqual([blood]);
    // Nothing was moved: the items are where they were; the rules bind what happens next.
    expect(custody.db.prepare('SELECT location_id FROM items WHERE id = ?').get(blood)).toEqual({ location_id: 'GN-01' });
  });

  it('rejected, withdrawn and disposed items are on no shelf and in no count; their last place stays in their history', async () => {
    await start();
    const op = principal('operator');
    const { ids: [a, b, c, d] } = intake(custody.ctx, { count: 4, to: 'GN-01' });
    const { ids: [received], transferOrder: tin } = intake(custody.ctx, { to: null });
    const { ids: [announced], transferOrder: tin2 } = intake(custody.ctx, { to: 'announced' });
    const counts = async () => {
      const zones = (await call('supervisor', 'GET', '/zones')).body.data as any[];
      const locs = (await call('supervisor', 'GET', '/locations?limit=100')).body.data as any[];
      return { general: zones.find((z) => z.id === 'general').counts, intake: zones.find((z) => z.id === 'intake').counts, gn01: locs.find((l) => l.id === 'GN-01').items };
    };
    expect(await counts()).toMatchObject({ general: { stored: 4 }, intake: { received: 1 }, gn01: 4 });

    const o = issue(custody.ctx, { kind: 'dispose', itemIds: [a, b], disposal: { method: 'destroyed', decisionRef: '泰公（禁毒）销决字〔2026〕3号', decidedBy: '市公安局' } });
    const api = await call('operator', 'POST', `/items/${a}/dispose`, { orderId: o.id });
    expect(api).toMatchObject({ status: 200, body: { item: { state: 'disposed', zoneId: null, locationId: null } } });
    reject(custody.ctx, op, received, { orderId: tin.id, reason: '封装破损' });
    withdraw(custody.ctx, op, announced, { orderId: tin2.id, reason: '办案单位撤回移交' });
    expect(await counts()).toMatchObject({ general: { stored: 3, disposed: 0 }, intake: { received: 0, announced: 0, rejected: 0, withdrawn: 0 }, gn01: 3 });
    for (const id of [a, received, announced]) expect(custody.db.prepare('SELECT zone_id, location_id FROM items WHERE id = ?').get(id)).toEqual({ zone_id: null, location_id: null });
    const events = (await call('supervisor', 'GET', `/items/${a}/events`)).body.data as any[];
    expect(events.at(-1)).toMatchObject({ kind: 'disposed', from: { zoneId: 'general', locationId: 'GN-01' }, to: { zoneId: null, locationId: null },
      details: { method: 'destroyed', decisionRef: '泰公（禁毒）销决字〔2026〕3号', decidedBy: '市公安局' } });
    // The order says how: the operator may not dispose of an item another way.
    expect(await call('operator', 'POST', `/items/${b}/dispose`, { orderId: o.id, method: 'auctioned' }))
      .toMatchObject({ status: 409, body: { code: 'DISPOSAL_METHOD_MISMATCH', details: { orderMethod: 'destroyed' } } });
    // A dispose order without its decision is refused when issued.
    expect(refusal(() => issue(custody.ctx, { kind: 'dispose', itemIds: [c], disposal: undefined }))).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'disposal' } });

    // Through a gate, the disposal records the order's method, not a fixed one.
    const g = issue(custody.ctx, { kind: 'dispose', itemIds: [d], gates: ['gate-main'], direction: 'out', escorts: ['op-01'],
      disposal: { method: 'transferred_with_case', decisionRef: '泰公移〔2026〕41号', decidedBy: '市公安局' } });
    const decider = new GateDecider(custody.ctx);
    const badge = encodeGsrn96('6901234', 1n);
    const t = clock.now();
    decider.observe({ type: 'crossing', gateId: 'gate-main', epc: badge, direction: 'out', confidence: 0.9, firstSeen: t - 1000, lastSeen: t, readCount: 9 });
    const epc = (custody.db.prepare('SELECT epc FROM items WHERE id = ?').get(d) as { epc: string }).epc;
    decider.observe({ type: 'crossing', gateId: 'gate-main', epc, direction: 'out', confidence: 0.9, firstSeen: t - 1000, lastSeen: t, readCount: 9 });
    clock.advance(12_000);
    decider.tick(clock.now());
    const last = custody.db.prepare(`SELECT * FROM events WHERE item_id = ? ORDER BY at DESC, seq DESC LIMIT 1`).get(d) as any;
    expect(last.kind).toBe('disposed');
    expect(JSON.parse(last.details)).toMatchObject({ method: 'transferred_with_case', decisionRef: '泰公移〔2026〕41号', gateId: 'gate-main' });
    expect((await call('supervisor', 'GET', `/orders/${g.id}`)).body).toMatchObject({ disposal: { method: 'transferred_with_case' }, state: 'completed' });
    expect(custody.verify().ok).toBe(true);
  });

  it('a store from before: a disposed item still on its shelf leaves it, and the counts, when the gateway upgrades it', async () => {
    await start();
    const { ids: [a] } = intake(custody.ctx, { to: 'GN-01' });
    dispose(custody.ctx, principal('operator'), a, { orderId: issue(custody.ctx, { kind: 'dispose', itemIds: [a] }).id });
    await close();
    // Put the store back as version 4 wrote it (migrations 5 to 12 taken back): the disposed item kept its place, orders had no decision columns.
    const db = new Database(path.join(dir, DB_FILE));
    db.exec(`UPDATE items SET zone_id = 'general', location_id = 'GN-01' WHERE id = '${a}';
      ALTER TABLE orders DROP COLUMN disposal_method; ALTER TABLE orders DROP COLUMN decision_ref; ALTER TABLE orders DROP COLUMN decided_by;
      DROP TABLE pending_operation_attempts; DROP TABLE pending_operations; DROP INDEX crossings_device_first_seen;
      DROP INDEX crossings_item; ALTER TABLE items DROP COLUMN last_seen_at; ALTER TABLE items DROP COLUMN last_seen_location_id;
      ALTER TABLE items DROP COLUMN confirmed_at; ALTER TABLE items DROP COLUMN confirmed_location_id; ALTER TABLE items DROP COLUMN weight_grams;
      DROP TABLE enrolments; DROP TABLE retired_epcs; DROP TABLE count_sightings; DROP TABLE count_places; DROP TABLE counts;
      DROP TABLE sync_destinations; DROP TABLE sync_inbox; DROP TABLE sync_refused; DROP TABLE sync_alarms; DROP TABLE sync_state;
      DROP INDEX alarms_updated; ALTER TABLE staff DROP COLUMN source; ALTER TABLE staff DROP COLUMN active;
      DROP TRIGGER items_received_at; DROP INDEX items_stored_received; DROP INDEX cases_retain_until; DROP INDEX alarms_cause;
      ALTER TABLE items DROP COLUMN received_at; ALTER TABLE cases DROP COLUMN retain_until; ALTER TABLE cases DROP COLUMN retain_set_by;
      ALTER TABLE cases DROP COLUMN retain_set_at; ALTER TABLE cases DROP COLUMN retain_note; ALTER TABLE categories DROP COLUMN retention_days;
      DROP TRIGGER event_movements_insert; DROP TRIGGER event_movements_item_changed; DROP TRIGGER event_movement_days_insert;
      DROP TABLE event_movement_days; DROP TABLE event_movements; DROP INDEX alarms_opened;
      PRAGMA user_version = 4;`);
    expect(db.prepare(`SELECT sum(n) AS n FROM item_counts WHERE zone_id = 'general' AND state = 'disposed'`).get()).toEqual({ n: 1 });
    db.close();
    await open(siteWithRules(dir));
    expect(custody.db.prepare('SELECT zone_id, location_id, state FROM items WHERE id = ?').get(a)).toEqual({ zone_id: null, location_id: null, state: 'disposed' });
    expect(custody.db.prepare(`SELECT sum(n) AS n FROM item_counts WHERE zone_id = 'general' AND state = 'disposed'`).get()).toEqual({ n: 0 });
    expect(custody.verify().ok).toBe(true);
  });
});
