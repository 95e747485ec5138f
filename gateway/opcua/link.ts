// One OPC UA environment monitor on the device-link seam: the gateway is the client, the monitor (or
// the building system) the server. Each connection goes: ask the server what it offers
// (./discovery.ts), decide whether to trust its certificate (./certificates.ts), connect, open a
// session (anonymous, or a user whose password is read from the environment), create one
// subscription with one monitored item per configured value; every data change becomes a reading
// of its metric in its zone, or a fault (./readings.ts).
//
// node-opcua's own reconnection repairs a lost connection (it reactivates the session or makes a
// new one, and transfers or recreates the subscription): the link follows it through the client's
// events. What it cannot see, a subscription that stops delivering, the watchdog does
// (./watchdog.ts). A failure before the first connection, or one node-opcua gives up on, goes back
// to the link's own loop, which tries again with a doubling wait. Nothing here throws at the
// gateway: every failure is a counter, a lastError and a log line, never an unhandled rejection.
import type { ClientSession, ClientSubscription, DataValue, OPCUAClient, UserIdentityInfo } from 'node-opcua';
import type { Device } from '../../edge/site/schema.ts';
import type { OpcuaMonitorConfig, OpcuaValueConfig } from '../../edge/site/opcua.ts';
import type { Logger } from '../log.ts';
import { Handlers, type DeviceLink, type DeviceReport, type DeviceState, type DeviceStateHandler, type LinkStatus, type ReportHandler } from '../links/link.ts';
import { GatewayPki } from './certificates.ts';
import { discover, firstLine, NoSuchEndpoint, pickEndpoint, Unreachable } from './discovery.ts';
import { holdSecret, loadOpcua, type OpcuaLib } from './library.ts';
import { judge } from './readings.ts';
import { keepAliveCount, SubscriptionWatchdog } from './watchdog.ts';

export interface OpcuaMonitorOptions {
  /** An env_monitor with protocol opcua and its opcua block. */
  device: Device;
  /** The site's data folder: the PKI is `<dataDir>/opcua/pki`. */
  dataDir: string;
  logger: Logger;
  now?: () => number;
  /** Where `passwordEnv` is looked up. */
  env?: NodeJS.ProcessEnv;
  /** The wait between connection attempts, doubling from initialMs to maxMs; node-opcua's reconnection uses the same. */
  retry?: { initialMs: number; maxMs: number };
  /** How often the watchdog looks. */
  watchdogTickMs?: number;
}

/** A monitor missing at start is told offline once it has been missing this long (it may come up a moment after the gateway). */
const START_GRACE_MS = 5_000;
/** node-opcua's disconnect and terminate can wait on a dead socket: the link does not wait longer than this. */
const GIVE_UP_MS = 5_000;

/** A step of the connection that failed, with the counter it goes into. */
class LinkFailure extends Error {
  constructor(readonly reason: string, message: string) { super(message); }
}
/** The link was stopped (or started over) while a step was under way: nothing to report. */
const SUPERSEDED = new Error('superseded');

export class OpcuaMonitor implements DeviceLink {
  readonly id: string;
  private readonly device: Device;
  private readonly cfg: OpcuaMonitorConfig;
  private readonly dataDir: string;
  private readonly log: Logger;
  /** The logger node-opcua's own lines go to: one library for every monitor, so not one monitor's. */
  private readonly libraryLog: Logger;
  private readonly now: () => number;
  private readonly env: NodeJS.ProcessEnv;
  private readonly retry: { initialMs: number; maxMs: number };
  private readonly tickMs: number;
  private readonly reports = new Handlers<[DeviceReport]>();
  private readonly states = new Handlers<[string, DeviceState, number]>();
  private readonly watchdog: SubscriptionWatchdog;

  private running = false;
  private state: LinkStatus['state'] = 'stopped';
  private since: number | null = null;
  private startedAt = 0;
  private reconnects = 0;
  private lastError: string | null = null;
  private frames = 0;
  private readonly errors: Record<string, number> = {};
  /** Bytes of the clients already gone: each connection attempt has its own client. */
  private readonly bytesGone = { in: 0, out: 0 };
  /** The device state last told: each change is told once. */
  private told: DeviceState | null = null;
  private everConnected = false;

