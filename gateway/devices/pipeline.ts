// From device reports to custody decisions, whatever link they came over (gateway/links/): a
// reader's device times are mapped onto the gateway's clock by its measured offset (./clock.ts),
// gate reads go into the gate's portal and closed tracks into the edge as crossings, a shelf
// antenna's completed round (an MQTT shelf reader's is made on the gateway's clock, ./inventory.ts)
// and a load cell's weight into the edge as shelf observations, an intake desk's poll and a
// handheld's reads as theirs, an environment monitor's readings of a zone as env observations.
// Counts what it accepts and refuses per device. The edge hears everything as observations through
// its one entry: crossings, shelves, the desk, handhelds, the zones' environment, each device's
// state and counters, each gate's portal.
import type { Logger } from '../log.ts';
import type { DecodeResult } from '../decoders/index.ts';
import type { DeviceLink, DeviceReport } from '../links/link.ts';
import { Portals, portalOptions } from '../portal/index.ts';
import type { Site } from '../../edge/site/schema.ts';
import type { ObserveOutcome } from '../../edge/custody.ts';
import type { DeskObservation, DeviceObservation, EnvObservation, GateObservation, HandheldObservation, ShelfObservation } from '../../edge/observations.ts';
import type { GatewayBus } from '../events.ts';
import { DeviceClocks } from './clock.ts';
import { handheldOrder, InventoryRounds } from './inventory.ts';

/** The edge's one way in, as the pipeline needs it: one observation, or what one tick closed. */
export interface Edge {
  observe(os: readonly unknown[]): ObserveOutcome[];
  observe(o: unknown): ObserveOutcome;
}

interface Liveness { lastHeard: number; online: boolean; accepted: number; rejected: Record<string, number>; reads: ReadRate }

/** Reads per second over the last ten seconds, in ten one-second buckets: constant memory at any rate. */
class ReadRate {
  private readonly buckets = new Array<number>(10).fill(0);
  private second = 0;
  add(at: number, n = 1): void {
    this.roll(at);
    this.buckets[this.second % 10] += n;
  }
  perSecond(at: number): number {
    this.roll(at);
    return Math.round((this.buckets.reduce((a, b) => a + b, 0) / 10) * 10) / 10;
  }
  private roll(at: number): void {
    const now = Math.floor(at / 1000);
    if (now <= this.second) return;
    for (let s = Math.max(this.second + 1, now - 9); s <= now; s++) this.buckets[s % 10] = 0;
    this.second = now;
  }
}

/** A reader quiet this long has sent its burst; reads wait at most HOLD_MAX_MS (below the portal's close time). */
const HOLD_SETTLE_MS = 100;
/** A device's refused messages of one reason: one log line at most this often. */
const REFUSAL_LOG_EVERY_MS = 60_000;
const HOLD_MAX_MS = 600;

export class DevicePipeline {
  readonly portals: Portals;
  readonly clocks = new DeviceClocks();
  /** MQTT shelf readers' rounds, made on the gateway's clock (./inventory.ts). */
  private readonly inventory: InventoryRounds;
  /** Each reader's reads waiting to be placed on the gateway's clock (see `hold`). */
  private readonly held = new Map<string, { since: number; last: number; results: DecodeResult[] }>();
  /** Devices whose clock offset was last seen beyond the site's span: logged once each way. */
  private readonly clockOff = new Set<string>();
  private readonly live = new Map<string, Liveness>();
  private readonly devicesById: Map<string, Site['devices'][number]>;
  /** The link that carries each device. */
  private readonly linkOf = new Map<string, DeviceLink>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private offs: (() => void)[] = [];
  /** What was last told to the edge per device and per gate: a report goes only when something changed. */
  private readonly toldDevice = new Map<string, string>();
  private readonly toldGate = new Map<string, string>();
  private readonly toldOffline = new Set<string>();
  /** Devices whose last report the edge could not record. */
  private readonly failingReports = new Set<string>();
  /** Per device and reason: when a refusal was last logged and how many came since. */
  private readonly refusalLog = new Map<string, { loggedAt: number; since: number }>();

