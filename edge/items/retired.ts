// EPCs retired by a re-tagging (换签): never bound again, and when one is read later (the damaged tag
// left on the item or thrown in a bin by the gate) the alarm can say whose it was.
import type { Db } from '../store/db.ts';
import { prepared } from '../store/db.ts';

export interface RetiredEpc {
  epc: string;
  itemId: string;
  itemName: string;
  /** The item's, now: an alarm naming a restricted item is the commission's. */
  restricted: boolean;
  retiredAt: string;
}

export function retiredEpc(db: Db, epc: string): RetiredEpc | undefined {
  const r = prepared(db, `SELECT r.epc, r.item_id, i.name, i.restricted, r.retired_at FROM retired_epcs r JOIN items i ON i.id = r.item_id
    WHERE r.epc = ?`).get(epc) as { epc: string; item_id: string; name: string; restricted: number; retired_at: string } | undefined;
  return r && { epc: r.epc, itemId: r.item_id, itemName: r.name, restricted: r.restricted === 1, retiredAt: r.retired_at };
}
