// The device link with the broker in-process: aedes 1.x on a TCP port (and a TLS port when a key
// and certificate are configured). Readers authenticate as their device id with the password
// whose `$7$` hash is in the site file; acl.ts decides every publish and subscribe. The gateway
// itself is no MQTT client here: it hears device publishes through aedes' `published` hook and
// speaks through `broker.publish`.
import { createServer as createNetServer, type Server, type Socket, type AddressInfo } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { readFile } from 'node:fs/promises';
import { Aedes, type AedesPublishPacket, type Client, type PublishPacket, type Subscription } from 'aedes';
import { mayPublish, maySubscribe, isValidTopicName } from './acl.ts';
import { GuardedConnection } from './frame-guard.ts';
import { verifyPassword } from './password.ts';
import {
  DEFAULT_MAX_PACKET_BYTES, DEFAULT_RATE_LIMIT, DeviceDirectory, Handlers, LinkCounters, RefusalLog,
  clientIdAllowed, printable,
  type BrokerLink, type DeviceMessage, type DeviceState, type DeviceStateHandler, type LinkOptions,
  type LinkStats, type MessageHandler, type PublishOptions, type RefusalReason,
} from './link.ts';

/** CONNACK return codes of MQTT 3.1.1 (§3.2.2.3). */
const IDENTIFIER_REJECTED = 2;
const NOT_AUTHORIZED = 5;
const MAX_CLIENT_ID_LENGTH = 128;

export interface EmbeddedLinkOptions extends LinkOptions {
  /** Overrides the site's mqtt host/port/tls, e.g. port 0 in tests. */
  listen?: { host?: string; port?: number; tls?: { port: number; key: string | Buffer; cert: string | Buffer } };
}

type AuthError = Error & { returnCode: number };

function authError(message: string, returnCode: number): AuthError {
  return Object.assign(new Error(message), { returnCode });
}

export class EmbeddedLink implements BrokerLink {
  private readonly now: () => number;
  private readonly dir: DeviceDirectory;
  private readonly counters: LinkCounters;
  private readonly refusalLog: RefusalLog;
  private readonly messages: Handlers<[DeviceMessage]>;
  private readonly states: Handlers<[string, DeviceState, number]>;
  private readonly maxPacketBytes: number;

  private broker: Aedes | undefined;
  private server: Server | undefined;
  private tlsServer: Server | undefined;
  private readonly sockets = new Set<Socket>();

  /** The device each authenticated client speaks for. */
  private readonly deviceOf = new WeakMap<Client, string>();
  /** Will packets of connected clients: published by aedes itself when a client drops. */
  private readonly wills = new WeakSet<object>();
  /** Client publishes acknowledged but not passed on (rate limited). */
  private readonly dropped = new WeakSet<object>();
  /** Clients that reached clientReady, per device, for connected/disconnected edges. */
  private readonly ready = new Map<string, Set<Client>>();

  constructor(private readonly opts: EmbeddedLinkOptions) {
    this.now = opts.now ?? Date.now;
    this.dir = new DeviceDirectory(opts.site, opts.rateLimit ?? DEFAULT_RATE_LIMIT, this.now);
    this.counters = new LinkCounters(this.dir.devices.keys());
    this.refusalLog = new RefusalLog(opts.logger, this.now);
    this.messages = new Handlers(opts.logger, 'message');
    this.states = new Handlers(opts.logger, 'device state');
    this.maxPacketBytes = opts.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES;
  }

  onMessage(h: MessageHandler): () => void {
    return this.messages.add(h);
  }

  onDeviceState(h: DeviceStateHandler): () => void {
    return this.states.add(h);
  }

  stats(): LinkStats {
    return this.counters.snapshot();
  }

  address(): { host: string; port: number; tlsPort?: number } {
    const bound = this.server?.address() as AddressInfo | null | undefined;
    if (!bound) throw new Error('the MQTT link is not started');
    const tlsPort = (this.tlsServer?.address() as AddressInfo | null)?.port;
    const at = { host: bound.address, port: bound.port };
    return tlsPort === undefined ? at : { ...at, tlsPort };
  }

