// What one principal may see on the stream: the same rules as the lists (GET /alarms, GET /events),
// applied to one thing at a time. The restricted zone's alarms, events and crossings reach only
// `discipline`; `agency` sees only what concerns its agency's items.
import type { Db } from '../store/db.ts';
import { prepared } from '../store/db.ts';
import type { CustodyContext } from '../context.ts';
import { canSeeAlarm, type Alarm } from '../alarms/alarm.ts';
import { canSeeItem, itemVisibilitySql, seesRestricted, type Principal } from '../auth/principal.ts';
import type { Chain, EventRow, HashedEvent } from '../ledger/event.ts';

/**
 * What the stream needs of a crossing to filter it (edge/rules/crossings.ts's DecidedCrossing is one);
 * the whole object is sent as it is.
 */
export interface StreamCrossing {
  gateId: string;
  /** True when the gate (or the item) belongs to the restricted zone. */
  restricted: boolean;
  /** The controlling agency of the item that crossed; null or absent for an unknown tag or a badge. */
  itemAgencyId?: string | null;
}

export function alarmVisible(ctx: CustodyContext, p: Principal, a: Pick<Alarm, 'restricted' | 'itemId'>): boolean {
  return canSeeAlarm(ctx, p, { restricted: a.restricted ? 1 : 0, item_id: a.itemId });
}

/** As GET /events: restricted events only for discipline; agency and discipline only for items they can see. */
export function eventVisible(db: Db, p: Principal, e: Pick<HashedEvent, 'restricted' | 'itemId' | 'chain'>): boolean {
  if ((e.restricted || e.chain !== 'main') && !seesRestricted(p)) return false;
  if (e.chain === 'restricted') return true;
  if (p.role !== 'agency' && p.role !== 'discipline') return true;
  if (!e.itemId) return false;
  const item = prepared(db, 'SELECT restricted, agency_id FROM items WHERE id = ?').get(e.itemId) as { restricted: number; agency_id: string } | undefined;
  return !!item && canSeeItem(p, item);
}

/** As for items: a crossing is about the item that crossed, and a restricted gate's crossings are discipline's only. */
export function crossingVisible(p: Principal, c: StreamCrossing): boolean {
  const restricted = c.restricted === true;
  const agency = typeof c.itemAgencyId === 'string' ? c.itemAgencyId : null;
  switch (p.role) {
    case 'discipline': return restricted || (agency !== null && agency === p.agencyId);
    case 'agency': return !restricted && agency !== null && agency === p.agencyId;
    default: return !restricted;
  }
}

/** The same rule as crossingVisible, as SQL over a crossings alias (GET /crossings). */
export function crossingVisibilitySql(p: Principal, alias = 'c'): { sql: string; params: unknown[] } {
  switch (p.role) {
    case 'discipline': return { sql: `(${alias}.restricted = 1 OR ${alias}.agency_id = ?)`, params: [p.agencyId] };
    case 'agency': return { sql: `(${alias}.restricted = 0 AND ${alias}.agency_id = ?)`, params: [p.agencyId] };
    default: return { sql: `${alias}.restricted = 0`, params: [] };
  }
}

/**
 * A visible crossing as `p` reads it. A handling unit's item carried through the commission's door
 * is a crossing the commission sees, of an item it may not open: the crossing keeps its EPC and
 * loses the item's id, name and agency, so that nothing offers a link that answers 404.
 */
export function crossingForPrincipal<T extends { itemId?: string | null; itemAgencyId?: string | null }>(
  db: Db, p: Principal, c: T, item?: { restricted: number; agency_id: string } | null): T {
  if (!c.itemId || (p.role !== 'discipline' && p.role !== 'agency')) return c;
  const row = item !== undefined ? item
    : prepared(db, 'SELECT restricted, agency_id FROM items WHERE id = ?').get(c.itemId) as { restricted: number; agency_id: string } | undefined;
  if (row && canSeeItem(p, row)) return c;
  const hidden: T = { ...c, itemId: null };
  if ('itemAgencyId' in c) hidden.itemAgencyId = null;
  if ('itemName' in c) (hidden as { itemName?: string | null }).itemName = null;
  return hidden;
}

/** The chains a principal reads: the restricted zone's only for discipline. */
export const chainsOf = (p: Principal): Chain[] => (seesRestricted(p) ? ['main', 'restricted'] : ['main']);

/** The rows of one chain this principal may see, as SQL over an events alias. */
export function chainVisibility(p: Principal, chain: Chain): { where: string[]; params: unknown[] } {
  const where = ['e.chain = ?'];
  const params: unknown[] = [chain];
  if (!seesRestricted(p)) where.push('e.restricted = 0');
  // The restricted chain is the commission's whole; in the main chain it reads only its own agency's items, as an agency does.
  if (p.role === 'agency' || (p.role === 'discipline' && chain === 'main')) {
    const vis = itemVisibilitySql(p);
    where.push(`e.item_id IN (SELECT i.id FROM items i WHERE ${vis.sql})`);
    params.push(...vis.params);
  }
  return { where, params };
}

/** The custody events of one chain after `afterSeq` this principal may see, oldest first, at most `limit` (+1 to tell truncation). */
export function visibleEventsAfter(db: Db, p: Principal, chain: Chain, afterSeq: number, limit: number): EventRow[] {
  const { where, params } = chainVisibility(p, chain);
  return prepared(db, `SELECT e.* FROM events e WHERE ${where.join(' AND ')} AND e.seq > ? ORDER BY e.seq ASC LIMIT ?`)
    .all(...params, afterSeq, limit + 1) as EventRow[];
}

/** The highest seq of one chain this principal may see (0 when none): where a fresh stream's cursor starts. */
export function lastVisibleSeq(db: Db, p: Principal, chain: Chain): number {
  const { where, params } = chainVisibility(p, chain);
  // Walks the primary key backwards (MAX() with a WHERE would scan the whole chain).
  const sql = `SELECT e.seq FROM events e WHERE ${where.join(' AND ')} ORDER BY e.seq DESC LIMIT 1`;
  return (prepared(db, sql).get(...params) as { seq: number } | undefined)?.seq ?? 0;
}
