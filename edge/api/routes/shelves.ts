// The shelves as a grid for the dashboards: per zone its locations, who watches each and whether a
// watcher is online now, and what the shelf readers see of the items there. The restricted zone's
// locations exist for the discipline role only; the item counts are of the items the role may see.
import { z } from 'zod';
import type { Custody } from '../../custody.ts';
import type { ApiApp } from '../app.ts';
import { fail } from '../../errors.ts';
import { ITEM_STATES } from '../../items/item.ts';
import { LOCATION_KINDS, ZONE_KINDS } from '../../site/schema.ts';
import { SHELF_ITEM_STATUSES, type ShelfItemView, type ShelfLocation, type ShelfZone } from '../../rules/shelves.ts';
import { agrees, errors, idParam, pageApi } from '../schemas.ts';

const count = z.number().int();
const shelfLocationApi = z.object({
  id: z.string(), name: z.string(), kind: z.enum(LOCATION_KINDS), zoneId: z.string(),
  watchedBy: z.array(z.string()).describe('the shelf readers whose antennas watch it'),
  watched: z.boolean().describe('a reader that watches it is online: an item missing here is missing, not merely unwatched'),
  lastRoundAt: z.string().nullable().describe('the last inventory round of an antenna here, on the gateway\'s clock'),
  items: z.object({
    expected: count.describe('items stored here (= confirmed + seen + notSeen + misplacedAway)'),
    confirmed: count.describe('seen here within the shelf grace, their putaway confirmed'),
    seen: count.describe('seen here within the shelf grace, not yet confirmed'),
    notSeen: count.describe('not seen here within the shelf grace (or not since their putaway)'),
    misplacedHere: count.describe('items of other locations seen here within the shelf grace'),
    misplacedAway: count.describe('items of this location last seen at another one'),
  }),
  weight: z.object({
    deviceId: z.string(), measuredGrams: z.number().nullable(), measuredAt: z.string().nullable(),
    expectedGrams: z.number().describe('the cell\'s tare plus the weights of the items stored here'), toleranceGrams: z.number(),
    missingGrams: z.number().describe('expected minus measured when below the tolerance, else 0'),
  }).nullable().describe('the load cell under it; null without one (and for roles that see by agency)'),
});
agrees<z.infer<typeof shelfLocationApi>, ShelfLocation>();
const shelfZoneApi = z.object({
  id: z.string(), name: z.string(), nameEn: z.string().nullable(), kind: z.enum(ZONE_KINDS), locations: z.array(shelfLocationApi),
});
agrees<z.infer<typeof shelfZoneApi>, ShelfZone>();
const shelfItemApi = z.object({
  id: z.string(), name: z.string(), state: z.enum(ITEM_STATES), locationId: z.string().nullable().describe('its own location'),
  lastSeenAt: z.string().nullable(), lastSeenLocationId: z.string().nullable(),
  confirmedAt: z.string().nullable().describe('its putaway confirmed at its own location'),
  status: z.enum(SHELF_ITEM_STATUSES).describe('confirmed | seen | not_seen (stored here); misplaced_here (another location\'s, seen here); away (stored here, last seen elsewhere)'),
});
agrees<z.infer<typeof shelfItemApi>, ShelfItemView>();
const shelfDetailApi = z.object({ location: shelfLocationApi, items: z.array(shelfItemApi) });

export function shelfRoutes(app: ApiApp, custody: Custody): void {
  app.get('/shelves', {
    schema: {
      tags: ['places'], response: { 200: pageApi(shelfZoneApi), ...errors() },
      description: 'The shelves as a grid: per zone its locations, their watching readers and whether one is online, the last round, ' +
        'what the readers see of the items there (counts of the items the role may see) and the load cell\'s weight.',
    },
  }, async (req) => ({ data: custody.shelves.zones(req.principal), nextCursor: null }));

  app.get('/shelves/:id', {
    schema: {
      params: idParam, tags: ['places'], response: { 200: shelfDetailApi, ...errors(400, 404) },
      description: 'One location as the shelves see it, with its items (those stored here, and others\' seen here) and the status of each.',
    },
  }, async (req) => {
    const r = custody.shelves.location(req.principal, req.params.id);
    if (!r) fail('LOCATION_NOT_FOUND', `No location ${req.params.id}`);
    return r;
  });
}
