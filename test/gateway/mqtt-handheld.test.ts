// A handheld carried through a cycle count (盘点), end to end over MQTT: the demo gateway with its
// embedded broker, one Zebra reader in INVENTORY mode in its site file as a `handheld`, a location
// with its own tag, and a real MQTT client publishing what the handheld read, in the order it read
// it: the location's tag first, then the items on it. The count through the API places them there.
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

const HANDHELD = 'hh-count-1';
const LOCATION = 'GN-06-01';
const LOCATION_TAG = '3034AAAA0000000000060101';
const STRAY = '3034AAAA00000000DEADBEEF';

describe('a handheld over MQTT in a cycle count', () => {
  let gw: Gateway;
  let url: string;
  let dir: string;
  let client: mqtt.MqttClient;
  const call = async (method: string, p: string, body?: unknown) => {
    const r = await fetch(`${url}/api/v1${p}`, {
      method, headers: { authorization: 'Bearer demo-supervisor', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as any };
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-handheld-'));
    const resolved = await resolveSite([], { ...process.env, GATEWAY_DATA_DIR: dir });
    resolved.site.locations = resolved.site.locations.map((l) => (l.id === LOCATION ? { ...l, tagEpc: LOCATION_TAG } : l));
    resolved.site.devices.push({
      id: HANDHELD, kind: 'handheld', format: 'zebra', name: '盘点手持机 1', heartbeatSeconds: 30,
      passwordHash: await hashPassword('pw-handheld'), topics: {}, clearances: [], antennas: [],
    } as (typeof resolved.site.devices)[number]);
    gw = new Gateway({ resolved, logger: createLogger('warn'), httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, simulate: false });
    const started = await gw.start();
    url = started.url;
    client = mqtt.connect(`mqtt://127.0.0.1:${started.mqttPort}`, { username: HANDHELD, password: 'pw-handheld', clientId: HANDHELD, reconnectPeriod: 200 });
    await new Promise<void>((resolve, reject) => { client.once('connect', () => resolve()); client.once('error', reject); });
  }, 120_000);

  afterAll(async () => {
    await client?.endAsync();
    await gw?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads placed by the location tag read before them: the location covered, its items found, a stray tag unexpected', async () => {
    const items = (await call('GET', `/shelves/${LOCATION}`)).body.items as { id: string }[];
    expect(items.length, 'the demo stores items on every general shelf').toBeGreaterThan(0);
    const epcs = await Promise.all(items.map(async (i) => (await call('GET', `/items/${i.id}`)).body.epc as string));
    const opened = await call('POST', '/counts', { locationIds: [LOCATION] });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);

    // One report of the handheld, its reads in the order it made them (its own clock orders them, not the message).
    const t0 = Date.now();
    const reads = [LOCATION_TAG, ...epcs, STRAY].map((epc, i) => ({
      type: 'INVENTORY', timestamp: new Date(t0 + i * 150).toISOString().replace('Z', '+0000'),
      data: { MAC: 'C4:7D:CC:00:00:09', antenna: 1, eventNum: i, format: 'epc', idHex: epc, peakRssi: -52, reads: 1 },
    }));
    client.publish(`rfid/${HANDHELD}/tevents`, JSON.stringify(reads.reverse()));
    await waitFor(async () => {
      const p = (await call('GET', `/counts/${opened.body.id}`)).body.progress;
      return p.locations[0].covered && p.found === epcs.length && p.unexpected === 1;
    }, 10_000);

    const closed = (await call('POST', `/counts/${opened.body.id}/close`, {})).body;
    expect(closed.totals).toMatchObject({ found: epcs.length, missing: 0, unexpected: 1, not_counted: 0 });
    expect(closed.report.locations).toEqual([{ locationId: LOCATION, coveredAt: expect.any(String), via: 'handheld' }]);
    expect(closed.report.lines.filter((l: any) => l.class === 'found').every((l: any) => l.via === 'handheld' && l.seenLocationId === LOCATION)).toBe(true);
    expect(closed.report.lines.find((l: any) => l.class === 'unexpected')).toMatchObject({ epc: STRAY, itemId: null });
  }, 60_000);
});
