// One gate's portal: tag reads and photo-eye edges in, crossings out. Pure and clock-injected:
// nothing here reads the clock or sets a timer; the caller feeds observations and calls
// `tick(now)` (gateway time, the same clock as `receivedAt`) as often as it likes. Reads and
// photo-eye edges are placed by `gatewayTime` (their device time mapped by the gateway onto its
// own clock, so that a gate's two readers with different clocks still agree) and by their device
// time when no mapping was made; the readers' own times ride along as evidence.
import type { CrossingObservation, TagObservation } from '../../edge/observations.ts';
import type { Gate } from '../../edge/site/schema.ts';
import type { GpiEvent } from '../decoders/types.ts';
import { decide, type Decision } from './direction.ts';
import { GateLayout } from './layout.ts';
import { portalOptions, type PortalOptions } from './options.ts';
import { PhotoEyes } from './photo-eyes.ts';
import { Track } from './track.ts';

export interface OpenTrack {
  epc: string;
  firstSeen: number;
  lastSeen: number;
  reads: number;
  outerReads: number;
  innerReads: number;
  lastReceivedAt: number;
}

export interface Resident {
  epc: string;
  /** Device time of the first read of the stay, and of the latest. */
  since: number;
  lastSeen: number;
}

/** A crossing with the evidence behind its direction, for logs and tests. */
export interface DecidedCrossing {
  observation: CrossingObservation;
  decision: Decision;
}

export interface PortalStats {
  /** Reads (reports) taken into a track or a resident. */
  reads: number;
  /** Reads left out, by reason. */
  ignored: { unknown_device: number; unknown_antenna: number; late: number };
  gpi: { breaks: number; restores: number; ignored: number };
  tracksOpened: number;
  /** Tracks closed without a crossing: too few reads and too short (a stray), or another gate's bleed. */
  stray: number;
  bleed: number;
  /** Tracks closed early because the gate had maxTracks open. */
  forcedClose: number;
  crossings: { in: number; out: number; unknown: number };
  residentsBecame: number;
  residentsLeft: number;
  openTracks: number;
  residents: number;
}

interface ResidentState {
  since: number;
  lastSeen: number;
  lastReceivedAt: number;
}

export class Portal {
  readonly gateId: string;
  readonly layout: GateLayout;
  readonly options: PortalOptions;
  private readonly tracks = new Map<string, Track>();
  /** Tracks already closed (a gap in device time, or too many open), decided at the next tick. */
  private closing: Track[] = [];
  private readonly residentTags = new Map<string, ResidentState>();
  /** EPC → device time of the last read of its last closed track, to drop late stragglers. */
  private readonly recentlyClosed = new Map<string, { lastSeen: number; closedAt: number }>();
  private readonly eyes: PhotoEyes;
  private lastNow = 0;
  /** Reads of this gate's own readers left out, per reader: what its row on the Devices page shows. */
  private readonly ignoredOf = new Map<string, { unknown_antenna: number; late: number }>();
  private readonly counters = {
    reads: 0,
    ignored: { unknown_device: 0, unknown_antenna: 0, late: 0 },
    gpi: { breaks: 0, restores: 0, ignored: 0 },
    tracksOpened: 0,
    stray: 0,
    bleed: 0,
    forcedClose: 0,
    crossings: { in: 0, out: 0, unknown: 0 },
    residentsBecame: 0,
    residentsLeft: 0,
  };

  constructor(gate: Gate, opts: Partial<PortalOptions> = {}) {
    this.gateId = gate.id;
    this.layout = new GateLayout(gate);
    this.options = portalOptions(undefined, opts);
    this.eyes = new PhotoEyes(this.options.maxEyeEdges);
  }

