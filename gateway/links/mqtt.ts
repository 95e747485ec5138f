// MQTT readers on the device-link seam: the broker link (embedded aedes or an external broker)
// delivers each reader's payloads; this decodes them with the reader's format (pure decoders in
// gateway/decoders/) and reports them like any other link's.
import type { Site } from '../../edge/site/schema.ts';
import { decoderFor } from '../decoders/index.ts';
import type { BrokerLink, DeviceMessage } from '../mqtt/index.ts';
import type { Logger } from '../log.ts';
import { Handlers, type DeviceLink, type DeviceReport, type DeviceState, type DeviceStateHandler, type LinkStatus, type ReportHandler } from './link.ts';

export class MqttDevices implements DeviceLink {
  readonly id = 'mqtt';
  private readonly reports = new Handlers<[DeviceReport]>();
  private readonly states = new Handlers<[string, DeviceState, number]>();
  private readonly devices: Map<string, Site['devices'][number]>;
  private offs: (() => void)[] = [];
  private state: LinkStatus['state'] = 'stopped';
  private since: number | null = null;
  private bytesIn = 0;
  private frames = 0;

  constructor(private readonly broker: BrokerLink, site: Pick<Site, 'devices'>, private readonly logger: Logger,
    private readonly now: () => number = Date.now) {
    this.devices = new Map(site.devices.filter((d) => d.format && !d.port).map((d) => [d.id, d]));
  }

  async start(): Promise<void> {
    this.setState('starting');
    // The broker link is started (and stopped) by its owner: it also carries commands and alarms.
    this.offs.push(this.broker.onMessage((m) => this.handle(m)));
    this.offs.push(this.broker.onDeviceState((id, s, at) => {
      if (this.devices.has(id)) this.states.emit((e) => this.logger.error({ err: e, deviceId: id }, 'a device state listener failed'), id, s, at);
    }));
    this.setState('open');
  }

  async stop(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    this.reports.clear();
    this.states.clear();
    this.setState('stopped');
  }

  onReport(h: ReportHandler): () => void { return this.reports.add(h); }
  onDeviceState(h: DeviceStateHandler): () => void { return this.states.add(h); }
  deviceIds(): string[] { return [...this.devices.keys()]; }

  status(): LinkStatus {
    const { host, port } = this.broker.address();
    const errors = Object.fromEntries(Object.entries(this.broker.stats().refusals).filter(([, n]) => n > 0));
    return {
      id: this.id, transport: 'mqtt', target: `mqtt://${host.includes(':') ? `[${host}]` : host}:${port}`, state: this.state, since: this.since,
      reconnects: 0, lastError: null, bytesIn: this.bytesIn, bytesOut: 0, frames: this.frames, errors,
    };
  }

  refusals(deviceId: string): Record<string, number> {
    const per = this.broker.stats().perDevice[deviceId];
    return per ? Object.fromEntries(Object.entries(per.refused).filter(([, n]) => n > 0)) : {};
  }

  private handle(m: DeviceMessage): void {
    const device = this.devices.get(m.deviceId);
    if (!device?.format) return;
    this.bytesIn += m.payload.length;
    const decoder = decoderFor(device.format);
    const ctx = { deviceId: m.deviceId, receivedAt: m.receivedAt };
    let decoded;
    if (m.kind === 'tagEvents') decoded = decoder.tags(m.payload, ctx);
    else if (m.kind === 'managementEvents' || m.kind === 'responses') decoded = decoder.management(m.payload, ctx);
    else return;
    if (decoded.tags.length || decoded.management.length) this.frames++;
    this.reports.emit((e) => this.logger.error({ err: e, deviceId: m.deviceId }, 'a device report listener failed'),
      { deviceId: m.deviceId, receivedAt: m.receivedAt, decoded });
  }

  private setState(s: LinkStatus['state']): void {
    this.state = s;
    this.since = this.now();
  }
}
