// 上架: a received item goes to its storage location.
import { z } from 'zod';
import type { CustodyContext } from '../context.ts';
import type { Principal } from '../auth/principal.ts';
import { requireStorageLocation, transition } from './transition.ts';

export const putawayInput = z.object({
  orderId: z.string().min(1).max(64),
  locationId: z.string().min(1).max(64),
}).strict();

export function putaway(ctx: CustodyContext, p: Principal, itemId: string, input: z.infer<typeof putawayInput>) {
  return transition(ctx, p, itemId, input.orderId, { event: 'putaway', operation: 'handle', from: ['received'], orders: ['putaway'] },
    (item, order) => {
      const loc = requireStorageLocation(ctx, item, order, input.locationId);
      return { change: { state: 'stored', zone_id: loc.zone_id, location_id: loc.id }, details: {} };
    });
}
