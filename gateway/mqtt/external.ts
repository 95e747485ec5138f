// The device link through an existing broker (Mosquitto, EMQX): the gateway is one more MQTT
// 3.1.1 client. The broker enforces device passwords and the ACL (from the files that
// mosquitto-files.ts writes); the gateway subscribes to every device topic with QoS 1 on a
// persistent session, so that messages published while it restarts wait for it at the broker.
//
// Reconnection is ours, not mqtt.js's: reconnectPeriod is 0 and every close schedules the next
// attempt with exponential backoff and jitter, keeping the same in-memory stores so that QoS 1
// commands queued while offline are not lost.
import mqtt, { Store, type IClientOptions, type MqttClient } from 'mqtt';
import { isValidTopicName } from './acl.ts';
import {
  DEFAULT_MAX_PACKET_BYTES, DEFAULT_RATE_LIMIT, DeviceDirectory, Handlers, LinkCounters, RefusalLog,
  type BrokerLink, type DeviceMessage, type DeviceState, type DeviceStateHandler, type LinkOptions,
  type LinkStats, type MessageHandler, type MessageKind, type PublishOptions,
} from './link.ts';

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 500, maxMs: 30_000 };

/** Delay before reconnect attempt `attempt` (0-based): exponential, capped, "equal jitter". */
export function backoffDelay(attempt: number, b: Backoff = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(b.maxMs, b.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Does this message look like a device's last will? Devices set their will on the management
 * topic; no vendor schema is public, so this accepts the usual shapes: a JSON object whose
 * `type`, `event`, `status` or `state` says will/lwt/offline/disconnected (or `will: true`),
 * or the bare word.
 */
export function looksLikeWill(kind: MessageKind, payload: Buffer): boolean {
  if (kind !== 'managementEvents' || payload.length > 4096) return false;
  const words = /^(will|lwt|last[_ -]?will|offline|disconnected|dead)$/i;
  const text = payload.toString('utf8').trim();
  if (words.test(text.replace(/^"|"$/g, ''))) return true;
  try {
    const v: unknown = JSON.parse(text);
    if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
    const o = v as Record<string, unknown>;
    if (o.will === true || o.lwt === true) return true;
    return ['type', 'event', 'status', 'state', 'eventType'].some((k) => typeof o[k] === 'string' && words.test(o[k] as string));
  } catch {
    return false;
  }
}

export interface ExternalLinkOptions extends LinkOptions {
  /** Overrides `site.mqtt.external.url`. */
  url?: string;
  username?: string;
  /** Overrides reading `site.mqtt.external.passwordEnv` from the environment. */
  password?: string;
  /** Stable, so that the broker keeps the session. Default `gateway-{siteId}`. */
  clientId?: string;
  backoff?: Backoff;
  /** How long start() waits for the first connection before it gives up. Default 30 s. */
  startTimeoutMs?: number;
  keepaliveSeconds?: number;
  /** TLS options for mqtts:// (a CA for a private broker certificate). */
  tls?: Pick<IClientOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'servername'>;
  isWill?: (kind: MessageKind, payload: Buffer) => boolean;
  env?: NodeJS.ProcessEnv;
}

export class ExternalLink implements BrokerLink {
  private readonly now: () => number;
  private readonly dir: DeviceDirectory;
  private readonly counters: LinkCounters;
  private readonly refusalLog: RefusalLog;
  private readonly messages: Handlers<[DeviceMessage]>;
  private readonly states: Handlers<[string, DeviceState, number]>;
  private readonly maxPacketBytes: number;
  private readonly url: string;
  private readonly backoff: Backoff;
  private readonly isWill: (kind: MessageKind, payload: Buffer) => boolean;
  /** What the gateway last reported per device, so that 'connected' is said once per change. */
  private readonly deviceState = new Map<string, DeviceState>();

  private client: MqttClient | undefined;
  private stores = { incomingStore: new Store(), outgoingStore: new Store() };
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(private readonly opts: ExternalLinkOptions) {
    this.now = opts.now ?? Date.now;
    this.dir = new DeviceDirectory(opts.site, opts.rateLimit ?? DEFAULT_RATE_LIMIT, this.now);
    this.counters = new LinkCounters(this.dir.devices.keys());
    this.refusalLog = new RefusalLog(opts.logger, this.now);
    this.messages = new Handlers(opts.logger, 'message');
    this.states = new Handlers(opts.logger, 'device state');
    this.maxPacketBytes = opts.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES;
    const url = opts.url ?? opts.site.mqtt.external?.url;
    if (!url) throw new Error('mqtt.mode is "external" but mqtt.external.url is not set');
    this.url = url;
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.isWill = opts.isWill ?? looksLikeWill;
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
    const u = new URL(this.url);
    const secure = u.protocol === 'mqtts:' || u.protocol === 'ssl:' || u.protocol === 'tls:' || u.protocol === 'wss:';
    const port = u.port ? Number(u.port) : secure ? 8883 : 1883;
    const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
    return secure ? { host, port, tlsPort: port } : { host, port };
  }

  private password(): string | undefined {
    if (this.opts.password !== undefined) return this.opts.password;
    const envName = this.opts.site.mqtt.external?.passwordEnv;
    return envName ? (this.opts.env ?? process.env)[envName] : undefined;
  }

  async start(): Promise<void> {
    if (this.client) throw new Error('the MQTT link is already started');
    this.stopping = false;
    const ext = this.opts.site.mqtt.external;
    const clientId = this.opts.clientId ?? `gateway-${this.opts.site.site.id}`;
    const client = mqtt.connect(this.url, {
      protocolVersion: 4,
      clientId,
      clean: false,
      username: this.opts.username ?? ext?.username,
      password: this.password(),
      keepalive: this.opts.keepaliveSeconds ?? 30,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      resubscribe: false, // we subscribe on every CONNACK ourselves
      ...this.stores,
      ...this.opts.tls,
    });
    this.client = client;

    client.on('connect', (connack) => {
      this.attempt = 0;
      this.opts.logger.info({ url: this.url, clientId, sessionPresent: connack.sessionPresent }, 'mqtt: connected to the broker');
      this.subscribeAll(client);
    });
    client.on('close', () => this.scheduleReconnect(client));
    client.on('error', (err) => this.opts.logger.warn({ err: err.message, url: this.url }, 'mqtt: broker connection error'));
    client.on('message', (topic, payload) => this.receive(topic, payload));

    const timeoutMs = this.opts.startTimeoutMs ?? 30_000;
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(t);
        client.off('connect', onConnect);
        client.off('error', onError);
        if (err) reject(err);
        else resolve();
      };
      const onConnect = () => done();
      // A refusal by the broker (bad credentials) will not cure itself by retrying.
      const onError = (err: Error & { code?: number | string }) => {
        if (typeof err.code === 'number' && err.code >= 2 && err.code <= 5) done(err);
      };
      const t = setTimeout(() => done(new Error(`no connection to ${this.url} within ${timeoutMs} ms`)), timeoutMs);
      client.on('connect', onConnect);
      client.on('error', onError);
    }).catch(async (err: Error) => {
      await this.stop();
      throw err;
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const client = this.client;
    this.client = undefined;
    // A clean DISCONNECT keeps the persistent session at the broker, as intended.
    if (client) await client.endAsync(!client.connected);
  }

  async publish(topic: string, payload: string | Buffer, opts: PublishOptions = {}): Promise<void> {
    const client = this.client;
    if (!client) throw new Error('the MQTT link is not started');
    if (!isValidTopicName(topic)) throw new RangeError(`"${topic}" is not a topic one can publish to`);
    // While offline, QoS 1 waits in the outgoing store and goes out after the reconnect.
    await client.publishAsync(topic, payload, { qos: opts.qos ?? 1, retain: opts.retain ?? false });
  }

  private subscribeAll(client: MqttClient): void {
    const topics = this.dir.inboundTopics();
    if (topics.length === 0) return;
    client.subscribe(Object.fromEntries(topics.map((t) => [t, { qos: 1 as const }])), (err, granted) => {
      if (err) {
        this.opts.logger.error({ err: err.message }, 'mqtt: subscribing to device topics failed');
        return;
      }
      const refused = (granted ?? []).filter((g) => g.qos === 128).map((g) => g.topic);
      if (refused.length) this.opts.logger.error({ topics: refused }, 'mqtt: the broker refused the gateway these device topics (check its acl_file)');
    });
  }

  private scheduleReconnect(client: MqttClient): void {
    if (this.stopping || client !== this.client || this.timer) return;
    const delay = backoffDelay(this.attempt++, this.backoff);
    this.opts.logger.warn({ url: this.url, inMs: delay, attempt: this.attempt }, 'mqtt: broker connection lost, reconnecting');
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.stopping || client !== this.client) return;
      client.reconnect(this.stores);
    }, delay);
  }

  private receive(topic: string, payload: Buffer): void {
    const route = this.dir.byTopic.get(topic);
    if (!route) return; // only what we subscribed to arrives
    const { deviceId, kind } = route;
    if (payload.length > this.maxPacketBytes) {
      this.counters.refuse('payload_too_large', deviceId);
      this.refusalLog.refused('payload_too_large', { deviceId, topic, detail: `${payload.length} bytes, at most ${this.maxPacketBytes}` });
      return;
    }
    const will = this.isWill(kind, payload);
    if (!will && !this.dir.allow(deviceId)) {
      this.counters.refuse('rate_limited', deviceId);
      this.refusalLog.refused('rate_limited', { deviceId, topic });
      return;
    }
    const at = this.now();
    this.counters.accept(deviceId);
    this.messages.emit({ deviceId, topic, kind, payload, receivedAt: at });
    const next: DeviceState = will ? 'will' : 'connected';
    if (this.deviceState.get(deviceId) !== next) {
      this.deviceState.set(deviceId, next);
      this.states.emit(deviceId, next, at);
    }
  }
}

export function createExternalLink(opts: ExternalLinkOptions): BrokerLink {
  return new ExternalLink(opts);
}

