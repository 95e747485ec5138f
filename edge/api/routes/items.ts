// Items and their chain of custody.
import { z } from 'zod';
import type { Custody } from '../../custody.ts';
import type { ApiApp } from '../app.ts';
import { canSeeItem, itemVisibilitySql, seesRestricted } from '../../auth/principal.ts';
import { itemApi, ITEM_SELECT, ITEM_STATES, itemToApi, loadVisibleItem, type ItemRowWithCase } from '../../items/item.ts';
import { CHAINS, eventApi, eventFromRow, type Chain, type EventRow } from '../../ledger/event.ts';
import { fail } from '../../errors.ts';
import { decodeCursor, likeContains, page, pageQuery, Where } from '../pagination.ts';
import { prepared } from '../../store/db.ts';
import { errors, idParam, pageApi } from '../schemas.ts';
import { compiledSerializer } from '../serialize.ts';

const itemQuery = z.object({
  state: z.enum(ITEM_STATES).optional(),
  zone: z.string().max(64).optional(),
  location: z.string().max(64).optional(),
  case: z.string().max(100).optional().describe('case id or case number'),
  agency: z.string().max(64).optional(),
  category: z.string().max(64).optional(),
  epc: z.string().max(64).optional(),
  q: z.string().min(1).max(100).optional().describe('text over item name, case number and EPC'),
  ...pageQuery,
}).strict();

// The item's last check-out (调用), with its return once it is back.
const checkoutApi = z.object({
  outChain: z.enum(CHAINS), outSeq: z.number().int(), orderId: z.string(), purpose: z.string(), takenBy: z.string(), approvedBy: z.string(),
  dueAt: z.string(), conditionOut: z.string(), inChain: z.enum(CHAINS).nullable(), inSeq: z.number().int().nullable(), returnedAt: z.string().nullable(),
  conditionIn: z.string().nullable(), conditionDiffers: z.boolean().nullable().describe('the condition at return differs from the one at check-out'),
});
const photoApi = z.object({ sha256: z.string(), chain: z.enum(CHAINS), seq: z.number().int().describe('the custody event that recorded it'), contentType: z.string(), size: z.number().int() });
const itemDetailApi = itemApi.extend({ checkout: checkoutApi.nullable(), photos: z.array(photoApi) });

