// From MQTT messages to custody decisions: each reader's payload goes through its format's pure
// decoder, its device times are mapped onto the gateway's clock by the reader's measured offset
// (./clock.ts), tag reads go into the gate's portal, closed tracks into the edge's gate decider.
// Counts what it accepts and refuses per device, and reports liveness to the edge as observations.
import type { Logger } from '../log.ts';
import type { DeviceLink, DeviceMessage } from '../mqtt/index.ts';
import { decoderFor, type DecodeResult } from '../decoders/index.ts';
import { Portals, portalOptions } from '../portal/index.ts';
import type { Site } from '../../edge/site/schema.ts';
import type { GateDecider } from '../../edge/rules/crossings.ts';
import type { DeviceRegistry } from '../../edge/rules/devices.ts';
import { crossingObservation, deviceObservation } from '../../edge/observations.ts';
import { DeviceClocks } from './clock.ts';

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
const HOLD_MAX_MS = 600;

export class DevicePipeline {
  readonly portals: Portals;
  readonly clocks = new DeviceClocks();
  /** Each reader's reads waiting to be placed on the gateway's clock (see `hold`). */
  private readonly held = new Map<string, { since: number; last: number; results: DecodeResult[] }>();
  /** Devices whose clock offset was last seen beyond the site's span: logged once each way. */
  private readonly clockOff = new Set<string>();
  private readonly live = new Map<string, Liveness>();
  private readonly devicesById: Map<string, Site['devices'][number]>;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private offs: (() => void)[] = [];
  onResponse: ((deviceId: string, r: { command: string; commandId: string; ok: boolean; error?: string }) => void) | null = null;
  /** Called when a device comes (back) online, e.g. to tell it again what its gate's outputs should show. */
  onOnline: ((deviceId: string) => void) | null = null;

  isOnline(deviceId: string): boolean { return this.live.get(deviceId)?.online ?? false; }

  constructor(private readonly site: Site, private readonly link: DeviceLink, private readonly decider: GateDecider,
    private readonly devices: DeviceRegistry, private readonly logger: Logger, private readonly now: () => number = Date.now) {
    this.portals = new Portals(site.gates, portalOptions(site.portal));
    this.devicesById = new Map(site.devices.map((d) => [d.id, d]));
    for (const d of site.devices) this.live.set(d.id, { lastHeard: 0, online: false, accepted: 0, rejected: {}, reads: new ReadRate() });
  }

