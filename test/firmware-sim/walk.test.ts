import { describe, expect, it } from 'vitest';
import { readProbability, seededRandom, simulateWalk, walkReads } from '../../firmware-sim/portal/walk.ts';

const INNER = [1, 2];
const OUTER = [3, 4];
const START = Date.UTC(2025, 0, 1, 8, 0, 0);

type Read = { antenna: number; rssi: number; t: number };

function sideOf(a: number): 'inner' | 'outer' {
  return INNER.includes(a) ? 'inner' : 'outer';
}

/** Time of the strongest read of each side, and its RSSI. */
function peaks(reads: Read[]): Record<'inner' | 'outer', { t: number; rssi: number } | undefined> {
  const out: Record<'inner' | 'outer', { t: number; rssi: number } | undefined> = { inner: undefined, outer: undefined };
  for (const r of reads) {
    const s = sideOf(r.antenna);
    const cur = out[s];
    if (!cur || r.rssi > cur.rssi) out[s] = { t: r.t, rssi: r.rssi };
  }
  return out;
}

/** Mean RSSI of the five strongest reads of a side. */
function topMean(reads: Read[], side: 'inner' | 'outer'): number {
  const top = reads.filter((r) => sideOf(r.antenna) === side).map((r) => r.rssi).sort((a, b) => b - a).slice(0, 5);
  return top.length === 0 ? -100 : top.reduce((a, b) => a + b, 0) / top.length;
}

/** Mean read time of each side, weighted by signal strength: a robust "when was the tag nearest". */
function centroid(reads: Read[], side: 'inner' | 'outer'): number {
  let w = 0;
  let s = 0;
  for (const r of reads) {
    if (sideOf(r.antenna) !== side) continue;
    const weight = 10 ** (r.rssi / 10);
    w += weight;
    s += weight * r.t;
  }
  return s / w;
}

describe('seededRandom', () => {
  it('is deterministic and in [0,1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBeGreaterThan(990);
    expect(seededRandom(43)()).not.toBe(seededRandom(42)());
  });
});

