// Readers whose clocks are wrong, end to end through real parts: the demo gateway (embedded aedes
// broker, SQLite, HTTP) and simulated readers whose every time stamp carries a clock error. The
// gateway decides on its own clock: a reader 40 s behind still sees a correctly escorted
// dual-control item out (its second badge a few seconds after the item), one 5 minutes ahead is
// decided on time, a clock set back mid-run is followed, and a gate whose two sides sit on two
// readers with different clocks still tells the direction. The readers' own times stay as evidence.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '../helpers/wait.ts';
import { Gateway } from '../../gateway/gateway.ts';
import { resolveSite } from '../../gateway/site.ts';
import { createLogger } from '../../gateway/log.ts';
import { hashPassword } from '../../gateway/mqtt/password.ts';
import { demoDevicePassword } from '../../gateway/demo/site.ts';
import { createScenario, type Scenario } from '../../firmware-sim/portal/scenario.ts';
import { demoDevicePlan } from '../../gateway/demo/devices.ts';
import { issueOrder } from '../../edge/orders/order.ts';

const SKEW: Record<string, number> = {
  'rd-valuables': -40_000, // 40 s behind
  'rd-main': 5 * 60_000, // 5 minutes ahead
  'rd-intake': 90_000, // the intake gate's outer side, 90 s ahead
  'rd-intake-b': -20_000, // and its inner side, on a second reader 20 s behind
};