  ingest(tag: TagObservation): void {
    const side = this.layout.antennaSide(tag.deviceId, tag.antenna);
    if (!side) {
      const serves = this.layout.servesDevice(tag.deviceId);
      this.counters.ignored[serves ? 'unknown_antenna' : 'unknown_device']++;
      if (serves) this.ignoredBy(tag.deviceId).unknown_antenna++;
      return;
    }
    const { closeAfterMs } = this.options;
    const t = tag.gatewayTime ?? tag.deviceTime;
    const reads = tag.reads ?? 1;

    const resident = this.residentTags.get(tag.epc);
    if (resident) {
      if (t - resident.lastSeen <= closeAfterMs) {
        resident.lastSeen = Math.max(resident.lastSeen, t);
        resident.lastReceivedAt = Math.max(resident.lastReceivedAt, tag.receivedAt);
        this.counters.reads++;
        return;
      }
      // Unseen (by read time) for longer than closeAfterMs: the stay is over, this is a new pass.
      this.residentTags.delete(tag.epc);
      this.counters.residentsLeft++;
    }

    let track = this.tracks.get(tag.epc);
    if (track) {
      if (t > track.lastSeen + closeAfterMs) {
        // The tag went quiet and came back: both passes arrived before the close timer fired.
        this.close(track, tag.receivedAt);
        this.closing.push(track);
        track = undefined;
      } else if (t < track.firstSeen - closeAfterMs) {
        this.counters.ignored.late++;
        this.ignoredBy(tag.deviceId).late++;
        return;
      }
    }
    if (!track) {
      const closed = this.recentlyClosed.get(tag.epc);
      if (closed && t <= closed.lastSeen) {
        // A straggler of a pass already decided: a batch that came after the close timer.
        this.counters.ignored.late++;
        this.ignoredBy(tag.deviceId).late++;
        return;
      }
      if (this.tracks.size >= this.options.maxTracks) this.evictStalest(tag.receivedAt);
      track = new Track(tag.epc, t, tag.receivedAt, this.options.maxBins, tag.deviceTime);
      this.tracks.set(tag.epc, track);
      this.counters.tracksOpened++;
    }
    track.add(side, t, tag.rssi, reads, tag.receivedAt, tag.deviceTime);
    if (tag.gatewayTime !== undefined) track.mapped = true;
    this.counters.reads++;

    if (track.dwellMs >= this.options.residentAfterMs) {
      this.tracks.delete(tag.epc);
      this.residentTags.set(tag.epc, { since: track.firstSeen, lastSeen: track.lastSeen, lastReceivedAt: track.lastReceivedAt });
      this.counters.residentsBecame++;
    }
  }

  ingestGpi(e: GpiEvent): void {
    const side = this.layout.eyeSide(e.deviceId, e.pin);
    if (!side) {
      this.counters.gpi.ignored++;
      return;
    }
    if (e.state === 'low') {
      this.eyes.add({ side, t: e.gatewayTime ?? e.deviceTime });
      this.counters.gpi.breaks++;
    } else {
      this.counters.gpi.restores++;
    }
  }

  /** Closes what is due at `now` and returns the crossings decided. */
  tick(now: number): CrossingObservation[] {
    return this.tickDetailed(now).map((c) => c.observation);
  }

  tickDetailed(now: number): DecidedCrossing[] {
    this.lastNow = Math.max(this.lastNow, now);
    const { closeAfterMs } = this.options;
    const due = this.closing;
    this.closing = [];
    for (const [epc, track] of this.tracks) {
      if (now - track.lastReceivedAt >= closeAfterMs) {
        this.tracks.delete(epc);
        this.close(track, now);
        due.push(track);
      }
    }
    for (const [epc, r] of this.residentTags) {
      if (now - r.lastReceivedAt >= closeAfterMs) {
        this.residentTags.delete(epc);
        this.counters.residentsLeft++;
      }
    }
    // Stragglers come within a few batches; forget closed tracks after a while, and beyond the cap.
    for (const [epc, c] of this.recentlyClosed) {
      if (now - c.closedAt < 10 * closeAfterMs && this.recentlyClosed.size <= this.options.maxRecentlyClosed) break;
      this.recentlyClosed.delete(epc);
    }
    const out: DecidedCrossing[] = [];
    for (const track of due.sort((a, b) => a.firstSeen - b.firstSeen)) {
      const c = this.finish(track);
      if (c) out.push(c);
    }
    return out;
  }

