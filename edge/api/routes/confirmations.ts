// Two-person operations (双人): the pending operations that wait for a second person, and their
// confirmation or refusal. Visible as their item is; the commission's stay the commission's.
import { z } from 'zod';
import type { Custody } from '../../custody.ts';
import { eventApi } from '../../ledger/event.ts';
import type { ApiApp } from '../app.ts';
import { fail } from '../../errors.ts';
import { confirmPending, listPending, loadPending, pendingOperationApi, pendingToApi, PENDING_STATES, refusePending } from '../../lifecycle/dual-control.ts';
import { decodeCursor, page, pageQuery } from '../pagination.ts';
import { errors, idParam, pageApi } from '../schemas.ts';
import { itemApi } from '../../items/item.ts';

const listQuery = z.object({
  state: z.enum(PENDING_STATES).optional().describe('on the gateway\'s clock: `pending` leaves out those past their window'),
  item: z.string().max(64).optional(),
  ...pageQuery,
}).strict();
const confirmedApi = z.object({
  pending: pendingOperationApi,
  item: itemApi,
  event: eventApi,
});

export function confirmationRoutes(app: ApiApp, custody: Custody): void {
  const { ctx } = custody;

  app.get('/confirmations', {
    schema: { querystring: listQuery, tags: ['lifecycle'], response: { 200: pageApi(pendingOperationApi), ...errors(400) },
      description: 'Two-person operations (双人) on dualControl items, newest first, as far as their items are visible.' },
  }, async (req) => {
    const q = req.query;
    const after = decodeCursor(q.cursor, 2) as [string, string] | null;
    if (after && after.some((k) => typeof k !== 'string')) fail('BAD_CURSOR');
    const rows = listPending(ctx, req.principal, { state: q.state, item: q.item, limit: q.limit + 1, after });
    const p = page(rows, q.limit, (r) => [r.requested_at, r.id]);
    return { data: p.data.map((r) => pendingToApi(ctx, r)), nextCursor: p.nextCursor };
  });

  app.get('/confirmations/:id', {
    schema: { params: idParam, tags: ['lifecycle'], response: { 200: pendingOperationApi, ...errors(400, 404) }, description: 'One two-person operation (双人) and where it stands: pending, confirmed, refused or expired.' },
  },
    async (req) => loadPending(ctx, req.principal, req.params.id));

  app.post('/confirmations/:id/confirm', {
    schema: {
      params: idParam, body: z.object({}).strict().nullish().describe('nothing: the confirming user is the one whose token it is'), tags: ['lifecycle'], response: { 200: confirmedApi, ...errors(400, 403, 404, 409, 413, 415) },
      description: 'The second person confirms a pending operation within its window: it is checked again and applied, both people in the ' +
        'custody event\'s actors (`second`). Refused: CONFIRMATION_SAME_PERSON (the requester; it stays pending), CONFIRMATION_EXPIRED, ' +
        'CONFIRMATION_NOT_PENDING, CONFIRMATION_NOT_FOUND, FORBIDDEN (a role that may not do the operation; it stays pending), or the ' +
        'operation\'s own refusal when the world has changed (the pending operation is then refused with that reason).',
    },
  }, async (req) => {
    const r = confirmPending(ctx, req.principal, req.params.id);
    return { pending: r.pending, item: r.item, event: r.event };
  });

  app.post('/confirmations/:id/refuse', {
    schema: {
      params: idParam, body: z.object({ reason: z.string().trim().min(1, 'a reason is required').max(2000) }).strict(), tags: ['lifecycle'],
      response: { 200: pendingOperationApi, ...errors(400, 403, 404, 409, 413, 415) },
      description: 'Refuse a pending operation with a reason (a second person who could have confirmed it), or withdraw it (its requester).',
    },
  }, async (req) => refusePending(ctx, req.principal, req.params.id, req.body.reason));
}