  private ua: OpcuaLib | null = null;
  private pki: GatewayPki | null = null;
  private client: OPCUAClient | null = null;
  private session: ClientSession | null = null;
  private subscription: ClientSubscription | null = null;
  /** Bumped by every connection attempt and every teardown: events of an older client are ignored. */
  private generation = 0;
  private resubscribing = false;
  private looping = false;
  private ticker: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;
  private releaseSecret: () => void = () => undefined;

  constructor(opts: OpcuaMonitorOptions) {
    if (opts.device.protocol !== 'opcua' || !opts.device.opcua) throw new Error(`device ${opts.device.id} is not an OPC UA monitor`);
    this.device = opts.device;
    this.cfg = opts.device.opcua;
    this.id = `opcua:${opts.device.id}`;
    this.dataDir = opts.dataDir;
    this.log = opts.logger.child({ deviceId: opts.device.id, endpoint: this.cfg.endpoint });
    this.libraryLog = opts.logger;
    this.now = opts.now ?? Date.now;
    this.env = opts.env ?? process.env;
    this.retry = opts.retry ?? { initialMs: 1_000, maxMs: 30_000 };
    this.tickMs = opts.watchdogTickMs ?? 1_000;
    this.watchdog = new SubscriptionWatchdog(this.cfg.watchdog.resubscribeSeconds * 1000, this.cfg.watchdog.offlineSeconds * 1000);
  }

  /** Returns at once: the monitor may not be there yet, which makes it offline, never a failed start. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.startedAt = this.now();
    this.setState('starting');
    this.ticker = setInterval(() => this.tick(), this.tickMs);
    this.ticker.unref();
    void this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
    this.wake?.();
    await this.teardown();
    this.reports.clear();
    this.states.clear();
    this.releaseSecret();
    const pki = this.pki;
    this.pki = null;
    await pki?.release();
    if (this.state !== 'stopped') this.setState('stopped');
  }

  onReport(h: ReportHandler): () => void { return this.reports.add(h); }
  onDeviceState(h: DeviceStateHandler): () => void { return this.states.add(h); }
  deviceIds(): string[] { return [this.device.id]; }
  refusals(): Record<string, number> { return {}; }

  status(): LinkStatus {
    return {
      id: this.id, transport: 'opcua', target: this.cfg.endpoint, state: this.state, since: this.since, reconnects: this.reconnects,
      lastError: this.lastError, bytesIn: this.bytesGone.in + (this.client?.bytesRead ?? 0), bytesOut: this.bytesGone.out + (this.client?.bytesWritten ?? 0),
      frames: this.frames, errors: { ...this.errors },
    };
  }

  /** Connects, or waits and tries again, until connected or stopped; one loop at a time. Never rejects. */
  private async run(): Promise<void> {
    if (this.looping) return;
    this.looping = true;
    try {
      let wait = this.retry.initialMs;
      while (this.running) {
        try {
          await this.connectOnce();
          return;
        } catch (e) {
          await this.teardown();
          if (!this.running) return;
          // Superseded: the attempt was started over under it (the client closed); go round again, nothing to count.
          if (e !== SUPERSEDED) this.failed(e);
        }
        await this.pause(wait);
        wait = Math.min(wait * 2, this.retry.maxMs);
      }
    } catch (e) {
      this.log.error({ err: e }, 'the OPC UA connection loop failed; the monitor stays offline');
    } finally {
      this.looping = false;
    }
  }

