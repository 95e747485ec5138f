// Modbus temperature/humidity transmitters end to end: the demo gateway and its simulated RS-485
// bus (firmware-sim/serial's XY-MD02 slaves beside the scales, over socat's pseudo-terminals or
// TCP), polled by the gateway's Modbus master. Their readings reach the zone's current values and
// the history; a cold store that warms past its limit opens `environment` after the zone's delay
// and resolves itself when it cools; a transmitter that reads an impossible value is a refusal,
// never a reading; one that stops answering is offline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { waitFor } from '../helpers/wait.ts';
import { Gateway } from '../../gateway/gateway.ts';
import { resolveSite } from '../../gateway/site.ts';
import { createLogger } from '../../gateway/log.ts';
import { startDemoSerial } from '../../gateway/demo/serial.ts';

describe('Modbus temperature/humidity transmitters on the demo\'s serial bus', () => {
  let gw: Gateway;
  let url: string;
  let dir: string;
  let sim: ChildProcess | null = null;
  const api = async (p: string, token = 'demo-supervisor') => (await (await fetch(`${url}/api/v1${p}`, { headers: { authorization: `Bearer ${token}` } })).json()) as any;
  const simSays = (cmd: Record<string, unknown>) => sim!.stdin!.write(`${JSON.stringify(cmd)}\n`);
  const reading = async (zone: string, metric: string) => ((await api('/environment')).zones.find((z: any) => z.id === zone)?.readings ?? []).find((r: any) => r.metric === metric);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-env-modbus-'));
    const resolved = await resolveSite([], { ...process.env, GATEWAY_DATA_DIR: dir });
    resolved.site.rules.checkIntervalSeconds = 1;
    const cold = resolved.site.zones.find((z) => z.id === 'cold')!;
    cold.environment = { ...cold.environment, delaySeconds: 2 };
    for (const d of resolved.site.devices) if (d.kind === 'env_monitor') Object.assign(d, { pollMs: 500, heartbeatSeconds: 5 });
    gw = new Gateway({ resolved, logger: createLogger('warn'), httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, simulate: false });
    url = (await gw.start()).url;
    sim = startDemoSerial(gw.custody, createLogger('warn'));
  }, 120_000);

  afterAll(async () => {
    sim?.kill('SIGTERM');
    await gw?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('their readings are the zones\' current values, in the history, with the device online', async () => {
    const r = await waitFor(() => reading('cold', 'temperature'), 20_000);
    expect(r).toMatchObject({ unit: '°C', deviceId: 'th-cd', level: 'ok', limit: { min: -25, max: -15 } });
    expect(r.value).toBeGreaterThan(-25);
    expect(r.value).toBeLessThan(-15);
    expect(await reading('general', 'humidity')).toMatchObject({ unit: '%RH', deviceId: 'th-gn' });
    const d = (await api('/devices')).data.find((x: any) => x.id === 'th-cd');
    expect(d).toMatchObject({ state: 'online', link: { transport: expect.stringMatching(/serial|tcp/), state: 'open' } });
    await waitFor(async () => (await api('/zones/cold/environment?resolution=raw&metric=temperature')).series[0].points.length > 0, 5_000);
  }, 40_000);

  it('a cold store warming past its limit opens environment after the delay, and it resolves itself when it cools', async () => {
    simSays({ cmd: 'climate', device: 'scales', unit: 13, temperatureC: -11.5 });
    const alarm = await waitFor(async () => (await api('/alarms?kind=environment&limit=50')).data.find((a: any) => a.zoneId === 'cold' && a.state === 'open'), 20_000);
    expect(alarm).toMatchObject({ severity: 'warning', deviceId: 'th-cd', details: { metric: 'temperature', limit: { max: -15 } } });
    expect(alarm.message).toContain('冷藏库温度 -11.5 °C 高于上限 -15 °C');
    expect((await reading('cold', 'temperature')).level).toBe('warning');
    simSays({ cmd: 'climate', device: 'scales', unit: 13, temperatureC: -19 });
    await waitFor(async () => (await api(`/alarms/${alarm.id}`)).state === 'resolved', 20_000);
    expect((await api(`/alarms/${alarm.id}`)).resolvedBy).toBe('gateway');
  }, 60_000);

  it('an impossible value is refused, never a reading; a transmitter that stops answering is offline', async () => {
    const before = await reading('general', 'temperature');
    simSays({ cmd: 'climate', device: 'scales', unit: 11, temperatureC: -500 });
    await waitFor(async () => (gw.custody.refused.get('env:invalid') ?? 0) > 0, 10_000);
    expect((await reading('general', 'temperature')).value).toBeGreaterThan(-60);
    expect((await reading('general', 'temperature')).value).toBeCloseTo(before.value, 0);
    simSays({ cmd: 'climate', device: 'scales', unit: 11, temperatureC: 21 });
    simSays({ cmd: 'fault', device: 'scales', fault: 'silence', unit: 12, on: true });
    await waitFor(async () => (await api('/devices')).data.find((x: any) => x.id === 'th-vl')?.state === 'offline', 30_000);
    expect((await api('/devices')).data.find((x: any) => x.id === 'th-gn').state).toBe('online');
  }, 120_000);
});
