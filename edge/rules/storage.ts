// 分类存放: each category is kept only in the storage zone kinds its site-file entry names. The
// rules bind storage zones; a transit zone (intake, display) holds anything on its way, and the
// commission's restricted zone holds whatever its cases bring. A category that names no kinds may
// be kept in any storage zone.
import type { CustodyContext } from '../context.ts';
import { fail } from '../errors.ts';
import { canSeeItem, type Principal } from '../auth/principal.ts';
import { TRANSIT_ZONE_KINDS, type Zone } from '../site/schema.ts';
import { prepared } from '../store/db.ts';

const EXEMPT: readonly string[] = [...TRANSIT_ZONE_KINDS, 'restricted'];

/** The zone kinds a category may be kept in, or null when the rules do not bind it there. */
function allowedKinds(ctx: CustodyContext, categoryId: string, zone: Pick<Zone, 'kind'>): readonly string[] | null {
  if (EXEMPT.includes(zone.kind)) return null;
  return ctx.site.categories.find((c) => c.id === categoryId)?.storageKinds ?? null;
}

export function storageAllowed(ctx: CustodyContext, categoryId: string, zoneId: string): boolean {
  const zone = ctx.zones.get(zoneId);
  if (!zone) return true;
  const kinds = allowedKinds(ctx, categoryId, zone);
  return !kinds || kinds.includes(zone.kind);
}

/** Refuses to keep an item of this category in this zone, with the kinds it may be kept in. */
export function requireStorageAllowed(ctx: CustodyContext, item: { id: string; category_id: string }, zoneId: string): void {
  if (storageAllowed(ctx, item.category_id, zoneId)) return;
  const zone = ctx.zones.get(zoneId)!;
  const category = ctx.site.categories.find((c) => c.id === item.category_id)!;
  fail('STORAGE_NOT_ALLOWED', `${category.name} may not be kept in ${zone.name} (${zone.kind}); allowed: ${category.storageKinds!.join(', ')}`, {
    itemId: item.id, categoryId: category.id, zoneId, zoneKind: zone.kind, allowedKinds: category.storageKinds,
  });
}

export interface StorageWarning {
  itemId: string; itemName: string; categoryId: string; zoneId: string; zoneKind: string; locationId: string | null;
  allowedKinds: readonly string[];
}

/**
 * Items kept against the rules now: a store from before the rules, or a site file whose rules
 * changed. They are not moved or refused: they are listed, at start and in the API, for a
 * supervisor to issue the move orders that put them right.
 */
export function storageWarnings(ctx: CustodyContext, p?: Principal): StorageWarning[] {
  const out: StorageWarning[] = [];
  // Only the zones each ruled category may not be in are read: at start this must not walk every item.
  const wrong: string[] = [];
  const params: string[] = [];
  for (const c of ctx.site.categories) {
    if (!c.storageKinds) continue;
    const zones = ctx.site.zones.filter((z) => !EXEMPT.includes(z.kind) && !(c.storageKinds as readonly string[]).includes(z.kind)).map((z) => z.id);
    if (!zones.length) continue;
    wrong.push(`(category_id = ? AND zone_id IN (${zones.map(() => '?').join(', ')}))`);
    params.push(c.id, ...zones);
  }
  if (!wrong.length) return out;
  const rows = prepared(ctx.db, `SELECT id, name, category_id, zone_id, location_id, agency_id, restricted FROM items
    WHERE state IN ('stored', 'out') AND (${wrong.join(' OR ')}) ORDER BY zone_id, id`).all(...params) as
    { id: string; name: string; category_id: string; zone_id: string; location_id: string | null; agency_id: string; restricted: number }[];
  for (const r of rows) {
    if (p && !canSeeItem(p, r)) continue;
    const zone = ctx.zones.get(r.zone_id)!;
    out.push({
      itemId: r.id, itemName: r.name, categoryId: r.category_id, zoneId: r.zone_id, zoneKind: zone.kind, locationId: r.location_id,
      allowedKinds: ctx.site.categories.find((c) => c.id === r.category_id)?.storageKinds ?? [],
    });
  }
  return out;
}