  private async connectOnce(): Promise<void> {
    const gen = ++this.generation;
    const current = () => {
      if (!this.running || gen !== this.generation) throw SUPERSEDED;
    };
    const ua = this.ua ??= await loadOpcua(this.libraryLog);
    current();
    const pki = await this.acquirePki(ua);
    current();
    const identity = this.identity(ua);
    let endpoints;
    try {
      endpoints = await discover(ua, this.cfg.endpoint, pki.manager);
    } finally {
      // node-opcua makes the gateway's own certificate on the first try, reached or not: said once, for the server's administrator.
      pki.logOwnCertificate(this.libraryLog);
    }
    current();
    const endpoint = pickEndpoint(ua, endpoints, this.cfg);
    if (this.cfg.securityMode !== 'None') {
      if (!endpoint.serverCertificate?.length) throw new LinkFailure('certificate_refused', 'the server presents no certificate on its secured endpoint');
      const v = await pki.verdict(Buffer.from(endpoint.serverCertificate), this.cfg.serverCertificateSha256);
      current();
      if (!v.trusted) throw new LinkFailure('certificate_refused', v.reason);
      if (v.how === 'pinned') this.log.info({ sha256: v.fingerprints.sha256, trustFolder: pki.trustFolder }, 'server certificate matches the fingerprint the site file pins: put into the trust folder');
    }
    const client = this.client = ua.OPCUAClient.create({
      applicationName: 'custody-gateway', clientName: `custody-gateway ${this.device.id}`,
      endpointMustExist: false, clientCertificateManager: pki.manager,
      securityMode: ua.MessageSecurityMode[this.cfg.securityMode], securityPolicy: ua.SecurityPolicy[this.cfg.securityPolicy],
      connectionStrategy: { maxRetry: -1, initialDelay: this.retry.initialMs, maxDelay: this.retry.maxMs, randomisationFactor: 0.1 },
      // Longer than an outage the subscription should survive: a session that outlives it is reactivated, not made anew.
      requestedSessionTimeout: Math.max(60_000, this.cfg.watchdog.offlineSeconds * 1000),
    });
    this.follow(client, gen);
    await client.connect(this.cfg.endpoint);
    current();
    this.session = identity ? await client.createSession(identity) : await client.createSession();
    current();
    await this.subscribe(this.session, gen);
    current();
    this.watchdog.watch(this.now());
    if (this.everConnected) this.reconnects++;
    this.everConnected = true;
    this.setState('open');
    this.tellDevice('connected');
    this.log.info({ securityMode: this.cfg.securityMode, securityPolicy: this.cfg.securityPolicy, user: this.cfg.user, values: this.cfg.values.length },
      'OPC UA monitor connected and subscribed');
  }

  /** The client's own reconnection, as the link and the pipeline need to know it. */
  private follow(client: OPCUAClient, gen: number): void {
    const mine = () => this.running && gen === this.generation;
    client.on('connection_lost', () => {
      if (!mine()) return;
      this.watchdog.pause();
      this.count('connection_lost');
      this.lastError = `connection to ${this.cfg.endpoint} lost; reconnecting`;
      this.setState('down');
      this.tellDevice('disconnected');
      this.log.warn('OPC UA connection lost; node-opcua is reconnecting');
    });
    client.on('backoff', (attempt: number, delay: number) => {
      if (!mine()) return;
      this.count('connect_failed');
      this.lastError = `cannot reach ${this.cfg.endpoint} (attempt ${attempt + 1}, next in ${Math.round(delay)} ms)`;
    });
    client.on('reconnection_attempt_has_failed', (err: Error) => {
      if (!mine()) return;
      this.count('reconnect_failed');
      this.lastError = `reconnecting to ${this.cfg.endpoint} failed: ${firstLine(err)}`;
    });
    client.on('connection_reestablished', () => {
      if (!mine()) return;
      this.reconnects++;
      this.watchdog.watch(this.now());
      this.setState('open');
      this.tellDevice('connected');
      this.log.info('OPC UA connection re-established');
    });
    // A client that closes on its own (the server aborted it and node-opcua gave up): start over.
    const closed = (err?: Error | null) => {
      if (!mine()) return;
      this.count('closed');
      this.lastError = `the connection to ${this.cfg.endpoint} closed${err ? `: ${firstLine(err)}` : ''}; connecting again`;
      void this.startOver();
    };
    client.on('close', closed);
    client.on('abort', () => closed(null));
  }

  /** One subscription for the monitor's values, each sampled at samplingMs; a value the server refuses is a fault, the others go on. */
  private async subscribe(session: ClientSession, gen: number): Promise<void> {
    const ua = this.ua!;
    const k = keepAliveCount(this.cfg.publishingMs, this.cfg.watchdog.resubscribeSeconds, this.device.heartbeatSeconds);
    const sub = await session.createSubscription2({
      requestedPublishingInterval: this.cfg.publishingMs, requestedMaxKeepAliveCount: k, requestedLifetimeCount: k * 10,
      maxNotificationsPerPublish: 0, publishingEnabled: true, priority: 10,
    });
    if (!this.running || gen !== this.generation) {
      await sub.terminate().catch(() => undefined);
      throw SUPERSEDED;
    }
    this.subscription = sub;
    const mine = () => this.running && this.subscription === sub;
    sub.on('keepalive', () => { if (mine()) this.alive(true); });
    sub.on('status_changed', (status) => { if (mine()) this.log.debug({ status: status.name }, 'subscription status changed'); });
    // An EventEmitter's 'error' with no listener would throw: listened to, and logged.
    sub.on('error', (err: Error) => { if (mine()) this.log.warn({ err: firstLine(err) }, 'subscription error'); });
    sub.on('internal_error', (err: Error) => { if (mine()) this.log.warn({ err: firstLine(err) }, 'subscription internal error'); });
    for (const spec of this.cfg.values) {
      try {
        const item = await sub.monitor({ nodeId: spec.nodeId, attributeId: ua.AttributeIds.Value },
          { samplingInterval: this.cfg.samplingMs, discardOldest: true, queueSize: 10 }, ua.TimestampsToReturn.Both);
        if (!item.statusCode.isGood()) {
          this.refused(spec, item.statusCode.name);
          continue;
        }
        item.on('changed', (dv: DataValue) => { if (mine()) this.changed(spec, dv); });
      } catch (e) {
        if (!this.running || gen !== this.generation) throw SUPERSEDED;
        this.refused(spec, firstLine(e));
      }
    }
  }

