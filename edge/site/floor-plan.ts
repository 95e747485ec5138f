// The floor plan (平面图) of the site file: each zone's outline, each location's place and each
// gate's position, on one or more floors, in plan units (decimetres, say) from the floor's top-left
// corner. The dashboards draw it; nothing in custody depends on it, so a site without one loses
// only the map. A plan that names what is not in the file, or draws what cannot be drawn, is
// refused at start with the path of each problem, like every other site-file error.
import { z } from 'zod';

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, 'letters, digits, "_", ".", ":" or "-", at most 64');
const coordinate = z.number().finite();
export const pointSchema = z.tuple([coordinate, coordinate]);

export const floorZoneSchema = z.object({
  zoneId: id,
  /** A simple polygon (no edge crossing another), its corners in order, at least three. */
  outline: z.array(pointSchema).min(3, 'an outline has at least 3 points'),
}).strict();

export const floorLocationSchema = z.object({ locationId: id, x: coordinate, y: coordinate }).strict();

/**
 * Rows of locations in one go: `locations` placed left to right from (x, y), `columns` to a row,
 * `dx` apart, the next row `dy` below. What a shelving plan looks like, without 120 lines of x and y.
 */
export const floorGridSchema = z.object({
  locations: z.array(id).min(1),
  x: coordinate, y: coordinate,
  columns: z.number().int().min(1),
  dx: z.number().finite(), dy: z.number().finite(),
}).strict();

export const floorGateSchema = z.object({
  gateId: id,
  x: coordinate, y: coordinate,
  /** Degrees from the +x axis (clockwise, y grows downwards) pointing from the gate's outer side into its inner zone; absent, towards the inner zone's middle. */
  angle: z.number().min(-360).max(360).optional(),
}).strict();

export const floorSchema = z.object({
  id,
  name: z.string().min(1),
  nameEn: z.string().optional(),
  width: z.number().positive().finite(),
  height: z.number().positive().finite(),
  zones: z.array(floorZoneSchema).default([]),
  locations: z.array(floorLocationSchema).default([]),
  grids: z.array(floorGridSchema).default([]),
  gates: z.array(floorGateSchema).default([]),
}).strict();

export const floorPlanSchema = z.object({ floors: z.array(floorSchema).min(1) }).strict();
export type FloorPlan = z.output<typeof floorPlanSchema>;
export type Floor = FloorPlan['floors'][number];
type Point = readonly [number, number];

/** Each location's place on a floor, its grids spelled out, with the path in the file that placed it. */
export function floorPlaces(f: Floor): { locationId: string; x: number; y: number; path: (string | number)[] }[] {
  return [
    ...f.locations.map((l, i) => ({ locationId: l.locationId, x: l.x, y: l.y, path: ['locations', i] as (string | number)[] })),
    ...f.grids.flatMap((g, i) => g.locations.map((locationId, k) => ({
      locationId, x: g.x + (k % g.columns) * g.dx, y: g.y + Math.floor(k / g.columns) * g.dy, path: ['grids', i, 'locations', k] as (string | number)[],
    }))),
  ];
}

const cross = (o: Point, a: Point, b: Point) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
const onSegment = (p: Point, a: Point, b: Point) =>
  Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1]);

/** Whether segments ab and cd meet, touching and overlapping included. */
export function segmentsMeet(a: Point, b: Point, c: Point, d: Point): boolean {
  const d1 = cross(c, d, a), d2 = cross(c, d, b), d3 = cross(a, b, c), d4 = cross(a, b, d);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  return (d1 === 0 && onSegment(a, c, d)) || (d2 === 0 && onSegment(b, c, d)) || (d3 === 0 && onSegment(c, a, b)) || (d4 === 0 && onSegment(d, a, b));
}

/** The first two edges of an outline that cross or touch (other than neighbours at their shared corner), or a corner given twice in a row. */
export function outlineProblem(outline: readonly Point[]): string | null {
  const n = outline.length;
  for (let i = 0; i < n; i++) {
    const a = outline[i]!, b = outline[(i + 1) % n]!;
    if (a[0] === b[0] && a[1] === b[1]) return `points ${i} and ${(i + 1) % n} are the same corner`;
  }
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const neighbours = j === i + 1 || (i === 0 && j === n - 1);
      const a = outline[i]!, b = outline[(i + 1) % n]!, c = outline[j]!, d = outline[(j + 1) % n]!;
      if (neighbours) {
        // Neighbours share one corner; folding back along each other is a crossing too.
        const shared = j === i + 1 ? b : a;
        const p = j === i + 1 ? a : b, q = j === i + 1 ? d : c;
        if (cross(shared, p, q) === 0 && (p[0] - shared[0]) * (q[0] - shared[0]) + (p[1] - shared[1]) * (q[1] - shared[1]) > 0) {
          return `edges ${i} and ${j} fold back on each other: the outline crosses itself`;
        }
        continue;
      }
      if (segmentsMeet(a, b, c, d)) return `edges ${i} (points ${i}→${(i + 1) % n}) and ${j} (points ${j}→${(j + 1) % n}) cross: the outline crosses itself`;
    }
  }
  return null;
}

