// The shelf rules on a moved clock, through `observe()` and the API of a real Custody: a shelf
// reader's round of one antenna is one `shelf` observation with every EPC it saw, a load cell's
// reading one with its grams. Sightings stay in memory (rows written at most once a minute, the
// ledger never), putaways are confirmed, and removals, misplacements and unknown tags are alarms.
import { afterEach, describe, expect, it } from 'vitest';
import { encodeGsrn96 } from '../../edge/epc/encode.ts';
import { announce } from '../../edge/lifecycle/announce.ts';
import { receive } from '../../edge/lifecycle/receive.ts';
import { putaway } from '../../edge/lifecycle/putaway.ts';
import type { SiteInput } from '../../edge/site/schema.ts';
import { intake, issue, itemRow, nextEpc, openHarness, principal, TestClock, type Harness, type HarnessOptions } from '../helpers/custody-site.ts';

const SEC = 1000;
const BADGE = encodeGsrn96('6901234', 7n);

function withShelves(input: SiteInput): void {
  input.rules = { ...input.rules, shelfGraceSeconds: 120, misplacedGraceSeconds: 300 };
  input.serialPorts = [{ id: 'com1', path: '/dev/ttyUSB0' }, { id: 'com2', path: 'tcp://10.0.0.9:4001' }];
  input.devices = [
    ...input.devices!,
    { id: 'sh-gn', kind: 'shelf_reader', protocol: 'r2000', port: 'com1', address: 1, antennas: [{ port: 1, locationId: 'GN-01' }, { port: 2, locationId: 'GN-02' }] },
    { id: 'sh-rs', kind: 'shelf_reader', protocol: 'r2000', port: 'com1', address: 2, antennas: [{ port: 1, locationId: 'RS-01' }] },
    { id: 'lc-vl', kind: 'load_cell', protocol: 'modbus', port: 'com2', address: 1, profile: 'weighing-int32', locationId: 'VL-01', tareGrams: 5000, toleranceGrams: 50 },
  ];
  input.staff = input.staff!.map((s) => (s.id === 'op-01' ? { ...s, badgeEpc: BADGE } : s));
}

let h: Harness;
afterEach(async () => { await h?.close(); });
const open = (o: HarnessOptions = {}) => openHarness({ clock: new TestClock(), site: withShelves, ...o });

const device = (deviceId: string, state: 'online' | 'offline') => h.custody.observe({
  type: 'device', deviceId, state, reason: state === 'online' ? 'connect' : 'timeout', at: h.clock.now(), accepted: 0, rejected: {}, readsPerSecond: 0,
});
const round = (locationId: string, epcs: string[], deviceId = locationId.startsWith('RS') ? 'sh-rs' : 'sh-gn') =>
  h.custody.observe({ type: 'shelf', deviceId, locationId, epcs, at: h.clock.now() });
const weigh = (weightGrams: number) => h.custody.observe({ type: 'shelf', deviceId: 'lc-vl', locationId: 'VL-01', weightGrams, at: h.clock.now() });
const epcOf = (id: string) => itemRow(h.custody, id)!.epc as string;
interface AlarmRow { id: string; kind: string; severity: string; state: string; item_id: string | null; epc: string | null; location_id: string | null; details: string; message: string; occurrences: number; resolved_by: string | null }
const alarms = (kind: string) => (h.custody.db.prepare('SELECT * FROM alarms WHERE kind = ? ORDER BY opened_at').all(kind) as AlarmRow[])
  .map((a) => ({ ...a, details: JSON.parse(a.details) as Record<string, any> }));
/** Rounds of `locationId` every `everyMs` for `forMs`, each seeing `epcs`. */
const rounds = (locationId: string, epcs: string[], forMs: number, everyMs = 10 * SEC) => {
  for (let t = 0; t < forMs; t += everyMs) {
    h.clock.advance(everyMs);
    expect(round(locationId, epcs)).toEqual({ ok: true });
  }
};

