// The field engineer's log: alarms opened and resolved, devices offline and back, orders arriving
// and ending, each one line with its ids, through a real Custody and its bus; the restricted
// zone's lines carry no ids, items or messages.
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { startJournal } from '../../gateway/journal.ts';
import { resolveAlarm } from '../../edge/alarms/alarm.ts';
import { cancelOrder } from '../../edge/orders/order.ts';
import { raise } from '../stream/fixtures.ts';
import { intake, issue, openHarness, principal, TestClock, type Harness, DAY } from '../helpers/custody-site.ts';

describe('the journal', () => {
  let h: Harness;
  let lines: Record<string, any>[];
  let stop: () => void;
  beforeEach(async () => {
    h = await openHarness({ clock: new TestClock(Date.now()) });
    lines = [];
    const sink = new Writable({ write(chunk, _enc, done) { for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l)); done(); } });
    stop = startJournal(h.ctx.bus, pino({ level: 'debug' }, sink) as never);
  });
  afterEach(async () => { stop(); await h.close(); });
  const msgs = () => lines.map((l) => l.msg);

  it('logs a device going offline and back, and the alarm it opened and resolved, with their ids', async () => {
    const report = (state: string, reason: string) => h.custody.observe({ type: 'device', deviceId: 'rd-main', state, reason, at: Date.now(), accepted: 1, rejected: {}, readsPerSecond: 0 });
    report('online', 'connect');
    report('offline', 'will');
    report('online', 'heartbeat');
    await new Promise((r) => setImmediate(r));
    expect(msgs()).toEqual(['device online', 'alarm opened', 'device offline', 'alarm resolved', 'device online']);
    const opened = lines.find((l) => l.msg === 'alarm opened')!;
    expect(opened).toMatchObject({ level: 40, kind: 'device_offline', severity: 'critical', deviceId: 'rd-main', gateId: 'gate-main', alarmId: expect.any(String) });
    expect(lines.find((l) => l.msg === 'device offline')).toMatchObject({ level: 40, deviceId: 'rd-main', reason: 'will' });
    expect(lines.find((l) => l.msg === 'alarm resolved')).toMatchObject({ level: 30, alarmId: opened.alarmId });
  });

  it('logs an order arriving and ending; a repeat of the same alarm is not a new line', async () => {
    const { ids } = intake(h.ctx, { count: 1 });
    const o = issue(h.ctx, { kind: 'retrieve', itemIds: ids, validUntil: new Date(h.clock.now() + DAY).toISOString() });
    // The platform issued it, so the platform cancels it.
    cancelOrder(h.ctx, { userId: 'platform', name: '市平台', role: 'supervisor', agencyId: null, staffId: null }, o.id, '案件撤回');
    expect(lines.filter((l) => l.orderId === o.id).map((l) => l.msg)).toEqual(['order arrived', 'order cancelled']);
    expect(lines.find((l) => l.msg === 'order arrived' && l.orderId === o.id)).toMatchObject({ level: 30, kind: 'retrieve', source: 'platform', items: 1 });
    raise(h.custody, { restricted: false, causeKey: 'same-cause', gateId: 'gate-main' });
    raise(h.custody, { restricted: false, causeKey: 'same-cause', gateId: 'gate-main' });
    expect(lines.filter((l) => l.msg === 'alarm opened')).toHaveLength(1);
  });

  it('says nothing about the restricted zone but that something happened there', async () => {
    const a = raise(h.custody, { restricted: true, kind: 'restricted_zone_breach', gateId: 'gate-restricted', itemId: 'IT-SECRET', message: '专区 IT-SECRET' });
    h.ctx.transaction(() => resolveAlarm(h.ctx, principal('discipline'), a.id, '已核实'));
    const restricted = lines.filter((l) => l.restricted);
    expect(restricted.map((l) => l.msg)).toEqual([
      'alarm opened (restricted zone; details for the discipline role only)', 'alarm resolved (restricted zone; details for the discipline role only)',
    ]);
    const text = JSON.stringify(lines);
    for (const secret of [a.id, 'IT-SECRET', 'gate-restricted', '专区']) expect(text).not.toContain(secret);
  });
});
