// A simulated environment monitor that is a real OPC UA server (node-opcua's OPCUAServer), laid out
// as PROTOCOLS.md says monitors are: Objects/DeviceSet/<Monitor>/ParameterSet/{Temperature,
// Humidity, Smoke, Water, Door}, temperature and humidity as AnalogItems with EngineeringUnits and
// EURange, smoke, water and door as booleans. Written apart from the gateway (nothing of gateway/
// or edge/ is imported): it is a second, independent side of the protocol.
//
// Tests drive it: set a value, give a value a Bad status, freeze the values (only keep-alives go
// out then), delete every subscription on the server side (the client hears nothing at all, as when
// a server loses its subscriptions without telling), stop and start again on the same port.
//
// The DeviceSet folder and the ParameterSet objects are made in the server's own namespace with
// the companion spec's browse names; loading the DI nodeset itself would only slow the start.
import { createServer } from 'node:net';
import type { OPCUAServer as Server, UAVariable } from 'node-opcua';
import { seededRandom } from '../portal/walk.ts';

export const MONITOR_VALUES = ['Temperature', 'Humidity', 'Smoke', 'Water', 'Door'] as const;
export type MonitorValue = (typeof MONITOR_VALUES)[number];
export type SimSecurity = 'None' | 'Sign' | 'SignAndEncrypt';

export interface MonitorSimOptions {
  /** Where the server keeps its certificate and trust lists; made on the first start and kept across restarts. */
  pkiDir: string;
  /** A fixed port; absent or 0, a free one is picked before the first start (node-opcua needs a concrete port) and kept. */
  port?: number;
  resourcePath?: string;
  /** The monitors under DeviceSet (default one, `EnvMonitor-1`). */
  monitors?: string[];
  /** Endpoints offered: None, and Sign / SignAndEncrypt with Basic256Sha256 (default None and SignAndEncrypt). */
  security?: SimSecurity[];
  /** Users and their passwords; absent, anonymous sessions are allowed (and no user). */
  users?: Record<string, string>;
  /** How often temperature and humidity take a step of their random walk; 0: they change only when set. */
  walkMs?: number;
  seed?: number;
}

interface Slot { value: number | boolean; status: string }

const START: Record<MonitorValue, number | boolean> = { Temperature: 21.5, Humidity: 48, Smoke: false, Water: false, Door: false };

