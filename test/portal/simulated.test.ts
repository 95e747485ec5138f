// 1,000 simulated walks (firmware-sim/portal/walk.ts, a physical model written apart from the
// portal) through one Portal: clean crossings must get the right direction at least 99% of the
// time, and a turn-around must never get a direction at all.
import { describe, expect, it } from 'vitest';
import { crossingObservation, type TagObservation } from '../../edge/observations.ts';
import type { Gate } from '../../edge/site/schema.ts';
import { Portal } from '../../gateway/portal/portal.ts';
import * as walk from '../../firmware-sim/portal/walk.ts';
import { seededRandom, walkReads } from '../../firmware-sim/portal/walk.ts';
import { feed, type Arrival } from './feed.ts';

type WalkKind = 'in' | 'out' | 'turnaround';

const gate: Gate = {
  id: 'gate-sim',
  name: '模拟通道',
  innerZone: 'general',
  outerZone: 'intake',
  readers: [{ deviceId: 'reader-sim', antennas: { outer: [1, 2], inner: [3, 4] } }],
};

const eyeGate: Gate = {
  ...gate,
  id: 'gate-sim-eyes',
  readers: [{ ...gate.readers[0]!, photoEyes: { outer: 1, inner: 2 } }],
};

interface Walk {
  epc: string;
  kind: WalkKind;
  speed: number;
}

interface Tally {
  total: Record<WalkKind, number>;
  right: number;
  crossings: number;
  unknownCrossings: number;
  wrongCrossings: number;
  turnaroundsWithDirection: number;
  missing: number;
}

function run(count: number, seed: number, strayProbability: number, withEyes = false): Tally {
  const rng = seededRandom(seed);
  const portal = new Portal(withEyes ? eyeGate : gate);
  const walks = new Map<string, Walk>();
  const arrivals: Arrival[] = [];
  let start = 1_750_000_000_000;
  for (let i = 0; i < count; i++) {
    const r = rng();
    const kind: WalkKind = r < 0.4 ? 'in' : r < 0.8 ? 'out' : 'turnaround';
    const speed = 0.5 + rng() * 1.5; // slow shuffle to a brisk walk, m/s
    const readRateHz = 8 + Math.floor(rng() * 13); // 8..20 read opportunities per antenna per second
    const epc = `E28011700000${(0x100000 + i).toString(16).toUpperCase().padStart(12, '0')}`;
    walks.set(epc, { epc, kind, speed });
    const opts = { direction: kind, innerAntennas: [3, 4], outerAntennas: [1, 2], start, speedMps: speed, readRateHz, strayProbability };
    let reads: { antenna: number; rssi: number; t: number }[];
    if (withEyes) {
      // The simulator's beams: pin 1 is the outer eye, pin 2 the inner one; broken = LOW.
      const sim = walk.simulateWalk(opts, rng);
      reads = sim.reads;
      for (const b of sim.beams) {
        arrivals.push({
          kind: 'gpi',
          gpi: { type: 'gpi', deviceId: 'reader-sim', pin: b.side === 'outer' ? 1 : 2, state: b.broken ? 'low' : 'high', deviceTime: b.t, receivedAt: b.t + 40 },
        });
      }
    } else {
      reads = walkReads(opts, rng);
    }
    for (const read of reads) {
      const tag: TagObservation = {
        type: 'tag', deviceId: 'reader-sim', antenna: read.antenna, epc, rssi: read.rssi,
        deviceTime: read.t, receivedAt: read.t + 40, reads: 1,
      };
      arrivals.push({ kind: 'tag', tag });
    }
    const last = reads.length ? reads[reads.length - 1]!.t : start;
    start = last + 3_000 + Math.floor(rng() * 2_000);
  }
  const decided = feed(portal, arrivals);
  const tally: Tally = {
    total: { in: 0, out: 0, turnaround: 0 }, right: 0, crossings: 0,
    unknownCrossings: 0, wrongCrossings: 0, turnaroundsWithDirection: 0, missing: 0,
  };
  const seen = new Set<string>();
  for (const { observation: o } of decided) {
    expect(crossingObservation.safeParse(o).success).toBe(true);
    const w = walks.get(o.epc)!;
    expect(seen.has(o.epc), `one crossing per walk (${o.epc})`).toBe(false);
    seen.add(o.epc);
    if (w.kind === 'turnaround') {
      if (o.direction !== 'unknown') tally.turnaroundsWithDirection++;
    } else if (o.direction === w.kind) tally.right++;
    else if (o.direction === 'unknown') tally.unknownCrossings++;
    else tally.wrongCrossings++;
  }
  for (const w of walks.values()) {
    tally.total[w.kind]++;
    if (w.kind !== 'turnaround') {
      tally.crossings++;
      if (!seen.has(w.epc)) tally.missing++;
    }
  }
  return tally;
}

describe('simulated walks through a portal', () => {
  it('1,000 clean walks: ≥ 99% right on crossings, no turn-around given a direction', () => {
    const t = run(1000, 20_241_101, 0);
    console.info('clean walks', JSON.stringify({ ...t, accuracy: t.right / t.crossings }));
    expect(t.total.in + t.total.out + t.total.turnaround).toBe(1000);
    expect(t.total.turnaround).toBeGreaterThan(100);
    expect(t.right / t.crossings).toBeGreaterThanOrEqual(0.99);
    expect(t.wrongCrossings).toBe(0);
    expect(t.turnaroundsWithDirection).toBe(0);
  });

  it('1,000 walks with stray reflections: never a wrong direction, turn-arounds never given one', () => {
    const t = run(1000, 7_777, 0.02);
    console.info('walks with strays', JSON.stringify({ ...t, accuracy: t.right / t.crossings }));
    expect(t.wrongCrossings).toBe(0);
    expect(t.turnaroundsWithDirection).toBe(0);
    expect(t.right / t.crossings).toBeGreaterThanOrEqual(0.97);
  });

  // simulateWalk (the same model, with the photo-eye beams) is not part of walk.ts's agreed surface:
  // run this part only while it is there.
  it.skipIf(typeof walk.simulateWalk !== 'function')('500 clean walks through a gate with photo-eyes: same bars', () => {
    const t = run(500, 4_242, 0, true);
    console.info('walks with photo-eyes', JSON.stringify({ ...t, accuracy: t.right / t.crossings }));
    expect(t.right / t.crossings).toBeGreaterThanOrEqual(0.99);
    expect(t.wrongCrossings).toBe(0);
    expect(t.turnaroundsWithDirection).toBe(0);
  });
});
