// The case view (案件视图): one case as a principal may see it, with its items, the orders that name
// them, their live alarms, and the whole case's chain of custody. Every part is filtered by the same
// rules as the lists it comes from (items, orders, alarms, events): a case whose items the role
// cannot see answers 404, as an item does.
import { z } from 'zod';
import type { CustodyContext } from '../context.ts';
import { itemVisibilitySql, seesRestricted, type Principal } from '../auth/principal.ts';
import { fail } from '../errors.ts';
import { itemApi, ITEM_SELECT, itemToApi, type ItemApi, type ItemRowWithCase } from '../items/item.ts';
import { alarmApi, alarmToApi } from '../alarms/alarm.ts';
import { orderApi, ordersToApi, orderVisibilitySql, type OrderRow } from '../orders/order.ts';
import { CHAINS, type Chain, type EventRow } from '../ledger/event.ts';
import { prepared } from '../store/db.ts';
import { AGENCY_KINDS } from '../site/schema.ts';
import { caseApi, loadVisibleCase } from './retention.ts';

const placeName = z.object({ id: z.string(), name: z.string(), nameEn: z.string().nullable() });
export const caseItemApi = itemApi.extend({
  zone: placeName.nullable().describe('the zone it is in, by name'),
  location: placeName.nullable().describe('its location (shelf, slot, cabinet, bay), by name'),
});
export const caseViewApi = caseApi.extend({
  agency: z.object({ id: z.string(), name: z.string(), nameEn: z.string().nullable(), kind: z.enum(AGENCY_KINDS) }).describe('the handling unit that opened it'),
  itemList: z.array(caseItemApi).describe('its items the role may see, by id'),
  orders: z.array(orderApi).describe('the orders naming one of its items the role may see, newest first; each with the items of it the role may see'),
  alarms: z.array(alarmApi).describe('the live (open or acknowledged) alarms about its items, newest first'),
});
export type CaseView = z.infer<typeof caseViewApi>;

interface AgencyRow { id: string; name: string; nameEn: string | null; kind: (typeof AGENCY_KINDS)[number] }

/** The case with everything a person needs on one page; CASE_NOT_FOUND for a case with no item `p` may see. */
export function loadCaseView(ctx: CustodyContext, p: Principal, caseId: string, overlay: (i: ItemApi) => ItemApi = (i) => i): CaseView {
  const c = loadVisibleCase(ctx, p, caseId);
  const db = ctx.db;
  const agency = prepared(db, 'SELECT id, name, name_en AS nameEn, kind FROM agencies WHERE id = ?').get(c.agencyId) as AgencyRow;
  const vis = itemVisibilitySql(p);
  const rows = prepared(db, `${ITEM_SELECT} WHERE i.case_id = ? AND ${vis.sql} ORDER BY i.id`).all(caseId, ...vis.params) as ItemRowWithCase[];
  const locations = new Map((prepared(db, `SELECT l.id, l.name FROM locations l
      WHERE l.id IN (SELECT i.location_id FROM items i WHERE i.case_id = ? AND ${vis.sql})`).all(caseId, ...vis.params) as { id: string; name: string }[])
    .map((l) => [l.id, l.name]));
  const itemList = rows.map((r) => {
    const zone = r.zone_id ? ctx.zones.get(r.zone_id) : undefined;
    return {
      ...overlay(itemToApi(r)),
      zone: zone ? { id: zone.id, name: zone.name, nameEn: zone.nameEn ?? null } : null,
      location: r.location_id ? { id: r.location_id, name: locations.get(r.location_id) ?? r.location_id, nameEn: null } : null,
    };
  });

  // Orders naming one of the case's items the role may see (an agency reads an order only for its own items).
  const ov = orderVisibilitySql(p, 'o');
  const iv = itemVisibilitySql(p, 'ci');
  const orderRows = prepared(db, `SELECT o.* FROM orders o WHERE ${ov.sql} AND EXISTS (SELECT 1 FROM order_items coi JOIN items ci ON ci.id = coi.item_id
      WHERE coi.order_id = o.id AND ci.case_id = ? AND ${iv.sql}) ORDER BY o.created_at DESC, o.id DESC`)
    .all(...ov.params, caseId, ...iv.params) as OrderRow[];

  // Live alarms about its items: the restricted zone's for discipline only, as GET /alarms.
  const av = itemVisibilitySql(p, 'ai');
  const alarmRows = prepared(db, `SELECT a.* FROM alarms a WHERE a.state IN ('open', 'acknowledged') ${seesRestricted(p) ? '' : 'AND a.restricted = 0'}
      AND a.item_id IN (SELECT ai.id FROM items ai WHERE ai.case_id = ? AND ${av.sql}) ORDER BY a.opened_at DESC, a.id DESC`)
    .all(caseId, ...av.params) as Parameters<typeof alarmToApi>[0][];

  return { ...c, agency, itemList, orders: ordersToApi(ctx, orderRows, p), alarms: alarmRows.map(alarmToApi) };
}

/**
 * The case's chain of custody: the events of its items `p` may see, oldest first by time, then
 * chain and seq. Discipline reads both chains merged (its zone's items, and its own agency's in
 * the main chain); everyone else the main chain only, without restricted events.
 */
export function caseEvents(ctx: CustodyContext, p: Principal, caseId: string, after: [string, Chain, number] | null, limit: number): EventRow[] {
  loadVisibleCase(ctx, p, caseId);
  if (after && (typeof after[0] !== 'string' || !CHAINS.includes(after[1]) || typeof after[2] !== 'number')) fail('BAD_CURSOR');
  const chains: Chain[] = seesRestricted(p) ? ['main', 'restricted'] : ['main'];
  const hidden = seesRestricted(p) ? '' : 'AND e.restricted = 0';
  const vis = itemVisibilitySql(p);
  return prepared(ctx.db, `SELECT e.* FROM events e WHERE e.item_id IN (SELECT i.id FROM items i WHERE i.case_id = ? AND ${vis.sql})
      AND e.chain IN (${chains.map(() => '?').join(', ')}) ${hidden}
      AND (e.at, e.chain, e.seq) > (?, ?, ?) ORDER BY e.at, e.chain, e.seq LIMIT ?`)
    .all(caseId, ...vis.params, ...chains, ...(after ?? ['', '', 0]), limit + 1) as EventRow[];
}