/** A port nobody listens on now, on loopback. Another process could take it before the server does: tests accept that. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export class OpcuaMonitorSim {
  readonly monitors: readonly string[];
  private readonly resourcePath: string;
  private readonly security: readonly SimSecurity[];
  private readonly rng: () => number;
  private port: number;
  private server: Server | null = null;
  private readonly slots = new Map<string, Slot>();
  private readonly variables = new Map<string, UAVariable>();
  private walk: NodeJS.Timeout | null = null;
  private frozen = false;
  private cert: Buffer | null = null;
  /** node-opcua, loaded at the first start: importing it takes seconds. */
  private ua: typeof import('node-opcua') | null = null;

  constructor(private readonly opts: MonitorSimOptions) {
    this.monitors = opts.monitors?.length ? opts.monitors : ['EnvMonitor-1'];
    this.resourcePath = opts.resourcePath ?? '/custody-sim';
    this.security = opts.security ?? ['None', 'SignAndEncrypt'];
    this.rng = seededRandom(opts.seed ?? 1);
    this.port = opts.port ?? 0;
    for (const m of this.monitors) for (const v of MONITOR_VALUES) this.slots.set(key(m, v), { value: START[v], status: 'Good' });
  }

  /** Where a client connects (loopback): the same across restarts. */
  get endpoint(): string { return `opc.tcp://127.0.0.1:${this.port}${this.resourcePath}`; }
  get running(): boolean { return this.server !== null; }

  /** The node id of a value, as a site file names it. The server's own namespace is always index 1. */
  nodeId(value: MonitorValue, monitor = this.monitors[0]!): string { return `ns=1;s=${key(monitor, value)}`; }

  /** The server's application certificate (DER), known once it has started once. */
  certificate(): Buffer {
    if (!this.cert) throw new Error('the simulated monitor has not started yet: no certificate');
    return this.cert;
  }

  async start(): Promise<void> {
    if (this.server) return;
    if (!this.port) this.port = await freePort();
    const ua = this.ua ??= await import('node-opcua');
    const modes = this.security.map((s) => ua.MessageSecurityMode[s]);
    const policies = [...new Set(this.security.map((s) => (s === 'None' ? ua.SecurityPolicy.None : ua.SecurityPolicy.Basic256Sha256)))];
    // A simulator trusts whatever gateway connects: the trust it tests is the gateway's in the server.
    const serverCertificateManager = new ua.OPCUACertificateManager({ rootFolder: this.opts.pkiDir, automaticallyAcceptUnknownCertificate: true });
    const users = this.opts.users;
    const server = new ua.OPCUAServer({
      port: this.port, resourcePath: this.resourcePath, hostname: '127.0.0.1', serverCertificateManager,
      securityModes: modes, securityPolicies: policies,
      allowAnonymous: !users,
      ...(users ? { userManager: { isValidUser: (user: string, password: string) => users[user] !== undefined && users[user] === password } } : {}),
      buildInfo: { productName: 'custody firmware-sim env monitor', manufacturerName: 'firmware-sim' },
    });
    await server.initialize();
    this.build(server, ua);
    await server.start();
    this.server = server;
    this.cert = Buffer.from(server.getCertificate());
    if ((this.opts.walkMs ?? 1000) > 0) {
      this.walk = setInterval(() => this.step(), this.opts.walkMs ?? 1000);
      this.walk.unref();
    }
  }

  /** Shuts the server down at once (no shutdown delay): every session and subscription is gone. */
  async stop(): Promise<void> {
    if (this.walk) clearInterval(this.walk);
    this.walk = null;
    const s = this.server;
    this.server = null;
    this.variables.clear();
    if (s) await s.shutdown(0);
  }

  /** Down, then up again on the same port with the same certificate and values. */
  async restart(downMs = 0): Promise<void> {
    await this.stop();
    if (downMs) await new Promise((r) => setTimeout(r, downMs));
    await this.start();
  }

  /** A good value (NaN too: a sensor that says NaN with a Good status is what the gateway must refuse). */
  set(value: MonitorValue, v: number | boolean, monitor = this.monitors[0]!): void {
    const slot = this.slot(monitor, value);
    slot.value = v;
    slot.status = 'Good';
    this.apply(monitor, value);
  }

  /** The value keeps its last reading but the server now says it is bad (a sensor failure, a lost field bus). */
  setBad(value: MonitorValue, status = 'BadSensorFailure', monitor = this.monitors[0]!): void {
    this.slot(monitor, value).status = status;
    this.apply(monitor, value);
  }

  /** Frozen, nothing changes: the server still answers every publish, with keep-alives only. */
  freeze(on = true): void { this.frozen = on; }

  /**
   * Deletes every subscription on the server side while the sessions stay: the client's publish
   * requests are answered with nothing it acts on, so its subscription goes silent, no error.
   * Returns how many it deleted.
   */
  dropSubscriptions(): number {
    let n = 0;
    for (const session of this.server?.engine.getSessions() ?? []) {
      for (const sub of [...session.publishEngine.subscriptions]) {
        if (session.deleteSubscription(sub.id).isGood()) n++;
      }
    }
    return n;
  }

  /** Subscriptions alive on the server now, over every session. */
  subscriptionCount(): number {
    return (this.server?.engine.getSessions() ?? []).reduce((n, s) => n + s.currentSubscriptionCount, 0);
  }

  private build(server: Server, ua: typeof import('node-opcua')): void {
    const ns = server.engine.addressSpace!.getOwnNamespace();
    const deviceSet = ns.addFolder('ObjectsFolder', { browseName: 'DeviceSet' });
    for (const m of this.monitors) {
      const monitor = ns.addObject({ organizedBy: deviceSet, browseName: m, nodeId: `s=${m}` });
      const parameters = ns.addObject({ componentOf: monitor, browseName: 'ParameterSet', nodeId: `s=${m}.ParameterSet` });
      const analog = (name: 'Temperature' | 'Humidity', units: ReturnType<typeof ua.makeEUInformation>, low: number, high: number) =>
        ns.addAnalogDataItem({
          componentOf: parameters, browseName: name, nodeId: `s=${key(m, name)}`, dataType: 'Double',
          engineeringUnits: units, engineeringUnitsRange: { low, high },
        });
      this.variables.set(key(m, 'Temperature'), analog('Temperature', ua.standardUnits.degree_celsius, -40, 85));
      this.variables.set(key(m, 'Humidity'), analog('Humidity', ua.standardUnits.percent, 0, 100));
      for (const name of ['Smoke', 'Water', 'Door'] as const) {
        this.variables.set(key(m, name), ns.addVariable({ componentOf: parameters, browseName: name, nodeId: `s=${key(m, name)}`, dataType: 'Boolean' }));
      }
      for (const v of MONITOR_VALUES) this.apply(m, v);
    }
  }

  private apply(monitor: string, value: MonitorValue): void {
    const variable = this.variables.get(key(monitor, value));
    const lib = this.ua;
    if (!variable || !lib) return; // not running: applied at the next start
    const slot = this.slot(monitor, value);
    const status = (lib.StatusCodes as unknown as Record<string, import('node-opcua').StatusCode | undefined>)[slot.status];
    if (!status) throw new Error(`no OPC UA status code ${slot.status}`);
    const variant = typeof slot.value === 'boolean'
      ? new lib.Variant({ dataType: lib.DataType.Boolean, value: slot.value })
      : new lib.Variant({ dataType: lib.DataType.Double, value: slot.value });
    variable.setValueFromSource(variant, status, new Date());
  }

  /** A slow random walk, inside what a store room sees. */
  private step(): void {
    if (this.frozen) return;
    for (const m of this.monitors) {
      for (const [name, lo, hi, sd] of [['Temperature', 15, 28, 0.05], ['Humidity', 30, 70, 0.2]] as const) {
        const slot = this.slot(m, name);
        if (slot.status !== 'Good' || typeof slot.value !== 'number' || Number.isNaN(slot.value)) continue;
        const next = slot.value + (this.rng() - 0.5) * 2 * sd;
        slot.value = Math.round(Math.min(hi, Math.max(lo, next)) * 100) / 100;
        this.apply(m, name);
      }
    }
  }

  private slot(monitor: string, value: MonitorValue): Slot {
    const s = this.slots.get(key(monitor, value));
    if (!s) throw new Error(`no value ${value} on monitor ${monitor} (monitors: ${this.monitors.join(', ')})`);
    return s;
  }
}

const key = (monitor: string, value: MonitorValue) => `${monitor}.${value}`;
