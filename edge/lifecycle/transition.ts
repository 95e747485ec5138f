// The shape every custody operation shares: see the item, may act on it, legal state, an order
// that covers it, then one transaction that changes the item and appends its custody event.
import type { CustodyContext } from '../context.ts';
import { fail } from '../errors.ts';
import { canSeeItem, requireAllowed, type Operation, type Principal } from '../auth/principal.ts';
import type { HashedEvent } from '../ledger/event.ts';
import { ITEM_SELECT, loadVisibleItem, snapshot, updateItem, itemToApi, type ItemChange, type ItemRowWithCase, type ItemState } from '../items/item.ts';
import { markDone, requireCover, type CoverOptions, type OrderKind, type OrderRow } from '../orders/order.ts';
import { requireStorageAllowed } from '../rules/storage.ts';
import { prepared } from '../store/db.ts';

export interface TransitionSpec {
  /** The custody event's kind, e.g. `received`. */
  event: string;
  operation: Extract<Operation, 'handle' | 'dispatch'>;
  from: readonly ItemState[];
  orders: readonly OrderKind[];
  cover?: CoverOptions;
  /** Extra facts for the event (the gate, the direction, the badges seen) when a crossing applies the operation. */
  context?: Record<string, unknown>;
}

export interface Applied {
  change: ItemChange;
  details: Record<string, unknown>;
  staff?: string[];
  /** Writes that belong to the same transaction and need the event's seq (the check-out register). */
  also?: (event: HashedEvent) => void;
}

export interface TransitionResult { item: ReturnType<typeof itemToApi>; event: HashedEvent }

export function transition(ctx: CustodyContext, p: Principal, itemId: string, orderId: string, spec: TransitionSpec,
  apply: (item: ItemRowWithCase, order: OrderRow) => Applied): TransitionResult {
  return ctx.transaction((tx) => {
    const item = loadVisibleItem(ctx.db, p, itemId);
    requireAllowed(p, spec.operation, item.restricted === 1);
    // The second person of a two-person operation passes the same checks as the first.
    const second = p.second?.principal;
    if (second) {
      if (!canSeeItem(second, item)) fail('ITEM_NOT_FOUND', `No item ${itemId}`, { itemId });
      requireAllowed(second, spec.operation, item.restricted === 1);
    }
    if (!spec.from.includes(item.state)) {
      fail('ILLEGAL_TRANSITION', `Item ${itemId} is ${item.state}; ${spec.event} needs ${spec.from.join(' or ')}`,
        { itemId, state: item.state, allowedFrom: spec.from });
    }
    const order = requireCover(ctx, p, orderId, spec.orders, itemId, spec.cover);
    const applied = apply(item, order);
    const at = ctx.nowIso();
    if (applied.change.zone_id !== undefined) applied.change.restricted = ctx.isRestrictedZone(applied.change.zone_id) ? 1 : item.restricted;
    // A putaway, a move or a return puts the item (back) on a shelf: the shelf has to see it there again.
    if ((applied.change.location_id !== undefined && applied.change.location_id !== item.location_id) || (applied.change.state === 'stored' && item.state !== 'stored')) {
      applied.change.confirmed_at = null;
      applied.change.confirmed_location_id = null;
    }
    updateItem(ctx.db, itemId, applied.change, at);
    const after = prepared(ctx.db, `${ITEM_SELECT} WHERE i.id = ?`).get(itemId) as ItemRowWithCase;
    const event = tx.append({
      at,
      kind: spec.event,
      itemId,
      orderId: order.id,
      actors: {
        by: p.userId, name: p.name, role: p.actingAs ?? p.role,
        ...(second ? { second: { by: second.userId, name: second.name, role: second.role, staffId: second.staffId, via: p.second!.via } } : {}),
        ...(applied.staff?.length ? { staff: applied.staff } : {}),
      },
      from: snapshot(item),
      to: snapshot(after),
      details: spec.context ? { ...applied.details, ...spec.context } : applied.details,
      restricted: item.restricted === 1 || after.restricted === 1,
    });
    markDone(ctx, order.id, itemId, event);
    applied.also?.(event);
    return { item: itemToApi(after), event };
  });
}

/** Where an item may be put: a location in a storage zone on the same side of the restricted line. */
export function requireStorageLocation(ctx: CustodyContext, item: ItemRowWithCase, order: OrderRow, locationId: string) {
  const loc = prepared(ctx.db, 'SELECT l.id, l.zone_id, z.kind, z.restricted FROM locations l JOIN zones z ON z.id = l.zone_id WHERE l.id = ?')
    .get(locationId) as { id: string; zone_id: string; kind: string; restricted: number } | undefined;
  // A location on the other side of the restricted line does not exist for this caller.
  if (!loc || loc.restricted !== item.restricted) fail('LOCATION_NOT_FOUND', `No location ${locationId}`, { locationId });
  if (loc.kind === 'intake') fail('LOCATION_WRONG_ZONE', 'Items are not stored in the intake zone', { locationId, zoneId: loc.zone_id });
  if (order.zone_id && order.zone_id !== loc.zone_id) {
    fail('LOCATION_WRONG_ZONE', `Order ${order.id} sends items to zone ${order.zone_id}, not ${loc.zone_id}`, { locationId, zoneId: loc.zone_id });
  }
  requireStorageAllowed(ctx, item, loc.zone_id);
  return loc;
}
