// The ledger as a court would ask for it: verify the whole chain, read events in order.
import { z } from 'zod';
import type { Custody } from '../../custody.ts';
import { itemVisibilitySql, seesRestricted } from '../../auth/principal.ts';
import { eventFromRow, type EventRow } from '../../ledger/event.ts';
import { decodeCursor, page, pageQuery, Where } from '../pagination.ts';

export function ledgerRoutes(app: any, custody: Custody): void {
  const { db } = custody;
  app.get('/ledger/verify', { schema: { tags: ['ledger'], description: 'Recompute every hash and the signed head; names the first bad seq' } },
    async () => custody.verify());

  const eventQuery = z.object({ kind: z.string().max(40).optional(), ...pageQuery }).strict();
  app.get('/events', { schema: { querystring: eventQuery, tags: ['ledger'], description: 'Custody events, newest first, filtered by role' } },
    async (req: any) => {
      const q = req.query as z.infer<typeof eventQuery>;
      const p = req.principal;
      const w = new Where();
      if (!seesRestricted(p)) w.add('e.restricted = 0');
      if (p.role === 'agency' || p.role === 'discipline') {
        const vis = itemVisibilitySql(p);
        w.add(`e.item_id IN (SELECT i.id FROM items i WHERE ${vis.sql})`, ...vis.params);
      }
      if (q.kind) w.add('e.kind = ?', q.kind);
      const after = decodeCursor(q.cursor, 1);
      if (after) w.add('e.seq < ?', after[0]);
      const rows = db.prepare(`SELECT e.* FROM events e ${w.sql} ORDER BY e.seq DESC LIMIT ?`).all(...w.params, q.limit + 1) as EventRow[];
      const pg = page(rows, q.limit, (r) => [r.seq]);
      return { data: pg.data.map(eventFromRow), nextCursor: pg.nextCursor };
    });
}
