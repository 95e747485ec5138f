// A Zebra reader in INVENTORY mode watching shelves over MQTT, end to end: the demo gateway with its
// embedded broker, one more reader in its site file (antennas 1-4 on four general-store shelves),
// and a real MQTT client publishing the reader's tag events and heartbeats. Such a reader never says
// when a round ends, so the gateway makes the rounds on its clock: reads confirm the items, an item
// that stops being read while the reader is heard is an unexpected removal, reads on an antenna no
// location maps are counted, and a reader that goes silent leaves its shelves "not watched".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { waitFor } from '../helpers/wait.ts';
import { Gateway } from '../../gateway/gateway.ts';
import { resolveSite } from '../../gateway/site.ts';
import { createLogger } from '../../gateway/log.ts';
import { hashPassword } from '../../gateway/mqtt/password.ts';

const READER = 'shelf-zb';
const SHELVES = ['GN-05-01', 'GN-05-02', 'GN-05-03', 'GN-05-04'];

describe('a Zebra shelf reader in INVENTORY mode over MQTT', () => {
  let gw: Gateway;
  let url: string;
  let dir: string;
  let client: mqtt.MqttClient;
  let timer: NodeJS.Timeout | null = null;
  /** What the reader "sees" now, by antenna: published every 300 ms while `reporting`. */
  const onAntenna = new Map<number, Set<string>>();
  let reporting = true;
  const api = async (p: string, token = 'demo-supervisor') => {
    const r = await fetch(`${url}/api/v1${p}`, { headers: { authorization: `Bearer ${token}` } });
    return r.json() as Promise<any>;
  };
  const device = async () => (await api('/devices')).data.find((d: any) => d.id === READER);
  const publish = () => {
    if (!reporting) return;
    const events = [...onAntenna].flatMap(([antenna, epcs]) => [...epcs].map((epc, i) => ({
      type: 'INVENTORY', timestamp: new Date().toISOString().replace('Z', '+0000'),
      data: { MAC: 'C4:7D:CC:00:00:05', antenna, eventNum: i, format: 'epc', idHex: epc, peakRssi: -58, reads: 3 },
    })));
    client.publish(`rfid/${READER}/mevents`, JSON.stringify({ type: 'heartbeat', component: 'reader' }));
    if (events.length) client.publish(`rfid/${READER}/tevents`, JSON.stringify(events));
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-mqtt-shelves-'));
    const resolved = await resolveSite([], { ...process.env, GATEWAY_DATA_DIR: dir });
    resolved.site.rules.shelfGraceSeconds = 3;
    resolved.site.rules.checkIntervalSeconds = 1;
    resolved.site.devices.push({
      id: READER, kind: 'shelf_reader', format: 'zebra', name: '五排货架读写器', pollMs: 1_000, heartbeatSeconds: 3,
      antennas: SHELVES.map((locationId, i) => ({ port: i + 1, locationId })), passwordHash: await hashPassword('pw-shelf-zb'),
      topics: {}, clearances: [],
    });
    gw = new Gateway({ resolved, logger: createLogger('warn'), httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, simulate: false });
    const started = await gw.start();
    url = started.url;
    client = mqtt.connect(`mqtt://127.0.0.1:${started.mqttPort}`, { username: READER, password: 'pw-shelf-zb', clientId: READER, reconnectPeriod: 200 });
    await new Promise<void>((resolve, reject) => { client.once('connect', () => resolve()); client.once('error', reject); });
    timer = setInterval(publish, 300);
  }, 120_000);

  afterAll(async () => {
    if (timer) clearInterval(timer);
    await client?.endAsync();
    await gw?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The items the ledger stores at each watched shelf, with their EPCs. */
  const stored = async () => {
    const out = new Map<number, { id: string; epc: string }[]>();
    for (const [i, loc] of SHELVES.entries()) {
      const items = (await api(`/shelves/${loc}`)).items as { id: string }[];
      out.set(i + 1, await Promise.all(items.map(async (it) => ({ id: it.id, epc: (await api(`/items/${it.id}`)).epc as string }))));
    }
    return out;
  };

  it('its reads, gathered into rounds on the gateway\'s clock, confirm every item stored on its shelves', async () => {
    const byAntenna = await stored();
    const total = [...byAntenna.values()].flat().length;
    expect(total, 'the demo stores items on the fifth row of the general store').toBeGreaterThan(1);
    for (const [antenna, items] of byAntenna) onAntenna.set(antenna, new Set(items.map((i) => i.epc)));
    await waitFor(async () => (await device())?.state === 'online', 10_000);
    for (const loc of SHELVES) {
      await waitFor(async () => { const s = (await api(`/shelves/${loc}`)).location; return s.items.confirmed === s.items.expected && s; }, 15_000);
    }
    const loc = (await api(`/shelves/${SHELVES[0]}`));
    expect(loc.location.watchedBy).toEqual([READER]);
    expect(loc.location.lastRoundAt).toBeTruthy();
    expect(loc.items.every((i: any) => i.status === 'confirmed' && i.lastSeenLocationId === SHELVES[0])).toBe(true);
    expect((await device()).link).toMatchObject({ transport: 'mqtt', state: 'open' });
  }, 40_000);

  it('an item no longer read while the reader goes on reporting is an unexpected removal; reads on an unmapped antenna are counted', async () => {
    const [antenna, epcs] = [...onAntenna].find(([, s]) => s.size > 0)!;
    const goneEpc = [...epcs][0]!;
    epcs.delete(goneEpc);
    onAntenna.set(9, new Set([goneEpc]));
    const gone = (await api(`/items?epc=${goneEpc}`)).data?.[0] ?? null;
    const removal = await waitFor(async () => (await api('/alarms?kind=unexpected_removal&limit=50')).data.find((a: any) => a.epc === goneEpc), 20_000);
    expect(removal).toMatchObject({ severity: 'critical', state: 'open', locationId: SHELVES[antenna - 1] });
    if (gone) expect(removal.itemId).toBe(gone.id);
    await waitFor(async () => ((await device()).rejected.unknown_antenna ?? 0) > 0, 10_000);
    onAntenna.delete(9);
  }, 40_000);

  it('a reader that goes silent leaves its shelves not watched, and raises no removal for what it no longer reports', async () => {
    const before = (await api('/alarms?kind=unexpected_removal&limit=200')).data.length;
    reporting = false;
    await waitFor(async () => (await device())?.state === 'offline', 15_000);
    await waitFor(async () => (await api(`/shelves/${SHELVES[0]}`)).location.watched === false, 10_000);
    // Well past the grace time with no rounds: nothing is missing, it is only not watched.
    await new Promise((r) => setTimeout(r, 5_000));
    expect((await api('/alarms?kind=unexpected_removal&limit=200')).data.length).toBe(before);
    expect((await api('/alarms?kind=device_offline&limit=50')).data.some((a: any) => a.deviceId === READER && a.state === 'open')).toBe(true);
    reporting = true;
  }, 40_000);
});
