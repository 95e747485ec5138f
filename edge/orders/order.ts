// Orders: the only way anything moves. The platform issues them; a supervisor (or, for the
// restricted zone, the discipline commission) may issue an emergency order on site.
import { z } from 'zod';
import { randomUUID } from 'node:crypto';
import type { CustodyContext } from '../context.ts';
import { fail } from '../errors.ts';
import { itemVisibilitySql, requireAllowed, seesRestricted, type Principal } from '../auth/principal.ts';
import { CHAINS, type Chain, type HashedEvent } from '../ledger/event.ts';
import type { OrderChange } from '../bus.ts';
import { requireStorageAllowed } from '../rules/storage.ts';
import { calendarOf } from '../time/calendar.ts';
import { prepared } from '../store/db.ts';

export const ORDER_KINDS = ['transfer_in', 'putaway', 'move', 'retrieve', 'return', 'circulate', 'dispose'] as const;
export type OrderKind = (typeof ORDER_KINDS)[number];
/** 处置方式: what the decision does with the items (DOMAIN.md). */
export const DISPOSAL_METHODS = ['returned_to_owner', 'auctioned', 'confiscated', 'destroyed', 'transferred_with_case'] as const;
export type DisposalMethod = (typeof DISPOSAL_METHODS)[number];

export const disposalDecision = z.object({
  method: z.enum(DISPOSAL_METHODS),
  /** The decision's document number (判决书, 处置决定书). */
  decisionRef: z.string().min(1).max(200),
  /** Who decided: the court, the procuratorate, the handling unit. */
  decidedBy: z.string().min(1).max(200),
}).strict();

export const ORDER_STATES = ['open', 'active', 'completed', 'expired', 'cancelled'] as const;
export type OrderState = (typeof ORDER_STATES)[number];

const isoTime = z.iso.datetime({ offset: true });
/** Which way through its gates an order lets its items pass, relative to a gate's inner zone. */
const DIRECTIONS = ['in', 'out', 'any'] as const;
export const ORDER_SOURCES = ['platform', 'local'] as const;

export const orderInput = z.object({
  id: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/).optional(),
  kind: z.enum(ORDER_KINDS),
  itemIds: z.array(z.string().min(1).max(64)).max(5000).default([]),
  /** The handling unit the order is for (transfer_in: the one handing over). */
  agencyId: z.string().min(1).optional(),
  /** transfer_in: the zone that receives; putaway and move: where the items go. */
  zoneId: z.string().min(1).optional(),
  /** circulate: the agency that takes legal control. */
  toAgencyId: z.string().min(1).optional(),
  approvedBy: z.string().min(1).max(200),
  validFrom: isoTime,
  validUntil: isoTime,
  gates: z.array(z.string().min(1)).default([]),
  direction: z.enum(DIRECTIONS).default('any'),
  /** Staff ids who may escort the items through the gates. */
  escorts: z.array(z.string().min(1)).default([]),
  purpose: z.string().max(1000).optional(),
  dueAt: isoTime.optional(),
  note: z.string().max(2000).optional(),
  /** dispose: the decision the order executes; required for a dispose order, refused on any other. */
  disposal: disposalDecision.optional(),
}).strict();
export type OrderInput = z.input<typeof orderInput>;

