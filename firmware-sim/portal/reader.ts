/**
 * A simulated RFID portal reader: an MQTT 3.1.1 client of the gateway's broker that speaks the
 * Zebra IoT Connector or the Impinj R700 format (see formats.ts).
 *
 * - connects with username = device id, the given password, client id = device id + '-sim';
 * - publishes tag events on its tag topic (one event per message, a JSON array, or objects
 *   glued together `}{`), GPI events and heartbeats on its management topic;
 * - answers Zebra commands (`set_gpo`, `get_gpoStatus`, `get_status`) on its responses topic and
 *   remembers GPO state;
 * - leaves an MQTT will on its management topic and can die: go silent while connected
 *   (`hang`), or drop the TCP connection without DISCONNECT (`crash`) so that the will fires.
 */
import { EventEmitter } from 'node:events';
import mqtt, { type MqttClient } from 'mqtt';
import {
  impinjGpiEvent,
  impinjInventoryStatusEvent,
  impinjTagInventoryEvent,
  joinEvents,
  zebraCommandResponse,
  zebraGpiEvent,
  zebraHeartbeatEvent,
  zebraTagEvent,
  type ReportingMode,
  type TagReadInput,
  type ZebraReaderMode,
} from './formats.ts';

export interface SimReaderTopics {
  tagEvents: string;
  managementEvents: string;
  commands: string;
  responses: string;
}

/** The default topics of a reader (PROTOCOLS.md). */
export function defaultReaderTopics(readerId: string): SimReaderTopics {
  return {
    tagEvents: `rfid/${readerId}/tevents`,
    managementEvents: `rfid/${readerId}/mevents`,
    commands: `rfid/${readerId}/mcmds`,
    responses: `rfid/${readerId}/mrsp`,
  };
}

export type ReaderFormat = 'zebra' | 'impinj';
export type DeathMode = 'hang' | 'crash';

export interface SimReaderOptions {
  /** Broker URL, e.g. mqtt://127.0.0.1:1883. */
  url: string;
  deviceId: string;
  password: string;
  format: ReaderFormat;
  topics: SimReaderTopics;
  /** How tag events are grouped into MQTT messages. Default per-read. Impinj over MQTT is per-read; `batched` mimics its webhook arrays; `concatenated` is Zebra only. */
  reporting?: ReportingMode;
  /** Batched/concatenated: how long reads wait for company before the message goes. Default 200 ms. */
  batchWindowMs?: number;
  /** Batched/concatenated: most events in one message. Default 50. */
  maxBatch?: number;
  /** Heartbeat period on the management topic, ms; 0 = none. Default 10 000. */
  heartbeatMs?: number;
  /** Client id suffix. Default '-sim'. */
  clientIdSuffix?: string;
  /** QoS of tag and management publications. Default 0. */
  qos?: 0 | 1;
  /** Reconnect period after a lost connection, ms (not after `die`). Default 1000. */
  reconnectPeriodMs?: number;
  /** MQTT will payload on the management topic; false = no will. Default: an offline status event. */
  will?: Record<string, unknown> | string | false;
  /** Zebra: MAC address. Default derived from the device id. */
  mac?: string;
  /** Zebra: FX7500/FX9600 (`peakRssi`) or ATR7000 (`rssi`). */
  zebraModel?: 'fx' | 'atr7000';
  /** Zebra: the reader mode written in `type`. Default SIMPLE. */
  zebraMode?: ZebraReaderMode;
  /** Zebra: the reader's UTC offset in minutes (its time stamps are local). Default 0. */
  offsetMinutes?: number;
  /** Impinj: hostname. Default `impinj-xx-xx-xx` from the device id. */
  hostname?: string;
  /** Impinj: antenna names by port. */
  antennaNames?: Record<number, string>;
  /** Decides a GPO command: return an error text to answer `failure`. */
  gpoPolicy?: (port: number, state: boolean) => string | undefined;
  /** Clock. Default Date.now. */
  now?: () => number;
  /**
   * How far the reader's own clock is from true time, ms (negative: behind). Real readers' clocks
   * are off, drift and jump; every time stamp the reader writes carries it. Settable later as
   * `clockSkewMs` to jump the clock. Default 0.
   */
  clockSkewMs?: number;
}

export interface ReaderCommandRecord {
  command: string;
  command_id: string;
  payload: unknown;
  response: 'success' | 'failure';
  at: number;
}

