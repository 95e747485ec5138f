// The portal's tuning. The first eight come from the site file's `portal` section (same names,
// same defaults); the rest are the portal's own and rarely need changing.
import type { Site } from '../../edge/site/schema.ts';

export interface PortalOptions {
  /** A track becomes a candidate crossing once it has this many reads... */
  minReads: number;
  /** ...or spans at least this long between its first and last read (device time). */
  minDwellMs: number;
  /** A track closes after this long without a read: a gap in device time, or this long since
   *  the last read arrived (gateway time, `receivedAt` against `now`). */
  closeAfterMs: number;
  /** A tag seen without a gap for this long is resident: no crossing, until unseen for closeAfterMs. */
  residentAfterMs: number;
  /** A track of at most `bleedMaxReads` reads, none stronger than this (dBm), is another gate's
   *  bleed (or a far reflection) and emits nothing. `null` turns the filter off. */
  bleedMaxRssiDbm: number | null;
  bleedMaxReads: number;
  /** Reads weaker than the track's strongest by more than this (dB) are left out of the sighting
   *  order (first, last, entry and exit side): reflections and far reads. Counts keep them. */
  significantDb: number;
  /** Photo-eye edges this long before the first or after the last read still belong to the track. */
  photoEyeMarginMs: number;
  /** Bounds: open tracks per gate (the stalest is closed early beyond it), profile bins per track,
   *  photo-eye edges kept per gate, recently closed tracks remembered to drop late stragglers. */
  maxTracks: number;
  maxBins: number;
  maxEyeEdges: number;
  maxRecentlyClosed: number;
}

export const PORTAL_DEFAULTS: PortalOptions = {
  minReads: 2,
  minDwellMs: 150,
  closeAfterMs: 1500,
  residentAfterMs: 300_000,
  bleedMaxRssiDbm: -70,
  bleedMaxReads: 5,
  significantDb: 20,
  photoEyeMarginMs: 500,
  maxTracks: 10_000,
  maxBins: 128,
  maxEyeEdges: 256,
  maxRecentlyClosed: 10_000,
};

export function portalOptions(site?: Partial<Site['portal']>, extra: Partial<PortalOptions> = {}): PortalOptions {
  return { ...PORTAL_DEFAULTS, ...site, ...extra };
}
