// The ledger as a court would ask for it: verify a chain, read its events in order. The restricted
// zone's chain exists for the discipline role only: for anyone else a request for it answers 404.
import { z } from 'zod';
import type { Custody } from '../../custody.ts';
import type { ApiApp } from '../app.ts';
import { seesRestricted, type Principal } from '../../auth/principal.ts';
import { CHAINS, eventFromRow, type Chain, type EventRow } from '../../ledger/event.ts';
import { verifyChain, verifySplit } from '../../ledger/verify.ts';
import { fail } from '../../errors.ts';
import { chainsOf, chainVisibility } from '../../stream/visibility.ts';
import { decodeCursor, page, pageQuery } from '../pagination.ts';
import { prepared } from '../../store/db.ts';

const chainQuery = z.enum(CHAINS).default('main').describe('main, or restricted (the discipline commission\'s zone; discipline only)');

function requireChain(p: Principal, chain: Chain): Chain {
  if (!chainsOf(p).includes(chain)) fail('CHAIN_NOT_FOUND', `No chain ${chain}`, { chain });
  return chain;
}

export function ledgerRoutes(app: ApiApp, custody: Custody): void {
  const { db } = custody;
  const site = custody.ctx.site.site.id;
  app.get('/ledger/verify', {
    schema: {
      querystring: z.object({ chain: chainQuery }).strict(), tags: ['ledger'],
      description: 'Recompute every hash of one chain, its signed head and head file, and the split between the chains; names the first bad seq',
    },
  }, async (req) => {
    const chain = requireChain(req.principal, req.query.chain);
    // Read-only over the live store: the head file is compared, never written.
    return { ...verifyChain(db, chain, site, custody.siteKey, custody.dataDir), split: verifySplit(db) };
  });

  const eventQuery = z.object({ chain: chainQuery, kind: z.string().max(40).optional(), ...pageQuery }).strict();
  app.get('/events', { schema: { querystring: eventQuery, tags: ['ledger'], description: 'Custody events of one chain, newest first, filtered by role' } },
    async (req) => {
      const q = req.query;
      const p: Principal = req.principal;
      const { where, params } = chainVisibility(p, requireChain(p, q.chain));
      if (q.kind) { where.push('e.kind = ?'); params.push(q.kind); }
      const after = decodeCursor(q.cursor, 1);
      if (after) { where.push('e.seq < ?'); params.push(after[0]); }
      const rows = prepared(db, `SELECT e.* FROM events e WHERE ${where.join(' AND ')} ORDER BY e.seq DESC LIMIT ?`).all(...params, q.limit + 1) as EventRow[];
      const pg = page(rows, q.limit, (r) => [r.seq]);
      return { data: pg.data.map(eventFromRow), nextCursor: pg.nextCursor };
    });
}