  private changed(spec: OpcuaValueConfig, dv: DataValue): void {
    const at = this.now();
    this.alive(false, at);
    const j = judge(spec, { good: dv.statusCode.isGood(), status: dv.statusCode.name, value: dv.value?.value });
    if (j.ok) {
      this.frames++;
      this.report({ deviceId: this.device.id, receivedAt: at, readings: [j.reading] });
    } else {
      this.count(j.reason);
      this.report({ deviceId: this.device.id, receivedAt: at, faults: [{ name: spec.metric, detail: j.detail }] });
    }
  }

  /** The subscription spoke (a data change, or a keep-alive): a monitor told offline by the watchdog is back. */
  private alive(keepAlive: boolean, at = this.now()): void {
    this.watchdog.heard(at);
    if (this.told === 'disconnected' && this.state === 'open') {
      this.tellDevice('connected');
      this.log.info('OPC UA monitor speaks again');
    }
    if (keepAlive) this.report({ deviceId: this.device.id, receivedAt: at, keepAlive: true });
  }

  private refused(spec: OpcuaValueConfig, why: string): void {
    this.count('monitor_refused');
    this.report({ deviceId: this.device.id, receivedAt: this.now(), faults: [{ name: spec.metric, detail: `the server refused to monitor ${spec.nodeId}: ${why}` }] });
  }

  /** The watchdog's look: a silent subscription is recreated; one silent past offlineSeconds makes the monitor offline. */
  private tick(): void {
    if (!this.running || this.state !== 'open' || !this.session || this.resubscribing) return;
    const now = this.now();
    const v = this.watchdog.check(now);
    if (v.offline && this.told !== 'disconnected') {
      this.count('silent');
      this.lastError = `no data change and no keep-alive for ${Math.round(v.silentMs / 1000)} s: offline; the subscription is recreated every ${this.cfg.watchdog.resubscribeSeconds} s`;
      this.tellDevice('disconnected');
      this.log.warn({ silentSeconds: Math.round(v.silentMs / 1000) }, 'OPC UA monitor silent: told offline');
    }
    if (v.resubscribe) void this.resubscribe(now, v.silentMs);
  }

  private async resubscribe(at: number, silentMs: number): Promise<void> {
    const gen = this.generation;
    const session = this.session;
    const old = this.subscription;
    if (!session) return;
    this.resubscribing = true;
    this.subscription = null;
    this.watchdog.tried(at);
    this.count('subscription_recreated');
    this.log.warn({ silentSeconds: Math.round(silentMs / 1000) }, 'OPC UA subscription silent: recreating it');
    try {
      if (old) await within(old.terminate(), GIVE_UP_MS).catch(() => undefined);
      if (!this.running || gen !== this.generation) return;
      await this.subscribe(session, gen);
    } catch (e) {
      if (e === SUPERSEDED || !this.running || gen !== this.generation) return;
      // The session itself may be gone on the server: a new connection makes a new one.
      this.count('resubscribe_failed');
      this.lastError = `recreating the subscription failed: ${firstLine(e)}; connecting again`;
      void this.startOver();
    } finally {
      this.resubscribing = false;
    }
  }

  /** Drops the client and goes back to the connection loop. */
  private async startOver(): Promise<void> {
    if (!this.running) return;
    this.setState('down');
    this.tellDevice('disconnected');
    await this.teardown();
    if (this.running) void this.run();
  }

