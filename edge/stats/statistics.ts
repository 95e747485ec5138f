// 出入库统计: what moved through the center in a span of the site's calendar (today, this week, this
// month, or a span given in instants). Counted from the custody ledger, so that the figures are the
// ledger's own: each movement is one custody event. Who sees what follows GET /events exactly (the
// restricted chain for `discipline` only, the main chain's events of its own agency's items for
// `agency` and `discipline`), alarms follow GET /alarms and crossings follow GET /crossings.
import { z } from 'zod';
import type { CustodyContext } from '../context.ts';
import { seesRestricted, type Principal } from '../auth/principal.ts';
import { ALARM_KINDS } from '../alarms/alarm.ts';
import { fail } from '../errors.ts';
import { prepared } from '../store/db.ts';
import { calendarOf } from '../time/calendar.ts';
import { chainsOf, crossingVisibilitySql } from '../stream/visibility.ts';
import { csvText, type Cell } from '../csv.ts';

/** The movements counted, each the custody event kind that records it. */
export const MOVEMENTS = ['received', 'stored', 'takenOut', 'returned', 'circulated', 'disposed'] as const;
export type Movement = (typeof MOVEMENTS)[number];
const KIND_OF: Record<Movement, string> = {
  received: 'received', stored: 'putaway', takenOut: 'retrieved', returned: 'returned', circulated: 'circulated', disposed: 'disposed',
};
const MOVEMENT_OF = new Map(MOVEMENTS.map((m) => [KIND_OF[m], m]));

export const PERIODS = ['today', 'week', 'month'] as const;
export type Period = (typeof PERIODS)[number];
/** The longest span asked for with from and to (the environment keeps its minutes as long). */
export const MAX_SPAN_DAYS = 400;
const DAY = 86_400_000;
const HOUR = 3_600_000;

export const statisticsQuery = z.object({
  period: z.enum(PERIODS).optional().describe('today, this week (from Monday) or this month in the site\'s time zone; the default when neither from nor to is given: today'),
  from: z.iso.datetime({ offset: true }).optional().describe('the span\'s start (inclusive), with to instead of a period'),
  to: z.iso.datetime({ offset: true }).optional().describe(`the span's end (exclusive); after from, at most ${MAX_SPAN_DAYS} days later`),
}).strict();
export type StatisticsQuery = z.infer<typeof statisticsQuery>;

const count = z.number().int().nonnegative();
export const movementCountsApi = z.object(Object.fromEntries(MOVEMENTS.map((m) => [m, count])) as Record<Movement, typeof count>)
  .describe('received (入库接收), stored (上架), takenOut (调用出库), returned (归还), circulated (流转), disposed (处置)');
export type MovementCounts = z.infer<typeof movementCountsApi>;

export const statisticsApi = z.object({
  period: z.enum([...PERIODS, 'custom']),
  from: z.string().describe('the span\'s start, inclusive (UTC)'),
  to: z.string().describe('the span\'s end, exclusive (UTC); a period runs to its end, which may be after now'),
  timezone: z.string().describe('the site\'s time zone, in which the period and the hours are counted'),
  generatedAt: z.string(),
  movements: movementCountsApi,
  byAgency: z.array(z.object({
    agencyId: z.string(), name: z.string(), nameEn: z.string().nullable(), total: count, counts: movementCountsApi,
  })).describe('by handling unit: the controlling agency before the movement (for a circulation, the unit that handed control on); most movements first'),
  byCategory: z.array(z.object({
    categoryId: z.string(), name: z.string(), nameEn: z.string().nullable(), total: count, counts: movementCountsApi,
  })).describe('by the item\'s category; most movements first'),
  alarms: z.object({
    total: count,
    byKind: z.array(z.object({ kind: z.enum(ALARM_KINDS), count })).describe('alarms opened in the span, most first'),
  }),
  gateTraffic: z.object({
    total: count,
    hours: z.array(count).length(24).describe('crossings decided in each hour of the site\'s day (0 to 23), every visible gate together'),
    byGate: z.array(z.object({ gateId: z.string(), name: z.string(), nameEn: z.string().nullable(), total: count, hours: z.array(count).length(24) })),
  }),
});
export type Statistics = z.infer<typeof statisticsApi>;

export interface Span { period: Period | 'custom'; from: number; to: number }

