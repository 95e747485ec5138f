// End to end through real parts: the demo gateway (embedded aedes broker, SQLite, API on
// ephemeral ports) and simulated readers publishing real vendor payloads. A crossing no order
// covers must become an unauthorized_movement alarm; a crossing an order covers must apply the
// operation; a reader that dies must raise device_offline and resolve it when it is back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '../helpers/wait.ts';
import { Gateway } from '../../gateway/gateway.ts';
import { resolveSite } from '../../gateway/site.ts';
import { createLogger } from '../../gateway/log.ts';
import { createScenario, type Scenario } from '../../firmware-sim/portal/scenario.ts';
import { demoDevicePlan } from '../../gateway/demo/devices.ts';


describe('gate crossings end to end', () => {
  let gw: Gateway;
  let url: string;
  let scenario: Scenario;
  let dir: string;
  const api = async (p: string, token = 'demo-supervisor', init: RequestInit = {}) => {
    const r = await fetch(url + '/api/v1' + p, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
    return { status: r.status, body: await r.json() as any };
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-pipeline-'));
    const resolved = await resolveSite([], { ...process.env, GATEWAY_DATA_DIR: dir });
    // A short escort window, so that one test's badges do not escort the next test's items.
    resolved.site.rules.escortWindowSeconds = 2;
    gw = new Gateway({ resolved, logger: createLogger('warn'), httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, simulate: false });
    const started = await gw.start();
    url = started.url;
    const plan = demoDevicePlan(gw.custody, `mqtt://127.0.0.1:${started.mqttPort}`);
    scenario = createScenario(plan.url, plan.description, { seed: 7, heartbeatMs: 1000 });
    await scenario.start();
  }, 120_000);

  afterAll(async () => {
    await scenario?.stop();
    await gw?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // Each test makes what it needs (its own item, its own order) and never reads another test's
  // results, so that any one runs alone and in any order. The escorts differ from test to test:
  // a badge of one test's walk is then never an allowed escort of another's order, whatever the
  // escort window.
  const DAY = 86_400_000;
  const taken = new Set<string>();
  const inLiveOrder = (itemId: string) => !!gw.custody.db.prepare(`SELECT 1 FROM order_items oi JOIN orders o ON o.id = oi.order_id
    WHERE oi.item_id = ? AND o.state IN ('open', 'active')`).get(itemId);
  /** A stored item no order covers and no other test of this file has used. */
  const freshItem = async (query: string, fits: (i: any) => boolean = () => true) => {
    const found = ((await api(`/items?state=stored&limit=200${query}`)).body.data as any[])
      .find((i) => !taken.has(i.id) && !inLiveOrder(i.id) && fits(i));
    expect(found, `a stored item for ${query}`).toBeTruthy();
    taken.add(found.id);
    return found;
  };
  /** An emergency retrieve order out through gate-main, active now, issued through the API. */
  const retrieveOrder = async (itemIds: string[], escorts: string[]) => {
    const r = await api('/orders', 'demo-supervisor', { method: 'POST', body: JSON.stringify({
      kind: 'retrieve', itemIds, approvedBy: 'sup-01', validFrom: new Date(Date.now() - 60_000).toISOString(),
      validUntil: new Date(Date.now() + DAY).toISOString(), gates: ['gate-main'], direction: 'out', escorts,
      purpose: 'pipeline test', dueAt: new Date(Date.now() + 3 * DAY).toISOString(),
    }) });
    expect(r.status).toBe(201);
    return r.body;
  };

  it('an item carried out with no order opens an unauthorized_movement alarm at that gate', async () => {
    const me = (await api('/me', 'demo-agency')).body;
    // An item of another unit, so that the agency user must not see its alarm.
    const item = await freshItem('&zone=general', (i) => i.agencyId !== me.agencyId);
    await scenario.runWalk({ gateId: 'gate-main', direction: 'out', staff: ['op-04'], items: [item.epc] });
    const alarm = await waitFor(async () => (await api(`/alarms?kind=unauthorized_movement&item=${item.id}`)).body.data[0]);
    expect(alarm).toMatchObject({ kind: 'unauthorized_movement', severity: 'critical', state: 'open', gateId: 'gate-main', epc: item.epc });
    // The item did not change state: no operation covers it.
    expect((await api(`/items/${item.id}`)).body.state).toBe('stored');
    const crossing = (await api('/crossings?gate=gate-main&decision=alarm')).body.data.find((c: any) => c.itemId === item.id);
    expect(crossing).toMatchObject({ direction: 'out', alarmKinds: ['unauthorized_movement'] });

    // The gate is red for those who may see its alarm, and only for them: an agency user sees a gate
    // red only because of an alarm it can open itself.
    expect((await api('/gates/gate-main')).body.state).toBe('alarm');
    const agencyAlarms = (await api('/alarms?state=open&limit=200', 'demo-agency')).body.data as any[];
    expect(agencyAlarms.map((a) => a.id)).not.toContain(alarm.id);
    const agencyGates = (await api('/gates', 'demo-agency')).body.data as any[];
    expect(agencyGates.map((g) => g.id)).toContain('gate-main');
    for (const g of agencyGates) {
      expect({ gate: g.id, red: g.state === 'alarm' }).toEqual({ gate: g.id, red: agencyAlarms.some((a) => a.gateId === g.id && a.severity === 'critical') });
    }
  });

  it('an item carried out under its retrieve order with both escorts is checked out, with the gate in its custody event', async () => {
    const item = await freshItem('&zone=general');
    const escorts = ['op-06', 'op-07'];
    const order = await retrieveOrder([item.id], escorts);
    await scenario.runWalk({ gateId: 'gate-main', direction: 'out', staff: escorts, items: [item.epc] });
    const after = await waitFor(async () => { const r = (await api(`/items/${item.id}`)).body; return r.state === 'out' && r; });
    expect(after.checkout).toMatchObject({ orderId: order.id, takenBy: escorts[0] });
    const events = (await api(`/items/${item.id}/events`)).body.data;
    const last = events[events.length - 1];
    expect(last).toMatchObject({ kind: 'retrieved', orderId: order.id, actors: { role: 'gateway' }, details: { gateId: 'gate-main', direction: 'out' } });
    expect(last.details.badges).toEqual(expect.arrayContaining(escorts));
    const escortAlarm = (await api(`/alarms?kind=escort_missing&item=${item.id}`)).body.data;
    expect(escortAlarm).toHaveLength(0);
    expect((await api('/ledger/verify')).body.ok).toBe(true);
  });

  it('a dual-control item with only one badge is still recorded and raises escort_missing', async () => {
    const dualCategories = ((await api('/categories')).body.data as any[]).filter((c) => c.dualControl).map((c) => c.id as string);
    expect(dualCategories.length).toBeGreaterThan(0);
    let item: any;
    for (const c of dualCategories) {
      const found = ((await api(`/items?state=stored&category=${c}&limit=200`)).body.data as any[]).find((i) => !taken.has(i.id) && !inLiveOrder(i.id));
      if (found) { item = found; break; }
    }
    expect(item, `a stored item of a dual-control category (${dualCategories.join(', ')})`).toBeTruthy();
    taken.add(item.id);
    expect(dualCategories).toContain(item.category);
    // The order allows two escorts; only one walks.
    const order = await retrieveOrder([item.id], ['op-08', 'op-05']);
    await scenario.runWalk({ gateId: 'gate-main', direction: 'out', staff: ['op-08'], items: [item.epc] });
    const alarm = await waitFor(async () => (await api(`/alarms?kind=escort_missing&item=${item.id}`)).body.data[0]);
    expect(alarm).toMatchObject({ severity: 'critical', gateId: 'gate-main', orderId: order.id, details: { needed: 2, allowed: ['op-08'] } });
    expect((await api(`/items/${item.id}`)).body.state).toBe('out');
  });

  it('a decided crossing is not applied twice when it is seen again', async () => {
    // Two items under one order: after the first is out the order is still active and still covers
    // it, so a second decision of the same crossing would write a second event.
    const first = await freshItem('&zone=general');
    const second = await freshItem('&zone=general');
    const order = await retrieveOrder([first.id, second.id], ['op-02', 'op-03']);
    await scenario.runWalk({ gateId: 'gate-main', direction: 'out', staff: ['op-02', 'op-03'], items: [first.epc] });
    await waitFor(async () => (await api(`/items/${first.id}`)).body.state === 'out');
    expect((await api(`/orders/${order.id}`)).body.state).toBe('active');
    const crossingsOf = () => gw.custody.db.prepare('SELECT * FROM crossings WHERE item_id = ?').all(first.id) as any[];
    const [row, ...more] = crossingsOf();
    expect(more).toHaveLength(0);
    expect(row).toMatchObject({ decision: 'authorised', order_id: order.id, event_seq: expect.any(Number) });
    const alarmsBefore = (await api(`/alarms?item=${first.id}`)).body.data.length;
    const before = gw.custody.ctx.ledger.headNow.seq;
    const outcome = gw.custody.observe({ type: 'crossing', gateId: row.gate_id, epc: row.epc, direction: row.direction, confidence: 1,
      firstSeen: Date.parse(row.first_seen), lastSeen: Date.parse(row.last_seen), readCount: row.read_count });
    expect(outcome).toEqual({ ok: true });
    gw.custody.decider.tick(Date.now() + 60_000);
    expect(gw.custody.ctx.ledger.headNow.seq).toBe(before);
    expect(crossingsOf()).toHaveLength(1);
    expect((await api(`/alarms?item=${first.id}`)).body.data).toHaveLength(alarmsBefore);
  });

  it('the restricted-zone gate and its crossings are invisible to everyone but discipline', async () => {
    expect((await api('/gates')).body.data.map((g: any) => g.id)).not.toContain('gate-restricted');
    expect((await api('/gates', 'demo-discipline')).body.data.map((g: any) => g.id)).toContain('gate-restricted');
    expect((await api('/gates/gate-restricted')).status).toBe(404);
    await scenario.runWalk({ gateId: 'gate-restricted', direction: 'in', staff: ['op-05'], items: [] });
    const breach = await waitFor(async () => (await api('/alarms?kind=restricted_zone_breach', 'demo-discipline')).body.data[0]);
    expect(breach).toMatchObject({ gateId: 'gate-restricted', restricted: true });
    expect((await api('/alarms?kind=restricted_zone_breach')).body.data).toHaveLength(0);
    expect((await api('/crossings?gate=gate-restricted')).body.data).toHaveLength(0);
  });

  it('a reader that dies raises device_offline, which resolves itself when it returns', async () => {
    await waitFor(async () => (await api('/devices')).body.data.find((d: any) => d.id === 'rd-valuables' && d.state === 'online'));
    await scenario.killReader('rd-valuables', 'crash');
    const alarm = await waitFor(async () => (await api('/alarms?kind=device_offline&state=open')).body.data.find((a: any) => a.deviceId === 'rd-valuables'));
    expect(alarm).toMatchObject({ severity: 'critical', gateId: 'gate-valuables' });
    await scenario.reviveReader('rd-valuables');
    const resolved = await waitFor(async () => { const a = (await api(`/alarms/${alarm.id}`)).body; return a.state === 'resolved' && a; });
    expect(resolved.resolvedBy).toBe('gateway');
  });

  it('bad payloads are counted per device and the process keeps deciding', async () => {
    const { default: mqtt } = await import('mqtt');
    const rdMain = async () => (await api('/devices')).body.data.find((x: any) => x.id === 'rd-main');
    const before = (await rdMain())?.rejected ?? {};
    const port = gw.link.address().port;
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: 'rd-main', password: 'demo-rd-main', clientId: 'rd-main-bad', protocolVersion: 4 });
    await c.publishAsync('rfid/rd-main/tevents', '{"type":"SIMPLE","data":{"idHex":"ABC","antenna":1}}');
    await c.publishAsync('rfid/rd-main/tevents', 'not json at all');
    await c.publishAsync('rfid/rd-main/tevents', '{"type":"SIMPLE","timestamp":"2025-01-01T12:00:00.123+0000","data":{"antenna":1,"idHex":"');
    await c.endAsync();
    // Counted by this test's payloads, not by what the device had before.
    const dev = await waitFor(async () => {
      const d = await rdMain();
      return d && (d.rejected.bad_epc ?? 0) > (before.bad_epc ?? 0) && (d.rejected.not_json ?? 0) > (before.not_json ?? 0) && d;
    });
    expect(dev.rejected.bad_epc).toBe((before.bad_epc ?? 0) + 1);
    expect((await fetch(url + '/api/health')).status).toBe(200);
  });

  it('what the portal leaves out reaches /devices, /gates and the metrics as the gateway reported it', async () => {
    // A reader's antenna 9 is in no gate's antenna map (a cable on the wrong port): its reads are left out, and counted.
    const ignored = async () => ((await api('/devices')).body.data.find((x: any) => x.id === 'rd-main')?.readsIgnored.unknown_antenna ?? 0) as number;
    const before = await ignored();
    const reader = scenario.reader('rd-main');
    await reader.reads([1, 2, 3].map((i) => ({ idHex: '3034257BF7194E4000001A85', antenna: 9, rssi: -50, t: Date.now() + i })));
    await reader.flush();
    const dev = await waitFor(async () => {
      const d = (await api('/devices')).body.data.find((x: any) => x.id === 'rd-main');
      return d?.readsIgnored.unknown_antenna >= before + 3 && d;
    });
    expect(dev.readsIgnored.unknown_antenna).toBe(before + 3);
    const g = (await api('/gates/gate-main')).body;
    expect(g.portal.ignored.unknown_antenna).toBe(dev.readsIgnored.unknown_antenna);
    expect(g.portal).toMatchObject({ openTracks: expect.any(Number), stray: expect.any(Number), bleed: expect.any(Number) });
    const metrics = await (await fetch(url + '/api/v1/metrics', { headers: { authorization: 'Bearer demo-supervisor' } })).text();
    expect(metrics).toMatch(new RegExp(`gateway_device_reads_ignored\\{device="rd-main",reason="unknown_antenna"\\} ${dev.readsIgnored.unknown_antenna}`));
    expect(metrics).toMatch(/gateway_portal_tracks\{gate="gate-main",outcome="stray"\} \d+/);
  });
});