  isOnline(deviceId: string): boolean { return this.live.get(deviceId)?.online ?? false; }

  constructor(private readonly site: Site, private readonly links: readonly DeviceLink[], private readonly edge: Edge,
    private readonly bus: GatewayBus, private readonly logger: Logger, private readonly now: () => number = Date.now) {
    this.portals = new Portals(site.gates, portalOptions(site.portal));
    this.devicesById = new Map(site.devices.map((d) => [d.id, d]));
    this.inventory = new InventoryRounds(site.devices);
    for (const d of site.devices) this.live.set(d.id, { lastHeard: 0, online: false, accepted: 0, rejected: {}, reads: new ReadRate() });
    for (const l of links) for (const id of l.deviceIds()) this.linkOf.set(id, l);
  }

  start(): void {
    for (const link of this.links) {
      this.offs.push(link.onReport((r) => this.handle(r)));
      this.offs.push(link.onDeviceState((id, state, at) => {
        // A serial port that opens says nothing of the devices on it: they are heard when they answer.
        // A reader's MQTT session, or an OPC UA monitor's session and subscription, is the device itself answering.
        if (state === 'connected') {
          this.clocks.of(id).connected(at);
          const transport = link.status().transport;
          if (transport === 'mqtt' || transport === 'opcua') this.heard(id, at, 'connect');
        }
        else this.report(id, 'offline', state === 'will' ? 'will' : 'disconnect', at);
      }));
    }
    // A short tick: tracks close 1.5 s after their last read, and escort windows end on time;
    // the tick is the floor of the latency from a track's close to its alarm.
    this.timer = setInterval(() => this.tick(this.now()), this.site.portal.tickMs);
    this.timer.unref();
  }

