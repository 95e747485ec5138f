// What the device pipeline makes of an environment monitor's reports, whatever link carried them:
// a reading that says its zone becomes an env observation of that zone (booleans already 1 or 0),
// one that does not is of the device's zone (a Modbus transmitter's zoneId), a fault is counted and
// not observed, a keep-alive keeps the monitor heard, and an OPC UA session that comes up is the
// monitor answering. The link is a small stand-in emitting reports; the edge records.
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { siteSchema } from '../../edge/site/schema.ts';
import { DevicePipeline, type Edge } from '../../gateway/devices/pipeline.ts';
import { GatewayBus } from '../../gateway/events.ts';
import { Handlers, type DeviceLink, type DeviceReport, type DeviceState, type LinkStatus, type LinkTransport } from '../../gateway/links/link.ts';

class StandInLink implements DeviceLink {
  readonly reports = new Handlers<[DeviceReport]>();
  readonly states = new Handlers<[string, DeviceState, number]>();
  constructor(readonly id: string, private readonly transport: LinkTransport, private readonly ids: string[]) {}
  async start() {}
  async stop() {}
  onReport(h: (r: DeviceReport) => void) { return this.reports.add(h); }
  onDeviceState(h: (id: string, s: DeviceState, at: number) => void) { return this.states.add(h); }
  deviceIds() { return this.ids; }
  refusals() { return {}; }
  status(): LinkStatus {
    return { id: this.id, transport: this.transport, target: 'x', state: 'open', since: 0, reconnects: 0, lastError: null, bytesIn: 0, bytesOut: 0, frames: 0, errors: {} };
  }
  say(r: DeviceReport) { this.reports.emit((e) => { throw e; }, r); }
  tell(id: string, s: DeviceState, at: number) { this.states.emit((e) => { throw e; }, id, s, at); }
}

function harness() {
  const site = siteSchema.parse({
    site: { id: 's', name: '测试中心' },
    zones: [{ id: 'cold', name: '冷藏库', kind: 'cold' }, { id: 'store', name: '一般物品库', kind: 'general' }],
    agencies: [{ id: 'op', name: '管理中心', kind: 'operator' }],
    categories: [{ id: 'misc', name: '其他' }],
    locations: [{ id: 'A-01', zoneId: 'store', name: 'A-01' }],
    serialPorts: [{ id: 'com1', path: '/dev/ttyUSB9' }],
    devices: [
      { id: 'env-ua', kind: 'env_monitor', protocol: 'opcua', opcua: { endpoint: 'opc.tcp://10.0.0.20:4840', values: [{ nodeId: 'ns=1;s=T', zoneId: 'cold', metric: 'temperature' }] } },
      { id: 'th-1', kind: 'env_monitor', protocol: 'modbus', port: 'com1', address: 3, profile: 'xy-md02', zoneId: 'store' },
      { id: 'cell-1', kind: 'load_cell', protocol: 'modbus', port: 'com1', address: 4, profile: 'weighing-int32', locationId: 'A-01', tareGrams: 100, toleranceGrams: 5 },
    ],
  });
  const seen: any[] = [];
  const edge: Edge = { observe: ((o: unknown) => (Array.isArray(o) ? (seen.push(...o), o.map(() => ({ ok: true }))) : (seen.push(o), { ok: true }))) as Edge['observe'] };
  const ua = new StandInLink('opcua:env-ua', 'opcua', ['env-ua']);
  const serial = new StandInLink('com1', 'serial', ['th-1', 'cell-1']);
  const logger = pino({ level: 'silent' });
  const pipeline = new DevicePipeline(site, [ua, serial], edge, new GatewayBus(logger), logger, () => 10_000);
  pipeline.start();
  return { pipeline, ua, serial, seen, env: () => seen.filter((o) => o.type === 'env'), devices: () => seen.filter((o) => o.type === 'device') };
}