describe('readers with wrong clocks', () => {
  let gw: Gateway;
  let url: string;
  let scenario: Scenario;
  let dir: string;
  const api = async (p: string, token = 'demo-supervisor') => {
    const r = await fetch(url + '/api/v1' + p, { headers: { authorization: `Bearer ${token}` } });
    return (r.headers.get('content-type') ?? '').includes('json') ? await r.json() as any : await r.text();
  };
  const device = async (id: string) => (await api('/devices')).data.find((d: any) => d.id === id);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-clocks-'));
    const resolved = await resolveSite([], { ...process.env, GATEWAY_DATA_DIR: dir });
    const { site } = resolved;
    // The intake gate's outer antennas on its own reader, its inner antennas on a second one.
    const first = site.devices.find((d) => d.id === 'rd-intake')!;
    site.devices.push({ ...first, id: 'rd-intake-b', name: '收物口内侧读写器', passwordHash: await hashPassword(demoDevicePassword('rd-intake-b')) });
    const intake = site.gates.find((g) => g.id === 'gate-intake')!;
    intake.readers = [
      { ...intake.readers[0]!, antennas: { outer: [1, 2], inner: [] } },
      { deviceId: 'rd-intake-b', antennas: { outer: [], inner: [3, 4] } },
    ];
    gw = new Gateway({ resolved, logger: createLogger('warn'), httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, simulate: false });
    const started = await gw.start();
    url = started.url;
    const plan = demoDevicePlan(gw.custody, `mqtt://127.0.0.1:${started.mqttPort}`);
    for (const g of plan.description.gates) for (const r of g.readers) Object.assign(r, { clockSkewMs: SKEW[r.deviceId] ?? 0, heartbeatMs: 1000 });
    scenario = createScenario(plan.url, plan.description, { seed: 11, heartbeatMs: 1000 });
    await scenario.start();
    // The offsets are measured from the readers' heartbeats before anyone walks.
    for (const id of Object.keys(SKEW)) await waitFor(async () => (await device(id))?.clockOffsetMs != null);
    await waitFor(async () => (await api('/devices', 'demo-discipline')).data.find((d: any) => d.id === 'rd-restricted')?.clockOffsetMs != null);
  }, 120_000);

  afterAll(async () => {
    await scenario?.stop();
    await gw?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A stored item of these categories in this zone, under a retrieve order of its own through `gateId`. */
  const orderedItem = (zoneId: string, categories: string[], gateId: string) => {
    const db = gw.custody.db;
    const item = db.prepare(`SELECT id, epc, category_id FROM items WHERE state = 'stored' AND zone_id = ? AND category_id IN (${categories.map(() => '?').join(', ')})
      AND id NOT IN (SELECT oi.item_id FROM order_items oi JOIN orders o ON o.id = oi.order_id WHERE o.state IN ('open', 'active')) LIMIT 1`)
      .get(zoneId, ...categories) as { id: string; epc: string; category_id: string };
    const now = Date.now();
    const order = issueOrder(gw.custody.ctx, {
      kind: 'retrieve', itemIds: [item.id], gates: [gateId], direction: 'out', escorts: ['op-01', 'op-02'], purpose: '出庭示证',
      approvedBy: '中心主任 孙志强', validFrom: new Date(now - 60_000).toISOString(), validUntil: new Date(now + 3_600_000).toISOString(),
      dueAt: new Date(now + 86_400_000).toISOString(),
    }, { by: 'platform', source: 'platform', emergency: false });
    return { item, order };
  };

  it('shows each reader\'s measured offset, and which are beyond the site\'s span, on /devices and in the metrics', async () => {
    for (const [id, skew] of Object.entries(SKEW)) {
      const d = await device(id);
      // Measured from receive times: the skew plus no more than the delay of a local broker.
      expect(Math.abs(d.clockOffsetMs - skew)).toBeLessThan(1_000);
      expect(d.clockOffsetExceeded).toBe(true);
    }
    // The restricted door's reader keeps good time (and, like its zone, is the commission's to see).
    const calm = (await api('/devices', 'demo-discipline')).data.find((d: any) => d.id === 'rd-restricted');
    expect(Math.abs(calm.clockOffsetMs)).toBeLessThan(1_000);
    expect(calm.clockOffsetExceeded).toBe(false);
    const metrics = await api('/metrics') as string;
    expect(metrics).toMatch(/gateway_device_clock_offset_exceeded\{device="rd-main"\} 1/);
    expect(metrics).not.toMatch(/device="rd-restricted"/);
    const main = Number(/gateway_device_clock_offset_seconds\{device="rd-main"\} (\S+)/.exec(metrics)![1]);
    expect(main).toBeGreaterThan(299);
    expect(main).toBeLessThan(301);
  });

  it('a reader 40 s behind: a dual-control item escorted by two badges, the second a few seconds after it, is checked out without escort_missing', async () => {
    const { item, order } = orderedItem('valuables', ['cash', 'precious'], 'gate-valuables');
    const walk = await scenario.runWalk({ gateId: 'gate-valuables', direction: 'out', staff: ['op-01', 'op-02'], items: [item.epc], followGapMs: 4_000 }, { timing: 'realtime' });
    const after = await waitFor(async () => { const r = await api(`/items/${item.id}`); return r.state === 'out' && r; });
    expect(after.checkout).toMatchObject({ orderId: order.id });
    expect((await api(`/alarms?kind=escort_missing&item=${item.id}`)).data).toHaveLength(0);
    const events = (await api(`/items/${item.id}/events`)).data;
    expect(events[events.length - 1].details.badges).toEqual(expect.arrayContaining(['op-01', 'op-02']));
    // The crossing is on the gateway's clock, with the reader's own (40 s earlier) kept beside it.
    const crossing = (await api('/crossings?gate=gate-valuables')).data.find((c: any) => c.epc === item.epc);
    expect(Math.abs(Date.parse(crossing.firstSeen) - walk.start)).toBeLessThan(2_000);
    expect(Date.parse(crossing.firstSeen) - Date.parse(crossing.deviceFirstSeen)).toBeGreaterThan(39_000);
    expect(Date.parse(crossing.firstSeen) - Date.parse(crossing.deviceFirstSeen)).toBeLessThan(41_000);
  });

  it('a reader 5 minutes ahead is decided when its escort window ends, not 5 minutes later', async () => {
    const { item } = orderedItem('general', ['documents', 'electronics', 'tobacco', 'other'], 'gate-main');
    const walk = await scenario.runWalk({ gateId: 'gate-main', direction: 'out', staff: ['op-01'], items: [item.epc] }, { timing: 'realtime' });
    await waitFor(async () => (await api(`/items/${item.id}`)).state === 'out', 30_000);
    const crossing = (await api('/crossings?gate=gate-main')).data.find((c: any) => c.epc === item.epc);
    expect(crossing.decision).toBe('authorised');
    const window = gw.custody.ctx.site.rules.escortWindowSeconds * 1000;
    expect(Date.parse(crossing.at) - walk.end).toBeLessThan(window + 10_000);
    expect(Date.parse(crossing.deviceLastSeen) - Date.parse(crossing.lastSeen)).toBeGreaterThan(299_000);
  });

  it('a reader 5 minutes ahead that sends a whole pass at once (many messages, old times) still gives it its direction', async () => {
    const epc = (gw.custody.db.prepare(`SELECT epc FROM items WHERE state = 'stored' AND zone_id = 'general'
      AND id NOT IN (SELECT oi.item_id FROM order_items oi JOIN orders o ON o.id = oi.order_id WHERE o.state IN ('open', 'active')) LIMIT 1 OFFSET 5`).get() as { epc: string }).epc;
    const walk = await scenario.runWalk({ gateId: 'gate-main', direction: 'out', staff: ['op-04'], items: [epc] }, { timing: 'immediate' });
    const crossing = await waitFor(async () => (await api('/crossings?gate=gate-main')).data.find((c: any) => c.epc === epc));
    expect(crossing).toMatchObject({ direction: 'out', decision: 'alarm', alarmKinds: ['unauthorized_movement'] });
    // Placed where the pass was, on the gateway's clock, not at the moment the burst arrived.
    expect(Math.abs(Date.parse(crossing.firstSeen) - walk.start)).toBeLessThan(1_000);
  });

  it('a gate whose inner and outer antennas are on two readers with different clocks gets both directions right', async () => {
    const [a, b] = (gw.custody.db.prepare(`SELECT epc FROM items WHERE state = 'stored' AND zone_id = 'general' LIMIT 2`).all() as { epc: string }[]).map((r) => r.epc);
    await scenario.runWalk({ gateId: 'gate-intake', direction: 'in', staff: ['op-03'], items: [a!] });
    await scenario.runWalk({ gateId: 'gate-intake', direction: 'out', staff: ['op-03'], items: [b!] });
    const seen = await waitFor(async () => {
      const cs = (await api('/crossings?gate=gate-intake')).data as any[];
      const x = cs.find((c) => c.epc === a);
      const y = cs.find((c) => c.epc === b);
      return x && y && { x, y };
    });
    expect(seen.x.direction).toBe('in');
    expect(seen.y.direction).toBe('out');
  });

  it('a clock set back mid-run is followed: the offset re-bases, the jump is counted, and an escorted item is still seen out on time', async () => {
    const reader = scenario.reader('rd-valuables');
    const jumpsBefore = (await device('rd-valuables')).clockJumps as number;
    reader.clockSkewMs = -100_000; // set back by another minute
    try {
      const rebased = await waitFor(async () => { const d = await device('rd-valuables'); return d.clockJumps > jumpsBefore && Math.abs(d.clockOffsetMs + 100_000) < 1_000 && d; });
      expect(rebased.clockOffsetExceeded).toBe(true);
      const { item } = orderedItem('valuables', ['cash', 'precious'], 'gate-valuables');
      await scenario.runWalk({ gateId: 'gate-valuables', direction: 'out', staff: ['op-01', 'op-02'], items: [item.epc], followGapMs: 3_000 }, { timing: 'realtime' });
      await waitFor(async () => (await api(`/items/${item.id}`)).state === 'out', 30_000);
      expect((await api(`/alarms?kind=escort_missing&item=${item.id}`)).data).toHaveLength(0);
    } finally {
      // The other tests know this reader 40 s behind: put its clock back and wait for the gateway to follow.
      reader.clockSkewMs = SKEW['rd-valuables']!;
      await waitFor(async () => Math.abs((await device('rd-valuables')).clockOffsetMs - SKEW['rd-valuables']!) < 1_000);
    }
    // Alone, right after the readers connect, the jump waits out their replay grace first (about 30 s in all).
  }, 60_000);
});
