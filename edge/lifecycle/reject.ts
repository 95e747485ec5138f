// 拒收: a received item is handed back to the handling unit (damaged, wrong, not admissible).
import { z } from 'zod';
import type { CustodyContext } from '../context.ts';
import type { Principal } from '../auth/principal.ts';
import { transition } from './transition.ts';

export const rejectInput = z.object({
  orderId: z.string().min(1).max(64),
  reason: z.string().min(1).max(2000),
}).strict();

export function reject(ctx: CustodyContext, p: Principal, itemId: string, input: z.infer<typeof rejectInput>) {
  return transition(ctx, p, itemId, input.orderId, { event: 'rejected', operation: 'handle', from: ['received'], orders: ['transfer_in'], cover: { allowDone: true } },
    () => ({ change: { state: 'rejected', zone_id: null, location_id: null }, details: { reason: input.reason } }));
}
