// 归还: an item comes back; its condition is compared with the one written at check-out.
import { z } from 'zod';
import type { CustodyContext } from '../context.ts';
import type { Principal } from '../auth/principal.ts';
import { fail } from '../errors.ts';
import { requireStorageLocation, transition } from './transition.ts';
import { prepared } from '../store/db.ts';

export const returnInput = z.object({
  orderId: z.string().min(1).max(64),
  condition: z.string().min(1).max(2000),
  /** Staff id or name of the person who brings it back. */
  returnedBy: z.string().min(1).max(200).optional(),
  /** Another location than its own, when its shelf was given away meanwhile. */
  locationId: z.string().min(1).max(64).optional(),
}).strict();

const normalise = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();

export function returnItem(ctx: CustodyContext, p: Principal, itemId: string, input: z.infer<typeof returnInput>, via?: Record<string, unknown>) {
  // Bringing evidence back is never blocked by a window: the retrieve order that took it out
  // covers its return even after it expired, as does a return order.
  return transition(ctx, p, itemId, input.orderId,
    { context: via, event: 'returned', operation: 'dispatch', from: ['out'], orders: ['return', 'retrieve'], cover: { skipWindow: true, allowDone: true } },
    (item, order) => {
      const open = prepared(ctx.db, 'SELECT * FROM checkouts WHERE item_id = ? AND in_seq IS NULL ORDER BY rowid DESC LIMIT 1')
        .get(item.id) as { out_chain: string; out_seq: number; order_id: string; condition_out: string; due_at: string } | undefined;
      if (order.kind === 'retrieve' && open?.order_id !== order.id) {
        fail('ORDER_ITEM_NOT_COVERED', `Item ${item.id} did not go out under order ${order.id}`, { orderId: order.id, itemId: item.id });
      }
      // allowDone is for the retrieve order that took the item out; a return order brings an item back once.
      if (order.kind === 'return') {
        const done = prepared(ctx.db, 'SELECT done_seq FROM order_items WHERE order_id = ? AND item_id = ?').get(order.id, item.id) as { done_seq: number | null } | undefined;
        if (done?.done_seq != null) fail('ORDER_ITEM_DONE', `Item ${item.id} was already returned under order ${order.id}`, { orderId: order.id, itemId: item.id, seq: done.done_seq });
      }
      const conditionDiffers = open ? normalise(open.condition_out) !== normalise(input.condition) : false;
      const loc = input.locationId ? requireStorageLocation(ctx, item, order, input.locationId) : null;
      const late = open ? ctx.clock.now() > Date.parse(open.due_at) : false;
      return {
        change: { state: 'stored', due_at: null, ...(loc ? { zone_id: loc.zone_id, location_id: loc.id } : {}) },
        details: {
          condition: input.condition, conditionOut: open?.condition_out ?? null, conditionDiffers, late,
          checkoutSeq: open?.out_seq ?? null, ...(open && open.out_chain !== 'main' ? { checkoutChain: open.out_chain } : {}), returnedBy: input.returnedBy ?? null,
        },
        staff: input.returnedBy ? [input.returnedBy] : undefined,
        also: (event) => {
          if (open) prepared(ctx.db, 'UPDATE checkouts SET in_chain = ?, in_seq = ?, returned_at = ?, condition_in = ?, condition_differs = ? WHERE item_id = ? AND out_chain = ? AND out_seq = ?')
            .run(event.chain, event.seq, event.at, input.condition, conditionDiffers ? 1 : 0, item.id, open.out_chain, open.out_seq);
        },
      };
    });
}
