// 上架: a received item goes to its storage location.
import { z } from 'zod';
import type { CustodyContext } from '../context.ts';
import type { Principal } from '../auth/principal.ts';
import { fail } from '../errors.ts';
import { requireStorageLocation, transition } from './transition.ts';

export const putawayInput = z.object({
  orderId: z.string().min(1).max(64),
  locationId: z.string().min(1).max(64),
}).strict();

export function putaway(ctx: CustodyContext, p: Principal, itemId: string, input: z.infer<typeof putawayInput>) {
  return transition(ctx, p, itemId, input.orderId, { event: 'putaway', operation: 'handle', from: ['received'], orders: ['putaway'] },
    (item, order) => {
      // A stored item is watched by the shelves and the gates through its tag: an untagged one would read as missing.
      if (item.epc === null) fail('ITEM_UNTAGGED', `Item ${itemId} has no tag yet: enrol it at the intake desk before putaway`, { itemId });
      const loc = requireStorageLocation(ctx, item, order, input.locationId);
      return { change: { state: 'stored', zone_id: loc.zone_id, location_id: loc.id }, details: {} };
    });
}