/** Whether p is inside the polygon or on its edge (even-odd rule). */
export function insideOutline(p: Point, outline: readonly Point[]): boolean {
  let inside = false;
  for (let i = 0, j = outline.length - 1; i < outline.length; j = i++) {
    const a = outline[i]!, b = outline[j]!;
    if (cross(a, b, p) === 0 && onSegment(p, a, b)) return true;
    if ((a[1] > p[1]) !== (b[1] > p[1]) && p[0] < ((b[0] - a[0]) * (p[1] - a[1])) / (b[1] - a[1]) + a[0]) inside = !inside;
  }
  return inside;
}

/** A path as the config loader prints it: floorPlan.floors[0].grids[1]. */
const pathText = (p: (string | number)[]) => p.map((x, i) => (typeof x === 'number' ? `[${x}]` : i ? `.${x}` : x)).join('');

interface Refs {
  zones: Set<string>;
  locations: Map<string, string>; // id → zone
  gates: Map<string, { innerZone: string; outerZone: string }>;
}

/** The plan's cross references and geometry, each problem by its path under floorPlan. */
export function checkFloorPlan(plan: FloorPlan | undefined, refs: Refs, issue: (path: (string | number)[], message: string) => void): void {
  if (!plan?.floors) return;
  const floorIds = new Map<string, number>();
  const zoneAt = new Map<string, string>();
  const placedAt = new Map<string, string>();
  const gateAt = new Map<string, string>();
  plan.floors.forEach((f, fi) => {
    const at = (...p: (string | number)[]) => ['floorPlan', 'floors', fi, ...p];
    if (floorIds.has(f.id)) issue(at('id'), `floor id "${f.id}" is defined twice`);
    floorIds.set(f.id, fi);
    const onFloor = (p: Point) => p[0] >= 0 && p[1] >= 0 && p[0] <= f.width && p[1] <= f.height;
    const size = `${f.width}×${f.height}`;
    const outlines = new Map<string, readonly Point[]>();
    f.zones.forEach((z, zi) => {
      if (!refs.zones.has(z.zoneId)) issue(at('zones', zi, 'zoneId'), `zone "${z.zoneId}" is not defined in zones[]`);
      const other = zoneAt.get(z.zoneId);
      if (other) issue(at('zones', zi, 'zoneId'), `zone "${z.zoneId}" is drawn twice (already at ${other})`);
      else zoneAt.set(z.zoneId, pathText(at('zones', zi)));
      z.outline.forEach((p, pi) => { if (!onFloor(p)) issue(at('zones', zi, 'outline', pi), `point (${p[0]}, ${p[1]}) is outside the floor (0..${f.width}, 0..${f.height})`); });
      const bad = outlineProblem(z.outline);
      if (bad) issue(at('zones', zi, 'outline'), bad);
      else if (!other) outlines.set(z.zoneId, z.outline);
    });
    for (const pl of floorPlaces(f)) {
      const path = at(...pl.path, ...(pl.path[0] === 'locations' ? ['locationId'] : []));
      const zone = refs.locations.get(pl.locationId);
      if (zone === undefined) { issue(path, `location "${pl.locationId}" is not defined in locations[]`); continue; }
      const other = placedAt.get(pl.locationId);
      if (other) issue(path, `location "${pl.locationId}" is placed twice (already at ${other})`);
      else placedAt.set(pl.locationId, pathText(at(...pl.path)));
      if (!onFloor([pl.x, pl.y])) issue(path, `location "${pl.locationId}" at (${pl.x}, ${pl.y}) is outside the floor (${size})`);
      else {
        const outline = outlines.get(zone);
        if (outline && !insideOutline([pl.x, pl.y], outline)) issue(path, `location "${pl.locationId}" at (${pl.x}, ${pl.y}) is outside the outline of its zone "${zone}"`);
      }
    }
    f.gates.forEach((g, gi) => {
      if (!refs.gates.has(g.gateId)) issue(at('gates', gi, 'gateId'), `gate "${g.gateId}" is not defined in gates[]`);
      const other = gateAt.get(g.gateId);
      if (other) issue(at('gates', gi, 'gateId'), `gate "${g.gateId}" is drawn twice (already at ${other})`);
      else gateAt.set(g.gateId, pathText(at('gates', gi)));
      if (!onFloor([g.x, g.y])) issue(at('gates', gi), `gate "${g.gateId}" at (${g.x}, ${g.y}) is outside the floor (${size})`);
    });
  });
}
