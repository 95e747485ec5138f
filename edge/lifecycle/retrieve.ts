// 调用: a stored item leaves for examination, court or display, entered in the check-out register
// (police rules, Art. 11): purpose, who takes it, who approved, when it is due back, its condition.
import { z } from 'zod';
import type { CustodyContext } from '../context.ts';
import type { Principal } from '../auth/principal.ts';
import { fail } from '../errors.ts';
import { transition } from './transition.ts';
import { prepared } from '../store/db.ts';

export const retrieveInput = z.object({
  orderId: z.string().min(1).max(64),
  /** Staff id or name of the person who takes the item. */
  takenBy: z.string().min(1).max(200),
  condition: z.string().min(1).max(2000),
  purpose: z.string().min(1).max(1000).optional(),
  approvedBy: z.string().min(1).max(200).optional(),
  dueAt: z.iso.datetime({ offset: true }).optional(),
}).strict();

export function retrieve(ctx: CustodyContext, p: Principal, itemId: string, input: z.infer<typeof retrieveInput>, via?: Record<string, unknown>) {
  return transition(ctx, p, itemId, input.orderId, { context: via, event: 'retrieved', operation: 'dispatch', from: ['stored'], orders: ['retrieve'] },
    (item, order) => {
      const dueAt = input.dueAt ? new Date(input.dueAt).toISOString() : order.due_at;
      if (!dueAt) fail('VALIDATION_FAILED', 'A check-out needs a due time: in the order or as dueAt', { field: 'dueAt' });
      if (Date.parse(dueAt) <= ctx.clock.now()) fail('VALIDATION_FAILED', 'The due time is already past', { field: 'dueAt' });
      const purpose = input.purpose ?? order.purpose;
      if (!purpose) fail('VALIDATION_FAILED', 'A check-out needs a purpose: in the order or as purpose', { field: 'purpose' });
      const approvedBy = input.approvedBy ?? order.approved_by;
      const register = { purpose, takenBy: input.takenBy, approvedBy, dueAt, condition: input.condition };
      return {
        change: { state: 'out', due_at: dueAt },
        details: register,
        staff: [input.takenBy],
        also: (event) => prepared(ctx.db, `INSERT INTO checkouts (item_id, out_chain, out_seq, order_id, purpose, taken_by, approved_by, due_at, condition_out)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(item.id, event.chain, event.seq, order.id, purpose, input.takenBy, approvedBy, dueAt, input.condition),
      };
    });
}
