// Shared by the OPC UA suites: a monitor device as a site file describes it (parsed by the real
// schema), a link to the simulated monitor with short waits, and a recorder of what the link says.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { siteSchema, type Device } from '../../edge/site/schema.ts';
import type { DeviceReport, DeviceState } from '../../gateway/links/link.ts';
import { OpcuaMonitor } from '../../gateway/opcua/link.ts';
import type { MonitorValue, OpcuaMonitorSim } from '../../firmware-sim/opcua/server.ts';

export const ZONES = [
  { id: 'store', name: '一般物品库', kind: 'general' },
  { id: 'cold', name: '冷藏库', kind: 'cold' },
] as const;

/** Which value of the simulated monitor goes to which metric and zone. */
export const LAYOUT: { value: MonitorValue; metric: string; zoneId: string }[] = [
  { value: 'Temperature', metric: 'temperature', zoneId: 'cold' },
  { value: 'Humidity', metric: 'humidity', zoneId: 'cold' },
  { value: 'Smoke', metric: 'smoke', zoneId: 'store' },
  { value: 'Water', metric: 'water', zoneId: 'store' },
  { value: 'Door', metric: 'door', zoneId: 'store' },
];

/** An env_monitor of the simulated monitor, through the real site schema; `opcua` overrides the block. */
export function monitorDevice(sim: OpcuaMonitorSim, opcua: Record<string, unknown> = {}, id = 'env-1'): Device {
  const site = siteSchema.parse({
    site: { id: 'opcua-test', name: 'OPC UA 测试' },
    zones: ZONES,
    agencies: [{ id: 'op', name: '管理中心', kind: 'operator' }],
    categories: [{ id: 'misc', name: '其他' }],
    devices: [{
      id, kind: 'env_monitor', protocol: 'opcua', heartbeatSeconds: 30,
      opcua: {
        endpoint: sim.endpoint, samplingMs: 100, publishingMs: 200,
        watchdog: { resubscribeSeconds: 2, offlineSeconds: 5 },
        values: LAYOUT.map((l) => ({ nodeId: sim.nodeId(l.value), zoneId: l.zoneId, metric: l.metric })),
        ...opcua,
      },
    }],
  });
  return site.devices[0]!;
}

/** A pino logger keeping its lines, at debug so that the library's own lines are kept too. */
export function capturedLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) }), lines };
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Everything one link said, in order. */
export class Heard {
  readonly reports: DeviceReport[] = [];
  readonly states: { id: string; state: DeviceState; at: number }[] = [];
  constructor(link: OpcuaMonitor) {
    link.onReport((r) => this.reports.push(r));
    link.onDeviceState((id, state, at) => this.states.push({ id, state, at }));
  }
  readings(metric?: string) { return this.reports.flatMap((r) => r.readings ?? []).filter((x) => !metric || x.name === metric); }
  faults(metric?: string) { return this.reports.flatMap((r) => r.faults ?? []).filter((x) => !metric || x.name === metric); }
  lastState(): DeviceState | undefined { return this.states.at(-1)?.state; }
}

export interface LinkUnderTest { link: OpcuaMonitor; heard: Heard; lines: string[]; dataDir: string }

/** A link to the simulated monitor with short waits between attempts, recorded from its first word. */
export function linkTo(device: Device, dataDir: string, env: NodeJS.ProcessEnv = {}): LinkUnderTest {
  const { logger, lines } = capturedLogger();
  const link = new OpcuaMonitor({ device, dataDir, logger, env, retry: { initialMs: 200, maxMs: 1_000 }, watchdogTickMs: 200 });
  return { link, heard: new Heard(link), lines, dataDir };
}