  openTracks(): OpenTrack[] {
    return [...this.tracks.values()].map((t) => ({
      epc: t.epc,
      firstSeen: t.firstSeen,
      lastSeen: t.lastSeen,
      reads: t.reads,
      outerReads: t.sides.outer.reads,
      innerReads: t.sides.inner.reads,
      lastReceivedAt: t.lastReceivedAt,
    }));
  }

  /** EPCs resident at the gate now: seen without a break for residentAfterMs, ignored until gone. */
  residents(): string[] {
    return [...this.residentTags.keys()].sort();
  }

  residentDetails(): Resident[] {
    return [...this.residentTags].map(([epc, r]) => ({ epc, since: r.since, lastSeen: r.lastSeen }));
  }

  /** This reader's reads left out by this gate: on an antenna the site does not map, or too late to belong to a pass. */
  deviceIgnored(deviceId: string): { unknown_antenna: number; late: number } {
    return { ...(this.ignoredOf.get(deviceId) ?? { unknown_antenna: 0, late: 0 }) };
  }

  private ignoredBy(deviceId: string): { unknown_antenna: number; late: number } {
    let c = this.ignoredOf.get(deviceId);
    if (!c) this.ignoredOf.set(deviceId, (c = { unknown_antenna: 0, late: 0 }));
    return c;
  }

  stats(): PortalStats {
    const c = this.counters;
    return {
      reads: c.reads,
      ignored: { ...c.ignored },
      gpi: { ...c.gpi },
      tracksOpened: c.tracksOpened,
      stray: c.stray,
      bleed: c.bleed,
      forcedClose: c.forcedClose,
      crossings: { ...c.crossings },
      residentsBecame: c.residentsBecame,
      residentsLeft: c.residentsLeft,
      openTracks: this.tracks.size,
      residents: this.residentTags.size,
    };
  }

  private close(track: Track, now: number): void {
    this.tracks.delete(track.epc);
    this.recentlyClosed.delete(track.epc);
    this.recentlyClosed.set(track.epc, { lastSeen: track.lastSeen, closedAt: now });
  }

  private evictStalest(now: number): void {
    let stalest: Track | undefined;
    for (const t of this.tracks.values()) if (!stalest || t.lastReceivedAt < stalest.lastReceivedAt) stalest = t;
    if (!stalest) return;
    this.close(stalest, now);
    this.closing.push(stalest);
    this.counters.forcedClose++;
  }

  private finish(track: Track): DecidedCrossing | null {
    const o = this.options;
    if (track.reads < o.minReads && track.dwellMs < o.minDwellMs) {
      this.counters.stray++;
      return null;
    }
    if (this.isBleed(track)) {
      this.counters.bleed++;
      return null;
    }
    const eyes = this.layout.hasPhotoEyes
      ? this.eyes.between(track.firstSeen - o.photoEyeMarginMs, track.lastSeen + o.photoEyeMarginMs)
      : null;
    const decision = decide(track, eyes, o);
    this.counters.crossings[decision.direction]++;
    return {
      decision,
      observation: {
        type: 'crossing',
        gateId: this.gateId,
        epc: track.epc,
        direction: decision.direction,
        confidence: decision.confidence,
        firstSeen: track.firstSeen,
        lastSeen: track.lastSeen,
        ...(track.mapped ? { deviceFirstSeen: track.deviceFirstSeen, deviceLastSeen: track.deviceLastSeen } : {}),
        readCount: track.reads,
      },
    };
  }

  /** Few reads, all weak: a neighbouring gate's field (or a far reflection), not a pass through this one. */
  private isBleed(track: Track): boolean {
    const max = this.options.bleedMaxRssiDbm;
    if (max === null || track.reads > this.options.bleedMaxReads) return false;
    const { outer, inner } = track.sides;
    // Without an RSSI on every read there is no telling weak from strong: keep the track.
    if (outer.rssiReads + inner.rssiReads < track.reads) return false;
    return Math.max(outer.maxRssi, inner.maxRssi) < max;
  }
}