/** The span a query asks for; a bad one is VALIDATION_FAILED naming its field. */
export function spanOf(ctx: CustodyContext, q: StatisticsQuery): Span {
  const cal = calendarOf(ctx.site.site.timezone);
  if (q.from !== undefined || q.to !== undefined) {
    if (q.period !== undefined) fail('VALIDATION_FAILED', 'Give a period or from and to, not both', { field: 'period' });
    if (q.from === undefined) fail('VALIDATION_FAILED', 'from is required with to', { field: 'from' });
    if (q.to === undefined) fail('VALIDATION_FAILED', 'to is required with from', { field: 'to' });
    const from = Date.parse(q.from);
    const to = Date.parse(q.to);
    if (!(from < to)) fail('VALIDATION_FAILED', 'from must be before to', { field: 'from' });
    if (to - from > MAX_SPAN_DAYS * DAY) fail('VALIDATION_FAILED', `A span of at most ${MAX_SPAN_DAYS} days`, { field: 'to', maxDays: MAX_SPAN_DAYS });
    return { period: 'custom', from, to };
  }
  const now = ctx.clock.now();
  const period = q.period ?? 'today';
  switch (period) {
    // The next boundary is found from a moment well inside the next day or week, so that a day of 23 or 25 hours still ends at midnight.
    case 'today': { const from = cal.startOfDay(now); return { period, from, to: cal.startOfDay(from + 36 * HOUR) }; }
    case 'week': { const from = cal.startOfWeek(now); return { period, from, to: cal.startOfWeek(from + 7 * DAY + 12 * HOUR) }; }
    case 'month': return { period, from: cal.startOfMonth(now), to: cal.startOfNextMonth(now) };
  }
}

const zero = (): MovementCounts => ({ received: 0, stored: 0, takenOut: 0, returned: 0, circulated: 0, disposed: 0 });
const totalOf = (c: MovementCounts) => MOVEMENTS.reduce((s, m) => s + c[m], 0);

interface MovementRow { kind: string; agency: string | null; category: string | null; n: number }

// The movements of the span from migration 13's derived tables: event_movements (one narrow row per
// movement event, written with it, carrying the agency before the movement and the item's category)
// and event_movement_days (the same counted per UTC day). Where the view is every item of a chain,
// the whole UTC days inside the span are read as day totals and only the edges as rows; where it is
// one agency's items (agency, and discipline in the main chain), the rows of the span are read by
// the item's present agency and restricted flag, kept on each row, as GET /events reads them.
function movementRows(ctx: CustodyContext, p: Principal, from: number, to: number): MovementRow[] {
  const rows: MovementRow[] = [];
  const iso = (ms: number) => new Date(ms).toISOString();
  const fromRows = (chain: string, a: number, b: number, perItem: boolean) => {
    if (a >= b) return;
    const where = ['m.chain = ?', 'm.at >= ?', 'm.at < ?'];
    const params: unknown[] = [chain, iso(a), iso(b)];
    if (!seesRestricted(p)) where.push('m.restricted = 0');
    // The item's present agency and flag, kept on the row (migration 13): itemVisibilitySql's rule over them.
    if (perItem && p.role === 'agency') { where.push('m.item_agency_id = ?', 'm.item_restricted = 0'); params.push(p.agencyId); }
    if (perItem && p.role === 'discipline') { where.push('(m.item_restricted = 1 OR m.item_agency_id = ?)'); params.push(p.agencyId); }
    rows.push(...(prepared(ctx.db, `SELECT m.kind AS kind, m.agency_id AS agency, m.category_id AS category, count(*) AS n
      FROM event_movements m WHERE ${where.join(' AND ')} GROUP BY 1, 2, 3`).all(...params) as MovementRow[]));
  };
  for (const chain of chainsOf(p)) {
    // As chainVisibility: the commission's chain is its whole; in the main chain agency and discipline read their own agency's items.
    const perItem = p.role === 'agency' || (p.role === 'discipline' && chain === 'main');
    const firstDay = Math.ceil(from / DAY) * DAY;
    const endDay = Math.floor(to / DAY) * DAY;
    if (perItem || firstDay >= endDay) { fromRows(chain, from, to, perItem); continue; }
    fromRows(chain, from, firstDay, false);
    fromRows(chain, endDay, to, false);
    const restricted = seesRestricted(p) ? '' : ' AND d.restricted = 0';
    rows.push(...(prepared(ctx.db, `SELECT d.kind AS kind, nullif(d.agency_id, '') AS agency, nullif(d.category_id, '') AS category, sum(d.n) AS n
      FROM event_movement_days d WHERE d.chain = ? AND d.day >= ? AND d.day < ?${restricted} GROUP BY 1, 2, 3`)
      .all(chain, iso(firstDay).slice(0, 10), iso(endDay).slice(0, 10)) as MovementRow[]));
  }
  return rows;
}

