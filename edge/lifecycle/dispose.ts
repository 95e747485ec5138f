// 处置: the final step, on a decision by whoever has the case; nothing happens to the item after it.
import { z } from 'zod';
import type { CustodyContext } from '../context.ts';
import type { Principal } from '../auth/principal.ts';
import { transition } from './transition.ts';

export const DISPOSAL_METHODS = ['returned_to_owner', 'auctioned', 'confiscated', 'destroyed', 'kept_by_court'] as const;

export const disposeInput = z.object({
  orderId: z.string().min(1).max(64),
  method: z.enum(DISPOSAL_METHODS),
  /** The decision's document number (判决书, 处置决定书). */
  decisionRef: z.string().min(1).max(200),
  /** Who decided: the court, the procuratorate, the handling unit. */
  decidedBy: z.string().min(1).max(200),
  recipient: z.string().min(1).max(200).optional(),
}).strict();

export function dispose(ctx: CustodyContext, p: Principal, itemId: string, input: z.infer<typeof disposeInput>, via?: Record<string, unknown>) {
  return transition(ctx, p, itemId, input.orderId, { context: via, event: 'disposed', operation: 'dispatch', from: ['stored', 'out'], orders: ['dispose'] },
    (item) => ({
      change: { state: 'disposed', location_id: null, due_at: null },
      // Disposed while out (kept by the court that has it): its check-out ends here, not by a return.
      also: item.state === 'out' ? (event) => ctx.db.prepare(`UPDATE checkouts SET in_chain = ?, in_seq = ?, returned_at = ?, condition_in = ?
        WHERE item_id = ? AND in_seq IS NULL`).run(event.chain, event.seq, event.at, `disposed: ${input.method}`, item.id) : undefined,
      details: { method: input.method, decisionRef: input.decisionRef, decidedBy: input.decidedBy, recipient: input.recipient ?? null },
    }));
}
