// The direction of one closed track, from four kinds of evidence, each a signed strength in
// [-1, 1] where + means outer → inner (`in`):
//   entry    which side dominated (received power, or read count without RSSI) at the start
//   exit     which side dominated at the end (+ when it was the inner side)
//   first    which side's first significant sighting came first
//   last     which side's last significant sighting came last (+ when inner)
//   peak     which side's peak-RSSI time came first
//   eyes     which photo-eye beam was broken first, when the gate has them
// A crossing needs both ends: it entered on one side AND left on the other. A turn-around enters
// and leaves on the same side, so its entry and exit evidence disagree and it is `unknown`; so is
// any track whose evidence conflicts. Never guess.
import type { Direction } from '../../edge/observations.ts';
import type { Side } from './layout.ts';
import type { PortalOptions } from './options.ts';
import type { BreaksInSpan } from './photo-eyes.ts';
import { emptyStats, merge, type SideStats, type Track } from './track.ts';

export type EvidenceName = 'entry' | 'exit' | 'first' | 'last' | 'peak' | 'eyes';

export type Reason =
  | 'crossing'
  | 'one_side'
  | 'turnaround'
  | 'conflict'
  | 'entry_unclear'
  | 'exit_unclear';

export interface Decision {
  direction: Direction;
  confidence: number;
  reason: Reason;
  /** Each piece of evidence as a signed strength: + for in, - for out, 0 for none. */
  evidence: Partial<Record<EvidenceName, number>>;
}

/** Below this a signed strength is noise. */
const DECISIVE = 0.15;
/** Combined entry (or exit) evidence must reach this to name the side. */
const SIDE_CLEAR = 0.25;
/** Peak order or photo-eyes against the entry/exit evidence by more than this is a conflict. */
const CONTRARY = 0.35;
/** The entry and exit windows: a third of the significant span, at most this long. */
const MAX_WINDOW_MS = 2000;

