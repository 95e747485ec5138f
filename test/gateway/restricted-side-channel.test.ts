// Nothing that an operator, auditor, agency user or an unauthenticated caller can read changes when
// only the discipline commission's zone changes: every such answer (lists, counts, the ledger head
// and its verify result, the metrics) is read before and after a burst of activity in that zone and
// compared, and an open stream receives nothing and keeps its ids. Through the real gateway on the
// demo site: HTTP, the embedded broker, SQLite.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway } from '../../gateway/gateway.ts';
import { resolveSite } from '../../gateway/site.ts';
import { createLogger } from '../../gateway/log.ts';
import { demoToken } from '../../gateway/demo/site.ts';
import { crossingObservation } from '../../edge/observations.ts';
import { openStream, type SseClient } from '../stream/fixtures.ts';
import { waitFor } from '../helpers/wait.ts';

let gw: Gateway;
let url: string;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'side-channel-'));
  const resolved = await resolveSite([], { ...process.env, GATEWAY_DATA_DIR: dataDir });
  gw = new Gateway({ resolved, logger: createLogger('warn'), httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, simulate: false });
  ({ url } = await gw.start());
  // With no simulator, the serial devices and the OPC UA monitors go offline once their links give
  // up (the monitors last, a few seconds on), and each opens its device_offline alarm: only then is
  // what outsiders read still, so that the commission's work alone may change it. Waited for by
  // name, every such device's alarm: a count merely still for a second was seen to miss a monitor
  // whose alarm came later (CI).
  const supervisor = { headers: { authorization: `Bearer ${demoToken('supervisor')}` } };
  // The devices on a serial port or an OPC UA server (the MQTT readers sign in only with the simulator).
  const linked = gw.custody.ctx.site.devices.filter((d) => d.protocol).map((d) => d.id);
  await waitFor(async () => {
    const r = await fetch(`${url}/api/v1/devices`, supervisor);
    const devices = ((await r.json()) as { data: { id: string; state: string }[] }).data.filter((d) => linked.includes(d.id));
    return devices.length === linked.length && devices.every((d) => d.state === 'offline');
  }, 60_000);
  await waitFor(async () => {
    const r = await fetch(`${url}/api/v1/alarms?state=open&kind=device_offline&limit=500`, supervisor);
    const alarmed = new Set(((await r.json()) as { data: { deviceId: string | null }[] }).data.map((a) => a.deviceId));
    return linked.every((id) => alarmed.has(id));
  }, 60_000, async () => (await fetch(`${url}/api/v1/alarms?state=open&kind=device_offline&limit=500`, supervisor)).json());
  // And nothing else still settling: the count of live alarms still for two seconds.
  let last = -1;
  await waitFor(async () => {
    await new Promise((r) => setTimeout(r, 2_000));
    const r = await fetch(`${url}/api/v1/alarms?state=open&limit=500`, supervisor);
    const n = ((await r.json()) as { data: unknown[] }).data.length;
    const still = n === last;
    last = n;
    return still;
  }, 60_000);
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function call(role: string | null, method: string, p: string, body?: unknown) {
  const res = await fetch(`${url}${p}`, {
    method,
    headers: { ...(role ? { authorization: `Bearer ${demoToken(role)}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, text, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

const READS = [
  '/api/v1/me', '/api/v1/zones', '/api/v1/locations?limit=500', '/api/v1/items?limit=500', '/api/v1/items?state=stored&limit=500',
  '/api/v1/cases?limit=500', '/api/v1/orders?limit=500', '/api/v1/alarms?limit=500', '/api/v1/events?limit=500',
  '/api/v1/crossings?limit=500', '/api/v1/gates', '/api/v1/devices', '/api/v1/staff?limit=500', '/api/v1/categories',
  '/api/v1/agencies', '/api/v1/ledger/verify', '/api/v1/metrics',
];
const OUTSIDERS = ['operator', 'supervisor', 'auditor', 'agency', 'admin'];

/** Everything these roles (and an anonymous caller) can read, with the only fields that move by themselves (the clock, timings) taken out. */
async function everythingOutsidersRead(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  out['anonymous /api/health'] = stable((await call(null, 'GET', '/api/health')).text);
  for (const role of OUTSIDERS) {
    for (const p of READS) {
      const r = await call(role, 'GET', p);
      out[`${role} ${p}`] = `${r.status} ${stable(r.text)}`;
    }
  }
  return out;
}

function stable(text: string): string {
  return text
    .replace(/"time":"[^"]+"/g, '"time":"…"')
    .replace(/"durationMs":\d+/g, '"durationMs":0')
    .replace(/"(lastSeen|readsPerSecond)":[^,}]+/g, '"$1":…')
    // A serial line or monitor that is not there keeps retrying: its link counts each attempt by itself.
    .replace(/"errors":\{[^}]*\}/g, '"errors":{…}').replace(/"reconnects":\d+/g, '"reconnects":…');
}

describe('the restricted zone leaves no trace in what other roles read', () => {
  let streams: Record<string, SseClient>;

  it('every answer, the metrics and the open streams stay the same while the commission works in its zone', async () => {
    streams = {};
    for (const role of ['operator', 'auditor', 'agency']) {
      streams[role] = await openStream(`${url}/api/v1/stream`, { authorization: `Bearer ${demoToken(role)}` });
      await streams[role].next('ready');
    }
    const before = await everythingOutsidersRead();
    const restrictedHead = gw.custody.ctx.ledger.headOf('restricted').seq;

    // The commission at work: an emergency order, a manifest, receipt and putaway, a check-out, and
    // an unknown tag at its door (an alarm, a crossing).
    const now = Date.now();
    const order = await call('discipline', 'POST', '/api/v1/orders', {
      kind: 'transfer_in', agencyId: 'ccdi', zoneId: 'restricted', approvedBy: '市纪委监委 分管领导',
      validFrom: new Date(now - 60_000).toISOString(), validUntil: new Date(now + 3_600_000).toISOString(),
      gates: ['gate-restricted'], direction: 'in',
    });
    expect(order.status, order.text).toBe(201);
    const ann = await call('discipline', 'POST', '/api/v1/items/announce', {
      orderId: order.body.id,
      items: [{ epc: '3414A537C80000000FFFF001', name: '会议记录本', categoryId: 'documents', caseNumber: '泰纪监立〔2026〕901号' }],
    });
    expect(ann.status, ann.text).toBe(201);
    const itemId = ann.body.data[0].id;
    expect((await call('discipline', 'POST', `/api/v1/items/${itemId}/receive`, { orderId: order.body.id, condition: '封装完好' })).status).toBe(200);
    const putawayOrder = await call('discipline', 'POST', '/api/v1/orders', {
      kind: 'putaway', itemIds: [itemId], zoneId: 'restricted', approvedBy: '市纪委监委 分管领导',
      validFrom: new Date(now - 60_000).toISOString(), validUntil: new Date(now + 3_600_000).toISOString(),
    });
    expect(putawayOrder.status, putawayOrder.text).toBe(201);
    const put = await call('discipline', 'POST', `/api/v1/items/${itemId}/putaway`, { orderId: putawayOrder.body.id, locationId: 'RS-01-01' });
    expect(put.status, put.text).toBe(200);
    expect(put.body.event.chain).toBe('restricted');
    gw.custody.observe(crossingObservation.parse({
      type: 'crossing', gateId: 'gate-restricted', epc: '3414A537C80000000FFFF0FF', direction: 'in', confidence: 0.9,
      firstSeen: Date.now() - 2000, lastSeen: Date.now() - 1000, readCount: 8,
    }));
    const alarms = await call('discipline', 'GET', '/api/v1/alarms?limit=500');
    expect(alarms.body.data.some((a: any) => a.kind === 'unknown_tag' && a.gateId === 'gate-restricted')).toBe(true);
    expect(gw.custody.ctx.ledger.headOf('restricted').seq).toBeGreaterThan(restrictedHead + 2);

    const after = await everythingOutsidersRead();
    for (const k of Object.keys(before)) expect(after[k], k).toBe(before[k]);
    // The commission itself sees its work.
    expect((await call('discipline', 'GET', '/api/v1/events?chain=restricted&limit=5')).body.data[0].itemId).toBe(itemId);
    expect((await call('operator', 'GET', '/api/v1/events?chain=restricted')).status).toBe(404);
    expect((await call('auditor', 'GET', '/api/v1/ledger/verify?chain=restricted')).status).toBe(404);
    const own = await call('discipline', 'GET', '/api/v1/ledger/verify?chain=restricted');
    expect(own.body).toMatchObject({ chain: 'restricted', ok: true });

    // The open streams heard nothing: no custody event, alarm or crossing.
    await new Promise((r) => setTimeout(r, 300));
    for (const [role, s] of Object.entries(streams)) {
      expect(s.messages.filter((m) => m.event !== 'ready'), role).toEqual([]);
      s.close();
    }
  }, 60_000);
});
