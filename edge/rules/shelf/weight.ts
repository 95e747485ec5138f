// Unexpected removal by weight: a load cell reads less than its location should weigh (the cell's
// tare plus the stored items' weights) beyond its tolerance, for longer than the shelf's grace, and
// no active order covers an item there. One alarm per location while it is open.
import type { RaiseAlarm } from '../../alarms/alarm.ts';
import { iso, type ShelfPlace } from './context.ts';

/** What the location should weigh: items with no weight recorded count as nothing (they cannot be missed by weight). */
export function expectedGrams(tareGrams: number, weights: Iterable<number | null>): number {
  let sum = tareGrams;
  for (const w of weights) if (w !== null) sum += w;
  return sum;
}

/** The grams missing beyond the tolerance: 0 when the reading is within it (or above). */
export function missingGrams(measured: number, expected: number, tolerance: number): number {
  return measured < expected - tolerance ? expected - measured : 0;
}

export interface WeightFacts {
  place: ShelfPlace;
  deviceId: string;
  measuredGrams: number;
  expectedGrams: number;
  toleranceGrams: number;
  /** When it was first read short, on the gateway's clock (or when the cell came back online, if later), and now. */
  clockFrom: number;
  now: number;
  graceMs: number;
}

export const weightCause = (locationId: string) => `unexpected_removal:weight:${locationId}`;

export function weightRemoval(f: WeightFacts, covered: boolean): RaiseAlarm | null {
  const missing = missingGrams(f.measuredGrams, f.expectedGrams, f.toleranceGrams);
  if (covered || missing === 0 || f.now - f.clockFrom <= f.graceMs) return null;
  return {
    kind: 'unexpected_removal', severity: 'critical', causeKey: weightCause(f.place.id), restricted: f.place.restricted,
    zoneId: f.place.zoneId, locationId: f.place.id, deviceId: f.deviceId,
    message: `${f.place.name} 重量减少 ${Math.round(missing)} 克，无有效指令`,
    details: {
      basis: 'weight', measuredGrams: f.measuredGrams, expectedGrams: f.expectedGrams, missingGrams: missing,
      toleranceGrams: f.toleranceGrams, shortSince: iso(f.clockFrom), graceSeconds: f.graceMs / 1000,
    },
  };
}
