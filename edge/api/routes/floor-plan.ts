// The floor plan the dashboards draw, filtered like everything else: the restricted zone's outline,
// its locations and its gates exist for the discipline role only. The plan comes from the site file
// and changes only with it, so each role's view is worked out once.
import { z } from 'zod';
import type { Custody } from '../../custody.ts';
import type { ApiApp } from '../app.ts';
import { seesRestricted } from '../../auth/principal.ts';
import { floorPlaces } from '../../site/floor-plan.ts';
import { errors } from '../schemas.ts';

const point = z.tuple([z.number(), z.number()]);
export const floorPlanApi = z.object({
  floors: z.array(z.object({
    id: z.string(), name: z.string(), nameEn: z.string().nullable(),
    width: z.number().describe('plan units (the site file\'s, decimetres in the demo), x to the right'),
    height: z.number().describe('plan units, y downwards'),
    zones: z.array(z.object({ zoneId: z.string(), outline: z.array(point).describe('a simple polygon, its corners in order') })),
    locations: z.array(z.object({ locationId: z.string(), zoneId: z.string(), x: z.number(), y: z.number() })),
    gates: z.array(z.object({
      gateId: z.string(), innerZone: z.string(), outerZone: z.string(), x: z.number(), y: z.number(),
      angle: z.number().nullable().describe('degrees from +x, clockwise, from the outer side into the inner zone; null: towards the inner zone'),
    })),
  })),
});
type FloorPlanApi = z.infer<typeof floorPlanApi>;

export function floorPlanRoutes(app: ApiApp, custody: Custody): void {
  const { ctx } = custody;
  const zoneOf = new Map(ctx.site.locations.map((l) => [l.id, l.zoneId]));
  const gateOf = new Map(ctx.site.gates.map((g) => [g.id, g]));
  const view = (withRestricted: boolean): FloorPlanApi => {
    const seen = (zoneId: string) => withRestricted || !ctx.isRestrictedZone(zoneId);
    return {
      floors: (ctx.site.floorPlan?.floors ?? []).map((f) => ({
        id: f.id, name: f.name, nameEn: f.nameEn ?? null, width: f.width, height: f.height,
        zones: f.zones.filter((z) => seen(z.zoneId)).map((z) => ({ zoneId: z.zoneId, outline: z.outline })),
        locations: floorPlaces(f).map((p) => ({ locationId: p.locationId, zoneId: zoneOf.get(p.locationId)!, x: p.x, y: p.y })).filter((l) => seen(l.zoneId)),
        gates: f.gates.map((g) => ({ g, site: gateOf.get(g.gateId)! }))
          .filter(({ site }) => seen(site.innerZone) && seen(site.outerZone))
          .map(({ g, site }) => ({ gateId: g.gateId, innerZone: site.innerZone, outerZone: site.outerZone, x: g.x, y: g.y, angle: g.angle ?? null })),
      })),
    };
  };
  const everyone = view(false);
  const commission = view(true);

  app.get('/floor-plan', {
    schema: {
      tags: ['places'], response: { 200: floorPlanApi, ...errors() },
      description: 'The floor plan of the site file: each floor with its zones\' outlines, its locations\' places and its gates\' positions, ' +
        'what the role may see (the restricted zone, its locations and its gates for the discipline role only). ' +
        'A site whose file gives no plan answers {"floors": []} (the dashboards then show the gates as tiles).',
    },
  }, async (req) => (seesRestricted(req.principal) ? commission : everyone));
}