describe('putaway confirmation', () => {
  it('the first sighting at its own location after the putaway confirms it, with no custody event; a move clears it', async () => {
    h = await open();
    const { ids: [id] } = intake(h.ctx, { to: 'GN-01' });
    device('sh-gn', 'online');
    let item = (await h.call('operator', 'GET', `/items/${id}`)).body;
    expect(item).toMatchObject({ confirmedAt: null, lastSeenAt: null, lastSeenLocationId: null, weightGrams: null });

    const head = h.custody.ctx.ledger.headNow.seq;
    h.clock.advance(5 * SEC);
    const at = h.clock.iso();
    expect(round('GN-01', [epcOf(id)])).toEqual({ ok: true });
    item = (await h.call('operator', 'GET', `/items/${id}`)).body;
    expect(item).toMatchObject({ confirmedAt: at, confirmedLocationId: 'GN-01', lastSeenAt: at, lastSeenLocationId: 'GN-01' });
    expect(itemRow(h.custody, id)).toMatchObject({ confirmed_at: at, confirmed_location_id: 'GN-01' });
    // Seen again: still the first confirmation; nothing in the ledger.
    h.clock.advance(5 * SEC);
    round('GN-01', [epcOf(id)]);
    expect((await h.call('operator', 'GET', `/items/${id}`)).body.confirmedAt).toBe(at);
    expect(h.custody.ctx.ledger.headNow.seq).toBe(head);
    const list = (await h.call('operator', 'GET', `/items?location=GN-01`)).body.data;
    expect(list.find((x: any) => x.id === id)).toMatchObject({ confirmedAt: at, lastSeenAt: h.clock.iso() });

    // A move to another location clears it, until the shelf sees it there.
    const mo = issue(h.ctx, { kind: 'move', itemIds: [id] });
    const moved = await h.call('operator', 'POST', `/items/${id}/move`, { orderId: mo.id, locationId: 'GN-02' });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body.item).toMatchObject({ locationId: 'GN-02', confirmedAt: null, confirmedLocationId: null });
    expect((await h.call('operator', 'GET', `/shelves/GN-02`)).body.items).toEqual([expect.objectContaining({ id, status: 'not_seen', confirmedAt: null })]);
    h.clock.advance(5 * SEC);
    round('GN-02', [epcOf(id)]);
    expect((await h.call('operator', 'GET', `/items/${id}`)).body).toMatchObject({ confirmedAt: h.clock.iso(), confirmedLocationId: 'GN-02' });
    const shelf = (await h.call('operator', 'GET', `/shelves/GN-02`)).body;
    expect(shelf.location).toMatchObject({ id: 'GN-02', watchedBy: ['sh-gn'], watched: true, lastRoundAt: h.clock.iso(),
      items: { expected: 1, confirmed: 1, seen: 0, notSeen: 0, misplacedHere: 0, misplacedAway: 0 } });
    expect(shelf.items).toEqual([expect.objectContaining({ id, status: 'confirmed', state: 'stored', confirmedAt: h.clock.iso() })]);
    expect(alarms('unexpected_removal')).toEqual([]);
  });
});

