// A center with something in every state, like the demo's but small and fixed: items of two police
// units, of the commission in its zone and outside it; check-outs overdue and back; rejected,
// withdrawn, disposed and circulated items; an emergency order and a cancelled one; a photo;
// two-person operations confirmed, refused and pending; alarms open, acknowledged and resolved;
// a reader's and a gate's reports and crossings (an escort badge, an item without an order, an
// unknown tag, one in the restricted zone); a storage warning from before the storage rules; warnings
// before the fact (check-outs due soon, a case kept past its retention date).
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { encodeGsrn96 } from '../../edge/epc/encode.ts';
import { retrieve } from '../../edge/lifecycle/retrieve.ts';
import { returnItem } from '../../edge/lifecycle/return.ts';
import { reject } from '../../edge/lifecycle/reject.ts';
import { withdraw } from '../../edge/lifecycle/withdraw.ts';
import { circulate } from '../../edge/lifecycle/circulate.ts';
import { dispose } from '../../edge/lifecycle/dispose.ts';
import { announce } from '../../edge/lifecycle/announce.ts';
import type { SiteInput } from '../../edge/site/schema.ts';
import { setCaseRetention } from '../../edge/cases/retention.ts';
import {
  HOUR, intake, issue, itemRow, openHarness, principal, tempDir, TestClock, tokenOf, type Harness, type UserKey,
} from './custody-site.ts';

const badge = (n: number) => encodeGsrn96('6901234', BigInt(n));
const BADGES: Record<string, string> = { 'op-01': badge(1), 'op-02': badge(2), 'dc-01': badge(3) };
const UNKNOWN_EPC = '3034FFFFFFFFFFFFFFFFFFFF';
const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex'), randomBytes(64)]);

const withBadges = (input: SiteInput) => {
  input.staff = input.staff!.map((s) => (BADGES[s.id] ? { ...s, badgeEpc: BADGES[s.id] } : s));
};

export interface Center extends Harness {
  /** The EPC of every item of the police units and the commission's zone, by item id. */
  epcs: Record<string, string>;
}

