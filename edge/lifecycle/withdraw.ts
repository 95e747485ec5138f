// 撤回: an announced item never arrives; the handling unit withdraws it from the manifest.
import { z } from 'zod';
import type { CustodyContext } from '../context.ts';
import type { Principal } from '../auth/principal.ts';
import { transition } from './transition.ts';

export const withdrawInput = z.object({
  orderId: z.string().min(1).max(64),
  reason: z.string().min(1).max(2000),
}).strict();

export function withdraw(ctx: CustodyContext, p: Principal, itemId: string, input: z.infer<typeof withdrawInput>) {
  return transition(ctx, p, itemId, input.orderId,
    { event: 'withdrawn', operation: 'handle', from: ['announced'], orders: ['transfer_in'], cover: { allowOpen: true } },
    () => ({ change: { state: 'withdrawn', zone_id: null, location_id: null }, details: { reason: input.reason } }));
}
