// An OPC UA monitor in a real gateway (SQLite, API, embedded broker on ephemeral ports): the gateway
// starts while the monitor's server is absent (an offline device, not a failed start); once the
// server is up the monitor is online on /api/v1/devices with its link, its readings are the zones'
// current values on /api/v1/environment, and a server that goes away opens device_offline, which
// resolves itself when it is back.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, OpcuaMonitorSim } from '../../firmware-sim/opcua/server.ts';
import { parseSite } from '../../gateway/config.ts';
import { Gateway } from '../../gateway/gateway.ts';
import { createLogger } from '../../gateway/log.ts';
import { fixtureSiteInput, tokenOf } from '../helpers/custody-site.ts';
import { waitFor } from '../mqtt/fixtures.ts';
import { tempDir } from './fixtures.ts';

describe('an OPC UA monitor in the gateway', () => {
  let dir: string;
  let sim: OpcuaMonitorSim;
  let gw: Gateway;
  let url: string;
  const api = async (p: string) => {
    const r = await fetch(`${url}/api/v1${p}`, { headers: { authorization: `Bearer ${tokenOf('supervisor')}` } });
    return r.json() as Promise<any>;
  };
  const cache: { device: any } = { device: null };
  const device = async () => (cache.device = (await api('/devices')).data.find((d: any) => d.id === 'env-cold'));
  const offlineAlarms = async (state: string) => (await api(`/alarms?kind=device_offline&state=${state}`)).data.filter((a: any) => a.deviceId === 'env-cold');

  beforeAll(async () => {
    dir = tempDir('opcua-gateway-');
    sim = new OpcuaMonitorSim({ pkiDir: path.join(dir, 'sim-pki'), port: await freePort(), security: ['None'], walkMs: 0 });
    const input: any = fixtureSiteInput(path.join(dir, 'data'));
    input.http = { host: '127.0.0.1', port: 0 };
    input.mqtt = { mode: 'embedded', host: '127.0.0.1', port: 0 };
    input.devices.push({
      id: 'env-cold', kind: 'env_monitor', protocol: 'opcua', heartbeatSeconds: 30,
      opcua: {
        endpoint: sim.endpoint, samplingMs: 100, publishingMs: 200, watchdog: { resubscribeSeconds: 2, offlineSeconds: 5 },
        values: [
          { nodeId: sim.nodeId('Temperature'), zoneId: 'general', metric: 'temperature' },
          { nodeId: sim.nodeId('Door'), zoneId: 'valuables', metric: 'door' },
        ],
      },
    });
    const site = parseSite(input);
    gw = new Gateway({ resolved: { site, demo: false, file: null, siteKey: randomBytes(32) }, logger: createLogger('silent'), httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0 });
    url = (await gw.start()).url;
  }, 60_000);

  afterAll(async () => {
    await gw?.stop();
    await sim?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('starts with the monitor\'s server absent: the gateway runs, the link is down and says why', async () => {
    const link = gw.deviceLinks.find((l) => l.deviceIds().includes('env-cold'))!;
    expect(link.status()).toMatchObject({ transport: 'opcua', target: sim.endpoint });
    await waitFor(() => link.status().state === 'down', 10_000, 'the link down');
    expect(link.status().lastError).toMatch(/^cannot reach opc\.tcp:\/\/127\.0\.0\.1:\d+\/custody-sim: /);
    expect(link.status().errors.connect_failed).toBeGreaterThanOrEqual(1);
    // The gateway's own certificate is made on this first start all the same.
    expect(fs.existsSync(path.join(dir, 'data', 'opcua', 'pki', 'own', 'certs', 'client_certificate.pem'))).toBe(true);
    expect((await api('/devices')).data.some((d: any) => d.id === 'env-cold')).toBe(true);
  });

  it('the server comes up: the monitor is online with its OPC UA link, and its readings are the zones\' current values', async () => {
    await sim.start();
    await waitForAsync(async () => (await device())?.state === 'online', 20_000, 'the monitor online');
    expect(cache.device.link).toMatchObject({ transport: 'opcua', target: sim.endpoint, state: 'open' });
    sim.set('Temperature', 19.25);
    sim.set('Door', true);
    const value = async (zoneId: string, metric: string) => {
      const zone = (await api('/environment')).zones.find((z: any) => z.id === zoneId);
      return zone?.readings.find((r: any) => r.metric === metric);
    };
    await waitForAsync(async () => (await value('general', 'temperature'))?.value === 19.25, 10_000, 'the temperature of the general store');
    await waitForAsync(async () => (await value('valuables', 'door'))?.value === 1, 10_000, 'the door of the valuables store open');
    expect(await value('general', 'temperature')).toMatchObject({ unit: '°C', deviceId: 'env-cold' });
    expect([...gw.custody.refused.keys()].filter((k) => k.startsWith('env:'))).toEqual([]);
  });

  it('the server goes away: device_offline opens, and resolves itself when the server is back', async () => {
    await sim.stop();
    await waitForAsync(async () => (await offlineAlarms('open')).length === 1, 15_000, 'device_offline open');
    const [alarm] = await offlineAlarms('open');
    expect((await device()).state).toBe('offline');
    await sim.start();
    await waitForAsync(async () => (await device())?.state === 'online', 20_000, 'the monitor online again');
    // (A slow start may have opened and resolved one before, while the server was still absent: this is the one that opened now.)
    await waitForAsync(async () => (await offlineAlarms('resolved')).some((a: any) => a.id === alarm.id), 10_000, 'device_offline resolved');
  }, 60_000);
});

async function waitForAsync(probe: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