describe('unexpected removal', () => {
  it('a stored item not seen beyond the grace opens one critical alarm; seen again, the alarm says so and waits for a person', async () => {
    h = await open();
    const { ids: [a, b] } = intake(h.ctx, { to: 'GN-01', count: 2 });
    device('sh-gn', 'online');
    rounds('GN-01', [epcOf(a), epcOf(b)], 60 * SEC);
    const lastSeen = h.clock.iso();
    // b is gone: 120 s of rounds without it are within the grace, the next ones are not.
    rounds('GN-01', [epcOf(a)], 120 * SEC);
    expect(alarms('unexpected_removal')).toEqual([]);
    rounds('GN-01', [epcOf(a)], 10 * SEC);
    let open_ = alarms('unexpected_removal');
    expect(open_).toHaveLength(1);
    expect((await h.call('operator', 'GET', '/shelves/GN-01')).body.location.items).toMatchObject({ expected: 2, confirmed: 1, notSeen: 1 });
    rounds('GN-01', [epcOf(a)], 60 * SEC);
    h.custody.tick();
    open_ = alarms('unexpected_removal');
    expect(open_).toHaveLength(1);
    expect(open_[0]).toMatchObject({ severity: 'critical', state: 'open', item_id: b, epc: epcOf(b), location_id: 'GN-01', occurrences: 1 });
    expect(open_[0].details).toMatchObject({ basis: 'tag', lastSeenAt: lastSeen, lastSeenLocationId: 'GN-01', graceSeconds: 120, watchedBy: ['sh-gn'], crossings: [] });

    // Seen again at its location: the same alarm gains the sighting; no second alarm, and it stays open.
    h.clock.advance(10 * SEC);
    round('GN-01', [epcOf(a), epcOf(b)]);
    rounds('GN-01', [epcOf(a), epcOf(b)], 30 * SEC);
    open_ = alarms('unexpected_removal');
    expect(open_).toHaveLength(1);
    expect(open_[0]).toMatchObject({ state: 'open', occurrences: 1 });
    expect(open_[0].details.seenAgain).toMatch(/^seen again at GN-01/);
    expect(open_[0].message).toContain('再次读到');
    const api = (await h.call('operator', 'GET', `/alarms?kind=unexpected_removal`)).body.data;
    expect(api).toEqual([expect.objectContaining({ itemId: b, locationId: 'GN-01', details: expect.objectContaining({ seenAgainLocationId: 'GN-01' }) })]);
    // It is a person's to resolve.
    expect((await h.call('supervisor', 'POST', `/alarms/${open_[0].id}/resolve`, { note: '盘点时放错层，已复位' })).status).toBe(200);
  });

  it('the alarm cites the gate crossing of undetermined direction since the item was last seen', async () => {
    h = await open();
    const { ids: [id] } = intake(h.ctx, { to: 'GN-01' });
    device('sh-gn', 'online');
    rounds('GN-01', [epcOf(id)], 30 * SEC);
    const t = h.clock.now();
    expect(h.custody.observe({ type: 'crossing', gateId: 'gate-main', epc: epcOf(id), direction: 'unknown', confidence: 0.4,
      firstSeen: t + 5 * SEC, lastSeen: t + 6 * SEC, readCount: 5 })).toEqual({ ok: true });
    const crossing = h.custody.db.prepare('SELECT id, decision FROM crossings WHERE item_id = ?').get(id) as { id: string; decision: string };
    expect(crossing.decision).toBe('undetermined');
    // The shelf goes on reading its rounds, without the item.
    rounds('GN-01', [], 130 * SEC);
    h.custody.tick();
    const [alarm] = alarms('unexpected_removal');
    expect(alarm).toMatchObject({ item_id: id, state: 'open' });
    expect(alarm.details.crossings).toEqual([expect.objectContaining({ crossingId: crossing.id, gateId: 'gate-main', direction: 'unknown', decision: 'undetermined' })]);
    expect(alarm.details.undeterminedCrossings).toEqual([crossing.id]);
    expect(alarm.message).toContain('方向不明');
  });

  it('an item checked out under an order leaves its shelf and raises nothing', async () => {
    h = await open();
    const { ids: [id, stays] } = intake(h.ctx, { to: 'GN-01', count: 2 });
    device('sh-gn', 'online');
    rounds('GN-01', [epcOf(id), epcOf(stays)], 30 * SEC);
    const ro = issue(h.ctx, { kind: 'retrieve', itemIds: [id], purpose: '出庭示证', dueAt: h.clock.iso(48 * 3600 * SEC) });
    // Taken off the shelf; the check-out is written at the desk a few minutes later.
    rounds('GN-01', [epcOf(stays)], 300 * SEC);
    h.custody.tick();
    expect(alarms('unexpected_removal')).toEqual([]);
    const out = await h.call('operator', 'POST', `/items/${id}/retrieve`, { orderId: ro.id, takenBy: 'ag-ts-01', condition: '封存完好' });
    expect(out.status, out.text).toBe(200);
    rounds('GN-01', [epcOf(stays)], 600 * SEC, 30 * SEC);
    h.custody.tick();
    expect(alarms('unexpected_removal')).toEqual([]);
    expect((await h.call('operator', 'GET', '/shelves/GN-01')).body.location.items).toMatchObject({ expected: 1, confirmed: 1, notSeen: 0 });
  });

  it('a reader that stops sending rounds but is not yet offline proves nothing gone: absence needs completed rounds', async () => {
    h = await open();
    const { ids: [id] } = intake(h.ctx, { to: 'GN-01' });
    device('sh-gn', 'online');
    rounds('GN-01', [epcOf(id)], 30 * SEC);
    h.clock.advance(300 * SEC);
    h.custody.tick();
    expect(alarms('unexpected_removal')).toEqual([]);
    rounds('GN-01', [], 130 * SEC);
    h.custody.tick();
    expect(alarms('unexpected_removal')).toEqual([expect.objectContaining({ item_id: id })]);
  });

  it('while its shelf reader is offline nothing is missing; back online, the grace starts again', async () => {
    h = await open();
    const { ids: [id] } = intake(h.ctx, { to: 'GN-01' });
    device('sh-gn', 'online');
    rounds('GN-01', [epcOf(id)], 30 * SEC);
    device('sh-gn', 'offline');
    expect(alarms('device_offline')).toHaveLength(1);
    h.clock.advance(30 * 60 * SEC);
    h.custody.tick();
    expect(alarms('unexpected_removal')).toEqual([]);
    const grid = (await h.call('operator', 'GET', '/shelves')).body.data;
    const gn01 = grid.find((z: any) => z.id === 'general').locations.find((l: any) => l.id === 'GN-01');
    expect(gn01).toMatchObject({ watchedBy: ['sh-gn'], watched: false });
    // Back: the item may simply not have been read yet; its grace counts from now.
    device('sh-gn', 'online');
    const back = h.clock.iso();
    expect(alarms('device_offline')[0]).toMatchObject({ state: 'resolved', resolved_by: 'gateway' });
    h.clock.advance(110 * SEC);
    round('GN-01', []);
    h.custody.tick();
    expect(alarms('unexpected_removal')).toEqual([]);
    h.clock.advance(20 * SEC);
    round('GN-01', []);
    const [alarm] = alarms('unexpected_removal');
    expect(alarm).toMatchObject({ item_id: id, state: 'open' });
    expect(alarm.details.graceStartedAt).toBe(back);
  });

  it('a restart raises nothing for items not yet read: the readers are not watching until they are online again', async () => {
    h = await open();
    const { ids } = intake(h.ctx, { to: 'GN-01', count: 3 });
    device('sh-gn', 'online');
    rounds('GN-01', ids.map(epcOf), 30 * SEC);
    const { dir, key, clock } = h;
    await h.close();
    clock.advance(3600 * SEC);
    h = await open({ dir, key, clock });
    h.custody.tick();
    round('GN-01', []);
    expect(alarms('unexpected_removal')).toEqual([]);
    device('sh-gn', 'online');
    h.clock.advance(60 * SEC);
    round('GN-01', ids.slice(0, 2).map(epcOf));
    h.custody.tick();
    expect(alarms('unexpected_removal')).toEqual([]);
    h.clock.advance(61 * SEC);
    round('GN-01', ids.slice(0, 2).map(epcOf));
    expect(alarms('unexpected_removal').map((a) => a.item_id)).toEqual([ids[2]]);
  });
});

