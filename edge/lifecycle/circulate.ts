// 流转: legal control passes to another agency (police → procuratorate → court); the item stays put.
import { z } from 'zod';
import type { CustodyContext } from '../context.ts';
import type { Principal } from '../auth/principal.ts';
import { fail } from '../errors.ts';
import { transition } from './transition.ts';

export const circulateInput = z.object({
  orderId: z.string().min(1).max(64),
  /** The transfer document (移送函) number, for the court file. */
  documentRef: z.string().min(1).max(200).optional(),
}).strict();

export function circulate(ctx: CustodyContext, p: Principal, itemId: string, input: z.infer<typeof circulateInput>) {
  return transition(ctx, p, itemId, input.orderId, { event: 'circulated', operation: 'handle', from: ['stored', 'out'], orders: ['circulate'] },
    (item, order) => {
      const to = order.to_agency_id!;
      if (item.agency_id === to) fail('SAME_AGENCY', undefined, { itemId, agencyId: to });
      return { change: { agency_id: to }, details: { fromAgencyId: item.agency_id, toAgencyId: to, documentRef: input.documentRef ?? null } };
    });
}
