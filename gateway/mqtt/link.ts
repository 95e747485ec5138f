// The gateway's device link over MQTT: one interface, two implementations (embedded.ts runs an
// aedes broker in-process; external.ts is a client of Mosquitto or EMQX). Everything here is
// shared by both: the interface, refusal reasons and counters, the per-device token bucket,
// the topic → device routing, and throttled logging of refusals.
import type { Logger } from 'pino';
import type { Device, Site } from '../../edge/site/schema.ts';
import { readerTopics } from '../../edge/site/schema.ts';
import { deviceAcl, type AclContext, type DeviceAcl, type DeviceTopicKind } from './acl.ts';

export type MessageKind = DeviceTopicKind;
export type DeviceState = 'connected' | 'disconnected' | 'will';

export interface DeviceMessage {
  deviceId: string;
  topic: string;
  kind: MessageKind;
  payload: Buffer;
  /** Gateway receive time, epoch ms. */
  receivedAt: number;
}

export const REFUSAL_REASONS = [
  'bad_password',
  'unknown_device',
  'bad_client_id',
  'foreign_topic_publish',
  'foreign_topic_subscribe',
  'payload_too_large',
  'rate_limited',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export interface LinkStats {
  /** Every refusal by reason, including those of clients that named no known device. */
  refusals: Record<RefusalReason, number>;
  /** Configured devices only (an unknown username never grows this map). */
  perDevice: Record<string, { accepted: number; refused: Record<RefusalReason, number> }>;
}

export interface PublishOptions {
  /** Default 1: commands and alarms are not fire-and-forget. */
  qos?: 0 | 1;
  retain?: boolean;
}

export type MessageHandler = (m: DeviceMessage) => void;
export type DeviceStateHandler = (deviceId: string, state: DeviceState, at: number) => void;

export interface BrokerLink {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Returns a function that removes the handler. */
  onMessage(h: MessageHandler): () => void;
  onDeviceState(h: DeviceStateHandler): () => void;
  publish(topic: string, payload: string | Buffer, opts?: PublishOptions): Promise<void>;
  stats(): LinkStats;
  /**
   * Where devices reach the broker: for the embedded broker, the address its socket is bound to
   * (0.0.0.0 or :: for all interfaces); for an external one, the host and port of its URL.
   */
  address(): { host: string; port: number; tlsPort?: number };
}

export interface RateLimit {
  /** Sustained messages per second per device. */
  perSecond: number;
  /** Bucket size: messages a device may send at once after a quiet spell. */
  burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { perSecond: 2_000, burst: 4_000 };
export const DEFAULT_MAX_PACKET_BYTES = 256 * 1024;

/** The part of the site file a link reads. */
export type LinkSite = Pick<Site, 'site' | 'zones' | 'devices' | 'mqtt'>;

export interface LinkOptions {
  site: LinkSite;
  logger: Logger;
  /** Largest MQTT packet accepted, header included. Default 256 KiB. */
  maxPacketBytes?: number;
  rateLimit?: RateLimit;
  /** Clock, for tests. */
  now?: () => number;
}

export function aclContext(site: Pick<Site, 'site' | 'zones'>): AclContext {
  return { siteId: site.site.id, restrictedZoneIds: site.zones.filter((z) => z.kind === 'restricted').map((z) => z.id) };
}

/** A token bucket: `take()` is false when the device has spent its burst and the refill. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(private readonly limit: RateLimit, private readonly now: () => number = Date.now) {
    this.tokens = limit.burst;
    this.last = now();
  }

  take(): boolean {
    const t = this.now();
    if (t > this.last) {
      this.tokens = Math.min(this.limit.burst, this.tokens + ((t - this.last) * this.limit.perSecond) / 1000);
      this.last = t;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Devices, their ACLs and buckets, and which topic belongs to which device. */
export class DeviceDirectory {
  readonly devices = new Map<string, Device>();
  readonly acls = new Map<string, DeviceAcl>();
  /** Topic a device publishes on → the device and the kind of message. */
  readonly byTopic = new Map<string, { deviceId: string; kind: MessageKind }>();
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(site: Pick<Site, 'site' | 'zones' | 'devices'>, private readonly rate: RateLimit, private readonly now: () => number) {
    const ctx = aclContext(site);
    for (const d of site.devices) {
      this.devices.set(d.id, d);
      const acl = deviceAcl(d, ctx);
      this.acls.set(d.id, acl);
      for (const [topic, kind] of acl.publish) this.byTopic.set(topic, { deviceId: d.id, kind });
    }
  }

  /** Every topic devices publish on, for a client link to subscribe to. */
  inboundTopics(): string[] {
    return [...this.byTopic.keys()];
  }

  commandsTopic(deviceId: string): string | undefined {
    const d = this.devices.get(deviceId);
    return d ? readerTopics(d).commands : undefined;
  }

  allow(deviceId: string): boolean {
    let b = this.buckets.get(deviceId);
    if (!b) {
      b = new TokenBucket(this.rate, this.now);
      this.buckets.set(deviceId, b);
    }
    return b.take();
  }
}

const zeroes = () => Object.fromEntries(REFUSAL_REASONS.map((r) => [r, 0])) as Record<RefusalReason, number>;

export class LinkCounters {
  private readonly refusals = zeroes();
  private readonly perDevice = new Map<string, { accepted: number; refused: Record<RefusalReason, number> }>();

  constructor(deviceIds: Iterable<string>) {
    for (const id of deviceIds) this.perDevice.set(id, { accepted: 0, refused: zeroes() });
  }

  accept(deviceId: string): void {
    const d = this.perDevice.get(deviceId);
    if (d) d.accepted++;
  }

  refuse(reason: RefusalReason, deviceId?: string): void {
    this.refusals[reason]++;
    const d = deviceId === undefined ? undefined : this.perDevice.get(deviceId);
    if (d) d.refused[reason]++;
  }

  snapshot(): LinkStats {
    const perDevice: LinkStats['perDevice'] = {};
    for (const [id, d] of this.perDevice) perDevice[id] = { accepted: d.accepted, refused: { ...d.refused } };
    return { refusals: { ...this.refusals }, perDevice };
  }
}

/**
 * Logs refusals without flooding the log: the first of each (reason, device) at once, then at
 * most one line per interval carrying how many were suppressed. Never given a password.
 */
export class RefusalLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();
  constructor(private readonly logger: Logger, private readonly now: () => number, private readonly intervalMs = 10_000) {}

  refused(reason: RefusalReason, fields: { deviceId?: string; clientId?: string; username?: string; topic?: string; detail?: string }): void {
    const key = `${reason}\u0000${fields.deviceId ?? fields.username ?? ''}`;
    const t = this.now();
    const prev = this.last.get(key);
    if (prev && t - prev.at < this.intervalMs) {
      prev.suppressed++;
      return;
    }
    if (this.last.size > 10_000) this.last.clear(); // unknown usernames must not grow this forever
    this.last.set(key, { at: t, suppressed: 0 });
    const clean: Record<string, string | number> = { reason };
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) clean[k] = printable(v);
    if (prev?.suppressed) clean.suppressed = prev.suppressed;
    this.logger.warn(clean, `mqtt: refused (${reason})`);
  }
}

/** Attacker-chosen strings (usernames, client ids, topics) go to the log short and printable. */
export function printable(s: string, max = 80): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f]/g, '?');
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

/** Handler lists whose members cannot break the link by throwing. */
export class Handlers<A extends unknown[]> {
  private readonly list = new Set<(...args: A) => void>();
  constructor(private readonly logger: Logger, private readonly what: string) {}

  add(h: (...args: A) => void): () => void {
    this.list.add(h);
    return () => this.list.delete(h);
  }

  emit(...args: A): void {
    for (const h of this.list) {
      try {
        h(...args);
      } catch (err) {
        this.logger.error({ err }, `mqtt: a ${this.what} handler threw`);
      }
    }
  }
}

/** Is this a client id the device may use: its id, or its id, `-` and a suffix? */
export function clientIdAllowed(clientId: string, deviceId: string, maxLength = 128): boolean {
  if (clientId.length > maxLength) return false;
  return clientId === deviceId || (clientId.length > deviceId.length + 1 && clientId.startsWith(`${deviceId}-`));
}
