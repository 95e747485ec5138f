// Due soon (即将到期): a check-out due back within the next 24 hours is a warning, raised once per
// check-out, before it is overdue. It does not resolve itself (DOMAIN.md: a person resolves it), and
// nothing raises it again: not the next tick, not after the item is back, not once the overdue rule
// has taken over. Runs on the gateway's clock, like the overdue rule it precedes.
import type { CustodyContext } from '../context.ts';
import { raiseAlarm } from '../alarms/alarm.ts';
import { calendarOf } from '../time/calendar.ts';
import { prepared } from '../store/db.ts';

/** How far ahead a due time counts as soon. */
export const DUE_SOON_MS = 24 * 3_600_000;

export interface DueSoonRow {
  id: string; epc: string | null; name: string; due_at: string; restricted: number; agency_id: string; zone_id: string | null;
  location_id: string | null; case_id: string; case_number: string; out_chain: string; out_seq: number; order_id: string; taken_by: string;
}

/**
 * The check-outs not back yet, due after `nowMs` and within 24 hours of it, soonest first;
 * `visibility` (SQL over the items alias `i`) limits them to what a role may see.
 */
export function dueSoon(ctx: CustodyContext, nowMs: number, visibility?: { sql: string; params: unknown[] }): DueSoonRow[] {
  const vis = visibility ?? { sql: '1', params: [] };
  return prepared(ctx.db, `SELECT i.id, i.epc, i.name, i.due_at, i.restricted, i.agency_id, i.zone_id, i.location_id, i.case_id, cs.number AS case_number,
      c.out_chain, c.out_seq, c.order_id, c.taken_by
    FROM items i JOIN checkouts c ON c.item_id = i.id AND c.in_seq IS NULL JOIN cases cs ON cs.id = i.case_id
    WHERE i.state = 'out' AND i.due_at > ? AND i.due_at <= ? AND ${vis.sql}
    ORDER BY i.due_at, i.id`).all(new Date(nowMs).toISOString(), new Date(nowMs + DUE_SOON_MS).toISOString(), ...vis.params) as DueSoonRow[];
}

/** The cause of one check-out's warning, in the overdue rule's form. */
export const dueSoonCause = (r: Pick<DueSoonRow, 'id' | 'out_chain' | 'out_seq'>) => `due_soon:${r.id}:${r.out_chain}-${r.out_seq}`;

export function checkDueSoon(ctx: CustodyContext): number {
  const rows = dueSoon(ctx, ctx.clock.now());
  if (!rows.length) return 0;
  // Any alarm of the cause, resolved or not: a warning someone has already dealt with is not raised again.
  const raisedBefore = prepared(ctx.db, 'SELECT 1 FROM alarms WHERE cause_key = ? LIMIT 1');
  const calendar = calendarOf(ctx.site.site.timezone);
  let raised = 0;
  ctx.transaction(() => {
    for (const r of rows) {
      const causeKey = dueSoonCause(r);
      if (raisedBefore.get(causeKey)) continue;
      raiseAlarm(ctx, {
        kind: 'due_soon', severity: 'warning', causeKey, restricted: r.restricted === 1,
        // People read the due time on the site's wall clock; details keep the UTC instant.
        message: `${r.name} 即将到期，应于 ${calendar.format(r.due_at)} 归还，领取人：${r.taken_by}`,
        itemId: r.id, epc: r.epc, zoneId: r.zone_id, locationId: r.location_id, orderId: r.order_id,
        details: { dueAt: r.due_at, takenBy: r.taken_by, caseNumber: r.case_number, checkoutChain: r.out_chain, checkoutSeq: r.out_seq },
      });
      raised++;
    }
  });
  return raised;
}
