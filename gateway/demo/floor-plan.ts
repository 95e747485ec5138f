// The demo center's floor plan: one storey, 120 m × 70 m in decimetres, the street along the
// bottom (south) wall. The vehicle yard takes the west end; the intake room (移交待检区) opens on the
// street by its own door, next to the main entrance of the general store; the general store is a
// shelving hall with a corridor along the north side, off which the cold, hazardous, firearms and
// display rooms open; the valuables vault and, behind its own door, the commission's restricted
// zone (专区) take the east end. Locations stand in rows inside their zones, as demoLocations() numbers them.
import type { SiteInput } from '../../edge/site/schema.ts';
import { demoLocations } from './site.ts';

type Plan = NonNullable<SiteInput['floorPlan']>;
const rect = (x0: number, y0: number, x1: number, y1: number): [number, number][] => [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];

/** Where each zone's rows begin, how many to a row and how far apart (the rows of demoLocations()). */
const ROWS: Record<string, { x: number; y: number; columns: number; dx: number; dy: number }> = {
  vehicle: { x: 60, y: 40, columns: 2, dx: 160, dy: 32 },
  intake: { x: 325, y: 600, columns: 8, dx: 30, dy: 0 },
  general: { x: 585, y: 315, columns: 12, dx: 26, dy: 38 },
  cold: { x: 320, y: 70, columns: 10, dx: 20, dy: 70 },
  hazardous: { x: 545, y: 50, columns: 10, dx: 25, dy: 50 },
  firearms: { x: 820, y: 70, columns: 10, dx: 18, dy: 70 },
  display: { x: 1030, y: 100, columns: 6, dx: 28, dy: 0 },
  valuables: { x: 928, y: 310, columns: 10, dx: 27, dy: 45 },
  restricted: { x: 928, y: 520, columns: 10, dx: 27, dy: 45 },
};

export function demoFloorPlan(): Plan {
  const locations = demoLocations();
  // The vehicle yard's bays are numbered by row (two rows of 20); on the plan each row is a column of 20 bays.
  const ordered = (zone: string) => {
    const ids = locations.filter((l) => l.zoneId === zone).map((l) => l.id);
    if (zone !== 'vehicle') return ids;
    const half = ids.length / 2;
    return Array.from({ length: ids.length }, (_, k) => ids[(k % 2) * half + Math.floor(k / 2)]!);
  };
  return {
    floors: [{
      id: 'f1', name: '一层', nameEn: 'Ground floor', width: 1200, height: 700,
      zones: [
        { zoneId: 'vehicle', outline: rect(0, 0, 300, 700) },
        { zoneId: 'cold', outline: rect(300, 0, 520, 200) },
        { zoneId: 'hazardous', outline: rect(520, 0, 800, 200) },
        { zoneId: 'firearms', outline: rect(800, 0, 1000, 200) },
        { zoneId: 'display', outline: rect(1000, 0, 1200, 200) },
        // The corridor along the north rooms, and the shelving hall south of it to the street.
        { zoneId: 'general', outline: [[300, 200], [1200, 200], [1200, 280], [900, 280], [900, 700], [560, 700], [560, 280], [300, 280]] },
        { zoneId: 'intake', outline: rect(300, 280, 560, 700) },
        { zoneId: 'valuables', outline: rect(900, 280, 1200, 480) },
        { zoneId: 'restricted', outline: rect(900, 480, 1200, 700) },
      ],
      grids: Object.entries(ROWS).map(([zone, g]) => ({ locations: ordered(zone), ...g })),
      gates: [
        // Angles point from the outer side into the inner zone (0 east, 90 south, 270 north).
        { gateId: 'gate-intake', x: 430, y: 700, angle: 270 },
        { gateId: 'gate-main', x: 730, y: 700, angle: 270 },
        { gateId: 'gate-valuables', x: 1050, y: 280, angle: 90 },
        { gateId: 'gate-restricted', x: 900, y: 590, angle: 0 },
      ],
    }],
  };
}
