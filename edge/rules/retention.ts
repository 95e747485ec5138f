// Retention exceeded (超期存放): a stored item kept past its limit is a warning, raised once per item
// and limit. The limit is its case's `retain_until` when one is set (a decision about that case, by
// a supervisor, the commission or the platform: it overrides the category's period either way), and
// otherwise its reception plus its category's `retentionDays` from the site file. A new limit (the
// case's date moved) is a new cause; the same limit never raises twice, resolved or not.
import type { CustodyContext } from '../context.ts';
import { raiseAlarm } from '../alarms/alarm.ts';
import { calendarOf } from '../time/calendar.ts';
import { prepared } from '../store/db.ts';

export type RetentionBasis = 'category' | 'case';

export interface RetentionRow {
  id: string; epc: string | null; name: string; restricted: number; agency_id: string; zone_id: string | null; location_id: string | null;
  case_id: string; case_number: string; received_at: string | null; retention_days: number | null;
  /** The limit that passed (UTC, ISO 8601), and where it comes from. */
  retain_until: string; basis: RetentionBasis;
}

/**
 * Stored items whose limit is at or before `nowMs`, oldest limit first; `visibility` (SQL over the
 * items alias `i`) limits them to what a role may see.
 */
export function retentionExceeded(ctx: CustodyContext, nowMs: number, visibility?: { sql: string; params: unknown[] }): RetentionRow[] {
  const vis = visibility ?? { sql: '1', params: [] };
  // strftime keeps the limit in the same ISO form (milliseconds, Z) as every stored instant, so strings compare as times.
  return prepared(ctx.db, `SELECT * FROM (
      SELECT i.id, i.epc, i.name, i.restricted, i.agency_id, i.zone_id, i.location_id, i.case_id, c.number AS case_number,
        i.received_at, k.retention_days,
        CASE WHEN c.retain_until IS NOT NULL THEN c.retain_until
          ELSE strftime('%Y-%m-%dT%H:%M:%fZ', i.received_at, '+' || k.retention_days || ' days') END AS retain_until,
        CASE WHEN c.retain_until IS NOT NULL THEN 'case' ELSE 'category' END AS basis
      FROM items i JOIN cases c ON c.id = i.case_id JOIN categories k ON k.id = i.category_id
      WHERE i.state = 'stored' AND (c.retain_until IS NOT NULL OR (k.retention_days IS NOT NULL AND i.received_at IS NOT NULL))
        AND ${vis.sql}
    ) WHERE retain_until <= ? ORDER BY retain_until, id`).all(...vis.params, new Date(nowMs).toISOString()) as RetentionRow[];
}

export const retentionCause = (r: Pick<RetentionRow, 'id' | 'retain_until'>) => `retention_exceeded:${r.id}:${r.retain_until}`;

export function checkRetention(ctx: CustodyContext): number {
  const rows = retentionExceeded(ctx, ctx.clock.now());
  if (!rows.length) return 0;
  const raisedBefore = prepared(ctx.db, 'SELECT 1 FROM alarms WHERE cause_key = ? LIMIT 1');
  const calendar = calendarOf(ctx.site.site.timezone);
  let raised = 0;
  ctx.transaction(() => {
    for (const r of rows) {
      const causeKey = retentionCause(r);
      if (raisedBefore.get(causeKey)) continue;
      const why = r.basis === 'case' ? '案件保管期限' : `分类存放期限 ${r.retention_days} 天`;
      raiseAlarm(ctx, {
        kind: 'retention_exceeded', severity: 'warning', causeKey, restricted: r.restricted === 1,
        message: `${r.name}（案件 ${r.case_number}）已超期存放：${why}至 ${calendar.format(r.retain_until)} 届满`,
        itemId: r.id, epc: r.epc, zoneId: r.zone_id, locationId: r.location_id,
        details: {
          retainUntil: r.retain_until, basis: r.basis, caseId: r.case_id, caseNumber: r.case_number,
          ...(r.basis === 'category' ? { retentionDays: r.retention_days, receivedAt: r.received_at } : {}),
        },
      });
      raised++;
    }
  });
  return raised;
}