describe('misplacement', () => {
  it('seen at another location past its grace: one warning, resolved by itself when seen back home', async () => {
    h = await open();
    const { ids: [id] } = intake(h.ctx, { to: 'GN-01' });
    device('sh-gn', 'online');
    rounds('GN-02', [epcOf(id)], 290 * SEC);
    expect(alarms('misplaced')).toEqual([]);
    rounds('GN-02', [epcOf(id)], 20 * SEC);
    const [m] = alarms('misplaced');
    expect(m).toMatchObject({ severity: 'warning', state: 'open', item_id: id, location_id: 'GN-02', occurrences: 1 });
    expect(m.details).toMatchObject({ seenAtLocationId: 'GN-02', belongsAtLocationId: 'GN-01' });
    expect(m.message).toContain('货架 1-1');
    expect(m.message).toContain('货架 1-2');
    rounds('GN-02', [epcOf(id)], 60 * SEC);
    expect(alarms('misplaced')).toHaveLength(1);
    expect(alarms('misplaced')[0].occurrences).toBe(1);
    // Seen elsewhere all along: not missing.
    h.custody.tick();
    expect(alarms('unexpected_removal')).toEqual([]);
    const here = (await h.call('operator', 'GET', '/shelves/GN-02')).body;
    expect(here.location.items).toMatchObject({ expected: 0, misplacedHere: 1 });
    expect(here.items).toEqual([expect.objectContaining({ id, status: 'misplaced_here', locationId: 'GN-01', lastSeenLocationId: 'GN-02' })]);
    const home = (await h.call('operator', 'GET', '/shelves/GN-01')).body;
    expect(home.location.items).toMatchObject({ expected: 1, misplacedAway: 1 });
    expect(home.items).toEqual([expect.objectContaining({ id, status: 'away' })]);

    h.clock.advance(10 * SEC);
    round('GN-01', [epcOf(id)]);
    expect(alarms('misplaced')[0]).toMatchObject({ state: 'resolved', resolved_by: 'gateway' });
    expect((await h.call('operator', 'GET', '/shelves/GN-01')).body.items).toEqual([expect.objectContaining({ id, status: 'confirmed' })]);
  });

  it('moved by a move order to where it was seen, the misplacement resolves itself', async () => {
    h = await open();
    const { ids: [id] } = intake(h.ctx, { to: 'GN-01' });
    device('sh-gn', 'online');
    rounds('GN-02', [epcOf(id)], 310 * SEC);
    expect(alarms('misplaced')).toHaveLength(1);
    const mo = issue(h.ctx, { kind: 'move', itemIds: [id] });
    expect((await h.call('operator', 'POST', `/items/${id}/move`, { orderId: mo.id, locationId: 'GN-02' })).status).toBe(200);
    const [m] = alarms('misplaced');
    expect(m).toMatchObject({ state: 'resolved', resolved_by: 'gateway' });
    h.clock.advance(10 * SEC);
    round('GN-02', [epcOf(id)]);
    expect(alarms('misplaced')).toHaveLength(1);
    expect((await h.call('operator', 'GET', `/items/${id}`)).body).toMatchObject({ locationId: 'GN-02', confirmedLocationId: 'GN-02' });
  });
});

