// 移出专区: an item leaves the commission's restricted zone for good and joins the rest of the
// center (its case handed on to the procuratorate, say). It is the one operation that crosses the
// line between the two chains, so it writes two events in one transaction:
// - `released` in the restricted chain: where it was, where it went, and the main chain's arrival,
//   so that the commission's history ends with a pointer to what came next;
// - `arrived` in the main chain: the item appears where it now is, with no `from`, no order and no
//   reference back, because the restricted zone's places, orders and sequence numbers must not reach
//   anyone who may not see the zone (its earlier history stays in the restricted chain).
import { z } from 'zod';
import type { CustodyContext } from '../context.ts';
import { fail } from '../errors.ts';
import { requireAllowed, type Principal } from '../auth/principal.ts';
import { ITEM_SELECT, itemToApi, loadVisibleItem, snapshot, updateItem, type ItemRowWithCase } from '../items/item.ts';
import { markDone, requireCover } from '../orders/order.ts';
import type { HashedEvent } from '../ledger/event.ts';

export const releaseInput = z.object({
  /** A move order of the commission covering the item. */
  orderId: z.string().min(1).max(64),
  /** A storage location outside the restricted zone. */
  locationId: z.string().min(1).max(64),
}).strict();

export interface ReleaseResult { item: ReturnType<typeof itemToApi>; event: HashedEvent; arrival: HashedEvent }

export function release(ctx: CustodyContext, p: Principal, itemId: string, input: z.infer<typeof releaseInput>): ReleaseResult {
  return ctx.transaction((tx) => {
    const item = loadVisibleItem(ctx.db, p, itemId);
    if (item.restricted !== 1) fail('ILLEGAL_TRANSITION', `Item ${itemId} is not in the restricted zone`, { itemId, state: item.state, allowedFrom: ['stored'] });
    requireAllowed(p, 'handle', true);
    if (item.state !== 'stored') {
      fail('ILLEGAL_TRANSITION', `Item ${itemId} is ${item.state}; release needs stored`, { itemId, state: item.state, allowedFrom: ['stored'] });
    }
    const order = requireCover(ctx, p, input.orderId, ['move'], itemId);
    const loc = ctx.db.prepare('SELECT l.id, l.zone_id, z.kind, z.restricted FROM locations l JOIN zones z ON z.id = l.zone_id WHERE l.id = ?')
      .get(input.locationId) as { id: string; zone_id: string; kind: string; restricted: number } | undefined;
    if (!loc) fail('LOCATION_NOT_FOUND', `No location ${input.locationId}`, { locationId: input.locationId });
    if (loc.restricted === 1 || loc.kind === 'intake') {
      fail('LOCATION_WRONG_ZONE', 'An item leaves the restricted zone for a storage location of the center', { locationId: loc.id, zoneId: loc.zone_id });
    }

    const at = ctx.nowIso();
    updateItem(ctx.db, itemId, { zone_id: loc.zone_id, location_id: loc.id, restricted: 0 }, at);
    const after = ctx.db.prepare(`${ITEM_SELECT} WHERE i.id = ?`).get(itemId) as ItemRowWithCase;
    const actors = { by: p.userId, name: p.name, role: p.actingAs ?? p.role };
    const arrival = tx.append({
      at, kind: 'arrived', itemId, orderId: null, actors, from: null, to: snapshot(after), details: {}, restricted: false,
    });
    const event = tx.append({
      at, kind: 'released', itemId, orderId: order.id, actors, from: snapshot(item), to: snapshot(after),
      details: { arrival: { chain: arrival.chain, seq: arrival.seq, id: arrival.id } }, restricted: true,
    });
    markDone(ctx, order.id, itemId, event);
    return { item: itemToApi(after), event, arrival };
  });
}
