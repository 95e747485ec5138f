// 入库: the announced item arrives and is checked in at the intake.
import { z } from 'zod';
import type { CustodyContext } from '../context.ts';
import type { Principal } from '../auth/principal.ts';
import { fail } from '../errors.ts';
import { transition } from './transition.ts';

export const receiveInput = z.object({
  orderId: z.string().min(1).max(64),
  condition: z.string().min(1).max(2000).optional(),
  /** Its weight as weighed at the intake (for the load cells under the shelves); replaces the manifest's. */
  weightGrams: z.number().positive().max(1e8).optional(),
}).strict();

export function receive(ctx: CustodyContext, p: Principal, itemId: string, input: z.infer<typeof receiveInput>, via?: Record<string, unknown>) {
  return transition(ctx, p, itemId, input.orderId, { context: via, event: 'received', operation: 'handle', from: ['announced'], orders: ['transfer_in'] },
    (_item, order) => {
      const zone = order.zone_id ?? ctx.site.zones.find((z) => z.kind === 'intake')?.id;
      if (!zone) fail('LOCATION_WRONG_ZONE', 'The site has no intake zone and the order names none');
      return {
        change: { state: 'received', zone_id: zone, location_id: null, ...(input.weightGrams !== undefined ? { weight_grams: input.weightGrams } : {}) },
        details: { condition: input.condition ?? null, ...(input.weightGrams !== undefined ? { weightGrams: input.weightGrams } : {}) },
      };
    });
}