describe('unknown tags, badges, refusals', () => {
  it('an EPC that is no item\'s opens one unknown_tag naming the locations; a staff badge opens nothing', async () => {
    h = await open();
    device('sh-gn', 'online');
    const stray = nextEpc();
    for (let i = 0; i < 5; i++) {
      h.clock.advance(SEC);
      round('GN-01', [stray, BADGE]);
    }
    h.clock.advance(SEC);
    round('GN-02', [stray]);
    const [u, ...more] = alarms('unknown_tag');
    expect(more).toEqual([]);
    expect(u).toMatchObject({ severity: 'warning', state: 'open', epc: stray, location_id: 'GN-01', occurrences: 2 });
    expect(u.details).toMatchObject({ source: 'shelf', locations: ['GN-01', 'GN-02'] });
  });

  it('refuses, counts and never throws: an unknown device or location, a device that does not watch it, the wrong reading', async () => {
    h = await open();
    const shelf = (o: Record<string, unknown>) => h.custody.observe({ type: 'shelf', deviceId: 'sh-gn', locationId: 'GN-01', epcs: [], at: h.clock.now(), ...o });
    expect(shelf({ deviceId: 'sh-nowhere' })).toMatchObject({ ok: false, reason: 'unknown_device' });
    expect(shelf({ deviceId: 'rd-main' })).toMatchObject({ ok: false, reason: 'unknown_device' });
    expect(shelf({ locationId: 'NO-SUCH' })).toMatchObject({ ok: false, reason: 'unknown_location' });
    expect(shelf({ locationId: 'VL-01' })).toMatchObject({ ok: false, reason: 'unknown_location' });
    expect(shelf({ epcs: undefined, weightGrams: 12 })).toMatchObject({ ok: false, reason: 'invalid' });
    expect(shelf({ deviceId: 'lc-vl', locationId: 'VL-01' })).toMatchObject({ ok: false, reason: 'invalid' });
    expect(shelf({})).toEqual({ ok: true });
    expect(h.custody.refused.get('shelf:unknown_location')).toBe(2);
    expect(h.custody.refused.get('shelf:unknown_device')).toBe(2);
    // A batch answers each.
    expect(h.custody.observe([{ type: 'shelf', deviceId: 'sh-gn', locationId: 'GN-01', epcs: ['ZZ'], at: 1 }, { type: 'shelf', deviceId: 'sh-gn', locationId: 'GN-02', epcs: [], at: h.clock.now() }]))
      .toEqual([expect.objectContaining({ ok: false, reason: 'invalid' }), { ok: true }]);
  });
});