export interface SimReaderEvents {
  connect: [];
  close: [];
  published: [topic: string, payload: string];
  command: [record: ReaderCommandRecord];
  gpo: [port: number, state: boolean];
  error: [err: Error];
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}

function macFor(deviceId: string): string {
  const h = hash(deviceId);
  const b = [0x84, 0x24, 0x8d, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff];
  return b.map((x) => x.toString(16).toUpperCase().padStart(2, '0')).join(':');
}

function hostnameFor(deviceId: string): string {
  const h = hash(deviceId);
  return `impinj-${[(h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff].map((x) => x.toString(16).padStart(2, '0')).join('-')}`;
}

/** GPO state given as a Zebra payload `state` (true/false, "HIGH"/"LOW", "ON"/"OFF", 1/0). */
function parseGpoState(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === 0) return v === 1;
  if (typeof v === 'string') {
    const u = v.toUpperCase();
    if (u === 'HIGH' || u === 'ON' || u === 'TRUE') return true;
    if (u === 'LOW' || u === 'OFF' || u === 'FALSE') return false;
  }
  return undefined;
}

export class SimReader extends EventEmitter<SimReaderEvents> {
  readonly deviceId: string;
  readonly clientId: string;
  readonly format: ReaderFormat;
  readonly topics: SimReaderTopics;
  readonly mac: string;
  readonly hostname: string;
  /** GPO port → state (true = HIGH/on), as last set by a command. */
  readonly gpo = new Map<number, boolean>();
  /** GPI pin → state as last reported (LOW = beam broken). */
  readonly gpi = new Map<number, 'HIGH' | 'LOW'>();
  /** Every command received, with the answer given. */
  readonly commands: ReaderCommandRecord[] = [];
  /** Counters. */
  readonly stats = { tagEvents: 0, tagMessages: 0, managementMessages: 0, commands: 0 };

  private readonly opts: SimReaderOptions;
  private readonly reporting: ReportingMode;
  private readonly now: () => number;
  /** The reader's clock error now (see the option); set it to jump the clock. */
  clockSkewMs: number;
  private client: MqttClient | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private queue: object[] = [];
  private eventNum = 0;
  private startedAt = 0;
  private state: 'idle' | 'running' | 'hung' | 'crashed' | 'stopped' = 'idle';

  constructor(opts: SimReaderOptions) {
    super();
    this.opts = opts;
    this.deviceId = opts.deviceId;
    this.clientId = opts.deviceId + (opts.clientIdSuffix ?? '-sim');
    this.format = opts.format;
    this.topics = opts.topics;
    this.reporting = opts.reporting ?? 'per-read';
    if (this.format === 'impinj' && this.reporting === 'concatenated') {
      throw new RangeError('concatenated (}{) payloads are a Zebra behaviour; an Impinj reader reports per-read or batched');
    }
    this.now = opts.now ?? Date.now;
    this.clockSkewMs = opts.clockSkewMs ?? 0;
    this.mac = opts.mac ?? macFor(opts.deviceId);
    this.hostname = opts.hostname ?? hostnameFor(opts.deviceId);
  }

  /** 'running' while connected and alive; 'hung' or 'crashed' after `die`; 'stopped' after `stop`. */
  get status(): 'idle' | 'running' | 'hung' | 'crashed' | 'stopped' {
    return this.state;
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** Connects and starts heartbeats; resolves on the first CONNACK, rejects if refused. */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw new Error(`reader ${this.deviceId} already started`);
    this.state = 'running';
    this.startedAt = this.now();
    const will = this.opts.will === undefined ? this.defaultWill() : this.opts.will;
    const client = mqtt.connect(this.opts.url, {
      protocolVersion: 4,
      clientId: this.clientId,
      username: this.deviceId,
      password: this.opts.password,
      clean: true,
      keepalive: 30,
      reconnectPeriod: this.opts.reconnectPeriodMs ?? 1000,
      connectTimeout: 5000,
      ...(will === false
        ? {}
        : { will: { topic: this.topics.managementEvents, payload: Buffer.from(typeof will === 'string' ? will : JSON.stringify(will)), qos: 1 as const, retain: false } }),
    });
    this.client = client;
    client.on('connect', () => {
      client.subscribe(this.topics.commands, { qos: 1 }, (err) => {
        if (err) this.fail(err);
      });
      this.emit('connect');
    });
    client.on('close', () => this.emit('close'));
    client.on('message', (topic, payload) => {
      if (topic === this.topics.commands) this.onCommand(payload.toString('utf8'));
    });
    await new Promise<void>((resolve, reject) => {
      const onConnect = (): void => {
        client.off('error', onError);
        client.off('end', onEnd);
        resolve();
      };
      const onError = (err: Error): void => {
        client.off('connect', onConnect);
        client.off('end', onEnd);
        client.end(true);
        this.state = 'stopped';
        reject(err);
      };
      // Stopped or killed before the broker answered: there will be no CONNACK to wait for.
      const onEnd = (): void => {
        client.off('connect', onConnect);
        client.off('error', onError);
        reject(new Error(`reader ${this.deviceId} was ${this.state} before it connected`));
      };
      client.once('connect', onConnect);
      client.once('error', onError);
      client.once('end', onEnd);
    });
    client.on('error', (err) => this.fail(err));
    // Stopped while the CONNACK was on its way: no heartbeats for a reader that is gone.
    if (this.state !== 'running') return;
    const hb = this.opts.heartbeatMs ?? 10_000;
    if (hb > 0) {
      this.heartbeatTimer = setInterval(() => void this.heartbeat().catch((e: Error) => this.fail(e)), hb);
      this.heartbeatTimer.unref?.();
    }
  }