  private failed(e: unknown): void {
    const { reason, message } = this.classify(e);
    this.count(reason);
    const changed = message !== this.lastError;
    this.lastError = message;
    this.setState('down');
    // One line per outage and reason, not per attempt: a monitor that stays away retries quietly.
    // One missing at start is told offline once it has been missing for the start grace.
    if (this.everConnected || this.now() - this.startedAt >= START_GRACE_MS) this.tellDevice('disconnected');
    if (changed) this.log.warn({ reason, retryMaxMs: this.retry.maxMs }, message);
  }

  private classify(e: unknown): { reason: string; message: string } {
    if (e instanceof LinkFailure) return { reason: e.reason, message: e.message };
    if (e instanceof Unreachable) return { reason: 'connect_failed', message: e.message };
    if (e instanceof NoSuchEndpoint) return { reason: 'no_endpoint', message: e.message };
    const m = firstLine(e);
    if (/BadUserAccessDenied|BadIdentityToken/.test(m)) {
      return { reason: 'login_refused', message: `the server refused ${this.cfg.user ? `user "${this.cfg.user}"` : 'an anonymous session'}: ${m}` };
    }
    if (/BadCertificate|BadSecurityChecksFailed|BadNoValidCertificates/.test(m)) {
      const own = this.pki?.ownCertificateFile ?? 'the gateway\'s certificate';
      return { reason: 'server_refused_certificate', message: `the server refused the gateway's certificate (${m}): have it trust ${own}` };
    }
    return { reason: 'connect_failed', message: `connecting to ${this.cfg.endpoint} failed: ${m}` };
  }

  /** The user to sign in as, with the password from the environment; held as a secret the library's log never shows. */
  private identity(ua: OpcuaLib): UserIdentityInfo | undefined {
    if (!this.cfg.user) return undefined;
    const name = this.cfg.passwordEnv!;
    const password = this.env[name];
    if (!password) throw new LinkFailure('password_missing', `the password of OPC UA user "${this.cfg.user}" is missing: the environment variable ${name} is not set`);
    this.releaseSecret();
    this.releaseSecret = holdSecret(password);
    return { type: ua.UserTokenType.UserName, userName: this.cfg.user, password };
  }

  private async acquirePki(ua: OpcuaLib): Promise<GatewayPki> {
    if (this.pki) return this.pki;
    let pki: GatewayPki;
    try {
      pki = await GatewayPki.acquire(ua, this.dataDir);
    } catch (e) {
      throw new LinkFailure('pki_failed', `the OPC UA certificate folder ${this.dataDir}/opcua/pki cannot be used: ${firstLine(e)}`);
    }
    if (!this.running) {
      await pki.release();
      throw SUPERSEDED;
    }
    return this.pki = pki;
  }

  /** Closes what the current attempt opened; its events are ignored from here on. */
  private async teardown(): Promise<void> {
    this.generation++;
    this.watchdog.pause();
    const client = this.client;
    this.client = null;
    this.session = null;
    this.subscription = null;
    if (!client) return;
    this.bytesGone.in += client.bytesRead;
    this.bytesGone.out += client.bytesWritten;
    // Closing the session deletes its subscriptions on the server too.
    await within(client.disconnect(), GIVE_UP_MS).catch((e: unknown) => this.log.debug({ err: firstLine(e) }, 'OPC UA client did not disconnect cleanly'));
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
      const t = setTimeout(done, ms);
      t.unref();
      this.wake = done;
    });
  }

  private report(r: DeviceReport): void {
    if (!this.running) return;
    this.reports.emit((e) => this.log.error({ err: e }, 'a device report listener failed'), r);
  }

  private tellDevice(s: DeviceState): void {
    if (this.told === s || !this.running) return;
    this.told = s;
    this.states.emit((e) => this.log.error({ err: e }, 'a device state listener failed'), this.device.id, s, this.now());
  }

  private count(reason: string): void { this.errors[reason] = (this.errors[reason] ?? 0) + 1; }

  private setState(s: LinkStatus['state']): void {
    if (this.state === s) return;
    this.state = s;
    this.since = this.now();
  }
}

/** A promise that settles within ms, or rejects: a dead socket must not hold the link. */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { t = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms); t.unref(); });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

/** One link per OPC UA monitor of the site. */
export function opcuaMonitors(site: { devices: readonly Device[]; dataDir: string }, logger: Logger, env: NodeJS.ProcessEnv = process.env): OpcuaMonitor[] {
  return site.devices.filter((d) => d.protocol === 'opcua' && d.opcua).map((device) => new OpcuaMonitor({ device, dataDir: site.dataDir, logger, env }));
}