describe('last seen', () => {
  it('rounds every second write an item\'s row at most once a minute; the API shows the latest; close writes the rest', async () => {
    h = await open();
    const { ids: [id] } = intake(h.ctx, { to: 'GN-01' });
    h.custody.db.exec(`CREATE TABLE seen_writes (item_id TEXT, at TEXT);
      CREATE TRIGGER count_seen_writes AFTER UPDATE OF last_seen_at ON items BEGIN INSERT INTO seen_writes VALUES (NEW.id, NEW.last_seen_at); END;`);
    device('sh-gn', 'online');
    const head = h.custody.ctx.ledger.headNow.seq;
    // 160 s of one round a second, the periodic check every 30 s as the site's checkIntervalSeconds says.
    for (let s = 1; s <= 160; s++) {
      h.clock.advance(SEC);
      round('GN-01', [epcOf(id)]);
      if (s % 30 === 0) h.custody.tick();
    }
    const writes = h.custody.db.prepare('SELECT at FROM seen_writes WHERE item_id = ?').all(id) as { at: string }[];
    expect(writes.length).toBeGreaterThanOrEqual(2);
    expect(writes.length).toBeLessThanOrEqual(3);
    for (let i = 1; i < writes.length; i++) expect(Date.parse(writes[i].at) - Date.parse(writes[i - 1].at)).toBeGreaterThanOrEqual(60 * SEC);
    expect(h.custody.ctx.ledger.headNow.seq).toBe(head);
    const now = h.clock.iso();
    expect((await h.call('operator', 'GET', `/items/${id}`)).body).toMatchObject({ lastSeenAt: now, lastSeenLocationId: 'GN-01' });
    expect(itemRow(h.custody, id)!.last_seen_at).not.toBe(now);
    const { dir, key, clock } = h;
    await h.close();
    h = await open({ dir, key, clock });
    expect(itemRow(h.custody, id)).toMatchObject({ last_seen_at: now, last_seen_location_id: 'GN-01' });
    expect((await h.call('operator', 'GET', `/items?location=GN-01`)).body.data[0]).toMatchObject({ id, lastSeenAt: now, lastSeenLocationId: 'GN-01' });
  });
});

describe('weight', () => {
  it('a load cell short of its expected weight beyond the grace opens one unexpected_removal for the location, not while an order covers it', async () => {
    h = await open();
    const op = principal('operator');
    const to = issue(h.ctx, { kind: 'transfer_in', agencyId: 'psb-taishan', zoneId: 'intake' });
    const items = announce(h.ctx, op, { orderId: to.id, items: [
      { epc: nextEpc(), name: '金项链', categoryId: 'electronics', caseNumber: 'A37090200000020250300999', weightGrams: 800 },
      { epc: nextEpc(), name: '笔记本电脑', categoryId: 'electronics', caseNumber: 'A37090200000020250300999', weightGrams: 1000 },
    ] }).map((a) => a.item.id);
    receive(h.ctx, op, items[0], { orderId: to.id });
    receive(h.ctx, op, items[1], { orderId: to.id, weightGrams: 1200 });
    const po = issue(h.ctx, { kind: 'putaway', itemIds: items });
    for (const id of items) putaway(h.ctx, op, id, { orderId: po.id, locationId: 'VL-01' });
    expect((await h.call('operator', 'GET', `/items/${items[1]}`)).body.weightGrams).toBe(1200);
    device('lc-vl', 'online');

    expect(weigh(7010)).toEqual({ ok: true });
    h.clock.advance(10 * SEC);
    weigh(6180);
    h.clock.advance(110 * SEC);
    weigh(6185);
    h.custody.tick();
    expect(alarms('unexpected_removal')).toEqual([]);
    h.clock.advance(20 * SEC);
    weigh(6180);
    weigh(6175);
    h.custody.tick();
    const [w, ...more] = alarms('unexpected_removal');
    expect(more).toEqual([]);
    expect(w).toMatchObject({ severity: 'critical', state: 'open', item_id: null, location_id: 'VL-01', occurrences: 1 });
    expect(w.details).toMatchObject({ basis: 'weight', expectedGrams: 7000, measuredGrams: 6180, missingGrams: 820, toleranceGrams: 50 });
    const grid = (await h.call('supervisor', 'GET', '/shelves')).body.data;
    expect(grid.find((z: any) => z.id === 'valuables').locations[0].weight).toMatchObject({ deviceId: 'lc-vl', expectedGrams: 7000, measuredGrams: 6175, missingGrams: 825 });
    expect((await h.call('supervisor', 'POST', `/alarms/${w.id}/resolve`, { note: '已查明：鉴定人员临时取出' })).status).toBe(200);

    // Under an order that takes an item out, a lighter shelf is expected.
    weigh(7000);
    issue(h.ctx, { kind: 'retrieve', itemIds: [items[1]], purpose: '司法鉴定', dueAt: h.clock.iso(48 * 3600 * SEC) });
    h.clock.advance(10 * SEC);
    weigh(5800);
    h.clock.advance(300 * SEC);
    weigh(5800);
    h.custody.tick();
    expect(alarms('unexpected_removal').filter((a) => a.state !== 'resolved')).toEqual([]);
  });
});