  async start(): Promise<void> {
    if (this.broker) throw new Error('the MQTT link is already started');
    const mqtt = this.opts.site.mqtt;
    const host = this.opts.listen?.host ?? mqtt.host;
    const port = this.opts.listen?.port ?? mqtt.port;
    let tls = this.opts.listen?.tls;
    if (!tls && mqtt.tls) {
      const [key, cert] = await Promise.all([readFile(mqtt.tls.keyFile), readFile(mqtt.tls.certFile)]);
      tls = { port: mqtt.tls.port, key, cert };
    }

    const broker = await Aedes.createBroker({
      id: `gateway-${this.opts.site.site.id}`,
      maxClientsIdLength: MAX_CLIENT_ID_LENGTH,
      connectTimeout: 10_000,
      drainTimeout: 10_000,
      authenticate: (client, username, password, done) => this.authenticate(client, username, password, done),
      authorizePublish: (client, packet, done) => this.authorizePublish(client, packet, done),
      authorizeSubscribe: (client, sub, done) => this.authorizeSubscribe(client, sub, done),
      published: (packet, client, done) => this.published(packet, client, done),
    });
    this.broker = broker;
    broker.on('clientReady', (client) => this.clientReady(client));
    broker.on('clientDisconnect', (client) => this.clientGone(client));
    broker.on('clientError', (client, err) => this.opts.logger.debug({ clientId: printable(client.id ?? ''), err: err.message }, 'mqtt: client error'));
    broker.on('connectionError', (_client, err) => this.opts.logger.debug({ err: err.message }, 'mqtt: connection error'));

    try {
      this.server = await this.listen(createNetServer((s) => this.accept(s)), host, port);
      if (tls) {
        const server = createTlsServer({ key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2' }, (s) => this.accept(s));
        server.on('tlsClientError', (err) => this.opts.logger.debug({ err: err.message }, 'mqtt: TLS handshake failed'));
        this.tlsServer = await this.listen(server, host, tls.port);
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.opts.logger.info(this.address(), 'mqtt: embedded broker listening');
  }

  async stop(): Promise<void> {
    const broker = this.broker;
    this.broker = undefined;
    if (broker) await new Promise<void>((resolve) => broker.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await Promise.all([this.server, this.tlsServer].map((s) => s && new Promise<void>((resolve) => s.close(() => resolve()))));
    this.server = undefined;
    this.tlsServer = undefined;
  }

  publish(topic: string, payload: string | Buffer, opts: PublishOptions = {}): Promise<void> {
    const broker = this.broker;
    if (!broker) return Promise.reject(new Error('the MQTT link is not started'));
    if (!isValidTopicName(topic)) return Promise.reject(new RangeError(`"${topic}" is not a topic one can publish to`));
    const packet: PublishPacket = {
      cmd: 'publish',
      topic,
      payload: typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload,
      qos: opts.qos ?? 1,
      retain: opts.retain ?? false,
      dup: false,
    };
    return new Promise((resolve, reject) => broker.publish(packet, (err) => (err ? reject(err) : resolve())));
  }

  // ---- connections ----

  private listen(server: Server, host: string, port: number): Promise<Server> {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve(server);
      });
    });
  }

  private accept(socket: Socket): void {
    const broker = this.broker;
    if (!broker) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.setNoDelay(true);
    const conn = new GuardedConnection(socket, this.maxPacketBytes, (c, announced) => {
      const client = (c as unknown as { client?: Client }).client;
      const deviceId = client ? this.deviceOf.get(client) : undefined;
      this.refuse('payload_too_large', {
        deviceId,
        clientId: client?.id ?? undefined,
        detail: `a packet of ${announced} bytes announced, at most ${this.maxPacketBytes}`,
      });
    });
    broker.handle(conn);
  }

  private refuse(reason: RefusalReason, fields: { deviceId?: string; clientId?: string; username?: string; topic?: string; detail?: string }): void {
    this.counters.refuse(reason, fields.deviceId);
    this.refusalLog.refused(reason, fields);
  }

  // ---- aedes hooks ----

  private authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (err: AuthError | null, ok: boolean | null) => void,
  ): void {
    const clientId = client.id ?? '';
    const device = username === undefined ? undefined : this.dir.devices.get(username);
    if (!device) {
      this.refuse('unknown_device', { username: username ?? '(none)', clientId });
      return done(authError('not authorized', NOT_AUTHORIZED), false);
    }
    if (!clientIdAllowed(clientId, device.id, MAX_CLIENT_ID_LENGTH)) {
      this.refuse('bad_client_id', { deviceId: device.id, clientId, detail: `the client id must be "${device.id}" or "${device.id}-<suffix>"` });
      return done(authError('identifier rejected', IDENTIFIER_REJECTED), false);
    }
    if (!device.passwordHash || !password || password.length === 0) {
      this.refuse('bad_password', { deviceId: device.id, clientId, detail: device.passwordHash ? 'no password given' : 'the device has no passwordHash in the site file' });
      return done(authError('not authorized', NOT_AUTHORIZED), false);
    }
    verifyPassword(password, device.passwordHash).then(
      (ok) => {
        if (!ok) {
          this.refuse('bad_password', { deviceId: device.id, clientId });
          return done(authError('not authorized', NOT_AUTHORIZED), false);
        }
        this.deviceOf.set(client, device.id);
        done(null, true);
      },
      (err: Error) => {
        this.opts.logger.error({ err: err.message, deviceId: device.id }, 'mqtt: password check failed');
        done(authError('not authorized', NOT_AUTHORIZED), false);
      },
    );
  }

