// A clean stop and a start again, through the real gateway (embedded broker on a fixed port, SQLite,
// HTTP) and simulated readers that reconnect by themselves as real ones do: the devices the gateway
// itself disconnects on its way out are not offline, and a device_offline opened before the stop
// is resolved as soon as its reader signs in to the new process.
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DB_FILE } from '../../edge/store/db.ts';
import { waitFor } from '../helpers/wait.ts';
import { Gateway } from '../../gateway/gateway.ts';
import { resolveSite } from '../../gateway/site.ts';
import { createLogger } from '../../gateway/log.ts';
import { createScenario, type Scenario } from '../../firmware-sim/portal/scenario.ts';
import { demoDevicePlan } from '../../gateway/demo/devices.ts';


const freePort = () => new Promise<number>((resolve, reject) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as net.AddressInfo;
    s.close(() => resolve(port));
  }).on('error', reject);
});

describe('stop and start again', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-restart-'));
  let gw: Gateway | null = null;
  let scenario: Scenario | null = null;
  let url = '';
  const start = async (mqttPort: number) => {
    const resolved = await resolveSite([], { ...process.env, GATEWAY_DATA_DIR: dir });
    gw = new Gateway({ resolved, logger: createLogger('warn'), httpPort: 0, httpHost: '127.0.0.1', mqttPort, simulate: false });
    url = (await gw.start()).url;
    return gw;
  };
  const api = async (p: string, token = 'demo-supervisor') => (await (await fetch(url + '/api/v1' + p, { headers: { authorization: `Bearer ${token}` } })).json()) as any;
  // The discipline role is the one that sees every reader, the restricted door's included.
  const online = async () => ((await api('/devices', 'demo-discipline')).data as any[]).filter((d) => d.state === 'online');
  const offlineAlarms = async () => (await api('/alarms?kind=device_offline&limit=200')).data as any[];

  afterAll(async () => {
    await scenario?.stop();
    await gw?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a clean stop opens no device_offline; after the start the reader that was down is resolved when it signs in', async () => {
    const mqttPort = await freePort();
    const first = await start(mqttPort);
    const plan = demoDevicePlan(first.custody, `mqtt://127.0.0.1:${mqttPort}`);
    scenario = createScenario(plan.url, plan.description, { seed: 11, heartbeatMs: 500, reconnectPeriodMs: 300 });
    await scenario.start();
    const readers = plan.description.gates.flatMap((g) => g.readers.map((r) => r.deviceId));
    await waitFor(async () => (await online()).length === readers.length);

    // One reader dies while the gateway runs: that is a device going offline.
    await scenario.killReader('rd-valuables', 'crash');
    const down = await waitFor(async () => (await offlineAlarms()).find((a) => a.deviceId === 'rd-valuables' && a.state === 'open'));

    await first.stop();
    gw = null;
    const store = new Database(path.join(dir, DB_FILE), { readonly: true });
    const rows = store.prepare(`SELECT device_id, state FROM alarms WHERE kind = 'device_offline'`).all() as any[];
    store.close();
    // Only the reader that really died; none of those the gateway disconnected by stopping.
    expect(rows).toEqual([{ device_id: 'rd-valuables', state: 'open' }]);

    await start(mqttPort);
    // Until it is heard, the reader is shown offline beside its open alarm, not `unknown`.
    expect((await api('/devices')).data.find((d: any) => d.id === 'rd-valuables')).toMatchObject({ state: 'offline' });
    await waitFor(async () => (await online()).length === readers.length - 1);
    await scenario.reviveReader('rd-valuables');
    const resolved = await waitFor(async () => { const a = (await api(`/alarms/${down.id}`)); return a.state === 'resolved' && a; });
    expect(resolved).toMatchObject({ resolvedBy: 'gateway' });
    expect((await offlineAlarms()).filter((a) => a.state !== 'resolved')).toEqual([]);
  }, 90_000);
});