describe('an environment monitor\'s reports in the pipeline', () => {
  it('readings with a zone become env observations of that zone; booleans are 1 or 0', () => {
    const h = harness();
    h.ua.say({ deviceId: 'env-ua', receivedAt: 5_000, readings: [{ name: 'temperature', value: 4.5, unit: '°C', zoneId: 'cold' }] });
    h.ua.say({ deviceId: 'env-ua', receivedAt: 5_100, readings: [{ name: 'door', value: 1, unit: '', zoneId: 'store' }] });
    h.ua.say({ deviceId: 'env-ua', receivedAt: 5_200, readings: [{ name: 'co2', value: 612, unit: 'ppm', zoneId: 'cold' }] });
    expect(h.env()).toEqual([
      { type: 'env', deviceId: 'env-ua', zoneId: 'cold', metric: 'temperature', value: 4.5, unit: '°C', at: 5_000 },
      { type: 'env', deviceId: 'env-ua', zoneId: 'store', metric: 'door', value: 1, unit: '', at: 5_100 },
      { type: 'env', deviceId: 'env-ua', zoneId: 'cold', metric: 'co2', value: 612, unit: 'ppm', at: 5_200 },
    ]);
    expect(h.pipeline.isOnline('env-ua')).toBe(true);
    h.pipeline.stop();
  });

  it('a Modbus transmitter\'s readings are of its zone; a load cell\'s are no environment; faults are counted, not observed', () => {
    const h = harness();
    h.serial.say({ deviceId: 'th-1', receivedAt: 5_000, readings: [{ name: 'temperature', value: 21, unit: '°C' }, { name: 'humidity', value: 45.5, unit: '%RH' }] });
    h.serial.say({ deviceId: 'cell-1', receivedAt: 5_000, readings: [{ name: 'weight', value: 1200, unit: 'g' }] });
    h.ua.say({ deviceId: 'env-ua', receivedAt: 4_000, readings: [{ name: 'temperature', value: 4.5, unit: '°C', zoneId: 'cold' }] });
    h.ua.say({ deviceId: 'env-ua', receivedAt: 5_000, faults: [{ name: 'temperature', detail: 'ns=1;s=T: NaN' }] });
    expect(h.env().filter((o) => o.deviceId === 'th-1')).toEqual([
      { type: 'env', deviceId: 'th-1', zoneId: 'store', metric: 'temperature', value: 21, unit: '°C', at: 5_000 },
      { type: 'env', deviceId: 'th-1', zoneId: 'store', metric: 'humidity', value: 45.5, unit: '%RH', at: 5_000 },
    ]);
    h.pipeline.tick(6_000);
    const report = h.devices().filter((d) => d.deviceId === 'env-ua').at(-1);
    expect(report.rejected).toMatchObject({ fault_temperature: 1 });
    expect(h.env().filter((o) => o.deviceId === 'env-ua')).toHaveLength(1);
    h.pipeline.stop();
  });

  it('a keep-alive keeps the monitor heard; an OPC UA session that comes up is the monitor answering, one lost makes it offline', () => {
    const h = harness();
    h.ua.tell('env-ua', 'connected', 1_000);
    expect(h.pipeline.isOnline('env-ua')).toBe(true);
    expect(h.devices().at(-1)).toMatchObject({ deviceId: 'env-ua', state: 'online', reason: 'connect' });
    h.ua.tell('env-ua', 'disconnected', 2_000);
    expect(h.devices().at(-1)).toMatchObject({ deviceId: 'env-ua', state: 'offline', reason: 'disconnect' });
    h.ua.say({ deviceId: 'env-ua', receivedAt: 3_000, keepAlive: true });
    expect(h.devices().at(-1)).toMatchObject({ deviceId: 'env-ua', state: 'online', reason: 'heartbeat' });
    expect(h.env()).toEqual([]);
    // A serial port's state says nothing of its devices: they are heard when they answer.
    h.serial.tell('th-1', 'connected', 3_000);
    expect(h.pipeline.isOnline('th-1')).toBe(false);
    h.pipeline.stop();
  });
});