  private authorizePublish(client: Client | null, packet: PublishPacket, done: (err?: Error | null) => void): void {
    const deviceId = client ? this.deviceOf.get(client) : undefined;
    const acl = deviceId === undefined ? undefined : this.dir.acls.get(deviceId);
    if (!client || !acl || deviceId === undefined) {
      // A will left in persistence by a client long gone: nobody to vouch for it.
      return done(new Error('publish refused'));
    }
    if (!mayPublish(acl, packet.topic)) {
      this.refuse('foreign_topic_publish', { deviceId, clientId: client.id, topic: packet.topic });
      // aedes closes the connection (MQTT-3.3.5-2 allows either that or a silent ack).
      return done(new Error('publish refused'));
    }
    if (this.wills.has(packet)) return done(null); // the device's last word is never rate limited
    if (!this.dir.allow(deviceId)) {
      this.refuse('rate_limited', { deviceId, clientId: client.id });
      // Acknowledge and drop, keeping the connection: only the excess is lost. Only the gateway
      // ever reads device topics (acl.ts), so marking the packet is enough to stop it there.
      packet.retain = false;
      this.dropped.add(packet);
      return done(null);
    }
    done(null);
  }

  private authorizeSubscribe(client: Client, sub: Subscription, done: (err: Error | null, sub?: Subscription | null) => void): void {
    const deviceId = this.deviceOf.get(client);
    const acl = deviceId === undefined ? undefined : this.dir.acls.get(deviceId);
    if (!acl || !maySubscribe(acl, sub.topic)) {
      this.refuse('foreign_topic_subscribe', { deviceId, clientId: client.id, topic: sub.topic });
      return done(null, null); // SUBACK 0x80 for this filter, the connection stays
    }
    done(null, sub);
  }

  private published(packet: AedesPublishPacket, client: Client | null, done: (err?: Error | null) => void): void {
    // `packet` is the object authorizePublish saw; `client` is null for the gateway's own publishes.
    if (!client || this.dropped.has(packet)) return done(null);
    const deviceId = this.deviceOf.get(client);
    const route = this.dir.byTopic.get(packet.topic);
    if (deviceId === undefined || !route || route.deviceId !== deviceId) return done(null);
    const at = this.now();
    this.counters.accept(deviceId);
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    this.messages.emit({ deviceId, topic: packet.topic, kind: route.kind, payload, receivedAt: at });
    if (this.wills.has(packet)) {
      this.wills.delete(packet);
      this.states.emit(deviceId, 'will', at);
    }
    done(null);
  }

  private clientReady(client: Client): void {
    const deviceId = this.deviceOf.get(client);
    if (deviceId === undefined) return;
    const will = (client as unknown as { will?: object | null }).will;
    if (will) this.wills.add(will);
    let set = this.ready.get(deviceId);
    if (!set) this.ready.set(deviceId, (set = new Set()));
    set.add(client);
    if (set.size === 1) this.states.emit(deviceId, 'connected', this.now());
  }

  private clientGone(client: Client): void {
    const deviceId = this.deviceOf.get(client);
    if (deviceId === undefined) return;
    const set = this.ready.get(deviceId);
    if (!set?.delete(client)) return;
    if (set.size === 0) this.states.emit(deviceId, 'disconnected', this.now());
  }
}

export function createEmbeddedLink(opts: EmbeddedLinkOptions): BrokerLink {
  return new EmbeddedLink(opts);
}