  /**
   * Stops listening before the links close: the devices the gateway itself disconnects on a clean
   * stop are not offline, and must not open `device_offline` on their way out.
   */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const off of this.offs) off();
  }

  tick(now: number): void {
    try {
      this.release(now);
      for (const round of this.inventory.due(now, (id) => this.isOnline(id))) {
        this.toEdge({ type: 'shelf', deviceId: round.deviceId, locationId: round.locationId, epcs: round.epcs, at: now });
      }
    } catch (e) {
      this.logger.error({ err: e }, 'placing reads on the gateway\'s clock failed');
    }
    // The edge refuses (and counts) a crossing it cannot take and records one whose decision throws
    // as `failed`; what is caught here is the portal's own fault, which must not stop the tick.
    try {
      const closed = this.portals.tick(now);
      if (closed.length) this.edge.observe(closed);
    } catch (e) {
      this.logger.error({ err: e }, 'closing portal tracks failed');
    }
    // Each link's status once a tick, not once per device: the broker's counters are a snapshot to build.
    const summaries = new Map<DeviceLink, NonNullable<DeviceObservation['link']>>(this.links.map((k) => [k, linkSummary(k)]));
    for (const d of this.site.devices) {
      const l = this.live.get(d.id)!;
      if (l.online && now - l.lastHeard > d.heartbeatSeconds * 1000) this.report(d.id, 'offline', 'timeout', now, summaries);
      else this.report(d.id, null, 'status', now, summaries);
    }
    this.reportGates(now);
  }

  /** Each gate's portal, told to the edge when its open tracks or its counters moved. */
  private reportGates(now: number): void {
    for (const [gateId, st] of Object.entries(this.portals.stats().gates)) {
      const o: Omit<GateObservation, 'at'> = {
        type: 'gate', gateId, openTracks: st.openTracks, residents: st.residents, reads: st.reads, stray: st.stray, bleed: st.bleed,
        forcedClose: st.forcedClose, ignored: { ...st.ignored }, crossings: { ...st.crossings },
      };
      const key = JSON.stringify(o);
      if (this.toldGate.get(gateId) === key) continue;
      this.toldGate.set(gateId, key);
      this.edge.observe({ ...o, at: now });
    }
  }

  private handle(rep: DeviceReport): void {
    const device = this.devicesById.get(rep.deviceId);
    const l = this.live.get(rep.deviceId);
    if (!device || !l) return;
    const at = rep.receivedAt;
    for (const x of rep.rejected ?? []) {
      l.rejected[x.reason] = (l.rejected[x.reason] ?? 0) + (x.count ?? 1);
      this.logRefusal(rep.deviceId, x.reason, x.detail, at);
    }
    for (const f of rep.faults ?? []) {
      const reason = `fault_${f.name}`;
      l.rejected[reason] = (l.rejected[reason] ?? 0) + 1;
      this.logRefusal(rep.deviceId, reason, f.detail, at);
    }
    if (rep.decoded) {
      this.handleDecoded(rep.deviceId, at, rep.decoded, l);
      return;
    }
    const said = !!(rep.rounds?.length || rep.desk || rep.readings?.length);
    if (!said) {
      // A keep-alive: the device is there with nothing new (an OPC UA monitor whose values hold still).
      if (rep.keepAlive) this.heard(rep.deviceId, at, 'heartbeat');
      return;
    }
    l.accepted++;
    this.heard(rep.deviceId, at, 'reads');
    for (const round of rep.rounds ?? []) {
      l.reads.add(at, round.epcs.length);
      const antenna = device.antennas.find((a) => a.port === round.antenna);
      if (!antenna) {
        l.rejected.unknown_antenna = (l.rejected.unknown_antenna ?? 0) + 1;
        continue;
      }
      this.toEdge({ type: 'shelf', deviceId: rep.deviceId, locationId: antenna.locationId, epcs: round.epcs, at });
    }
    const weight = rep.readings?.find((r) => r.name === 'weight');
    if (weight && device.locationId) this.toEdge({ type: 'shelf', deviceId: rep.deviceId, locationId: device.locationId, weightGrams: weight.value, at });
    if (rep.desk) this.toEdge({ type: 'desk', deviceId: rep.deviceId, epcs: rep.desk.epcs, at });
    // An environment monitor's readings of a zone: the zone the reading says (an OPC UA monitor's
    // values, each configured with one), else the zone the device hangs in (a Modbus
    // temperature/humidity transmitter's zoneId).
    // Booleans (smoke, water, door) are already 1 or 0 in a reading.
    if (device.kind === 'env_monitor') {
      for (const r of rep.readings ?? []) {
        const zoneId = r.zoneId ?? device.zoneId;
        if (zoneId) this.toEdge({ type: 'env', deviceId: rep.deviceId, zoneId, metric: r.name, value: r.value, unit: r.unit, at });
      }
    }
  }

  /** A shelf, desk, handheld or env observation: the edge counts and logs what it refuses; a store fault is logged here once a minute. */
  private toEdge(o: ShelfObservation | DeskObservation | HandheldObservation | EnvObservation): void {
    const r = this.edge.observe(o);
    if (!r.ok && r.reason === 'failed') this.logRefusal(o.deviceId, 'edge_failed', r.detail, o.at);
  }

  private handleDecoded(deviceId: string, at: number, r: DecodeResult, l: Liveness): void {
    for (const x of r.rejected) {
      l.rejected[x.reason] = (l.rejected[x.reason] ?? 0) + 1;
      this.logRefusal(deviceId, x.reason, x.detail, at);
    }
    for (const s of r.skipped) l.rejected[`skipped_${s.reason}`] = (l.rejected[`skipped_${s.reason}`] ?? 0) + s.count;
    if (r.tags.length || r.management.length) l.accepted++;
    // A will message is the device's last word, not a sign of life.
    const isWill = r.management.some((e) => e.type === 'heartbeat' && /offline/i.test(JSON.stringify(e.body ?? '')));
    if (isWill) {
      this.report(deviceId, 'offline', 'will', at);
      return;
    }
    if (r.tags.length || r.management.length) this.heard(deviceId, at, r.tags.length ? 'reads' : 'heartbeat');
    l.reads.add(at, r.tags.length);
    this.sampleClock(deviceId, at, r);
    if (this.inventory.has(deviceId)) {
      const unmapped = this.inventory.add(deviceId, r.tags, at);
      if (unmapped) l.rejected.unknown_antenna = (l.rejected.unknown_antenna ?? 0) + unmapped;
    } else if (this.devicesById.get(deviceId)?.kind === 'handheld') {
      if (r.tags.length) this.toEdge({ type: 'handheld', deviceId, epcs: handheldOrder(r.tags), at });
    } else if (r.tags.length || r.management.some((e) => e.type === 'gpi')) this.hold(deviceId, at, r);
    for (const e of r.management) {
      if (e.type === 'response') {
        this.bus.emit('deviceResponse', { deviceId, command: e.command, commandId: e.commandId, ok: e.ok, ...(e.error !== undefined ? { error: e.error } : {}) });
      }
    }
  }

  /**
   * A refused message, logged at warn: the first of each device and reason at once, then at most one
   * line a minute with how many came since, so that a reader sending garbage cannot flood the log.
   */
  private logRefusal(deviceId: string, reason: string, detail: string | undefined, at: number): void {
    const key = `${deviceId}\u0000${reason}`;
    const seen = this.refusalLog.get(key);
    if (seen && at - seen.loggedAt < REFUSAL_LOG_EVERY_MS) {
      seen.since++;
      return;
    }
    this.refusalLog.set(key, { loggedAt: at, since: 0 });
    this.logger.warn({ deviceId, reason, detail, ...(seen ? { moreSinceLastLine: seen.since } : {}) }, 'message refused');
  }

  /** The message's newest device time is one sample of the reader's clock (its heartbeats' too). */
  private sampleClock(deviceId: string, receivedAt: number, r: DecodeResult): void {
    let newest = -Infinity;
    for (const t of r.tags) if (t.gatewayTime === undefined && t.deviceTime > newest) newest = t.deviceTime;
    for (const e of r.management) {
      if (e.type === 'gpi' && e.gatewayTime === undefined && e.deviceTime > newest) newest = e.deviceTime;
      if (e.type === 'heartbeat' && e.deviceTime !== undefined && e.deviceTime > newest) newest = e.deviceTime;
    }
    if (newest === -Infinity) return;
    const clock = this.clocks.of(deviceId);
    const before = clock.state().offsetMs;
    if (clock.sample(newest, receivedAt)) {
      this.logger.warn({ deviceId, offsetMsBefore: before, offsetMs: clock.state().offsetMs }, 'device clock jumped: its times are mapped by the new offset');
    }
    this.checkClockSpan(deviceId, clock.state().offsetMs);
  }

  /**
   * Reads and photo-eye edges wait until their reader has been quiet for a moment (HOLD_SETTLE_MS,
   * at most HOLD_MAX_MS) before they are placed on the gateway's clock and go into the portal.
   * A reader that sends a whole pass at once, in many messages, is then mapped by one offset, the
   * one its newest read gives: mapped one message at a time, its first (oldest) reads would be
   * taken as late, not old, and the pass squeezed into an instant with no direction.
   */
  private hold(deviceId: string, receivedAt: number, r: DecodeResult): void {
    const h = this.held.get(deviceId);
    if (h) {
      h.last = receivedAt;
      h.results.push(r);
    } else {
      this.held.set(deviceId, { since: receivedAt, last: receivedAt, results: [r] });
    }
  }

  private release(now: number): void {
    for (const [deviceId, h] of this.held) {
      if (now - h.last < HOLD_SETTLE_MS && now - h.since < HOLD_MAX_MS) continue;
      this.held.delete(deviceId);
      const clock = this.clocks.of(deviceId);
      for (const r of h.results) {
        for (const t of r.tags) {
          t.gatewayTime ??= clock.map(t.deviceTime);
          this.portals.ingest(t);
        }
        for (const e of r.management) {
          if (e.type !== 'gpi') continue;
          e.gatewayTime ??= clock.map(e.deviceTime);
          this.portals.ingestGpi(e);
        }
      }
    }
  }

  private checkClockSpan(deviceId: string, offsetMs: number | null): void {
    const limitMs = this.site.rules.maxDeviceClockOffsetSeconds * 1000;
    const off = offsetMs !== null && Math.abs(offsetMs) > limitMs;
    if (off === this.clockOff.has(deviceId)) return;
    if (off) {
      this.clockOff.add(deviceId);
      this.logger.warn({ deviceId, offsetMs, limitMs }, 'device clock is off: decisions use the gateway\'s clock; set the reader\'s time (NTP)');
    } else {
      this.clockOff.delete(deviceId);
      this.logger.info({ deviceId, offsetMs }, 'device clock is back within its span');
    }
  }

  private heard(id: string, at: number, reason: string): void {
    const l = this.live.get(id);
    if (!l) return;
    l.lastHeard = at;
    this.inventory.heard(id, at);
    if (!l.online) {
      l.online = true;
      this.report(id, 'online', reason, at);
      this.bus.emit('deviceOnline', { deviceId: id });
    }
  }

  /**
   * Tells the edge a device's state and counters: at once when its state changes (`state`), and
   * with `state` null as a `status` report from the tick, only when a counter moved since the last.
   */
  private report(id: string, state: 'online' | 'offline' | null, reason: string, at: number,
    summaries?: ReadonlyMap<DeviceLink, NonNullable<DeviceObservation['link']>>): void {
    const l = this.live.get(id);
    if (!l || this.stopped) return;
    if (state === 'offline') {
      // Told once: a disconnect after a will, or a timeout after a disconnect, is the same outage.
      if (!l.online && this.toldOffline.has(id)) return;
      l.online = false;
      this.toldOffline.add(id);
    } else if (state === 'online') {
      this.toldOffline.delete(id);
    } else if (!this.toldDevice.has(id) && !l.online) {
      return; // never heard since start: the edge keeps what it knew (an open device_offline)
    }
    const clock = this.clocks.state(id);
    const link = this.linkOf.get(id);
    const o: Omit<DeviceObservation, 'at' | 'reason'> = {
      type: 'device', deviceId: id, state: l.online ? 'online' : 'offline', accepted: l.accepted,
      rejected: { ...l.rejected, ...link?.refusals(id) }, readsPerSecond: l.reads.perSecond(at),
      clockOffsetMs: clock.offsetMs === null ? null : Math.round(clock.offsetMs), clockJumps: clock.jumps,
      lastHeard: l.lastHeard || null, readsIgnored: this.portals.forDevice(id)?.deviceIgnored(id) ?? { unknown_antenna: 0, late: 0 },
      ...(link ? { link: summaries?.get(link) ?? linkSummary(link) } : {}),
    };
    const key = JSON.stringify(o);
    if (state === null && this.toldDevice.get(id) === key) return;
    this.toldDevice.set(id, key);
    const outcome = this.edge.observe({ ...o, reason, at });
    if (!outcome.ok) {
      // Not recorded (a store that failed): the next tick's report says it again; the edge counts
      // and logs its refusals, this says once that the gateway keeps trying.
      this.toldDevice.delete(id);
      if (!this.failingReports.has(id)) this.logger.error({ deviceId: id, reason: outcome.reason, detail: outcome.detail }, 'the edge refused a device report; sending it again each tick');
      this.failingReports.add(id);
    } else {
      this.failingReports.delete(id);
    }
  }
}

/** The link's state and counters as the device's report carries them; `since` is dropped so that an unchanged link does not make a report. */
function linkSummary(link: DeviceLink): NonNullable<DeviceObservation['link']> {
  const st = link.status();
  return {
    id: st.id, transport: st.transport, target: st.target, state: st.state, reconnects: st.reconnects, lastError: st.lastError,
    bytesIn: st.bytesIn, bytesOut: st.bytesOut, frames: st.frames, errors: st.errors,
  };
}
