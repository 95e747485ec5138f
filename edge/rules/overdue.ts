// Overdue return: a checked-out item not back by its due time is a warning, and critical once the
// grace period has passed too. Runs on the gateway's clock without anyone asking.
import type { CustodyContext } from '../context.ts';
import { raiseAlarm, type Severity } from '../alarms/alarm.ts';
import { calendarOf } from '../time/calendar.ts';
import { prepared } from '../store/db.ts';

interface OverdueRow {
  id: string; epc: string | null; name: string; due_at: string; restricted: number; zone_id: string | null;
  location_id: string | null; out_chain: string; out_seq: number; order_id: string; taken_by: string;
}

export function checkOverdue(ctx: CustodyContext): number {
  const nowMs = ctx.clock.now();
  const graceMs = ctx.site.rules.overdueGraceMinutes * 60_000;
  const rows = prepared(ctx.db, `SELECT i.id, i.epc, i.name, i.due_at, i.restricted, i.zone_id, i.location_id,
      c.out_chain, c.out_seq, c.order_id, c.taken_by
    FROM items i JOIN checkouts c ON c.item_id = i.id AND c.in_seq IS NULL
    WHERE i.state = 'out' AND i.due_at <= ?`).all(new Date(nowMs).toISOString()) as OverdueRow[];
  const live = prepared(ctx.db, `SELECT severity FROM alarms WHERE cause_key = ? AND state <> 'resolved'`);
  const calendar = calendarOf(ctx.site.site.timezone);
  let raised = 0;
  ctx.transaction(() => {
    for (const r of rows) {
      const severity: Severity = nowMs - Date.parse(r.due_at) >= graceMs ? 'critical' : 'warning';
      // The main chain's key keeps its old form, so that an alarm open before the chains were split stays the same cause.
      const causeKey = `overdue_return:${r.id}:${r.out_chain === 'main' ? '' : `${r.out_chain}-`}${r.out_seq}`;
      const existing = live.get(causeKey) as { severity: Severity } | undefined;
      // Only a new cause or an escalation is news; the same state every tick is not.
      if (existing && (existing.severity === severity || existing.severity === 'critical')) continue;
      raiseAlarm(ctx, {
        kind: 'overdue_return', severity, causeKey, restricted: r.restricted === 1,
        // People read the due time on the site's wall clock; details keep the UTC instant.
        message: `${r.name} 应于 ${calendar.format(r.due_at)} 归还，领取人：${r.taken_by}`,
        itemId: r.id, epc: r.epc, zoneId: r.zone_id, locationId: r.location_id, orderId: r.order_id,
        details: { dueAt: r.due_at, takenBy: r.taken_by, checkoutChain: r.out_chain, checkoutSeq: r.out_seq },
      });
      raised++;
    }
  });
  return raised;
}
