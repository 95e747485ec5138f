// One serial port (or device server) on the device-link seam: the line (./line.ts) carries the
// bytes, the port's protocol driver (./drivers/) asks its devices and reports what they said. When
// the line goes down, every device on it is told disconnected at once; they are heard again only
// when they answer, not when the port reopens.
import type { Site } from '../../edge/site/schema.ts';
import { DEFAULT_BAUD, isSerialProtocol } from '../../edge/site/schema.ts';
import type { Logger } from '../log.ts';
import { Handlers, type DeviceLink, type DeviceReport, type DeviceState, type DeviceStateHandler, type LinkStatus, type ReportHandler } from '../links/link.ts';
import { BUILTIN_PROFILES, type Profile } from '../modbus/profiles.ts';
import type { PortDriver } from './drivers/driver.ts';
import { ModbusDriver } from './drivers/modbus.ts';
import { R2000Driver } from './drivers/r2000.ts';
import { UhfReaderDriver } from './drivers/uhfreader18.ts';
import { ByteLine } from './line.ts';

type Port = Site['serialPorts'][number];
type Device = Site['devices'][number];

export class SerialLink implements DeviceLink {
  readonly id: string;
  private readonly reports = new Handlers<[DeviceReport]>();
  private readonly states = new Handlers<[string, DeviceState, number]>();
  private readonly line: ByteLine;
  private readonly driver: PortDriver;
  private frames = 0;
  private readonly rejected: Record<string, number> = {};

  constructor(private readonly port: Port, private readonly devices: readonly Device[], site: Pick<Site, 'modbusProfiles'>,
    private readonly logger: Logger, private readonly now: () => number = Date.now) {
    this.id = port.id;
    const first = devices[0]?.protocol;
    const protocol = isSerialProtocol(first) ? first : 'modbus';
    this.line = new ByteLine({
      path: port.path, baudRate: port.baudRate ?? DEFAULT_BAUD[protocol], dataBits: port.dataBits, parity: port.parity, stopBits: port.stopBits,
      silenceMs: port.silenceSeconds * 1000, reopenMaxMs: port.reopenMaxSeconds * 1000,
    }, {
      data: (chunk, at) => this.driver.data(chunk, at),
      up: () => this.driver.lineUp(),
      down: (at) => {
        this.driver.lineDown();
        for (const d of this.devices) this.states.emit((e) => this.logger.error({ err: e }, 'a device state listener failed'), d.id, 'disconnected', at);
      },
    }, logger, now);
    const profiles = new Map<string, Profile>([...Object.entries(BUILTIN_PROFILES), ...site.modbusProfiles.map((p) => [p.id, p] as const)]);
    this.driver = protocol === 'r2000' ? new R2000Driver(devices)
      : protocol === 'uhfreader18' ? new UhfReaderDriver(devices)
        : new ModbusDriver(devices, profiles, port.path.startsWith('tcp://') && port.tcpFraming === 'modbus_tcp' ? 'tcp' : 'rtu');
  }

  async start(): Promise<void> {
    this.line.start();
    this.driver.start({
      send: (b) => this.line.write(b),
      report: (r) => this.reports.emit((e) => this.logger.error({ err: e, deviceId: r.deviceId }, 'a device report listener failed'), r),
      counted: (frames, rejected) => {
        this.frames += frames;
        for (const [k, n] of Object.entries(rejected)) this.rejected[k] = (this.rejected[k] ?? 0) + n;
      },
      now: this.now,
    });
  }

  async stop(): Promise<void> {
    this.driver.stop();
    this.line.stop();
    this.reports.clear();
    this.states.clear();
  }

  onReport(h: ReportHandler): () => void { return this.reports.add(h); }
  onDeviceState(h: DeviceStateHandler): () => void { return this.states.add(h); }
  deviceIds(): string[] { return this.devices.map((d) => d.id); }
  refusals(): Record<string, number> { return {}; }

  status(): LinkStatus {
    const l = this.line;
    return {
      id: this.id, transport: l.isTcp ? 'tcp' : 'serial', target: this.port.path, state: l.state, since: l.since, reconnects: l.reconnects,
      lastError: l.lastError, bytesIn: l.bytesIn, bytesOut: l.bytesOut, frames: this.frames, errors: { ...this.rejected, ...l.errors },
    };
  }
}

/** One link per serial port of the site, carrying the devices on it. */
export function serialLinks(site: Pick<Site, 'serialPorts' | 'devices' | 'modbusProfiles'>, logger: Logger): SerialLink[] {
  return site.serialPorts.map((p) => new SerialLink(p, site.devices.filter((d) => d.port === p.id), site, logger.child({ port: p.id })));
}