/** The center: a store from before the storage rules, reopened with them, then a working day. */
export async function openCenter(): Promise<Center> {
  const epcs: Record<string, string> = {};
  const dir = tempDir('answers-');
  const key = randomBytes(32);
  const clock = new TestClock();
  // Before the rules: a phone put away in the valuables vault, listed as a storage warning once they exist.
  const before = await openHarness({ dir, key, clock, site: withBadges });
  intake(before.ctx, { to: 'VL-01', idPrefix: 'OLD' });
  await before.close();
  const center = await openHarness({
    dir, key, clock,
    site: (input) => {
      withBadges(input);
      input.categories = input.categories!.map((c) => (c.id === 'electronics' ? { ...c, storageKinds: ['general'] } : c));
      input.serialPorts = [{ id: 'com9', path: '/dev/ttyUSB9' }];
      input.zones = input.zones!.map((z) => (z.id === 'general' || z.id === 'restricted' ? { ...z, limits: { temperature: { min: 10, max: 28, hysteresis: 1 } } } : z));
      input.devices = [...input.devices!, { id: 'desk-1', kind: 'desk_reader', name: '登记台读写器' },
        { id: 'th-gn', kind: 'env_monitor', protocol: 'modbus', port: 'com9', address: 3, profile: 'xy-md02', zoneId: 'general' },
        { id: 'th-rs', kind: 'env_monitor', protocol: 'modbus', port: 'com9', address: 4, profile: 'xy-md02', zoneId: 'restricted' }];
    },
  });
  const ctx = center.ctx;
  const op = principal('operator');
  const dc = principal('discipline');
  const post = async (u: UserKey, path: string, body?: unknown, status = 200) => {
    const r = await center.call(u, 'POST', path, body);
    expect(r.status, `${u} POST ${path}: ${r.text}`).toBe(status);
    return r.body;
  };

  const ts = intake(ctx, { agency: 'psb-taishan', count: 4, idPrefix: 'TS' });
  const tsAnnounced = intake(ctx, { agency: 'psb-taishan', count: 2, to: 'announced', idPrefix: 'TSA' });
  const tsReceived = intake(ctx, { agency: 'psb-taishan', count: 2, to: null, idPrefix: 'TSR' });
  const dy = intake(ctx, { agency: 'psb-daiyue', count: 3, to: 'GN-02', idPrefix: 'DY' });
  const rs = intake(ctx, { restricted: true, count: 2, idPrefix: 'RS' });
  const cc = intake(ctx, { agency: 'ccdi', count: 1, idPrefix: 'CC' });
  for (const id of [...ts.ids, ...dy.ids, ...rs.ids]) epcs[id] = itemRow(center.custody, id)!.epc as string;

  // Check-outs: one overdue on each side of the line, one back in another condition.
  const out = (id: string, who: 'operator' | 'discipline', gate: string) => {
    const o = issue(ctx, { kind: 'retrieve', itemIds: [id], purpose: '司法鉴定', dueAt: center.clock.iso(HOUR), gates: [gate], escorts: ['op-01', 'dc-01'] });
    retrieve(ctx, who === 'discipline' ? dc : op, id, { orderId: o.id, takenBy: who === 'discipline' ? 'dc-01' : 'op-02', condition: '完好', dueAt: center.clock.iso(HOUR) });
    return o;
  };
  out(ts.ids[0], 'operator', 'gate-main');
  out(rs.ids[0], 'discipline', 'gate-restricted');
  const back = out(dy.ids[0], 'operator', 'gate-main');
  returnItem(ctx, op, dy.ids[0], { orderId: back.id, condition: '外包装破损', returnedBy: 'op-02' });

  // Final states, and legal control passed on.
  reject(ctx, op, tsReceived.ids[0], { orderId: tsReceived.transferOrder.id, reason: '封条破损，退回办案单位' });
  withdraw(ctx, op, tsAnnounced.ids[0], { orderId: tsAnnounced.transferOrder.id, reason: '案件撤销' });
  const disposal = issue(ctx, { kind: 'dispose', itemIds: [ts.ids[1]] });
  dispose(ctx, op, ts.ids[1], { orderId: disposal.id });
  const handOver = issue(ctx, { kind: 'circulate', itemIds: [dy.ids[1]], toAgencyId: 'procuratorate' });
  circulate(ctx, op, dy.ids[1], { orderId: handOver.id, documentRef: '泰检移〔2025〕3号' });

  // Through the API: an emergency order and a cancelled one, a photo, two-person operations.
  await post('supervisor', '/orders', { kind: 'move', itemIds: [ts.ids[2]], zoneId: 'general', approvedBy: '中心主任', validFrom: center.clock.iso(), validUntil: center.clock.iso(8 * HOUR) }, 201);
  const cancelled = await post('supervisor', '/orders', { kind: 'move', itemIds: [ts.ids[3]], zoneId: 'general', approvedBy: '中心主任', validFrom: center.clock.iso(), validUntil: center.clock.iso(8 * HOUR) }, 201);
  await post('supervisor', `/orders/${cancelled.id}/cancel`, { reason: '重复下单' });
  const photo = await center.raw('POST', `/items/${ts.ids[2]}/photos`, { body: PNG, headers: { authorization: `Bearer ${tokenOf('operator')}`, 'content-type': 'image/png' } });
  expect(photo.status, photo.text).toBe(201);
  const cash = intake(ctx, { category: 'cash', count: 3, to: null, idPrefix: 'CASH' });
  const cashOrder = issue(ctx, { kind: 'putaway', itemIds: cash.ids });
  const pending = await Promise.all(cash.ids.map((id) => post('operator', `/items/${id}/putaway`, { orderId: cashOrder.id, locationId: 'VL-01' }, 202)));
  await post('supervisor', `/confirmations/${pending[0].pending.id}/confirm`);
  await post('supervisor', `/confirmations/${pending[1].pending.id}/refuse`, { reason: '数量不符' });
  // The operator tries to confirm their own: an attempt on record, still pending.
  expect((await center.call('operator', 'POST', `/confirmations/${pending[2].pending.id}/confirm`)).status).toBe(409);

  // The gateway's reports: a reader online with its clock measured, a gate's portal, three crossings.
  const now = center.clock.now();
  expect(center.custody.observe({ type: 'device', deviceId: 'rd-main', state: 'online', reason: 'heartbeat', at: now, accepted: 120,
    rejected: { invalid_json: 2 }, readsPerSecond: 3.5, clockOffsetMs: -250, clockJumps: 1, lastHeard: now - 500,
    readsIgnored: { unknown_antenna: 4, late: 1 } })).toEqual({ ok: true });
  expect(center.custody.observe({ type: 'gate', gateId: 'gate-main', at: now, openTracks: 0, residents: 1, reads: 420, stray: 5, bleed: 2,
    forcedClose: 0, ignored: { unknown_antenna: 4, unknown_device: 0, late: 1 }, crossings: { in: 7, out: 9, unknown: 1 } })).toEqual({ ok: true });
  const cross = (gateId: string, epc: string, direction: 'in' | 'out') => expect(center.custody.observe({
    type: 'crossing', gateId, epc, direction, confidence: 0.95, firstSeen: now - 2000, lastSeen: now, readCount: 40, deviceFirstSeen: now - 2250, deviceLastSeen: now - 250,
  })).toEqual({ ok: true });
  cross('gate-main', BADGES['op-01'], 'out');
  cross('gate-main', epcs[ts.ids[2]], 'out');
  cross('gate-main', UNKNOWN_EPC, 'in');
  cross('gate-restricted', epcs[rs.ids[1]], 'out');
  center.clock.advance(12_000);
  center.custody.tickGates();

  // The intake desk (一物一码): items announced untagged; one bound, one refused for the commission's tag
  // (named to nobody else), one left waiting (timed out two hours on).
  const bare = issue(ctx, { kind: 'transfer_in', agencyId: 'psb-taishan', zoneId: 'intake' });
  const untagged = announce(ctx, op, { orderId: bare.id, items: ['充电器', '数据线', '耳机'].map((name) => ({ name, categoryId: 'electronics', caseNumber: 'A3709020000002025039999' })) })
    .map((a) => a.item.id);
  const atDesk = (epcs: string[]) => expect(center.custody.observe({ type: 'desk', deviceId: 'desk-1', epcs, at: center.clock.now() })).toEqual({ ok: true });
  center.custody.enrolments.open(op, { itemId: untagged[0], deviceId: 'desk-1' });
  atDesk(['3034EEEE0000000000000001']);
  center.custody.enrolments.open(op, { itemId: untagged[1], deviceId: 'desk-1' });
  atDesk([epcs[rs.ids[0]]]);
  center.custody.enrolments.open(op, { itemId: untagged[2], deviceId: 'desk-1' });
  atDesk([]);

  // The environment: temperatures in the general store and the commission's zone, one of them past its limit long enough to alarm.
  for (let i = 0; i < 12; i++) {
    for (const [zoneId, deviceId, value] of [['general', 'th-gn', 22 + i], ['restricted', 'th-rs', 20]] as const) {
      expect(center.custody.observe({ type: 'env', deviceId, zoneId, metric: 'temperature', value, at: center.clock.now() })).toEqual({ ok: true });
    }
    center.clock.advance(60_000);
    center.custody.tick();
  }

  // Cycle counts (盘点): the general zone's closed (nothing read: every item not counted), the valuables' still open, the commission's closed.
  const sup = principal('supervisor');
  const general = center.custody.counts.open(sup, { zoneId: 'general', note: '月度盘点' });
  center.custody.counts.close(sup, general.id);
  center.custody.counts.open(sup, { zoneId: 'valuables' });
  const commission = center.custody.counts.open(dc, { zoneId: 'restricted' });
  center.custody.counts.close(dc, commission.id);

  // The first police unit's case is to be kept one hour more (保管期限), as the platform decided.
  setCaseRetention(ctx, { by: 'platform', role: 'platform' }, itemRow(center.custody, ts.ids[2])!.case_id as string, center.clock.iso(HOUR));

  // Two hours on: the check-outs, due soon at the last ticks, are overdue; the case's items kept past
  // its date; one alarm acknowledged, one resolved.
  center.clock.advance(2 * HOUR);
  center.custody.tick();
  const alarms = center.custody.db.prepare(`SELECT id, kind, restricted FROM alarms ORDER BY opened_at, id`).all() as { id: string; kind: string; restricted: number }[];
  expect([...new Set(alarms.map((a) => a.kind))].sort()).toEqual(['due_soon', 'environment', 'overdue_return', 'retention_exceeded', 'unauthorized_movement', 'unknown_tag']);
  expect(alarms.filter((a) => a.restricted).map((a) => a.kind).sort()).toEqual(['due_soon', 'overdue_return', 'unauthorized_movement']);
  const overdue = alarms.filter((a) => a.kind === 'overdue_return' && !a.restricted);
  await post('operator', `/alarms/${overdue[0].id}/acknowledge`, { note: '已联系办案人，今日归还' });
  await post('supervisor', `/alarms/${alarms.find((a) => a.kind === 'unknown_tag')!.id}/resolve`, { note: '外来标签，已取出' });
  expect(cc.ids.length).toBe(1);
  return Object.assign(center, { epcs });
}

