// The process: the custody core, the API and (as they land) the device links, started and
// stopped in order. Each part's constructor only stores what it is given; work starts in start().
import type { FastifyInstance } from 'fastify';
import { Custody } from '../edge/custody.ts';
import { buildApi } from '../edge/api/server.ts';
import type { Principal } from '../edge/auth/principal.ts';
import type { ResolvedSite } from './site.ts';
import type { Logger } from './log.ts';
import { DemoClock, populateDemo } from './demo/populate.ts';
import { serveDashboards } from './dashboards.ts';
import type { ChildProcess } from 'node:child_process';
import { storageWarnings } from '../edge/rules/storage.ts';
import { createBrokerLink, type BrokerLink } from './mqtt/index.ts';
import { DevicePipeline } from './devices/pipeline.ts';
import { MqttDevices } from './links/mqtt.ts';
import { serialLinks } from './serial/link.ts';
import { opcuaMonitors } from './opcua/link.ts';
import type { DeviceLink } from './links/link.ts';
import { startDemoDevices } from './demo/devices.ts';
import { startDemoSerial } from './demo/serial.ts';
import { startDemoOpcua } from './demo/opcua.ts';
import { createMetrics } from './metrics.ts';
import { writeBrokerFiles } from './broker-files.ts';
import { AlarmPublisher } from './outputs/alarm-publisher.ts';
import { GateSignals } from './outputs/gate-signals.ts';
import { GatewayBus } from './events.ts';
import { startJournal } from './journal.ts';
import { connectHost, hostPort } from './addresses.ts';
import { platformSecrets } from './platform-secrets.ts';
import { DEMO_SECRET_ENV, recordDemoPlatform, startDemoPlatform } from './demo/platform.ts';
import type { SyncSecrets } from '../edge/sync/sync.ts';

export interface GatewayOptions {
  resolved: ResolvedSite;
  logger: Logger;
  /** Override the site's HTTP port (0 = ephemeral, for tests). */
  httpPort?: number;
  httpHost?: string;
  /** Override the broker's port (0 = ephemeral). */
  mqttPort?: number;
  /** Run the simulated devices of the demo site (default: on for the demo). */
  simulate?: boolean;
}

/** Where the gateway really is, read from its sockets once they listen (not from the site file). */
export interface Listening {
  /** Every address the HTTP server is bound to (one per address a host name resolved to). */
  http: { host: string; port: number }[];
  /** The embedded broker's bound address, or the external broker's host and port. */
  mqtt: { mode: 'embedded' | 'external'; host: string; port: number; tlsPort?: number };
}

export class Gateway {
  custody!: Custody;
  api!: FastifyInstance;
  /** The MQTT broker (embedded or external): readers' payloads in, commands and alarms out. */
  link!: BrokerLink;
  /** Every device link on the seam (gateway/links/link.ts): the MQTT readers, each serial port, each OPC UA monitor. */
  deviceLinks: DeviceLink[] = [];
  pipeline!: DevicePipeline;
  /** The gateway's own parts' events (a reader's answer, a device back online). */
  bus!: GatewayBus;
  alarmPublisher!: AlarmPublisher;
  gateSignals!: GateSignals;
  private sim: ChildProcess | null = null;
  private serialSim: ChildProcess | null = null;
  private opcuaSim: ChildProcess | null = null;
  private platformSim: ChildProcess | null = null;
  private metrics: ReturnType<typeof createMetrics> | null = null;
  private stopJournal: (() => void) | null = null;

  constructor(private readonly opts: GatewayOptions) {}