function alarmRows(ctx: CustodyContext, p: Principal, from: string, to: string): { kind: string; n: number }[] {
  const where = ['a.opened_at >= ?', 'a.opened_at < ?'];
  const params: unknown[] = [from, to];
  // As GET /alarms.
  if (!seesRestricted(p)) where.push('a.restricted = 0');
  if (p.role === 'agency') { where.push('a.item_id IN (SELECT id FROM items WHERE agency_id = ?)'); params.push(p.agencyId); }
  if (p.role === 'discipline') { where.push('(a.restricted = 1 OR a.item_id IN (SELECT id FROM items WHERE agency_id = ?))'); params.push(p.agencyId); }
  return prepared(ctx.db, `SELECT a.kind AS kind, count(*) AS n FROM alarms a WHERE ${where.join(' AND ')} GROUP BY 1`).all(...params) as { kind: string; n: number }[];
}

function crossingRows(ctx: CustodyContext, p: Principal, from: string, to: string): { gate: string; hour: string; n: number }[] {
  // As GET /crossings; grouped by the UTC hour, which the site's calendar turns into its own hour of the day.
  const vis = crossingVisibilitySql(p, 'c');
  return prepared(ctx.db, `SELECT c.gate_id AS gate, substr(c.decided_at, 1, 13) AS hour, count(*) AS n FROM crossings c
    WHERE c.decided_at >= ? AND c.decided_at < ? AND ${vis.sql} GROUP BY 1, 2`).all(from, to, ...vis.params) as { gate: string; hour: string; n: number }[];
}

export function statistics(ctx: CustodyContext, p: Principal, q: StatisticsQuery): Statistics {
  const span = spanOf(ctx, q);
  const from = new Date(span.from).toISOString();
  const to = new Date(span.to).toISOString();
  const cal = calendarOf(ctx.site.site.timezone);

  const movements = zero();
  const byAgency = new Map<string, MovementCounts>();
  const byCategory = new Map<string, MovementCounts>();
  for (const r of movementRows(ctx, p, span.from, span.to)) {
    const m = MOVEMENT_OF.get(r.kind)!;
    movements[m] += r.n;
    const a = r.agency ?? '';
    const c = r.category ?? '';
    if (!byAgency.has(a)) byAgency.set(a, zero());
    if (!byCategory.has(c)) byCategory.set(c, zero());
    byAgency.get(a)![m] += r.n;
    byCategory.get(c)![m] += r.n;
  }
  const agencies = new Map(ctx.site.agencies.map((a) => [a.id, a]));
  const categories = new Map(ctx.site.categories.map((c) => [c.id, c]));
  const sorted = <T extends { total: number; name: string }>(xs: T[]) => xs.sort((x, y) => y.total - x.total || x.name.localeCompare(y.name, 'zh'));

  const alarmKinds = new Set<string>(ALARM_KINDS);
  const alarmsByKind = alarmRows(ctx, p, from, to).filter((r) => alarmKinds.has(r.kind))
    .map((r) => ({ kind: r.kind as (typeof ALARM_KINDS)[number], count: r.n }))
    .sort((x, y) => y.count - x.count || x.kind.localeCompare(y.kind));

  const gateRestricted = (g: { innerZone: string; outerZone: string }) => ctx.isRestrictedZone(g.innerZone) || ctx.isRestrictedZone(g.outerZone);
  const gates = ctx.site.gates.filter((g) => !gateRestricted(g) || seesRestricted(p));
  const perGate = new Map(gates.map((g) => [g.id, new Array<number>(24).fill(0)]));
  const hours = new Array<number>(24).fill(0);
  const localHour = new Map<string, number>();
  for (const r of crossingRows(ctx, p, from, to)) {
    const g = perGate.get(r.gate);
    if (!g) continue;
    let h = localHour.get(r.hour);
    if (h === undefined) localHour.set(r.hour, (h = cal.parts(`${r.hour}:00:00.000Z`).hour));
    g[h] += r.n;
    hours[h] += r.n;
  }

  return {
    period: span.period, from, to, timezone: ctx.site.site.timezone, generatedAt: ctx.nowIso(),
    movements,
    byAgency: sorted([...byAgency].map(([id, counts]) => {
      const a = agencies.get(id);
      return { agencyId: id, name: a?.name ?? id, nameEn: a?.nameEn ?? null, total: totalOf(counts), counts };
    })),
    byCategory: sorted([...byCategory].map(([id, counts]) => {
      const c = categories.get(id);
      return { categoryId: id, name: c?.name ?? id, nameEn: c?.nameEn ?? null, total: totalOf(counts), counts };
    })),
    alarms: { total: alarmsByKind.reduce((s, a) => s + a.count, 0), byKind: alarmsByKind },
    gateTraffic: {
      total: hours.reduce((s, n) => s + n, 0),
      hours,
      byGate: gates.map((g) => {
        const hs = perGate.get(g.id)!;
        return { gateId: g.id, name: g.name, nameEn: g.nameEn ?? null, total: hs.reduce((s, n) => s + n, 0), hours: hs };
      }),
    },
  };
}

