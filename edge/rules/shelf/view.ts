// The shelves as the API shows them: per location its watch state and item counts, and its items
// with their status, for one principal (visibility as everywhere: the restricted zone for
// `discipline` only, items by agency). Pure: the shelf state (../shelves.ts) in, answers out.
import { canSeeItem, type Principal } from '../../auth/principal.ts';
import type { ItemState } from '../../items/item.ts';
import type { Location, ZoneKind } from '../../site/schema.ts';
import { iso } from './context.ts';
import type { Cell, Place, Tracked } from './state.ts';
import { missingGrams } from './weight.ts';

/** What the grid shows per location; the item counts split `expected` (stored here) into confirmed, seen, notSeen and misplacedAway. */
export interface ShelfCounts { expected: number; confirmed: number; seen: number; notSeen: number; misplacedHere: number; misplacedAway: number }
export interface ShelfWeight {
  deviceId: string; measuredGrams: number | null; measuredAt: string | null; expectedGrams: number; toleranceGrams: number; missingGrams: number;
}
export interface ShelfLocation {
  id: string; name: string; kind: Location['kind']; zoneId: string; watchedBy: string[]; watched: boolean; lastRoundAt: string | null;
  items: ShelfCounts; weight: ShelfWeight | null;
}
export interface ShelfZone { id: string; name: string; nameEn: string | null; kind: ZoneKind; locations: ShelfLocation[] }
export const SHELF_ITEM_STATUSES = ['confirmed', 'seen', 'not_seen', 'misplaced_here', 'away'] as const;
export type ShelfItemStatus = (typeof SHELF_ITEM_STATUSES)[number];
export interface ShelfItemView {
  id: string; name: string; state: ItemState; locationId: string | null; lastSeenAt: string | null; lastSeenLocationId: string | null;
  confirmedAt: string | null; status: ShelfItemStatus;
}

export interface LocationView { location: ShelfLocation; items: ShelfItemView[] }

/** What the view needs of the state besides the location: the time, the grace, whether a reader watches it now, what its load cell should weigh. */
export interface ViewFacts { now: number; graceMs: number; watched: boolean; expectedGrams(cell: Cell): number }

export function locationView(place: Place, p: Principal, o: ViewFacts): LocationView {
  const { now, watched } = o;
  const watchedBy = place.watchers;
  // What "recently" means: the grace before now, or before the last round when no reader watches it now.
  const ref = watched ? now : (place.lastRoundAt ?? now);
  const recent = ref - o.graceMs;
  const sees = (t: Tracked) => canSeeItem(p, { restricted: t.restricted, agency_id: t.agencyId });
  const counts: ShelfCounts = { expected: 0, confirmed: 0, seen: 0, notSeen: 0, misplacedHere: 0, misplacedAway: 0 };
  const items: ShelfItemView[] = [];
  const view = (t: Tracked, status: ShelfItemStatus): ShelfItemView => ({
    id: t.id, name: t.name, state: t.state, locationId: t.locationId, lastSeenAt: iso(t.lastSeenAt), lastSeenLocationId: t.lastSeenLocationId,
    confirmedAt: t.confirmedLocationId === t.locationId ? t.confirmedAt : null, status,
  });
  for (const t of place.expected) {
    if (!sees(t)) continue;
    counts.expected++;
    // A sighting in the very millisecond of the putaway or move may be of the shelf it left: only later ones count.
    const sinceArrival = t.lastSeenAt !== null && t.lastSeenAt > t.arrivedAt;
    let status: ShelfItemStatus;
    if (sinceArrival && t.lastSeenLocationId !== place.id) status = 'away';
    else if (!sinceArrival || t.lastSeenAt! < recent) status = 'not_seen';
    else status = t.confirmedLocationId === place.id ? 'confirmed' : 'seen';
    counts[status === 'away' ? 'misplacedAway' : status === 'not_seen' ? 'notSeen' : status]++;
    items.push(view(t, status));
  }
  for (const t of place.seenHere) {
    if (t.state !== 'stored' || t.locationId === place.id || t.lastSeenAt === null || t.lastSeenAt < recent || !sees(t)) continue;
    counts.misplacedHere++;
    items.push(view(t, 'misplaced_here'));
  }
  items.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const cell = place.cell;
  // The weight sums every item stored there: a reader who sees by agency would learn of others' items from it.
  const weight: ShelfWeight | null = cell && p.role !== 'agency' && (p.role !== 'discipline' || place.restricted) ? (() => {
    const expected = o.expectedGrams(cell);
    return {
      deviceId: cell.deviceId, measuredGrams: cell.measured, measuredAt: iso(cell.at), expectedGrams: expected, toleranceGrams: cell.toleranceGrams,
      missingGrams: cell.measured === null ? 0 : missingGrams(cell.measured, expected, cell.toleranceGrams),
    };
  })() : null;
  return {
    location: {
      id: place.id, name: place.name, kind: place.kind, zoneId: place.zoneId, watchedBy: [...watchedBy], watched,
      lastRoundAt: iso(place.lastRoundAt), items: counts, weight,
    },
    items,
  };
}