  start(): void {
    const onMessage = this.link.onMessage((m) => this.handle(m)) as unknown;
    const onState = this.link.onDeviceState((id, state, at) => {
      if (state === 'connected') {
        this.clocks.of(id).connected(at);
        this.heard(id, at, 'connect');
      }
      else this.report(id, 'offline', state === 'will' ? 'will' : 'disconnect', at);
    }) as unknown;
    for (const off of [onMessage, onState]) if (typeof off === 'function') this.offs.push(off as () => void);
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

  gateState(gateId: string): 'idle' | 'crossing' {
    return (this.portals.gate(gateId)?.openTracks().length ?? 0) > 0 ? 'crossing' : 'idle';
  }

  tick(now: number): void {
    try {
      this.release(now);
    } catch (e) {
      this.logger.error({ err: e }, 'placing reads on the gateway\'s clock failed');
    }
    // The decider records a decision that throws as `failed`; what is caught here is the portal or a
    // crossing it could not express, and one bad crossing must not take the rest of the tick with it.
    try {
      for (const c of this.portals.tick(now)) {
        const parsed = crossingObservation.safeParse(c);
        if (parsed.success) this.decider.observe(parsed.data);
        else this.logger.error({ gateId: c.gateId, epc: c.epc, issues: parsed.error.issues }, 'crossing refused: not a valid observation');
      }
    } catch (e) {
      this.logger.error({ err: e }, 'closing portal tracks failed');
    }
    try {
      this.decider.tick(now);
    } catch (e) {
      this.logger.error({ err: e }, 'deciding crossings failed');
    }
    for (const d of this.site.devices) {
      const l = this.live.get(d.id)!;
      if (l.online && now - l.lastHeard > d.heartbeatSeconds * 1000) this.report(d.id, 'offline', 'timeout', now);
    }
  }

  private handle(m: DeviceMessage): void {
    const device = this.devicesById.get(m.deviceId);
    const l = this.live.get(m.deviceId);
    if (!device || !l || !device.format) return;
    const decoder = decoderFor(device.format);
    let r: DecodeResult;
    if (m.kind === 'tagEvents') r = decoder.tags(m.payload, { deviceId: m.deviceId, receivedAt: m.receivedAt });
    else if (m.kind === 'managementEvents' || m.kind === 'responses') r = decoder.management(m.payload, { deviceId: m.deviceId, receivedAt: m.receivedAt });
    else return;
    for (const x of r.rejected) {
      l.rejected[x.reason] = (l.rejected[x.reason] ?? 0) + 1;
      this.logger.debug({ deviceId: m.deviceId, reason: x.reason, detail: x.detail }, 'payload rejected');
    }
    for (const s of r.skipped) l.rejected[`skipped_${s.reason}`] = (l.rejected[`skipped_${s.reason}`] ?? 0) + s.count;
    if (r.tags.length || r.management.length) l.accepted++;
    // A will message is the device's last word, not a sign of life.
    const isWill = r.management.some((e) => e.type === 'heartbeat' && /offline/i.test(JSON.stringify(e.body ?? '')));
    if (isWill) {
      this.report(m.deviceId, 'offline', 'will', m.receivedAt);
      return;
    }
    if (r.tags.length || r.management.length) this.heard(m.deviceId, m.receivedAt, r.tags.length ? 'reads' : 'heartbeat');
    l.reads.add(m.receivedAt, r.tags.length);
    this.sampleClock(m.deviceId, m.receivedAt, r);
    if (r.tags.length || r.management.some((e) => e.type === 'gpi')) this.hold(m.deviceId, m.receivedAt, r);
    for (const e of r.management) {
      if (e.type === 'response') {
        this.onResponse?.(m.deviceId, { command: e.command, commandId: e.commandId, ok: e.ok, error: e.error });
      }
    }
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
    if (!l.online) {
      l.online = true;
      this.report(id, 'online', reason, at);
      this.onOnline?.(id);
    }
  }

  private report(id: string, state: 'online' | 'offline', reason: string, at: number): void {
    const l = this.live.get(id);
    if (!l || this.stopped) return;
    if (state === 'offline') {
      if (!l.online && this.devices.get(id)?.state === 'offline') return;
      l.online = false;
    }
    const clock = this.clocks.state(id);
    try {
      this.devices.observe(deviceObservation.parse({
        type: 'device', deviceId: id, state, reason, at, accepted: l.accepted, rejected: { ...l.rejected },
        readsPerSecond: l.reads.perSecond(at), clockOffsetMs: clock.offsetMs === null ? null : Math.round(clock.offsetMs), clockJumps: clock.jumps,
      }));
    } catch (e) {
      this.logger.error({ err: e, deviceId: id }, 'recording the device state failed');
    }
  }

  /** Counters for the API between state changes. */
  refreshCounters(): void {
    const now = this.now();
    for (const [id, l] of this.live) {
      const s = this.devices.get(id);
      if (!s) continue;
      s.accepted = l.accepted;
      s.rejected = { ...l.rejected, ...this.linkRefusals(id) };
      s.readsPerSecond = l.reads.perSecond(now);
      if (l.online) s.lastSeen = new Date(l.lastHeard).toISOString();
      const clock = this.clocks.state(id);
      this.devices.setClock(id, clock.offsetMs === null ? null : Math.round(clock.offsetMs), clock.jumps);
    }
  }

  private linkRefusals(id: string): Record<string, number> {
    const per = this.link.stats().perDevice[id];
    if (!per) return {};
    return Object.fromEntries(Object.entries(per.refused).filter(([, n]) => n > 0));
  }
}