  /** `url` is where a client on this machine reaches the HTTP server. */
  async start(): Promise<{ url: string; mqttPort: number; listening: Listening }> {
    const { resolved, logger } = this.opts;
    const { site } = resolved;
    let env = process.env;
    if (resolved.demo && (this.opts.simulate ?? true)) {
      // Before the custody core opens: the demo site is pointed at the simulated platform's real port.
      const sim = await startDemoPlatform(site, logger);
      if (sim) {
        this.platformSim = sim.child;
        env = { ...env, [DEMO_SECRET_ENV]: sim.secret };
      }
    }
    const secrets = platformSecrets(site, env, logger.child({ part: 'sync' }));
    try {
      if (resolved.demo) this.seedDemoIfEmpty(secrets);
      else this.custody = new Custody({ site, dataDir: site.dataDir, siteKey: resolved.siteKey, log: logger.child({ part: 'edge' }), platformSecrets: secrets });
    } catch (e) {
      // A refused start (the folder is another gateway's) takes its simulated platform with it.
      this.platformSim?.kill('SIGTERM');
      throw e;
    }
    if (this.platformSim && site.platform) recordDemoPlatform(site.dataDir, site.platform.url);
    this.custody.start();
    const ctx = this.custody.ctx;
    this.stopJournal = startJournal(ctx.bus, logger.child({ part: 'journal' }));
    const misplaced = storageWarnings(ctx);
    if (misplaced.length) {
      // Never fatal: the items are where they are. Named so that a supervisor can issue the moves.
      logger.warn({ count: misplaced.length, items: misplaced.slice(0, 20).map((w) => `${w.itemId} (${w.categoryId} in ${w.zoneId})`) },
        'items kept against the storage rules (分类存放); listed at /api/v1/storage-warnings');
    }
    this.bus = new GatewayBus(logger.child({ part: 'bus' }));
    this.link = createBrokerLink({
      site, logger: logger.child({ part: 'mqtt' }), listen: { port: this.opts.mqttPort ?? site.mqtt.port, host: site.mqtt.host },
      ...(site.mqtt.rateLimit ? { rateLimit: site.mqtt.rateLimit } : {}),
    });
    // An OPC UA monitor's start returns at once: one not there yet is offline, never a failed start.
    this.deviceLinks = [
      new MqttDevices(this.link, site, logger.child({ part: 'mqtt' })), ...serialLinks(site, logger.child({ part: 'serial' })),
      ...opcuaMonitors(site, logger.child({ part: 'opcua' })),
    ];
    this.pipeline = new DevicePipeline(site, this.deviceLinks, this.custody, this.bus, logger.child({ part: 'devices' }));
    if (site.mqtt.mode === 'external') await writeBrokerFiles(site, logger);
    await this.link.start();
    // Listening before the links open: a device's first words are not lost.
    this.pipeline.start();
    for (const l of this.deviceLinks) await l.start();
    this.alarmPublisher = new AlarmPublisher({ ctx, link: this.link, logger: logger.child({ part: 'alarms-out' }) });
    this.alarmPublisher.start();
    // Commands go only to readers that are there; one that signs in later is told on arrival.
    const pipeline = this.pipeline;
    this.gateSignals = new GateSignals({ ctx, link: this.link, logger: logger.child({ part: 'gate-signals' }), isPresent: (id) => pipeline.isOnline(id) });
    const signals = this.gateSignals;
    this.gateSignals.start();
    this.bus.on('deviceResponse', 'gate-signals', ({ deviceId, ...r }) => { signals.onResponse(deviceId, r); });
    this.bus.on('deviceOnline', 'gate-signals', ({ deviceId }) => signals.readerOnline(deviceId));
    const metrics = this.metrics = createMetrics(this.custody, this.link, this.bus);
    this.api = await buildApi(this.custody, {
      logger: logger.child({ part: 'api' }), serveDashboards,
      extensions: [(app) => metrics.route(app)],
    });
    await this.api.listen({ port: this.opts.httpPort ?? site.http.port, host: this.opts.httpHost ?? site.http.host });
    const listening: Listening = {
      http: this.api.addresses().flatMap((a) => (typeof a === 'string' ? [] : [{ host: a.address, port: a.port }])),
      mqtt: { mode: site.mqtt.mode, ...this.link.address() },
    };
    const first = listening.http[0]!;
    const url = `http://${hostPort(connectHost(first.host), first.port)}`;
    const mqttPort = listening.mqtt.port;
    if (resolved.demo && (this.opts.simulate ?? true)) {
      // Where the broker really listens: loopback for the demo, or the one address it was told.
      this.sim = startDemoDevices(this.custody, `mqtt://${hostPort(connectHost(listening.mqtt.host), mqttPort)}`, logger);
      if (site.serialPorts.length) this.serialSim = startDemoSerial(this.custody, logger);
      const monitor = site.devices.find((d) => d.protocol === 'opcua')?.opcua;
      if (monitor) this.opcuaSim = startDemoOpcua(site.dataDir, monitor.endpoint, logger);
    }
    return { url, mqttPort, listening };
  }

  /** An empty demo store is filled through the lifecycle, then reopened on the real clock. */
  private seedDemoIfEmpty(platformSecrets: SyncSecrets): void {
    const { site, siteKey } = this.opts.resolved;
    const clock = new DemoClock(Date.now());
    let custody = new Custody({ site, dataDir: site.dataDir, siteKey, clock });
    const empty = custody.ctx.ledger.headNow.seq === 0;
    if (empty) {
      const users = Object.fromEntries(site.users.map((u) => [u.role, {
        userId: u.id, name: u.name, role: u.role, agencyId: u.agencyId ?? null, staffId: u.staffId ?? null,
      } satisfies Principal]));
      const started = Date.now();
      const r = populateDemo(custody, clock, users, Date.now());
      this.opts.logger.info({ ...r, ms: Date.now() - started }, 'demo site populated through the custody operations');
    }
    custody.close();
    this.custody = new Custody({ site, dataDir: site.dataDir, siteKey, log: this.opts.logger.child({ part: 'edge' }), platformSecrets });
  }

  async stop(): Promise<void> {
    // The pipeline first: what the gateway stops (the simulated readers, the broker's clients) is not
    // a device going offline.
    this.pipeline?.stop();
    this.sim?.kill('SIGTERM');
    this.serialSim?.kill('SIGTERM');
    this.opcuaSim?.kill('SIGTERM');
    this.alarmPublisher?.stop();
    this.gateSignals?.stop();
    this.bus?.off('gate-signals');
    this.metrics?.stop();
    this.stopJournal?.();
    await this.api?.close();
    for (const l of this.deviceLinks) await l.stop().catch((e: unknown) => this.opts.logger.error({ err: e, link: l.id }, 'a device link did not stop cleanly'));
    await this.link?.stop();
    this.custody?.close();
    // After the custody core: its sync is stopped before the platform it talks to goes away.
    this.platformSim?.kill('SIGTERM');
  }
}
