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

  it('an item carried out with no order opens an unauthorized_movement alarm at that gate', async () => {
    const agencyOfAgencyUser = (await api('/me', 'demo-agency')).body.agencyId;
    const item = (await api('/items?state=stored&zone=general&limit=200')).body.data
      .find((i: any) => i.agencyId !== agencyOfAgencyUser && !gw.custody.db.prepare('SELECT 1 FROM order_items oi JOIN orders o ON o.id = oi.order_id WHERE oi.item_id = ? AND o.state IN (\'open\',\'active\')').get(i.id));
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
    const me = (await api('/me', 'demo-agency')).body;
    const agencyAlarms = (await api('/alarms?state=open&limit=200', 'demo-agency')).body.data as any[];
    if (item.agencyId !== me.agencyId) expect(agencyAlarms.map((a) => a.id)).not.toContain(alarm.id);
    for (const g of (await api('/gates', 'demo-agency')).body.data) {
      expect({ gate: g.id, red: g.state === 'alarm' }).toEqual({ gate: g.id, red: agencyAlarms.some((a) => a.gateId === g.id && a.severity === 'critical') });
    }
  });

  it('an item carried out under its retrieve order with both escorts is checked out, with the gate in its custody event', async () => {
    const order = (await api('/orders?kind=retrieve&state=active')).body.data.find((o: any) => o.gates.includes('gate-main') && o.items.some((i: any) => !i.done));
    const target = order.items.find((i: any) => !i.done);
    const item = (await api(`/items/${target.itemId}`)).body;
    await new Promise((r) => setTimeout(r, 2500));
    const dual = ['cash', 'precious', 'narcotics', 'firearms'].includes(item.category);
    await scenario.runWalk({ gateId: 'gate-main', direction: 'out', staff: order.escorts.slice(0, 2), items: [item.epc] });
    const after = await waitFor(async () => { const r = (await api(`/items/${item.id}`)).body; return r.state === 'out' && r; });
    expect(after.checkout).toMatchObject({ orderId: order.id, takenBy: order.escorts[0] });
    const events = (await api(`/items/${item.id}/events`)).body.data;
    const last = events[events.length - 1];
    expect(last).toMatchObject({ kind: 'retrieved', orderId: order.id, actors: { role: 'gateway' }, details: { gateId: 'gate-main', direction: 'out' } });
    expect(last.details.badges).toEqual(expect.arrayContaining(order.escorts.slice(0, 2)));
    const escortAlarm = (await api(`/alarms?kind=escort_missing&item=${item.id}`)).body.data;
    expect(escortAlarm).toHaveLength(0);
    void dual;
    expect((await api('/ledger/verify')).body.ok).toBe(true);
  });

  it('a dual-control item with only one badge is still recorded and raises escort_missing', async () => {
    const order = (await api('/orders?kind=retrieve&state=active')).body.data.find((o: any) => o.gates.includes('gate-main') && o.items.some((i: any) => !i.done));
    const candidates = await Promise.all(order.items.filter((i: any) => !i.done).map(async (i: any) => (await api(`/items/${i.itemId}`)).body));
    const dual = candidates.find((i: any) => ['cash', 'precious', 'narcotics', 'firearms'].includes(i.category));
    const target = dual ?? candidates[0];
    await new Promise((r) => setTimeout(r, 2500));
    await scenario.runWalk({ gateId: 'gate-main', direction: 'out', staff: dual ? [order.escorts[0]] : [], items: [target.epc] });
    const alarm = await waitFor(async () => (await api(`/alarms?kind=escort_missing&item=${target.id}`)).body.data[0]);
    expect(alarm).toMatchObject({ severity: 'critical', gateId: 'gate-main' });
    expect((await api(`/items/${target.id}`)).body.state).toBe('out');
  });

  it('a decided crossing is not applied twice when it is seen again', async () => {
    const before = gw.custody.ctx.ledger.headNow.seq;
    const row = gw.custody.db.prepare(`SELECT * FROM crossings WHERE decision = 'authorised' AND event_seq IS NOT NULL LIMIT 1`).get() as any;
    gw.custody.observe({ type: 'crossing', gateId: row.gate_id, epc: row.epc, direction: row.direction, confidence: 1,
      firstSeen: Date.parse(row.first_seen), lastSeen: Date.parse(row.last_seen), readCount: row.read_count });
    gw.custody.decider.tick(Date.now() + 60_000);
    expect(gw.custody.ctx.ledger.headNow.seq).toBe(before);
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
    const port = gw.link.address().port;
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: 'rd-main', password: 'demo-rd-main', clientId: 'rd-main-bad', protocolVersion: 4 });
    await c.publishAsync('rfid/rd-main/tevents', '{"type":"SIMPLE","data":{"idHex":"ABC","antenna":1}}');
    await c.publishAsync('rfid/rd-main/tevents', 'not json at all');
    await c.publishAsync('rfid/rd-main/tevents', '{"type":"SIMPLE","timestamp":"2025-01-01T12:00:00.123+0000","data":{"antenna":1,"idHex":"');
    await c.endAsync();
    const dev = await waitFor(async () => {
      const d = (await api('/devices')).body.data.find((x: any) => x.id === 'rd-main');
      return d && Object.keys(d.rejected).length >= 2 && d;
    });
    expect(dev.rejected).toMatchObject({ bad_epc: expect.any(Number), not_json: expect.any(Number) });
    expect((await fetch(url + '/api/health')).status).toBe(200);
  });

  it('what the portal leaves out reaches /devices, /gates and the metrics as the gateway reported it', async () => {
    // A reader's antenna 9 is in no gate's antenna map (a cable on the wrong port): its reads are left out, and counted.
    const reader = scenario.reader('rd-main');
    await reader.reads([1, 2, 3].map((i) => ({ idHex: '3034257BF7194E4000001A85', antenna: 9, rssi: -50, t: Date.now() + i })));
    await reader.flush();
    const dev = await waitFor(async () => {
      const d = (await api('/devices')).body.data.find((x: any) => x.id === 'rd-main');
      return d?.readsIgnored.unknown_antenna >= 3 && d;
    });
    expect(dev.readsIgnored.unknown_antenna).toBeGreaterThanOrEqual(3);
    const g = (await api('/gates/gate-main')).body;
    expect(g.portal.ignored.unknown_antenna).toBe(dev.readsIgnored.unknown_antenna);
    expect(g.portal).toMatchObject({ openTracks: expect.any(Number), stray: expect.any(Number), bleed: expect.any(Number) });
    const metrics = await (await fetch(url + '/api/v1/metrics', { headers: { authorization: 'Bearer demo-supervisor' } })).text();
    expect(metrics).toMatch(new RegExp(`gateway_device_reads_ignored\\{device="rd-main",reason="unknown_antenna"\\} ${dev.readsIgnored.unknown_antenna}`));
    expect(metrics).toMatch(/gateway_portal_tracks\{gate="gate-main",outcome="stray"\} \d+/);
  });
});
