// The case view: one case with its items, orders and live alarms, and its whole chain of custody.
import { z } from 'zod';
import type { Custody } from '../../custody.ts';
import type { ApiApp } from '../app.ts';
import { eventApi, eventFromRow, type Chain } from '../../ledger/event.ts';
import { caseEvents, caseViewApi, loadCaseView } from '../../cases/view.ts';
import { decodeCursor, page, pageQuery } from '../pagination.ts';
import { errors, pageApi } from '../schemas.ts';

const idParam = z.object({ id: z.string().max(100) });

export function caseRoutes(app: ApiApp, custody: Custody): void {
  const ctx = custody.ctx;
  app.get('/cases/:id', {
    schema: {
      params: idParam, tags: ['items'], response: { 200: caseViewApi, ...errors(400, 404) },
      description: 'One case (案件): its number, title, handling unit and retention, its items the role may see with their state and place, ' +
        'the orders naming them and their live alarms. A case with no item the role may see answers 404.',
    },
  }, async (req) => loadCaseView(ctx, req.principal, req.params.id, (i) => custody.shelves.overlay(i)));

  app.get('/cases/:id/events', {
    schema: {
      params: idParam, querystring: z.object(pageQuery).strict(), tags: ['items', 'ledger'], response: { 200: pageApi(eventApi), ...errors(400, 404) },
      description: 'The whole case\'s chain of custody: the custody events of its items the role may see, oldest first by time ' +
        '(the discipline role reads both chains merged; everyone else the main chain).',
    },
  }, async (req) => {
    const after = decodeCursor(req.query.cursor, 3) as [string, Chain, number] | null;
    const rows = caseEvents(ctx, req.principal, req.params.id, after, req.query.limit);
    const p = page(rows, req.query.limit, (r) => [r.at, r.chain, r.seq]);
    return { data: p.data.map(eventFromRow), nextCursor: p.nextCursor };
  });
}
