// 处置: the final step, on a decision by whoever has the case; nothing happens to the item after it.
// The dispose order carries the decision (method, document, who decided): the operation executes it
// and may not dispose of an item another way than the order says.
import { z } from 'zod';
import type { CustodyContext } from '../context.ts';
import type { Principal } from '../auth/principal.ts';
import { fail } from '../errors.ts';
import { DISPOSAL_METHODS } from '../orders/order.ts';
import { transition } from './transition.ts';
import { prepared } from '../store/db.ts';

export { DISPOSAL_METHODS };

export const disposeInput = z.object({
  orderId: z.string().min(1).max(64),
  /** Defaults to the order's; when given it must be the order's. */
  method: z.enum(DISPOSAL_METHODS).optional(),
  /** The decision's document number (判决书, 处置决定书); defaults to the order's. */
  decisionRef: z.string().min(1).max(200).optional(),
  /** Who decided: the court, the procuratorate, the handling unit; defaults to the order's. */
  decidedBy: z.string().min(1).max(200).optional(),
  /** Who received the item (the owner, the buyer at auction, the court). */
  recipient: z.string().min(1).max(200).optional(),
}).strict();

export function dispose(ctx: CustodyContext, p: Principal, itemId: string, input: z.infer<typeof disposeInput>, via?: Record<string, unknown>) {
  return transition(ctx, p, itemId, input.orderId, { context: via, event: 'disposed', operation: 'dispatch', from: ['stored', 'out'], orders: ['dispose'] },
    (item, order) => {
      if (input.method && order.disposal_method && input.method !== order.disposal_method) {
        fail('DISPOSAL_METHOD_MISMATCH', `Order ${order.id} disposes by ${order.disposal_method}, not ${input.method}`,
          { orderId: order.id, method: input.method, orderMethod: order.disposal_method });
      }
      const method = input.method ?? order.disposal_method;
      const decisionRef = input.decisionRef ?? order.decision_ref;
      const decidedBy = input.decidedBy ?? order.decided_by;
      // An order from before dispose orders carried their decision: the operator gives it.
      if (!method || !decisionRef || !decidedBy) {
        fail('VALIDATION_FAILED', `Order ${order.id} names no disposal decision: give method, decisionRef and decidedBy`, { field: 'method' });
      }
      return {
        change: { state: 'disposed', zone_id: null, location_id: null, due_at: null },
        // Disposed while out (kept by the court that has it): its check-out ends here, not by a return.
        also: item.state === 'out' ? (event) => prepared(ctx.db, `UPDATE checkouts SET in_chain = ?, in_seq = ?, returned_at = ?, condition_in = ?
          WHERE item_id = ? AND in_seq IS NULL`).run(event.chain, event.seq, event.at, `disposed: ${method}`, item.id) : undefined,
        details: { method, decisionRef, decidedBy, recipient: input.recipient ?? null },
      };
    });
}