export function itemRoutes(app: ApiApp, custody: Custody): void {
  const db = custody.db;
  const byEpc = prepared(db, `${ITEM_SELECT} WHERE i.epc = ?`);

  app.get('/items', {
    // The gate's and the handheld's lookup, and the dashboards' lists: compiled, not zod-checked (serialize.ts).
    serializerCompiler: compiledSerializer,
    schema: {
      querystring: itemQuery, tags: ['items'], response: { 200: pageApi(itemApi), ...errors(400) },
      description: 'Items (涉案财物) the role may see, by id, filtered by state, zone, location, case, agency, category or text; ' +
        '`epc` looks up the one item that carries a tag.',
    },
  }, async (req) => {
    const q = req.query;
    if (q.epc !== undefined) {
      // The hot path of a gate or a handheld: one indexed lookup.
      const row = byEpc.get(q.epc.toUpperCase()) as ItemRowWithCase | undefined;
      const matches = row && canSeeItem(req.principal, row) && (!q.state || row.state === q.state) && (!q.zone || row.zone_id === q.zone);
      return { data: matches ? [custody.shelves.overlay(itemToApi(row))] : [], nextCursor: null };
    }
    const vis = itemVisibilitySql(req.principal);
    const w = new Where().add(vis.sql, ...vis.params);
    if (q.state) w.add('i.state = ?', q.state);
    if (q.zone) w.add('i.zone_id = ?', q.zone);
    if (q.location) w.add('i.location_id = ?', q.location);
    if (q.case) w.add('(i.case_id = ? OR c.number = ?)', q.case, q.case);
    if (q.agency) w.add('i.agency_id = ?', q.agency);
    if (q.category) w.add('i.category_id = ?', q.category);
    if (q.q) {
      const like = likeContains(q.q);
      w.add(`(i.name LIKE ? ESCAPE '\\' OR c.number LIKE ? ESCAPE '\\' OR i.epc LIKE ? ESCAPE '\\')`, like, like, likeContains(q.q.toUpperCase()));
    }
    const after = decodeCursor(q.cursor, 1);
    if (after) w.add('i.id > ?', after[0]);
    const rows = prepared(db, `${ITEM_SELECT} ${w.sql} ORDER BY i.id LIMIT ?`).all(...w.params, q.limit + 1) as ItemRowWithCase[];
    const p = page(rows, q.limit, (r) => [r.id]);
    // The last sightings as the shelves know them now: an item's row is written at most once a minute.
    return { data: p.data.map((r) => custody.shelves.overlay(itemToApi(r))), nextCursor: p.nextCursor };
  });

  app.get('/items/:id', {
    schema: {
      params: idParam, tags: ['items'], response: { 200: itemDetailApi, ...errors(400, 404) },
      description: 'One item with its last check-out and its photos; an item the role may not see answers 404.',
    },
  }, async (req) => {
    const item = loadVisibleItem(db, req.principal, req.params.id);
    const checkout = prepared(db, 'SELECT * FROM checkouts WHERE item_id = ? ORDER BY rowid DESC LIMIT 1').get(item.id) as CheckoutRow | undefined;
    const photos = prepared(db, 'SELECT sha256, chain, seq, content_type AS contentType, size FROM photos WHERE item_id = ? ORDER BY rowid').all(item.id) as PhotoRow[];
    return { ...custody.shelves.overlay(itemToApi(item)), checkout: checkout ? checkoutToApi(checkout) : null, photos };
  });

  // An item's history across the chains it has been in (discipline), oldest first. A store split
  // after the fact has the zone's earlier events in the main chain: time orders them, then chain and seq.
  app.get('/items/:id/events', {
    schema: {
      params: idParam, querystring: z.object(pageQuery).strict(), tags: ['items', 'ledger'], response: { 200: pageApi(eventApi), ...errors(400, 404) },
      description: 'The chain of custody of one item: its custody events, oldest first.',
    },
  }, async (req) => {
    const item = loadVisibleItem(db, req.principal, req.params.id);
    const after = decodeCursor(req.query.cursor, 3) as [string, Chain, number] | null;
    if (after && (typeof after[0] !== 'string' || !CHAINS.includes(after[1]) || typeof after[2] !== 'number')) fail('BAD_CURSOR');
    const chains = seesRestricted(req.principal) ? ['main', 'restricted'] : ['main'];
    const hidden = seesRestricted(req.principal) ? '' : 'AND restricted = 0';
    const rows = prepared(db, `SELECT * FROM events WHERE item_id = ? AND chain IN (${chains.map(() => '?').join(', ')}) ${hidden}
        AND (at, chain, seq) > (?, ?, ?) ORDER BY at, chain, seq LIMIT ?`)
      .all(item.id, ...chains, ...(after ?? ['', '', 0]), req.query.limit + 1) as EventRow[];
    const p = page(rows, req.query.limit, (r) => [r.at, r.chain, r.seq]);
    return { data: p.data.map(eventFromRow), nextCursor: p.nextCursor };
  });
}

interface CheckoutRow {
  item_id: string; out_chain: Chain; out_seq: number; order_id: string; purpose: string; taken_by: string; approved_by: string;
  due_at: string; condition_out: string; in_chain: Chain | null; in_seq: number | null; returned_at: string | null;
  condition_in: string | null; condition_differs: number | null;
}
interface PhotoRow { sha256: string; chain: Chain; seq: number; contentType: string; size: number }

function checkoutToApi(c: CheckoutRow): z.infer<typeof checkoutApi> {
  return {
    outChain: c.out_chain, outSeq: c.out_seq, orderId: c.order_id, purpose: c.purpose, takenBy: c.taken_by, approvedBy: c.approved_by,
    dueAt: c.due_at, conditionOut: c.condition_out, inChain: c.in_chain, inSeq: c.in_seq, returnedAt: c.returned_at,
    conditionIn: c.condition_in, conditionDiffers: c.condition_differs === null ? null : c.condition_differs === 1,
  };
}
