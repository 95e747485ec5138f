// One tag's pass through one gate: per-side totals and a bounded time profile, never the reads
// themselves. Everything here is order-independent (sums, minima, maxima), so reads that arrive
// late or slightly out of order land where their device time says, as if sorted.
import type { Side } from './layout.ts';

/** What one side saw within one time bin (or over the whole track). Times are relative to the
 *  track's origin, so that sums of time stay small and exact. */
export interface SideStats {
  reads: number;
  /** Reads that carried an RSSI. */
  rssiReads: number;
  /** Strongest RSSI (dBm), -Infinity when no read had one. */
  maxRssi: number;
  /** Time of the strongest read. */
  maxRssiT: number;
  /** Sum of linear power (mW) of reads with an RSSI, and of power × time. */
  power: number;
  powerT: number;
  /** Sum of time over all reads (for a mean time when there is no RSSI). */
  sumT: number;
  minT: number;
  maxT: number;
}

export interface Bin {
  outer?: SideStats;
  inner?: SideStats;
}

export function emptyStats(): SideStats {
  return { reads: 0, rssiReads: 0, maxRssi: -Infinity, maxRssiT: 0, power: 0, powerT: 0, sumT: 0, minT: Infinity, maxT: -Infinity };
}

function add(s: SideStats, t: number, rssi: number | null, reads: number): void {
  s.reads += reads;
  s.sumT += t * reads;
  if (t < s.minT) s.minT = t;
  if (t > s.maxT) s.maxT = t;
  if (rssi !== null) {
    const p = 10 ** (rssi / 10) * reads;
    s.rssiReads += reads;
    s.power += p;
    s.powerT += p * t;
    if (rssi > s.maxRssi) {
      s.maxRssi = rssi;
      s.maxRssiT = t;
    }
  }
}

export function merge(into: SideStats, s: SideStats): void {
  into.reads += s.reads;
  into.rssiReads += s.rssiReads;
  into.power += s.power;
  into.powerT += s.powerT;
  into.sumT += s.sumT;
  into.minT = Math.min(into.minT, s.minT);
  into.maxT = Math.max(into.maxT, s.maxT);
  if (s.maxRssi > into.maxRssi) {
    into.maxRssi = s.maxRssi;
    into.maxRssiT = s.maxRssiT;
  }
}

const INITIAL_BIN_MS = 50;

export class Track {
  /** Time (epoch ms, the gateway's clock once mapped) that relative times count from: the first read to arrive. */
  readonly origin: number;
  readonly sides: Record<Side, SideStats> = { outer: emptyStats(), inner: emptyStats() };
  /** The profile: bin index → what each side saw in it. At most maxBins bins: when more would be
   *  needed the bins double in width, so a long track costs the same as a short one. */
  bins = new Map<number, Bin>();
  binMs = INITIAL_BIN_MS;
  firstReceivedAt: number;
  lastReceivedAt: number;
  /**
   * The readers' own times of the first and the last read, as evidence beside the mapped ones
   * (with two readers at one gate, each is the time of the reader that made that read).
   */
  deviceFirstSeen: number;
  deviceLastSeen: number;
  /** Whether the reads came mapped onto the gateway's clock (then the device times are evidence of their own). */
  mapped = false;

  constructor(readonly epc: string, time: number, receivedAt: number, private readonly maxBins: number, deviceTime = time) {
    this.origin = time;
    this.firstReceivedAt = receivedAt;
    this.lastReceivedAt = receivedAt;
    this.deviceFirstSeen = deviceTime;
    this.deviceLastSeen = deviceTime;
  }

  /** One report: `time` orders it in the track (the gateway's clock once mapped); `deviceTime` is the reader's own, kept as evidence. */
  add(side: Side, time: number, rssi: number | null, reads: number, receivedAt: number, deviceTime = time): void {
    const t = time - this.origin;
    if (this.reads === 0 || t < this.relFirst) this.deviceFirstSeen = deviceTime;
    if (this.reads === 0 || t > this.relLast) this.deviceLastSeen = deviceTime;
    add(this.sides[side], t, rssi, reads);
    const index = Math.floor(t / this.binMs);
    let bin = this.bins.get(index);
    if (!bin) {
      bin = {};
      this.bins.set(index, bin);
    }
    add((bin[side] ??= emptyStats()), t, rssi, reads);
    if (receivedAt > this.lastReceivedAt) this.lastReceivedAt = receivedAt;
    if (receivedAt < this.firstReceivedAt) this.firstReceivedAt = receivedAt;
    while (this.bins.size > this.maxBins) this.coarsen();
  }

  private coarsen(): void {
    const wider = new Map<number, Bin>();
    for (const [i, bin] of this.bins) {
      const j = Math.floor(i / 2);
      let w = wider.get(j);
      if (!w) {
        w = {};
        wider.set(j, w);
      }
      for (const side of ['outer', 'inner'] as const) {
        const s = bin[side];
        if (s) merge((w[side] ??= emptyStats()), s);
      }
    }
    this.bins = wider;
    this.binMs *= 2;
  }

  get reads(): number {
    return this.sides.outer.reads + this.sides.inner.reads;
  }

  private get relFirst(): number { return Math.min(this.sides.outer.minT, this.sides.inner.minT); }
  private get relLast(): number { return Math.max(this.sides.outer.maxT, this.sides.inner.maxT); }

  /** First and last read (epoch ms), on the clock the reads were added with. */
  get firstSeen(): number {
    return this.origin + this.relFirst;
  }

  get lastSeen(): number {
    return this.origin + this.relLast;
  }

  get dwellMs(): number {
    return this.lastSeen - this.firstSeen;
  }

  /** The bins in time order. */
  profile(): { start: number; bin: Bin }[] {
    return [...this.bins.entries()].sort((a, b) => a[0] - b[0]).map(([i, bin]) => ({ start: i * this.binMs, bin }));
  }
}
