// Orders: list and read them; a supervisor (discipline, for the restricted zone) issues an emergency order.
import { z } from 'zod';
import type { Custody } from '../../custody.ts';
import type { ApiApp } from '../app.ts';
import { cancelOrder, issueOrder, loadVisibleOrder, orderApi, ORDER_KINDS, ORDER_STATES, orderInput, orderItemFilterSql, ordersToApi, orderToApi, orderVisibilitySql, type OrderRow } from '../../orders/order.ts';
import { decodeCursor, page, pageQuery, Where } from '../pagination.ts';
import { prepared } from '../../store/db.ts';
import { errors, idParam, pageApi } from '../schemas.ts';

const orderQuery = z.object({
  state: z.enum(ORDER_STATES).optional(),
  kind: z.enum(ORDER_KINDS).optional(),
  item: z.string().max(64).optional(),
  ...pageQuery,
}).strict();

export function orderRoutes(app: ApiApp, custody: Custody): void {
  const { db, ctx } = custody;

  app.get('/orders', {
    schema: {
      querystring: orderQuery, tags: ['orders'], response: { 200: pageApi(orderApi), ...errors(400) },
      description: 'Orders the role may see, newest first, by state on the gateway\'s clock, kind or item; each with the items of it the role may see.',
    },
  }, async (req) => {
    const q = req.query;
    const w = new Where();
    const vis = orderVisibilitySql(req.principal, 'o');
    w.add(vis.sql, ...vis.params);
    if (q.kind) w.add('o.kind = ?', q.kind);
    if (q.item) { const f = orderItemFilterSql(req.principal, q.item, 'o'); w.add(f.sql, ...f.params); }
    // The stored state lags the clock by at most one rule tick; filter on the state the clock gives.
    const now = ctx.nowIso();
    if (q.state === 'open') w.add(`o.state IN ('open', 'active') AND o.valid_from > ? AND o.valid_until > ?`, now, now);
    if (q.state === 'active') w.add(`o.state IN ('open', 'active') AND o.valid_from <= ? AND o.valid_until > ?`, now, now);
    if (q.state === 'expired') w.add(`(o.state = 'expired' OR (o.state IN ('open', 'active') AND o.valid_until <= ?))`, now);
    if (q.state === 'completed' || q.state === 'cancelled') w.add('o.state = ?', q.state);
    const after = decodeCursor(q.cursor, 2);
    if (after) w.add('(o.created_at, o.id) < (?, ?)', after[0], after[1]);
    const rows = prepared(db, `SELECT o.* FROM orders o ${w.sql} ORDER BY o.created_at DESC, o.id DESC LIMIT ?`).all(...w.params, q.limit + 1) as OrderRow[];
    const p = page(rows, q.limit, (r) => [r.created_at, r.id]);
    return { data: ordersToApi(ctx, p.data, req.principal), nextCursor: p.nextCursor };
  });

  app.get('/orders/:id', {
    schema: { params: idParam, tags: ['orders'], response: { 200: orderApi, ...errors(400, 404) }, description: 'One order: what it authorises, its window, its escorts and how far its items are done.' },
  }, async (req) =>
    orderToApi(ctx, loadVisibleOrder(ctx, req.principal, req.params.id), req.principal));

  app.post('/orders', {
    schema: {
      body: orderInput, tags: ['orders'], response: { 201: orderApi, ...errors(400, 403, 404, 409, 413, 415) },
      description: 'Issue an emergency order on site (supervisor; discipline for the restricted zone). It is flagged and synced upward.',
    },
  },
    async (req, reply) => {
      const o = issueOrder(ctx, req.body, { by: req.principal.userId, source: 'local', emergency: true }, req.principal);
      reply.status(201);
      return orderToApi(ctx, o, req.principal);
    });

  app.post('/orders/:id/cancel', {
    schema: {
      params: idParam, body: z.object({ reason: z.string().min(1).max(2000) }).strict(), tags: ['orders'],
      response: { 200: orderApi, ...errors(400, 403, 404, 409, 413, 415) },
      description: 'Cancel an order with a reason: only whoever issued it, and not once an item has moved under it.',
    },
  }, async (req) => orderToApi(ctx, cancelOrder(ctx, req.principal, req.params.id, req.body.reason), req.principal));
}
