/**
 * A small physical model of a person carrying a UHF tag through an RFID portal.
 *
 * Geometry (metres): the walking axis x runs from the outer end of the portal (x = 0) to its
 * inner end (x = depth, default 2). Outer antennas stand at x = 0, inner antennas at x = depth,
 * alternately on the left and right wall (y = ±0.75) at about chest height. The tag moves along
 * the axis with a small lateral offset; its RSSI at each antenna follows a log-distance path loss
 * (≈ -45 dBm at half a metre, ≈ -75 dBm at four metres) plus a per-walk offset (tag orientation,
 * body shielding) and per-read fading. Each antenna gets a read opportunity `readRateHz` times
 * a second; the read succeeds with a probability that rises with RSSI (about 50 % at -70 dBm).
 *
 * `in` walks outer → inner, `out` inner → outer, `turnaround` enters from one side, goes to about
 * the middle of the portal and leaves by the same side.
 *
 * Nothing here imports the gateway: it is a simulation written apart from the decoders.
 */

export type WalkDirection = 'in' | 'out' | 'turnaround';
export type PortalSide = 'inner' | 'outer';

export interface WalkOptions {
  direction: WalkDirection;
  innerAntennas: number[];
  outerAntennas: number[];
  /** Epoch ms at which the walk begins (the tag is `approachM` before the portal). */
  start: number;
  /** Walking speed, m/s. Default 1.2. */
  speedMps?: number;
  /** Read opportunities per antenna per second. Default 20. */
  readRateHz?: number;
  /** Probability, per antenna read opportunity, of a stray read (reflection) at weak RSSI. Default 0. */
  strayProbability?: number;
  /** Portal depth between the outer and the inner antennas, metres. Default 2. */
  depthM?: number;
  /** Distance walked before reaching the portal and after leaving it, metres. Default 3. */
  approachM?: number;
  /** Turnaround only: the side the person enters and leaves by. Default: chosen by rng. */
  turnaroundSide?: PortalSide;
  /** Turnaround only: how far into the portal the person goes, metres from the entry. Default: 0.5–0.9 × depth/2, by rng. */
  turnaroundDepthM?: number;
  /** Lateral offset of the tag from the portal axis, metres. Default: by rng within ±0.3. */
  lateralOffsetM?: number;
}

export interface WalkRead {
  antenna: number;
  /** dBm, one decimal. */
  rssi: number;
  /** Epoch ms (integer). */
  t: number;
}

export interface BeamEvent {
  side: PortalSide;
  /** true = beam broken (the Zebra GPI reads LOW), false = beam restored (HIGH). */
  broken: boolean;
  t: number;
}

export interface WalkSimulation {
  reads: WalkRead[];
  /** When the tag's carrier breaks and restores the photo-eye beam at each end of the portal. */
  beams: BeamEvent[];
  /** Epoch ms at which the walk ends. */
  end: number;
  /** The side entered by and the side left by. */
  entered: PortalSide;
  exited: PortalSide;
}