  /** Reports an error to listeners, if any (an unheard 'error' event would throw). */
  private fail(err: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  private alive(): boolean {
    return this.state === 'running' && this.client !== undefined;
  }

  private async publish(topic: string, payload: string): Promise<void> {
    if (!this.alive()) return;
    await this.client!.publishAsync(topic, payload, { qos: this.opts.qos ?? 0 });
    this.emit('published', topic, payload);
  }

  private encodeRead(read: TagReadInput): object {
    this.eventNum += 1;
    const r = this.clockSkewMs ? { ...read, t: read.t + this.clockSkewMs } : read;
    if (this.format === 'zebra') {
      return zebraTagEvent(r, {
        mac: this.mac,
        eventNum: this.eventNum,
        type: this.opts.zebraMode ?? 'SIMPLE',
        model: this.opts.zebraModel ?? 'fx',
        offsetMinutes: this.opts.offsetMinutes ?? 0,
      });
    }
    return impinjTagInventoryEvent(r, { hostname: this.hostname, ...(this.opts.antennaNames ? { antennaNames: this.opts.antennaNames } : {}) });
  }

  /**
   * Reports one tag read. Per-read: published at once. Batched/concatenated: queued and sent
   * when the batch window ends or the batch is full; `flush()` sends it now.
   */
  async read(r: TagReadInput): Promise<void> {
    if (!this.alive()) return;
    const ev = this.encodeRead(r);
    this.stats.tagEvents += 1;
    if (this.reporting === 'per-read') {
      this.stats.tagMessages += 1;
      await this.publish(this.topics.tagEvents, joinEvents([ev], 'per-read'));
      return;
    }
    this.queue.push(ev);
    if (this.queue.length >= (this.opts.maxBatch ?? 50)) {
      await this.flush();
    } else if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => void this.flush().catch((e: Error) => this.fail(e)), this.opts.batchWindowMs ?? 200);
    }
  }

  /** Reports several reads of one or more tags now (batched modes: in as few messages as allowed). */
  async reads(rs: readonly TagReadInput[]): Promise<void> {
    for (const r of rs) await this.read(r);
    await this.flush();
  }

  /** Sends whatever batch is waiting. */
  async flush(): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    const max = this.opts.maxBatch ?? 50;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, max);
      if (!this.alive()) return;
      this.stats.tagMessages += 1;
      await this.publish(this.topics.tagEvents, joinEvents(batch, this.reporting));
    }
  }

  /** Reports a GPI change (a photo eye: LOW = beam broken). */
  async gpiChange(pin: number, state: 'HIGH' | 'LOW'): Promise<void> {
    if (!this.alive()) return;
    this.gpi.set(pin, state);
    const ev = this.format === 'zebra' ? zebraGpiEvent(pin, state) : impinjGpiEvent(this.now() + this.clockSkewMs, this.hostname, pin, state);
    this.stats.managementMessages += 1;
    await this.publish(this.topics.managementEvents, JSON.stringify(ev));
  }

  /** Publishes one heartbeat now. */
  async heartbeat(): Promise<void> {
    if (!this.alive()) return;
    const now = this.now();
    const t = now + this.clockSkewMs;
    const ev =
      this.format === 'zebra'
        ? zebraHeartbeatEvent({ t, mac: this.mac, uptimeSeconds: Math.round((now - this.startedAt) / 1000), offsetMinutes: this.opts.offsetMinutes ?? 0 })
        : impinjInventoryStatusEvent(t, this.hostname, 'running');
    this.stats.managementMessages += 1;
    await this.publish(this.topics.managementEvents, JSON.stringify(ev));
  }

  private defaultWill(): Record<string, unknown> {
    return this.format === 'zebra'
      ? { type: 'status', data: { MAC: this.mac, status: 'offline', reason: 'connection lost' } }
      : { hostname: this.hostname, eventType: 'status', statusEvent: { status: 'offline', reason: 'connection lost' } };
  }

  private onCommand(text: string): void {
    if (this.state !== 'running') return; // a hung reader answers nothing
    let cmd: unknown;
    try {
      cmd = JSON.parse(text);
    } catch {
      return; // a real reader cannot answer what it cannot parse: no command_id to repeat
    }
    if (typeof cmd !== 'object' || cmd === null) return;
    const c = cmd as { command?: unknown; command_id?: unknown; payload?: unknown };
    if (typeof c.command !== 'string' || typeof c.command_id !== 'string') return;
    const head = { command: c.command, command_id: c.command_id };
    let result: { error: string } | { payload: unknown };
    if (c.command === 'set_gpo') {
      result = this.setGpo(c.payload);
    } else if (c.command === 'get_gpoStatus') {
      const payload: Record<string, string> = {};
      for (const port of [1, 2, 3, 4]) payload[String(port)] = this.gpo.get(port) ? 'HIGH' : 'LOW';
      result = { payload };
    } else if (c.command === 'get_gpiStatus') {
      const payload: Record<string, string> = {};
      for (const pin of [1, 2, 3, 4]) payload[String(pin)] = this.gpi.get(pin) ?? 'HIGH';
      result = { payload };
    } else if (c.command === 'get_status') {
      result = { payload: { uptime: `${Math.round((this.now() - this.startedAt) / 1000)} s`, radioConnection: 'connected', radioActivitiy: 'active', temperature: 41 } };
    } else {
      result = { error: `unsupported command ${c.command}` };
    }
    const response = zebraCommandResponse(head, result);
    const record: ReaderCommandRecord = { ...head, payload: c.payload, response: response.response, at: this.now() };
    this.commands.push(record);
    this.stats.commands += 1;
    this.emit('command', record);
    void this.client!
      .publishAsync(this.topics.responses, JSON.stringify(response), { qos: 1 })
      .then(() => this.emit('published', this.topics.responses, JSON.stringify(response)))
      .catch((e: Error) => this.fail(e));
  }

  private setGpo(payload: unknown): { error: string } | { payload: unknown } {
    if (typeof payload !== 'object' || payload === null) return { error: 'payload must be an object with port and state' };
    const p = payload as { port?: unknown; state?: unknown };
    const port = typeof p.port === 'string' ? Number(p.port) : p.port;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 4) return { error: `invalid GPO port ${JSON.stringify(p.port)}` };
    const state = parseGpoState(p.state);
    if (state === undefined) return { error: `invalid GPO state ${JSON.stringify(p.state)}` };
    const refusal = this.opts.gpoPolicy?.(port, state);
    if (refusal) return { error: refusal };
    this.gpo.set(port, state);
    this.emit('gpo', port, state);
    return { payload: {} };
  }

  /**
   * The reader dies. `hang`: stays connected (keep-alive still answered by the TCP stack's
   * client) but sends no more heartbeats, reads or command answers. `crash`: the connection is
   * dropped without DISCONNECT, so the broker publishes the will; no reconnection.
   */
  async die(mode: DeathMode = 'crash'): Promise<void> {
    if (this.state !== 'running') return;
    this.clearTimers();
    this.queue = [];
    if (mode === 'hang') {
      this.state = 'hung';
      return;
    }
    this.state = 'crashed';
    const client = this.client!;
    client.options.reconnectPeriod = 0;
    await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
  }

  /** A clean stop: pending batch sent, DISCONNECT sent (no will). */
  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'idle') {
      this.state = 'stopped';
      return;
    }
    if (this.state === 'running') await this.flush().catch(() => undefined);
    this.clearTimers();
    this.state = 'stopped';
    const client = this.client;
    if (client) await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
  }

  private clearTimers(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.heartbeatTimer = undefined;
    this.flushTimer = undefined;
  }
}