describe('weight after a putaway', () => {
  it('a reading from before an item arrived is not taken as the item missing', async () => {
    h = await open();
    const op = principal('operator');
    device('lc-vl', 'online');
    expect(weigh(5000)).toEqual({ ok: true });
    const to = issue(h.ctx, { kind: 'transfer_in', agencyId: 'psb-taishan', zoneId: 'intake' });
    const [id] = announce(h.ctx, op, { orderId: to.id, items: [{ epc: nextEpc(), name: '银手镯', categoryId: 'electronics', caseNumber: 'A37090200000020250300998', weightGrams: 500 }] })
      .map((a) => a.item.id);
    receive(h.ctx, op, id, { orderId: to.id });
    h.clock.advance(SEC);
    putaway(h.ctx, op, id, { orderId: issue(h.ctx, { kind: 'putaway', itemIds: [id] }).id, locationId: 'VL-01' });
    h.clock.advance(300 * SEC);
    h.custody.tick();
    expect(alarms('unexpected_removal')).toEqual([]);
    // A reading after it: now it counts.
    weigh(5000);
    h.clock.advance(130 * SEC);
    weigh(5000);
    expect(alarms('unexpected_removal')).toEqual([expect.objectContaining({ location_id: 'VL-01', details: expect.objectContaining({ expectedGrams: 5500, missingGrams: 500 }) })]);
  });
});

describe('who sees which shelves', () => {
  it('the restricted zone\'s locations only for discipline; item counts only of what the role may see', async () => {
    h = await open();
    const { ids: [mine] } = intake(h.ctx, { to: 'GN-01', agency: 'psb-taishan' });
    intake(h.ctx, { to: 'GN-01', agency: 'psb-daiyue' });
    const { ids: [secret] } = intake(h.ctx, { restricted: true, to: 'RS-01' });
    device('sh-rs', 'online');
    h.clock.advance(SEC);
    round('RS-01', [epcOf(secret)]);
    const zonesOf = async (u: 'operator' | 'discipline' | 'agency' | 'auditor') => (await h.call(u, 'GET', '/shelves')).body.data as any[];
    for (const u of ['operator', 'agency', 'auditor'] as const) {
      const zones = await zonesOf(u);
      expect(zones.map((z) => z.id)).not.toContain('restricted');
      expect(zones.flatMap((z) => z.locations.map((l: any) => l.id))).not.toContain('RS-01');
      expect((await h.call(u, 'GET', '/shelves/RS-01')).status).toBe(404);
    }
    const dz = await zonesOf('discipline');
    const rs = dz.find((z) => z.id === 'restricted');
    expect(rs.locations.find((l: any) => l.id === 'RS-01')).toMatchObject({ watched: true, watchedBy: ['sh-rs'], items: { expected: 1, confirmed: 1 } });
    expect((await h.call('discipline', 'GET', '/shelves/RS-01')).body.items).toEqual([expect.objectContaining({ id: secret, status: 'confirmed' })]);
    const gn = (u: any[]) => u.find((z) => z.id === 'general').locations.find((l: any) => l.id === 'GN-01');
    expect(gn(await zonesOf('operator')).items.expected).toBe(2);
    expect(gn(await zonesOf('agency')).items.expected).toBe(1);
    expect((await h.call('agency', 'GET', '/shelves/GN-01')).body.items.map((i: any) => i.id)).toEqual([mine]);
    expect((await h.call('operator', 'GET', '/shelves/NO-SUCH')).status).toBe(404);
  });
});
