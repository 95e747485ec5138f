// What a crossing means for custody, decided by the edge on a test clock and a real SQLite store:
// every alarm kind a gate can raise, escorts and dual control, the restricted door, lifecycle
// operations applied by the gate, and a crossing that cannot count twice.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Custody } from '../../edge/custody.ts';
import { GateDecider, type DecidedCrossing } from '../../edge/rules/crossings.ts';
import { parseSite } from '../../gateway/config.ts';
import { encodeGsrn96 } from '../../edge/epc/encode.ts';
import type { CrossingObservation } from '../../edge/observations.ts';
import { dispose } from '../../edge/lifecycle/dispose.ts';
import { fixtureSiteInput, intake, issue, nextEpc, principal, tempDir, TestClock, DAY, HOUR } from '../helpers/custody-site.ts';

const badge = (n: number) => encodeGsrn96('6901234', BigInt(n));
const BADGES: Record<string, string> = { 'op-01': badge(1), 'op-02': badge(2), 'dc-01': badge(3), 'sup-01': badge(4) };

describe('gate decisions', () => {
  let custody: Custody;
  let decider: GateDecider;
  let clock: TestClock;
  let decided: DecidedCrossing[];

  beforeEach(() => {
    const dir = tempDir('gate-decisions-');
    const input = fixtureSiteInput(dir);
    input.gates!.push({ id: 'gate-intake', name: '移交通道', innerZone: 'intake', outerZone: 'outside',
      readers: [{ deviceId: 'rd-intake', antennas: { outer: [1], inner: [2] } }] });
    input.devices!.push({ id: 'rd-intake', kind: 'rfid_reader', format: 'impinj' });
    input.staff = input.staff!.map((s) => (BADGES[s.id] ? { ...s, badgeEpc: BADGES[s.id] } : s));
    const site = parseSite(input);
    clock = new TestClock();
    custody = new Custody({ site, dataDir: dir, siteKey: randomBytes(32), clock });
    decider = new GateDecider(custody.ctx);
    decided = [];
    custody.ctx.bus.on('crossing', 'test', (c) => decided.push(c));
  });
  afterEach(() => custody.close());

  const cross = (gateId: string, epc: string, direction: 'in' | 'out' | 'unknown', atOffset = 0): CrossingObservation => {
    const t = clock.now() + atOffset;
    const c: CrossingObservation = { type: 'crossing', gateId, epc, direction, confidence: 0.95, firstSeen: t - 2000, lastSeen: t, readCount: 40 };
    decider.observe(c);
    return c;
  };
  // Past the escort window (10 s) and the portal's track close (1.5 s): every pending crossing is decided.
  const settle = () => {
    clock.advance(12_000);
    decider.tick(clock.now());
  };
  const alarms = (kind?: string) => custody.db.prepare(`SELECT * FROM alarms ${kind ? 'WHERE kind = ?' : ''} ORDER BY opened_at`).all(...(kind ? [kind] : [])) as any[];
  const item = (id: string) => custody.db.prepare('SELECT * FROM items WHERE id = ?').get(id) as any;
  const epcOf = (id: string) => item(id).epc as string;

  it('an item leaving with no order is an unauthorized_movement at that gate, and the same cause updates the live alarm', () => {
    const { ids: [id] } = intake(custody.ctx);
    cross('gate-main', BADGES['op-01'], 'out');
    cross('gate-main', epcOf(id), 'out');
    // No order can cover it, so there is nothing to wait for: the alarm is raised at once.
    expect(alarms('unauthorized_movement')).toMatchObject([{ severity: 'critical', gate_id: 'gate-main', item_id: id, state: 'open', occurrences: 1 }]);
    settle();
    expect(item(id).state).toBe('stored');
    clock.advance(60_000);
    cross('gate-main', epcOf(id), 'in');
    settle();
    expect(alarms('unauthorized_movement')).toMatchObject([{ occurrences: 2 }]);
  });

  it('an item in a final state seen at a gate is an unauthorized_movement: no order can cover it', () => {
    const { ids: [id] } = intake(custody.ctx);
    const o = issue(custody.ctx, { kind: 'dispose', itemIds: [id], gates: ['gate-main'], direction: 'out' });
    dispose(custody.ctx, principal('operator'), id, { orderId: o.id, recipient: '物主本人' });
    cross('gate-main', epcOf(id), 'out');
    settle();
    expect(alarms('unauthorized_movement')).toMatchObject([{ item_id: id }]);
  });

  it('an unregistered tag is unknown_tag; arriving at the intake during a transfer it is also a manifest discrepancy', () => {
    const stranger = nextEpc();
    cross('gate-main', stranger, 'in');
    settle();
    expect(alarms('unknown_tag')).toMatchObject([{ severity: 'warning', epc: stranger, gate_id: 'gate-main' }]);
    const { transferOrder } = intake(custody.ctx, { to: 'announced' });
    custody.db.prepare(`UPDATE orders SET gates = '["gate-intake"]' WHERE id = ?`).run(transferOrder.id);
    const foreign = nextEpc();
    cross('gate-intake', foreign, 'in');
    settle();
    expect(alarms('manifest_discrepancy')).toMatchObject([{ order_id: transferOrder.id }]);
    expect(JSON.parse(alarms('manifest_discrepancy')[0].details).foreign).toEqual([foreign]);
    // A second stranger under the same transfer adds to the same alarm's evidence.
    const another = nextEpc();
    cross('gate-intake', another, 'in');
    settle();
    expect(alarms('manifest_discrepancy')).toHaveLength(1);
    expect(JSON.parse(alarms('manifest_discrepancy')[0].details).foreign).toEqual([foreign, another]);
  });

  it('a transfer_in that expires with announced items not received raises manifest_discrepancy listing them', () => {
    const { ids, transferOrder } = intake(custody.ctx, { to: 'announced', count: 3 });
    custody.db.prepare(`UPDATE orders SET gates = '["gate-intake"]' WHERE id = ?`).run(transferOrder.id);
    cross('gate-intake', BADGES['op-01'], 'in');
    cross('gate-intake', epcOf(ids[0]), 'in');
    settle();
    expect(item(ids[0]).state).toBe('received');
    clock.advance(3 * DAY);
    custody.tick();
    const [a] = alarms('manifest_discrepancy');
    expect(a).toMatchObject({ order_id: transferOrder.id, severity: 'warning' });
    expect(JSON.parse(a.details).missing.map((m: any) => m.itemId).sort()).toEqual(ids.slice(1).sort());
  });

  it('a retrieve order with named escorts checks the item out through the gate; a dual-control item needs two badges', () => {
    const { ids: [phone] } = intake(custody.ctx);
    const { ids: [cash] } = intake(custody.ctx, { category: 'cash', to: 'VL-01' });
    const o = issue(custody.ctx, { kind: 'retrieve', itemIds: [phone, cash], gates: ['gate-main'], direction: 'out', escorts: ['op-01', 'op-02'],
      purpose: '出庭示证', dueAt: new Date(clock.now() + DAY).toISOString() });
    // The badge crosses a few seconds after the item: still inside the escort window.
    cross('gate-main', epcOf(phone), 'out');
    cross('gate-main', BADGES['op-01'], 'out', 4000);
    settle();
    expect(item(phone).state).toBe('out');
    expect(alarms('escort_missing')).toHaveLength(0);
    const ev = custody.db.prepare(`SELECT * FROM events WHERE item_id = ? ORDER BY at DESC, seq DESC LIMIT 1`).get(phone) as any;
    expect(ev.kind).toBe('retrieved');
    expect(JSON.parse(ev.actors)).toMatchObject({ role: 'gateway', staff: ['op-01'] });
    expect(JSON.parse(ev.details)).toMatchObject({ gateId: 'gate-main', direction: 'out', badges: ['op-01'], takenBy: 'op-01' });

    clock.advance(60_000);
    cross('gate-main', BADGES['op-01'], 'out');
    cross('gate-main', epcOf(cash), 'out');
    settle();
    expect(item(cash).state).toBe('out');
    expect(alarms('escort_missing')).toMatchObject([{ item_id: cash, severity: 'critical', order_id: o.id }]);
    expect(JSON.parse(alarms('escort_missing')[0].details)).toMatchObject({ needed: 2, allowed: ['op-01'] });
  });

  it('a badge not named in the order does not count as an escort', () => {
    const { ids: [phone] } = intake(custody.ctx);
    issue(custody.ctx, { kind: 'retrieve', itemIds: [phone], gates: ['gate-main'], direction: 'out', escorts: ['op-02'],
      purpose: '鉴定', dueAt: new Date(clock.now() + DAY).toISOString() });
    cross('gate-main', BADGES['sup-01'], 'out');
    cross('gate-main', epcOf(phone), 'out');
    settle();
    expect(alarms('escort_missing')).toMatchObject([{ item_id: phone }]);
  });

  it('the item comes back in under the retrieve order that took it out, and the check-out closes', () => {
    const { ids: [phone] } = intake(custody.ctx);
    issue(custody.ctx, { kind: 'retrieve', itemIds: [phone], gates: ['gate-main'], direction: 'out', escorts: ['op-01'],
      purpose: '鉴定', dueAt: new Date(clock.now() + DAY).toISOString() });
    cross('gate-main', BADGES['op-01'], 'out');
    cross('gate-main', epcOf(phone), 'out');
    settle();
    clock.advance(5 * HOUR);
    cross('gate-main', BADGES['op-01'], 'in');
    cross('gate-main', epcOf(phone), 'in');
    settle();
    expect(item(phone).state).toBe('stored');
    expect(custody.db.prepare('SELECT in_seq FROM checkouts WHERE item_id = ?').get(phone)).toMatchObject({ in_seq: expect.any(Number) });
    expect(alarms()).toHaveLength(0);
  });

  it('a badge without restricted clearance at the restricted door is a breach; a cleared one is not', () => {
    cross('gate-restricted', BADGES['dc-01'], 'in');
    expect(alarms('restricted_zone_breach')).toHaveLength(0);
    cross('gate-restricted', BADGES['op-01'], 'in');
    expect(alarms('restricted_zone_breach')).toMatchObject([{ severity: 'critical', restricted: 1, gate_id: 'gate-restricted' }]);
  });

  it('an ordinary item carried into the restricted zone, even under a move order, is a breach', () => {
    const { ids: [phone] } = intake(custody.ctx);
    issue(custody.ctx, { kind: 'move', itemIds: [phone], gates: ['gate-restricted'], direction: 'in', escorts: ['dc-01'] });
    cross('gate-restricted', BADGES['dc-01'], 'in');
    cross('gate-restricted', epcOf(phone), 'in');
    settle();
    expect(alarms('restricted_zone_breach')).toMatchObject([{ item_id: phone, restricted: 1 }]);
  });

  it('a turn-around (direction unknown) changes nothing and raises nothing, but is kept', () => {
    const { ids: [phone] } = intake(custody.ctx);
    const head = custody.ctx.ledger.headNow.seq;
    cross('gate-main', epcOf(phone), 'unknown');
    settle();
    expect(custody.ctx.ledger.headNow.seq).toBe(head);
    expect(alarms()).toHaveLength(0);
    expect(decided).toMatchObject([{ decision: 'undetermined', itemId: phone }]);
  });

  it('the same crossing seen twice (a reader re-sending after a restart) is decided once', () => {
    const { ids: [phone] } = intake(custody.ctx);
    issue(custody.ctx, { kind: 'retrieve', itemIds: [phone], gates: ['gate-main'], direction: 'out', escorts: ['op-01'],
      purpose: '鉴定', dueAt: new Date(clock.now() + DAY).toISOString() });
    cross('gate-main', BADGES['op-01'], 'out');
    const c = cross('gate-main', epcOf(phone), 'out');
    settle();
    const head = custody.ctx.ledger.headNow.seq;
    decider.observe(c);
    settle();
    expect(custody.ctx.ledger.headNow.seq).toBe(head);
    expect(custody.db.prepare('SELECT count(*) AS n FROM crossings WHERE epc = ?').get(c.epc)).toEqual({ n: 1 });
    expect(custody.verify().ok).toBe(true);
  });

  it('a decision that throws in the middle of a tick is recorded as failed with a critical alarm; the others are decided, nothing is retried', () => {
    const { ids: [a, b, c] } = intake(custody.ctx, { count: 3 });
    issue(custody.ctx, { kind: 'retrieve', itemIds: [a, b, c], gates: ['gate-main'], direction: 'out', escorts: ['op-01'],
      purpose: '鉴定', dueAt: new Date(clock.now() + DAY).toISOString() });
    // The store refuses the write of the second item's check-out, as a full or failing disk would:
    // an error the custody rules do not know, thrown from inside the decision's transaction.
    custody.db.exec(`CREATE TRIGGER fail_b BEFORE UPDATE ON items WHEN NEW.id = '${b}' BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`);
    cross('gate-main', BADGES['op-01'], 'out');
    for (const id of [a, b, c]) cross('gate-main', epcOf(id), 'out', 200);
    const headBefore = custody.ctx.ledger.headNow.seq;
    // The three are decided in one transaction; a listener hears each only once it is committed:
    // another connection to the same file already reads its row.
    const reader = new Database(path.join(custody.dataDir, 'gateway.db'), { readonly: true });
    const committedWhenHeard: boolean[] = [];
    custody.ctx.bus.on('crossing', 'reader', (d) => committedWhenHeard.push(!!reader.prepare('SELECT 1 FROM crossings WHERE id = ?').get(d.id)));
    settle();
    reader.close();
    expect(committedWhenHeard).toEqual([true, true, true]);

    expect([item(a).state, item(b).state, item(c).state]).toEqual(['out', 'stored', 'out']);
    const failed = custody.db.prepare(`SELECT * FROM crossings WHERE decision = 'failed'`).all() as any[];
    expect(failed).toMatchObject([{ item_id: b, gate_id: 'gate-main', epc: epcOf(b), event_seq: null }]);
    expect(failed[0].error).toMatch(/disk I\/O error/);
    expect(decided.filter((d) => d.itemId === b)).toMatchObject([{ decision: 'failed', alarmKinds: ['decision_failed'] }]);
    expect(alarms('decision_failed')).toMatchObject([{ severity: 'critical', gate_id: 'gate-main', item_id: b, epc: epcOf(b), occurrences: 1, state: 'open' }]);
    expect(alarms('decision_failed')[0].message).toContain('主出入口');
    // Two check-outs, nothing for the failed one: its transaction rolled back whole.
    expect(custody.ctx.ledger.headNow.seq).toBe(headBefore + 2);

    // Later ticks do not try it again: it has been decided, as failed.
    for (let i = 0; i < 5; i++) settle();
    expect(alarms('decision_failed')).toMatchObject([{ occurrences: 1 }]);
    expect(custody.db.prepare('SELECT count(*) AS n FROM crossings WHERE item_id = ?').get(b)).toEqual({ n: 1 });
    expect(custody.verify().ok).toBe(true);
  });
});