const MOVEMENT_ZH: Record<Movement, string> = { received: '接收入库', stored: '上架', takenOut: '调用出库', returned: '归还', circulated: '流转', disposed: '处置' };
// As the dashboards name them (dashboards/i18n.js alarm.<kind>).
const ALARM_ZH: Record<(typeof ALARM_KINDS)[number], string> = {
  unauthorized_movement: '未授权移动', escort_missing: '缺少押运人员', restricted_zone_breach: '专区闯入', unexpected_removal: '异常取出',
  misplaced: '错放', overdue_return: '超期未还', unknown_tag: '未知标签', environment: '环境异常', device_offline: '设备离线',
  manifest_discrepancy: '清单不符', decision_failed: '判定失败', order_cancelled_upstream: '上级撤销指令（物品在外）', sync_refused: '平台拒收账本',
  storage_full: '存储空间已满', due_soon: '即将到期', retention_exceeded: '超期存放',
};

/** The statistics as a spreadsheet: one section per table, Chinese headings, names not ids (UTF-8 with BOM). */
export function statisticsCsv(ctx: CustodyContext, s: Statistics): string {
  const cal = calendarOf(s.timezone);
  const rows: Cell[][] = [];
  const blank = () => rows.push([]);
  rows.push(['出入库统计', ctx.site.site.name]);
  rows.push(['统计区间', `${cal.format(s.from)} 至 ${cal.format(s.to)}`, s.timezone]);
  rows.push(['生成时间', cal.format(s.generatedAt)]);
  blank();
  rows.push(['出入库合计']);
  rows.push(MOVEMENTS.map((m) => MOVEMENT_ZH[m]));
  rows.push(MOVEMENTS.map((m) => s.movements[m]));
  blank();
  rows.push(['按办案单位']);
  rows.push(['办案单位', ...MOVEMENTS.map((m) => MOVEMENT_ZH[m]), '合计']);
  for (const a of s.byAgency) rows.push([a.name, ...MOVEMENTS.map((m) => a.counts[m]), a.total]);
  blank();
  rows.push(['按财物类别']);
  rows.push(['财物类别', ...MOVEMENTS.map((m) => MOVEMENT_ZH[m]), '合计']);
  for (const c of s.byCategory) rows.push([c.name, ...MOVEMENTS.map((m) => c.counts[m]), c.total]);
  blank();
  rows.push(['告警（按类型）']);
  rows.push(['告警类型', '数量']);
  for (const a of s.alarms.byKind) rows.push([ALARM_ZH[a.kind], a.count]);
  rows.push(['合计', s.alarms.total]);
  blank();
  rows.push(['通道流量（按小时）']);
  rows.push(['通道', ...Array.from({ length: 24 }, (_, h) => `${String(h).padStart(2, '0')}时`), '合计']);
  for (const g of s.gateTraffic.byGate) rows.push([g.name, ...g.hours, g.total]);
  rows.push(['合计', ...s.gateTraffic.hours, s.gateTraffic.total]);
  return csvText(rows);
}