/** mulberry32: a tiny, fast, seedable PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal deviate (Box–Muller). */
export function gaussian(rng: () => number): number {
  let u = 0;
  while (u <= Number.EPSILON) u = rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

const RSSI_AT_REF = -45; // dBm at REF_DISTANCE
const REF_DISTANCE = 0.5; // m
const PATH_LOSS_SLOPE = 33; // dB per decade (exponent ≈ 3.3: indoor, body nearby)
const ANTENNA_Y = 0.75; // walls at ±0.75 m
const ANTENNA_HEIGHT_GAP = 0.3; // tag vs antenna height difference, m
const READ_MIDPOINT = -70; // dBm at which half the opportunities read
const READ_SLOPE = 2.5; // dB
const RSSI_FLOOR = -82; // the receiver hears nothing weaker
const RSSI_CEILING = -30;

interface AntennaPlace {
  antenna: number;
  side: PortalSide;
  x: number;
  y: number;
}

function placeAntennas(inner: number[], outer: number[], depth: number): AntennaPlace[] {
  const places: AntennaPlace[] = [];
  outer.forEach((antenna, i) => places.push({ antenna, side: 'outer', x: 0, y: i % 2 === 0 ? -ANTENNA_Y : ANTENNA_Y }));
  inner.forEach((antenna, i) => places.push({ antenna, side: 'inner', x: depth, y: i % 2 === 0 ? -ANTENNA_Y : ANTENNA_Y }));
  return places;
}

/** Mean RSSI (dBm) of a tag at distance d metres, before offsets and fading. */
export function pathLossRssi(distanceM: number): number {
  const d = Math.max(distanceM, 0.05);
  return RSSI_AT_REF - PATH_LOSS_SLOPE * Math.log10(d / REF_DISTANCE);
}

/** Probability that one read opportunity succeeds at this RSSI. */
export function readProbability(rssi: number): number {
  if (rssi < RSSI_FLOOR) return 0;
  return 1 / (1 + Math.exp(-(rssi - READ_MIDPOINT) / READ_SLOPE));
}

/**
 * Simulates one tag's walk through the portal: the reads and, for photo eyes, when the beams at
 * each end are broken. `walkReads` returns `.reads` of this with the same rng consumption.
 */
export function simulateWalk(opts: WalkOptions, rng: () => number): WalkSimulation {
  const speed = opts.speedMps ?? 1.2;
  const rate = opts.readRateHz ?? 20;
  const stray = opts.strayProbability ?? 0;
  const depth = opts.depthM ?? 2;
  const approach = opts.approachM ?? 3;
  if (!(speed > 0)) throw new RangeError('speedMps must be > 0');
  if (!(rate > 0)) throw new RangeError('readRateHz must be > 0');
  if (!(depth > 0)) throw new RangeError('depthM must be > 0');

  // Random choices are drawn in a fixed order whatever the options, so that giving one of them
  // explicitly does not change the rest of the walk for the same seed.
  const rSide = rng();
  const rDepth = rng();
  const rLateral = rng();
  const lateral = opts.lateralOffsetM ?? (rLateral - 0.5) * 0.6;

  // The path as a list of x waypoints, walked at constant speed.
  let waypoints: number[];
  let entered: PortalSide;
  let exited: PortalSide;
  if (opts.direction === 'in') {
    waypoints = [-approach, depth + approach];
    entered = 'outer';
    exited = 'inner';
  } else if (opts.direction === 'out') {
    waypoints = [depth + approach, -approach];
    entered = 'inner';
    exited = 'outer';
  } else {
    const side = opts.turnaroundSide ?? (rSide < 0.5 ? 'outer' : 'inner');
    const into = opts.turnaroundDepthM ?? (depth / 2) * (0.5 + 0.4 * rDepth);
    const turnX = side === 'outer' ? into : depth - into;
    const farX = side === 'outer' ? -approach : depth + approach;
    waypoints = [farX, turnX, farX];
    entered = side;
    exited = side;
  }
  const legs: { from: number; to: number; t0: number; dur: number }[] = [];
  let tCursor = 0;
  for (let i = 0; i + 1 < waypoints.length; i++) {
    const from = waypoints[i]!;
    const to = waypoints[i + 1]!;
    // A turnaround pauses a moment at the turning point.
    const dur = (Math.abs(to - from) / speed) * 1000;
    legs.push({ from, to, t0: tCursor, dur });
    tCursor += dur + (i + 2 < waypoints.length ? 400 : 0);
  }
  const totalMs = tCursor;
  const xAt = (ms: number): number => {
    for (let i = 0; i < legs.length; i++) {
      const leg = legs[i]!;
      if (ms <= leg.t0 + leg.dur) {
        const f = leg.dur === 0 ? 1 : Math.max(0, (ms - leg.t0) / leg.dur);
        return leg.from + (leg.to - leg.from) * f;
      }
      const next = legs[i + 1];
      if (next && ms < next.t0) return leg.to; // pausing
    }
    return legs[legs.length - 1]!.to;
  };

  const antennas = placeAntennas(opts.innerAntennas, opts.outerAntennas, depth);
  // Per-walk offsets: tag orientation and the body shielding it shift every antenna alike;
  // mounting and cabling add a smaller per-antenna part.
  const shared = gaussian(rng) * 2.5;
  const offsets = antennas.map(() => shared + gaussian(rng) * 1.2);
  const periodMs = 1000 / rate;
  const reads: WalkRead[] = [];
  antennas.forEach((place, idx) => {
    // Antennas are read in turn: each has its own phase within the period.
    const phase = (idx / Math.max(antennas.length, 1)) * periodMs;
    for (let ms = phase; ms <= totalMs; ms += periodMs) {
      const x = xAt(ms);
      const d = Math.hypot(x - place.x, lateral - place.y, ANTENNA_HEIGHT_GAP);
      const rssi = pathLossRssi(d) + offsets[idx]! + gaussian(rng) * 2;
      const rRead = rng();
      const rStray = rng();
      const jitter = (rng() - 0.5) * periodMs * 0.5;
      const t = Math.round(opts.start + Math.max(0, ms + jitter));
      if (rRead < readProbability(rssi)) {
        reads.push({ antenna: place.antenna, rssi: round1(Math.min(rssi, RSSI_CEILING)), t });
      } else if (rStray < stray) {
        // A reflection: a weak read that owes nothing to where the tag is.
        reads.push({ antenna: place.antenna, rssi: round1(-80 + rng() * 10), t });
      }
    }
  });
  reads.sort((a, b) => a.t - b.t || a.antenna - b.antenna);

  // Photo eyes at each end of the portal: a body ~0.35 m deep breaks the beam around x = 0 / depth.
  const beams: BeamEvent[] = [];
  const body = 0.35;
  for (const [side, bx] of [['outer', 0], ['inner', depth]] as const) {
    let broken = false;
    let brokeAt = 0;
    for (let ms = 0; ms <= totalMs; ms += 10) {
      const inBeam = Math.abs(xAt(ms) - bx) <= body / 2;
      if (inBeam !== broken) {
        // Ignore flickers shorter than 50 ms.
        if (!inBeam && ms - brokeAt < 50) continue;
        broken = inBeam;
        if (broken) brokeAt = ms;
        beams.push({ side, broken, t: Math.round(opts.start + ms) });
      }
    }
    if (broken) beams.push({ side, broken: false, t: Math.round(opts.start + totalMs) });
  }
  beams.sort((a, b) => a.t - b.t);

  return { reads, beams, end: Math.round(opts.start + totalMs), entered, exited };
}

/** The reads of one tag walking through the portal, sorted by t (epoch ms). */
export function walkReads(
  opts: WalkOptions,
  rng: () => number,
): { antenna: number; rssi: number; t: number }[] {
  return simulateWalk(opts, rng).reads;
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}