/** An order as the API shows it, its items narrowed to those the reader may see. */
export const orderApi = z.object({
  id: z.string(),
  kind: z.enum(ORDER_KINDS),
  state: z.enum(ORDER_STATES).describe('on the gateway\'s clock'),
  emergency: z.boolean().describe('issued on site by a supervisor (discipline for the restricted zone), synced upward'),
  source: z.enum(ORDER_SOURCES),
  agencyId: z.string().nullable(),
  zoneId: z.string().nullable(),
  toAgencyId: z.string().nullable(),
  issuedBy: z.string(),
  approvedBy: z.string(),
  validFrom: z.string(),
  validUntil: z.string(),
  gates: z.array(z.string()),
  direction: z.enum(DIRECTIONS),
  escorts: z.array(z.string()),
  purpose: z.string().nullable(),
  dueAt: z.string().nullable(),
  note: z.string().nullable(),
  cancelledBy: z.string().nullable(),
  cancelReason: z.string().nullable(),
  disposal: z.object({ method: z.enum(DISPOSAL_METHODS), decisionRef: z.string().nullable(), decidedBy: z.string().nullable() }).nullable(),
  items: z.array(z.object({
    itemId: z.string(),
    done: z.boolean(),
    eventChain: z.enum(CHAINS).nullable().describe('the custody event that did it, once done'),
    eventSeq: z.number().int().nullable(),
  })),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type OrderApi = z.infer<typeof orderApi>;

export interface OrderRow {
  id: string; kind: OrderKind; state: OrderState; emergency: number; source: (typeof ORDER_SOURCES)[number]; restricted: number;
  agency_id: string | null; zone_id: string | null; to_agency_id: string | null;
  issued_by: string; approved_by: string; valid_from: string; valid_until: string;
  gates: string; direction: (typeof DIRECTIONS)[number]; escorts: string; purpose: string | null; due_at: string | null; note: string | null;
  cancelled_by: string | null; cancel_reason: string | null; created_at: string; updated_at: string;
  disposal_method: DisposalMethod | null; decision_ref: string | null; decided_by: string | null;
}

/** The state by the clock: stored states are refreshed periodically, decisions never wait for that. */
export function effectiveState(o: Pick<OrderRow, 'state' | 'valid_from' | 'valid_until'>, nowMs: number): OrderState {
  if (o.state === 'completed' || o.state === 'cancelled' || o.state === 'expired') return o.state;
  if (nowMs < Date.parse(o.valid_from)) return 'open';
  if (nowMs >= Date.parse(o.valid_until)) return 'expired';
  return 'active';
}

/**
 * The order as `p` may read it. An agency (and the commission outside its zone) reads an order
 * that covers its items but sees only those items inside it: which items of another handling unit
 * travel under the same order is that unit's business. Without `p`, every item (the issuer's view).
 */
export function orderToApi(ctx: CustodyContext, o: OrderRow, p?: Principal): OrderApi {
  return ordersToApi(ctx, [o], p)[0];
}

interface OrderItemRow { order_id: string; item_id: string; done_chain: Chain | null; done_seq: number | null }

/**
 * Orders as `p` may read them, their items read in one query for all of them (a page of the list
 * would otherwise cost one query per order): the orders whose items `p` sees in full, and those
 * narrowed to the items `p` may see.
 */
export function ordersToApi(ctx: CustodyContext, orders: OrderRow[], p?: Principal): OrderApi[] {
  if (!orders.length) return [];
  const whole = orders.filter((o) => !p || !itemsFilteredFor(p, o)).map((o) => o.id);
  const narrowed = orders.filter((o) => p && itemsFilteredFor(p, o)).map((o) => o.id);
  const cols = 'oi.order_id, oi.item_id, oi.done_chain, oi.done_seq';
  const ofPage = 'oi.order_id IN (SELECT value FROM json_each(?))';
  let rows: OrderItemRow[];
  if (p && narrowed.length) {
    // A union rather than an OR, so that both halves find their orders by the primary key; CROSS JOIN
    // keeps SQLite from walking all of an agency's items (by items_agency) to find the page's few.
    const vis = itemVisibilitySql(p, 'i');
    rows = prepared(ctx.db, `SELECT ${cols} FROM order_items oi WHERE ${ofPage}
      UNION ALL SELECT ${cols} FROM order_items oi CROSS JOIN items i ON i.id = oi.item_id WHERE ${ofPage} AND ${vis.sql}
      ORDER BY 1, 2`).all(JSON.stringify(whole), JSON.stringify(narrowed), ...vis.params) as OrderItemRow[];
  } else {
    rows = prepared(ctx.db, `SELECT ${cols} FROM order_items oi WHERE ${ofPage} ORDER BY 1, 2`).all(JSON.stringify(whole)) as OrderItemRow[];
  }
  const itemsOf = new Map<string, OrderItemRow[]>();
  for (const r of rows) {
    const list = itemsOf.get(r.order_id);
    if (list) list.push(r);
    else itemsOf.set(r.order_id, [r]);
  }
  const now = ctx.clock.now();
  return orders.map((o) => ({
    id: o.id, kind: o.kind, state: effectiveState(o, now), emergency: o.emergency === 1, source: o.source,
    agencyId: o.agency_id, zoneId: o.zone_id, toAgencyId: o.to_agency_id,
    issuedBy: o.issued_by, approvedBy: o.approved_by, validFrom: o.valid_from, validUntil: o.valid_until,
    gates: JSON.parse(o.gates) as string[], direction: o.direction, escorts: JSON.parse(o.escorts) as string[],
    purpose: o.purpose, dueAt: o.due_at, note: o.note, cancelledBy: o.cancelled_by, cancelReason: o.cancel_reason,
    disposal: o.disposal_method ? { method: o.disposal_method, decisionRef: o.decision_ref, decidedBy: o.decided_by } : null,
    items: (itemsOf.get(o.id) ?? []).map((i) => ({ itemId: i.item_id, done: i.done_seq !== null, eventChain: i.done_chain, eventSeq: i.done_seq })),
    createdAt: o.created_at, updatedAt: o.updated_at,
  }));
}

/** Whose view of an order's items is narrowed to the items they may see: those who see by agency. */
const itemsFilteredFor = (p: Principal, o: Pick<OrderRow, 'restricted'>) =>
  p.role === 'agency' || (p.role === 'discipline' && o.restricted === 0);

/**
 * Which orders `p` may read, as SQL over an orders alias (every list and every direct request):
 * the restricted zone's for `discipline` only; for those who see by agency, the orders that name
 * their agency or cover at least one item they may see, whether or not the order names them.
 */
export function orderVisibilitySql(p: Principal, alias = 'o'): { sql: string; params: unknown[] } {
  if (p.role !== 'agency' && p.role !== 'discipline') return { sql: `${alias}.restricted = 0`, params: [] };
  const vis = itemVisibilitySql(p, 'vi');
  const own = `(${alias}.restricted = 0 AND (${alias}.agency_id = ? OR EXISTS (SELECT 1 FROM order_items voi JOIN items vi ON vi.id = voi.item_id
    WHERE voi.order_id = ${alias}.id AND ${vis.sql})))`;
  return p.role === 'discipline'
    ? { sql: `(${alias}.restricted = 1 OR ${own})`, params: [p.agencyId, ...vis.params] }
    : { sql: own, params: [p.agencyId, ...vis.params] };
}

/** The SQL that limits an item filter to the items `p` may see, so that naming another unit's item finds nothing. */
export function orderItemFilterSql(p: Principal, itemId: string, alias = 'o'): { sql: string; params: unknown[] } {
  if (p.role !== 'agency' && p.role !== 'discipline') {
    return { sql: `EXISTS (SELECT 1 FROM order_items oi WHERE oi.order_id = ${alias}.id AND oi.item_id = ?)`, params: [itemId] };
  }
  const vis = itemVisibilitySql(p, 'fi');
  return {
    sql: `EXISTS (SELECT 1 FROM order_items oi JOIN items fi ON fi.id = oi.item_id WHERE oi.order_id = ${alias}.id AND oi.item_id = ? AND (${alias}.restricted = 1 OR ${vis.sql}))`,
    params: [itemId, ...vis.params],
  };
}

export function loadVisibleOrder(ctx: CustodyContext, p: Principal, id: string): OrderRow {
  const vis = orderVisibilitySql(p, 'o');
  const o = prepared(ctx.db, `SELECT o.* FROM orders o WHERE o.id = ? AND ${vis.sql}`).get(id, ...vis.params) as OrderRow | undefined;
  if (!o) fail('ORDER_NOT_FOUND', `No order ${id}`, { orderId: id });
  return o;
}

export interface Issuer { by: string; source: (typeof ORDER_SOURCES)[number]; emergency: boolean }

/** Writes an order. Emergency orders come from a principal; platform orders from the sync inbox or the demo. */
export function issueOrder(ctx: CustodyContext, input: OrderInput, issuer: Issuer, principal?: Principal): OrderRow {
  const o = orderInput.parse(input);
  const db = ctx.db;
  if (Date.parse(o.validUntil) <= Date.parse(o.validFrom)) fail('VALIDATION_FAILED', 'validUntil must be after validFrom', { field: 'validUntil' });
  // The restricted zone and its gates do not exist for a principal who may not see it.
  const hidden = (zoneId: string) => !!principal && !seesRestricted(principal) && ctx.isRestrictedZone(zoneId);
  for (const g of o.gates) {
    const gate = ctx.gates.get(g);
    if (!gate || hidden(gate.innerZone) || hidden(gate.outerZone)) fail('VALIDATION_FAILED', `No gate ${g}`, { field: 'gates' });
  }
  if (o.zoneId && (!ctx.zones.has(o.zoneId) || hidden(o.zoneId))) fail('VALIDATION_FAILED', `No zone ${o.zoneId}`, { field: 'zoneId' });
  for (const a of [o.agencyId, o.toAgencyId]) {
    if (a && !prepared(db, 'SELECT 1 FROM agencies WHERE id = ?').get(a)) fail('UNKNOWN_AGENCY', `No agency ${a}`, { agencyId: a });
  }
  if (o.kind === 'circulate' && !o.toAgencyId) fail('VALIDATION_FAILED', 'A circulate order names toAgencyId', { field: 'toAgencyId' });
  if (o.kind === 'dispose' && !o.disposal) fail('VALIDATION_FAILED', 'A dispose order names its disposal method and decision', { field: 'disposal' });
  if (o.kind !== 'dispose' && o.disposal) fail('VALIDATION_FAILED', 'Only a dispose order carries a disposal', { field: 'disposal' });
  if (o.kind === 'transfer_in' && o.itemIds.length) fail('VALIDATION_FAILED', 'A transfer_in order gets its items by announce', { field: 'itemIds' });
  for (const s of o.escorts) if (!prepared(db, 'SELECT 1 FROM staff WHERE id = ? AND active = 1').get(s)) fail('UNKNOWN_STAFF', `No staff ${s}`, { staffId: s });

  const flags = new Set<number>();
  const seen = (id: string) => {
    const r = prepared(db, 'SELECT restricted, agency_id FROM items WHERE id = ?').get(id) as { restricted: number; agency_id: string } | undefined;
    if (!r) fail('ITEM_NOT_FOUND', `No item ${id}`, { itemId: id });
    if (principal && principal.role !== 'discipline' && r.restricted === 1) fail('ITEM_NOT_FOUND', `No item ${id}`, { itemId: id });
    flags.add(r.restricted);
  };
  o.itemIds.forEach(seen);
  if (o.kind === 'transfer_in' || o.kind === 'putaway' || o.kind === 'move') if (o.zoneId) flags.add(ctx.isRestrictedZone(o.zoneId) ? 1 : 0);
  if (flags.size > 1) fail('VALIDATION_FAILED', 'An order cannot mix the restricted zone with the rest of the center', { field: 'itemIds' });
  const restricted = flags.has(1);
  if (principal) requireAllowed(principal, 'emergency_order', restricted);
  // An order that would have to break the storage rules is refused now, not at the shelf.
  if ((o.kind === 'putaway' || o.kind === 'move') && o.zoneId) {
    for (const id of new Set(o.itemIds)) {
      requireStorageAllowed(ctx, prepared(db, 'SELECT id, category_id FROM items WHERE id = ?').get(id) as { id: string; category_id: string }, o.zoneId);
    }
  }

  const now = ctx.nowIso();
  const id = o.id ?? `${issuer.emergency ? 'EM' : 'OR'}-${randomUUID().slice(0, 8)}`;
  if (prepared(db, 'SELECT 1 FROM orders WHERE id = ?').get(id)) fail('VALIDATION_FAILED', `Order ${id} exists`, { field: 'id' });
  db.transaction(() => {
    prepared(db, `INSERT INTO orders (id, kind, state, emergency, source, restricted, agency_id, zone_id, to_agency_id, issued_by,
      approved_by, valid_from, valid_until, gates, direction, escorts, purpose, due_at, note, created_at, updated_at,
      disposal_method, decision_ref, decided_by)
      VALUES (?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      id, o.kind, issuer.emergency ? 1 : 0, issuer.source, restricted ? 1 : 0, o.agencyId ?? null, o.zoneId ?? null,
      o.toAgencyId ?? null, issuer.by, o.approvedBy, new Date(o.validFrom).toISOString(), new Date(o.validUntil).toISOString(),
      JSON.stringify(o.gates), o.direction, JSON.stringify(o.escorts), o.purpose ?? null,
      o.dueAt ? new Date(o.dueAt).toISOString() : null, o.note ?? null, now, now,
      o.disposal?.method ?? null, o.disposal?.decisionRef ?? null, o.disposal?.decidedBy ?? null);
    const add = prepared(db, 'INSERT INTO order_items (order_id, item_id) VALUES (?, ?)');
    for (const item of new Set(o.itemIds)) add.run(id, item);
  })();
  const row = prepared(db, 'SELECT * FROM orders WHERE id = ?').get(id) as OrderRow;
  announceOrder(ctx, row, 'issued');
  return row;
}

/** Tells the bus (after the enclosing custody transaction commits, if any) that an order arrived or ended. */
function announceOrder(ctx: CustodyContext, o: OrderRow, change: OrderChange['change']): void {
  const items = (prepared(ctx.db, 'SELECT count(*) AS n FROM order_items WHERE order_id = ?').get(o.id) as { n: number }).n;
  const msg: OrderChange = { id: o.id, kind: o.kind, change, source: o.source, emergency: o.emergency === 1, restricted: o.restricted === 1, items };
  ctx.afterCommit(() => ctx.bus.emit('order', msg));
}

export interface CoverOptions {
  allowOpen?: boolean;
  /** Ignore the time window (a return is never refused for lateness). */
  skipWindow?: boolean;
  /** Accept an item already done and an order already completed (a return under the retrieve order that took it out). */
  allowDone?: boolean;
}

/** The order that authorises this operation on this item, or the reason it does not. */
export function requireCover(ctx: CustodyContext, p: Principal, orderId: string, kinds: readonly OrderKind[], itemId: string | null,
  opts: CoverOptions = {}): OrderRow {
  const o = loadVisibleOrder(ctx, p, orderId);
  if (!kinds.includes(o.kind)) fail('ORDER_WRONG_KIND', `Order ${o.id} is a ${o.kind} order; this needs ${kinds.join(' or ')}`, { orderId, kind: o.kind });
  const state = effectiveState(o, ctx.clock.now());
  if (!opts.skipWindow) {
    // The message is read by a person at the desk: the site's wall clock; details keep the UTC instant.
    const local = (iso: string) => `${calendarOf(ctx.site.site.timezone).format(iso, 'en')} (${ctx.site.site.timezone})`;
    if (state === 'expired') fail('ORDER_EXPIRED', `Order ${o.id} expired at ${local(o.valid_until)}`, { orderId, validUntil: o.valid_until });
    if (state === 'open' && !opts.allowOpen) fail('ORDER_NOT_ACTIVE', `Order ${o.id} is valid from ${local(o.valid_from)}`, { orderId, state, validFrom: o.valid_from });
  }
  if (state === 'cancelled' || (state === 'completed' && !opts.allowDone)) fail('ORDER_NOT_ACTIVE', `Order ${o.id} is ${state}`, { orderId, state });
  if (itemId !== null) {
    const cover = prepared(ctx.db, 'SELECT done_seq FROM order_items WHERE order_id = ? AND item_id = ?').get(o.id, itemId) as { done_seq: number | null } | undefined;
    if (!cover) fail('ORDER_ITEM_NOT_COVERED', `Order ${o.id} does not cover item ${itemId}`, { orderId, itemId });
    if (cover.done_seq !== null && !opts.allowDone) fail('ORDER_ITEM_DONE', `Item ${itemId} is already done under order ${o.id}`, { orderId, itemId, seq: cover.done_seq });
  }
  return o;
}

/** Marks the item done under the order; the order completes when nothing is left. */
export function markDone(ctx: CustodyContext, orderId: string, itemId: string, event: Pick<HashedEvent, 'chain' | 'seq'>): void {
  const db = ctx.db;
  // The first event done under the order stays its record (a later return under a retrieve order does not overwrite it).
  prepared(db, 'UPDATE order_items SET done_chain = ?, done_seq = ? WHERE order_id = ? AND item_id = ? AND done_seq IS NULL').run(event.chain, event.seq, orderId, itemId);
  const left = prepared(db, 'SELECT count(*) AS n FROM order_items WHERE order_id = ? AND done_seq IS NULL').get(orderId) as { n: number };
  if (left.n === 0) {
    const done = prepared(db, `UPDATE orders SET state = 'completed', updated_at = ? WHERE id = ? AND state IN ('open', 'active')`).run(ctx.nowIso(), orderId);
    if (done.changes) announceOrder(ctx, prepared(db, 'SELECT * FROM orders WHERE id = ?').get(orderId) as OrderRow, 'completed');
  }
}

/** Persists open → active → expired as the clock moves; returns the orders that just expired. */
export function refreshOrderStates(ctx: CustodyContext): OrderRow[] {
  const now = ctx.nowIso();
  const db = ctx.db;
  const expired = prepared(db, `SELECT * FROM orders WHERE state IN ('open', 'active') AND valid_until <= ?`).all(now) as OrderRow[];
  db.transaction(() => {
    prepared(db, `UPDATE orders SET state = 'expired', updated_at = ? WHERE state IN ('open', 'active') AND valid_until <= ?`).run(now, now);
    prepared(db, `UPDATE orders SET state = 'active', updated_at = ? WHERE state = 'open' AND valid_from <= ? AND valid_until > ?`).run(now, now, now);
  })();
  for (const o of expired) announceOrder(ctx, o, 'expired');
  return expired;
}

/**
 * An order cancelled by the platform that issued it (edge/sync/inbox.ts). What was done under it
 * stays done: the ledger is never rewritten, and an order already over (a retrieve order whose
 * items all went out is completed) keeps its state. `itemsOut` are the order's items out under it
 * right now, for the caller's alarm: the platform withdrew what they left under.
 */
export function cancelPlatformOrder(ctx: CustodyContext, o: OrderRow, reason: string): { cancelled: boolean; itemsOut: string[] } {
  const state = effectiveState(o, ctx.clock.now());
  const open = state === 'open' || state === 'active';
  if (open) {
    prepared(ctx.db, `UPDATE orders SET state = 'cancelled', cancelled_by = 'platform', cancel_reason = ?, updated_at = ? WHERE id = ?`)
      .run(reason, ctx.nowIso(), o.id);
    announceOrder(ctx, prepared(ctx.db, 'SELECT * FROM orders WHERE id = ?').get(o.id) as OrderRow, 'cancelled');
  }
  const itemsOut = (prepared(ctx.db, `SELECT i.id FROM order_items oi JOIN items i ON i.id = oi.item_id
    WHERE oi.order_id = ? AND oi.done_seq IS NOT NULL AND i.state = 'out' ORDER BY i.id`).all(o.id) as { id: string }[]).map((r) => r.id);
  return { cancelled: open, itemsOut };
}

export function cancelOrder(ctx: CustodyContext, p: Principal, id: string, reason: string): OrderRow {
  const o = loadVisibleOrder(ctx, p, id);
  const state = effectiveState(o, ctx.clock.now());
  if (state === 'completed' || state === 'cancelled' || state === 'expired') fail('ORDER_CANNOT_CANCEL', `Order ${id} is ${state}`, { orderId: id, state });
  // Whoever issued it cancels it: on site that is the local issuer; platform orders are cancelled by the platform.
  if (o.issued_by !== p.userId) fail('FORBIDDEN', 'Only whoever issued an order may cancel it', { orderId: id, issuedBy: o.issued_by });
  prepared(ctx.db, `UPDATE orders SET state = 'cancelled', cancelled_by = ?, cancel_reason = ?, updated_at = ? WHERE id = ?`)
    .run(p.userId, reason, ctx.nowIso(), id);
  const row = prepared(ctx.db, 'SELECT * FROM orders WHERE id = ?').get(id) as OrderRow;
  announceOrder(ctx, row, 'cancelled');
  return row;
}