export function decide(track: Track, eyes: BreaksInSpan | null, opts: Pick<PortalOptions, 'significantDb'>): Decision {
  const { outer, inner } = track.sides;
  const powerMode = usesRssi(outer) && usesRssi(inner);
  const peak = Math.max(outer.maxRssi, inner.maxRssi);
  const floor = powerMode ? peak - opts.significantDb : -Infinity;
  const significant = (s: SideStats | undefined): s is SideStats =>
    !!s && s.reads > 0 && (powerMode ? s.maxRssi >= floor : true);

  // First and last significant sighting per side, from the profile.
  const bins = track.profile();
  const first: Record<Side, number> = { outer: Infinity, inner: Infinity };
  const last: Record<Side, number> = { outer: -Infinity, inner: -Infinity };
  for (const { bin } of bins) {
    for (const side of ['outer', 'inner'] as const) {
      const s = bin[side];
      if (!significant(s)) continue;
      first[side] = Math.min(first[side], s.minT);
      last[side] = Math.max(last[side], s.maxT);
    }
  }
  if (!Number.isFinite(first.outer) || !Number.isFinite(first.inner)) {
    return { direction: 'unknown', confidence: 0.1, reason: 'one_side', evidence: {} };
  }
  const start = Math.min(first.outer, first.inner);
  const end = Math.max(last.outer, last.inner);
  const span = Math.max(end - start, 1);
  const window = Math.min(Math.max(span / 3, track.binMs), MAX_WINDOW_MS);

  // Entry and exit: who dominated each end of the significant span.
  const entryAcc = { outer: emptyStats(), inner: emptyStats() };
  const exitAcc = { outer: emptyStats(), inner: emptyStats() };
  for (const { bin } of bins) {
    for (const side of ['outer', 'inner'] as const) {
      const s = bin[side];
      if (!s || s.maxT < start || s.minT > end) continue;
      const mean = s.sumT / s.reads;
      if (mean <= start + window) merge(entryAcc[side], s);
      if (mean >= end - window) merge(exitAcc[side], s);
    }
  }
  const dominance = (acc: Record<Side, SideStats>): number => {
    if (powerMode) {
      const total = acc.outer.power + acc.inner.power;
      return total > 0 ? (acc.outer.power - acc.inner.power) / total : 0;
    }
    return (acc.outer.reads - acc.inner.reads) / (acc.outer.reads + acc.inner.reads + 1);
  };
  const entry = ramp(dominance(entryAcc), 0.2, 0.6);
  const exit = -ramp(dominance(exitAcc), 0.2, 0.6);

  // Order of sightings and of peaks, against the span.
  const order = (delta: number, full: number) => ramp(delta, Math.max(100, 0.05 * span), Math.max(full, 0.25 * span));
  const firstEv = order(first.inner - first.outer, 400);
  const lastEv = order(last.inner - last.outer, 400);
  const peakEv = order(peakTime(track, 'inner', powerMode) - peakTime(track, 'outer', powerMode), 500);

  const evidence: Decision['evidence'] = { entry, exit, first: firstEv, last: lastEv, peak: peakEv };
  let eyesEv: number | null = null;
  if (eyes) {
    eyesEv = eyeOrder(eyes);
    evidence.eyes = eyesEv;
  }

  const entrySide = 0.6 * entry + 0.4 * firstEv;
  const exitSide = 0.6 * exit + 0.4 * lastEv;
  const unknown = (reason: Reason): Decision => ({ direction: 'unknown', confidence: 0, reason, evidence });

  // Entered and left by the same side: a turn-around.
  if (entrySide * exitSide < 0 && Math.abs(entrySide) >= SIDE_CLEAR && Math.abs(exitSide) >= SIDE_CLEAR) {
    return unknown('turnaround');
  }
  if (Math.abs(entrySide) < SIDE_CLEAR) return unknown('entry_unclear');
  if (Math.abs(exitSide) < SIDE_CLEAR) return unknown('exit_unclear');
  const sign = Math.sign(entrySide);
  // Any single piece of evidence clearly the other way: say so rather than guess.
  const all: (number | null)[] = [entry, exit, firstEv, lastEv, peakEv, eyesEv];
  if (all.some((v) => v !== null && -sign * v >= CONTRARY)) return unknown('conflict');

  // Confidence: how strongly the evidence agrees (weighted), scaled down for few reads.
  const weights: [number | null, number][] = [[entry, 2], [exit, 2], [firstEv, 1], [lastEv, 1], [peakEv, 2], [eyesEv, 2]];
  let sum = 0;
  let total = 0;
  for (const [v, w] of weights) {
    if (v === null) continue;
    sum += w * Math.max(sign * v, 0);
    total += w;
  }
  const agreement = sum / total;
  const readFactor = Math.min(1, 0.6 + 0.04 * track.reads);
  const confidence = round3((0.5 + 0.5 * agreement) * readFactor);
  return { direction: sign > 0 ? 'in' : 'out', confidence, reason: 'crossing', evidence };
}

/** A side's peak-RSSI time: the power-weighted mean time of its bins within 3 dB of its peak,
 *  so that one lucky read does not decide it; without RSSI, the mean time of its reads. */
function peakTime(track: Track, side: Side, powerMode: boolean): number {
  const s = track.sides[side];
  if (!powerMode || s.rssiReads === 0) return s.sumT / s.reads;
  let p = 0;
  let pt = 0;
  for (const bin of track.bins.values()) {
    const b = bin[side];
    if (!b || b.maxRssi < s.maxRssi - 3) continue;
    p += b.power;
    pt += b.powerT;
  }
  return p > 0 ? pt / p : s.maxRssiT;
}

/** Photo-eyes: + when the outer beam broke first and the inner beam last (outer → inner), - for the
 *  reverse, 0 when one side never broke or the pattern nests (two people, or a turn-around). */
export function eyeOrder(eyes: BreaksInSpan): number {
  const { outer, inner } = eyes;
  if (outer.length === 0 || inner.length === 0) return 0;
  const o0 = outer[0]!;
  const o1 = outer[outer.length - 1]!;
  const i0 = inner[0]!;
  const i1 = inner[inner.length - 1]!;
  const clean = outer.length === 1 && inner.length === 1 ? 1 : 0.6;
  if (o0 < i0 && o1 < i1) return clean;
  if (i0 < o0 && i1 < o1) return -clean;
  return 0;
}

function usesRssi(s: SideStats): boolean {
  return s.reads === 0 || s.rssiReads * 2 >= s.reads;
}

/** Signed ramp: 0 below `dead`, rising to ±1 at `full`. */
function ramp(x: number, dead: number, full: number): number {
  const a = Math.abs(x);
  if (a <= dead) return 0;
  return Math.sign(x) * Math.min(1, (a - dead) / Math.max(full - dead, 1e-9));
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
