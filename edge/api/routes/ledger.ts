// The ledger as a court would ask for it: verify a chain, read its events in order. The restricted
// zone's chain exists for the discipline role only: for anyone else a request for it answers 404.
import { z } from 'zod';
import type { Custody } from '../../custody.ts';
import type { ApiApp } from '../app.ts';
import { seesRestricted, type Principal } from '../../auth/principal.ts';
import { CHAINS, eventApi, eventFromRow, type Chain, type EventRow } from '../../ledger/event.ts';
import { verifyChain, verifySplit, VERIFY_FAULTS, type SplitReport, type VerifyReport } from '../../ledger/verify.ts';
import { fail } from '../../errors.ts';
import { chainsOf, chainVisibility } from '../../stream/visibility.ts';
import { decodeCursor, page, pageQuery } from '../pagination.ts';
import { prepared } from '../../store/db.ts';
import { agrees, errors, pageApi } from '../schemas.ts';

const chainQuery = z.enum(CHAINS).default('main').describe('main, or restricted (the discipline commission\'s zone; discipline only)');

const head = z.object({ seq: z.number().int(), hash: z.string() });
const splitApi = z.object({
  state: z.enum(['none', 'pending', 'matched', 'broken']).describe('none: the chains were never one; pending: the gateway splits them at its next start'),
  main: head.nullable(), restricted: head.nullable(), message: z.string(),
});
const verifyApi = z.object({
  chain: z.enum(CHAINS),
  ok: z.boolean(),
  events: z.number().int(),
  head: head.describe('the last good event'),
  firstBadSeq: z.number().int().nullable().describe('the first seq at which the chain is wrong, when the fault is in the chain itself'),
  fault: z.enum(VERIFY_FAULTS).nullable(),
  message: z.string(),
  checkpointFile: z.enum(['matched', 'absent', 'not_checked']).describe('the signed head file beside the database'),
  durationMs: z.number().int(),
  split: splitApi,
});
agrees<z.infer<typeof splitApi>, SplitReport>();
agrees<Omit<z.infer<typeof verifyApi>, 'split'>, VerifyReport>();

function requireChain(p: Principal, chain: Chain): Chain {
  if (!chainsOf(p).includes(chain)) fail('CHAIN_NOT_FOUND', `No chain ${chain}`, { chain });
  return chain;
}

export function ledgerRoutes(app: ApiApp, custody: Custody): void {
  const { db } = custody;
  const site = custody.ctx.site.site.id;
  app.get('/ledger/verify', {
    schema: {
      querystring: z.object({ chain: chainQuery }).strict(), tags: ['ledger'], response: { 200: verifyApi, ...errors(400, 404) },
      description: 'Recompute every hash of one chain of the custody ledger, its signed head and head file, and the split between the chains; names the first bad seq.',
    },
  }, async (req) => {
    const chain = requireChain(req.principal, req.query.chain);
    // Read-only over the live store: the head file is compared, never written.
    return { ...verifyChain(db, chain, site, custody.siteKey, custody.dataDir), split: verifySplit(db) };
  });

  const eventQuery = z.object({ chain: chainQuery, kind: z.string().max(40).optional(), ...pageQuery }).strict();
  app.get('/events', {
    schema: {
      querystring: eventQuery, tags: ['ledger'], response: { 200: pageApi(eventApi), ...errors(400, 404) },
      description: 'Custody events of one chain of the ledger, newest first, filtered by role and kind.',
    },
  },
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
