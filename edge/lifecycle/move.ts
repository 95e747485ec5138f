// 移库: a stored item changes location (and zone, through gates, when the location is elsewhere).
import { z } from 'zod';
import type { CustodyContext } from '../context.ts';
import type { Principal } from '../auth/principal.ts';
import { fail } from '../errors.ts';
import { requireStorageLocation, transition } from './transition.ts';

export const moveInput = z.object({
  orderId: z.string().min(1).max(64),
  locationId: z.string().min(1).max(64),
}).strict();

export function move(ctx: CustodyContext, p: Principal, itemId: string, input: z.infer<typeof moveInput>) {
  return transition(ctx, p, itemId, input.orderId, { event: 'moved', operation: 'handle', from: ['stored'], orders: ['move'] },
    (item, order) => {
      if (item.location_id === input.locationId) fail('SAME_LOCATION', undefined, { itemId, locationId: input.locationId });
      const loc = requireStorageLocation(ctx, item, order, input.locationId);
      return { change: { zone_id: loc.zone_id, location_id: loc.id }, details: {} };
    });
}