describe('walkReads', () => {
  it('returns reads sorted by t, on the given antennas, with plausible RSSI and integer times', () => {
    const reads = walkReads({ direction: 'in', innerAntennas: INNER, outerAntennas: OUTER, start: START }, seededRandom(1));
    expect(reads.length).toBeGreaterThan(50);
    for (let i = 1; i < reads.length; i++) expect(reads[i]!.t).toBeGreaterThanOrEqual(reads[i - 1]!.t);
    for (const r of reads) {
      expect([...INNER, ...OUTER]).toContain(r.antenna);
      expect(r.rssi).toBeGreaterThanOrEqual(-90);
      expect(r.rssi).toBeLessThanOrEqual(-30);
      expect(Number.isInteger(r.t)).toBe(true);
      expect(r.t).toBeGreaterThanOrEqual(START);
      expect(r.t).toBeLessThan(START + 15_000);
    }
  });

  it('in: the outer side peaks before the inner side; out: the reverse (over many seeds)', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rin = walkReads({ direction: 'in', innerAntennas: INNER, outerAntennas: OUTER, start: START }, seededRandom(seed));
      const pin = peaks(rin);
      expect(pin.outer!.t).toBeLessThan(pin.inner!.t);
      expect(centroid(rin, 'outer')).toBeLessThan(centroid(rin, 'inner') - 500);
      const rout = walkReads({ direction: 'out', innerAntennas: INNER, outerAntennas: OUTER, start: START }, seededRandom(seed));
      const pout = peaks(rout);
      expect(pout.inner!.t).toBeLessThan(pout.outer!.t);
      expect(centroid(rout, 'inner')).toBeLessThan(centroid(rout, 'outer') - 500);
    }
  });

  it('RSSI rises while the tag approaches a side and falls as it moves away', () => {
    const reads = walkReads({ direction: 'in', innerAntennas: INNER, outerAntennas: OUTER, start: START }, seededRandom(5));
    const outer = reads.filter((r) => sideOf(r.antenna) === 'outer');
    const peak = peaks(reads).outer!;
    const mean = (rs: Read[]): number => rs.reduce((s, r) => s + r.rssi, 0) / rs.length;
    const early = outer.filter((r) => r.t < peak.t - 1500);
    const near = outer.filter((r) => Math.abs(r.t - peak.t) < 400);
    const late = outer.filter((r) => r.t > peak.t + 1500);
    expect(mean(near)).toBeGreaterThan(mean(early) + 6);
    expect(mean(near)).toBeGreaterThan(mean(late) + 6);
    expect(peak.rssi).toBeGreaterThan(-55);
  });

  it('turnaround: only the entry side is dominant', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const sim = simulateWalk({ direction: 'turnaround', innerAntennas: INNER, outerAntennas: OUTER, start: START }, seededRandom(seed));
      const p = peaks(sim.reads);
      const entry = sim.entered;
      const other = entry === 'outer' ? 'inner' : 'outer';
      expect(sim.exited).toBe(entry);
      expect(p[entry]!.rssi).toBeGreaterThan(p[other]?.rssi ?? -100);
      expect(topMean(sim.reads, entry)).toBeGreaterThan(topMean(sim.reads, other) + 3);
      const count = (s: string): number => sim.reads.filter((r) => sideOf(r.antenna) === s).length;
      expect(count(entry)).toBeGreaterThan(count(other));
    }
    // Both entry sides happen.
    const sides = new Set(Array.from({ length: 20 }, (_, s) => simulateWalk({ direction: 'turnaround', innerAntennas: INNER, outerAntennas: OUTER, start: START }, seededRandom(s)).entered));
    expect(sides).toEqual(new Set(['outer', 'inner']));
  });

  it('the same seed gives the same walk; speed and read rate change it as they should', () => {
    const o = { direction: 'in' as const, innerAntennas: INNER, outerAntennas: OUTER, start: START };
    expect(walkReads(o, seededRandom(9))).toEqual(walkReads(o, seededRandom(9)));
    expect(walkReads(o, seededRandom(9))).toEqual(simulateWalk(o, seededRandom(9)).reads);
    const slow = walkReads({ ...o, speedMps: 0.6 }, seededRandom(9));
    const fast = walkReads({ ...o, speedMps: 2.4 }, seededRandom(9));
    expect(slow.at(-1)!.t - START).toBeGreaterThan(fast.at(-1)!.t - START);
    const sparse = walkReads({ ...o, readRateHz: 4 }, seededRandom(9));
    expect(sparse.length).toBeLessThan(walkReads(o, seededRandom(9)).length / 2);
  });

  it('stray reads are weak and show up only when asked for', () => {
    const o = { direction: 'in' as const, innerAntennas: INNER, outerAntennas: OUTER, start: START };
    const clean = walkReads(o, seededRandom(3));
    const noisy = walkReads({ ...o, strayProbability: 0.2 }, seededRandom(3));
    expect(noisy.length).toBeGreaterThan(clean.length);
    expect(readProbability(-90)).toBe(0);
    expect(readProbability(-45)).toBeGreaterThan(0.99);
  });

  it('photo-eye beams: broken at the outer end before the inner end on the way in', () => {
    const sim = simulateWalk({ direction: 'in', innerAntennas: INNER, outerAntennas: OUTER, start: START }, seededRandom(2));
    const broken = sim.beams.filter((b) => b.broken);
    expect(broken.map((b) => b.side)).toEqual(['outer', 'inner']);
    expect(sim.beams.filter((b) => !b.broken)).toHaveLength(2);
  });

  it('works with one side only (a reader that has only inner antennas)', () => {
    const reads = walkReads({ direction: 'out', innerAntennas: [5], outerAntennas: [], start: START }, seededRandom(4));
    expect(reads.length).toBeGreaterThan(10);
    expect(new Set(reads.map((r) => r.antenna))).toEqual(new Set([5]));
  });
});
