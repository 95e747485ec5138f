// The environment as the API answers it: every zone's current values against its limits, one zone's
// series from the history at a resolution that keeps the answer bounded, its excursions (the
// `environment` alarms of the span), and the monthly 温湿度 log an auditor signs.
import { z } from 'zod';
import type { CustodyContext } from '../../context.ts';
import type { Zone } from '../../site/schema.ts';
import { prepared } from '../../store/db.ts';
import { calendarOf } from '../../time/calendar.ts';
import { RESOLUTIONS, type EnvironmentHistory, type Resolution } from '../../history/environment.ts';
import { METRIC_UNITS, type EnvironmentWatch } from '../environment.ts';
import { csvText, type Cell } from '../../csv.ts';

/** More points than this in one series, and the answer goes one resolution coarser. */
export const POINT_CAP = 50_000;
const DAY = 86_400_000;

const limitApi = z.object({ min: z.number().nullable(), max: z.number().nullable(), hysteresis: z.number() });
export const zoneConditionsApi = z.object({
  id: z.string(), name: z.string(), nameEn: z.string().nullable(), kind: z.string(),
  readings: z.array(z.object({
    metric: z.string(), value: z.number(), unit: z.string(), at: z.string(), deviceId: z.string(),
    level: z.enum(['ok', 'out', 'warning', 'critical']).describe('ok; out: outside its limit, not yet for the delay; warning or critical: its alarm is live'),
    limit: limitApi.nullable(),
  })),
}).meta({ id: 'ZoneConditions' });
export const conditionsApi = z.object({ zones: z.array(zoneConditionsApi) }).meta({ id: 'EnvironmentNow' });

export const seriesQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional().describe('default: 24 hours before `to`'),
  to: z.iso.datetime({ offset: true }).optional().describe('default: now'),
  resolution: z.enum(RESOLUTIONS).optional().describe('raw, 1m, 1h or 1d; default: the finest within the point cap'),
  metric: z.string().max(32).optional().describe('one metric; default: every metric of the zone'),
}).strict();

const excursionApi = z.object({
  alarmId: z.string(), metric: z.string().nullable(), severity: z.enum(['warning', 'critical']), state: z.enum(['open', 'acknowledged', 'resolved']),
  openedAt: z.string(), resolvedAt: z.string().nullable(), message: z.string(), worst: z.number().nullable(), unit: z.string().nullable(),
});
export const seriesApi = z.object({
  zoneId: z.string(), from: z.string(), to: z.string(),
  resolution: z.enum(RESOLUTIONS).describe('the one served: coarser than asked when the asked one would pass the point cap'),
  requested: z.enum(RESOLUTIONS).nullable(),
  pointCap: z.number().int(),
  series: z.array(z.object({
    metric: z.string(), unit: z.string(), limit: limitApi.nullable(),
    points: z.array(z.tuple([z.number(), z.number(), z.number(), z.number()])).describe('[t (ms), min, avg, max]'),
  })),
  excursions: z.array(excursionApi),
}).meta({ id: 'EnvironmentSeries' });

export const monthQuery = z.object({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM').optional().describe('default: this month in the site\'s time zone') }).strict();

const limitOf = (zone: Zone, metric: string) => {
  const l = zone.limits[metric];
  return l ? { min: l.min ?? null, max: l.max ?? null, hysteresis: l.hysteresis } : null;
};

export function zoneConditions(watch: EnvironmentWatch, zone: Zone): z.infer<typeof zoneConditionsApi> {
  return {
    id: zone.id, name: zone.name, nameEn: zone.nameEn ?? null, kind: zone.kind,
    readings: watch.readings(zone.id).map((r) => ({ ...r, level: watch.level(zone.id, r.metric), limit: limitOf(zone, r.metric) })),
  };
}

/** The metrics a zone has a history or a limit of. */
function metricsOf(history: EnvironmentHistory, zone: Zone): string[] {
  const seen = (history.db.prepare('SELECT DISTINCT metric FROM minute WHERE zone_id = ?').pluck().all(zone.id) as string[]);
  return [...new Set([...Object.keys(zone.limits), ...seen])].sort();
}

/**
 * The series answer as JSON text, in the key order of seriesApi: the points come as SQLite wrote
 * them (EnvironmentHistory.seriesJson), spliced in rather than parsed and written again.
 */
export function zoneSeriesJson(ctx: CustodyContext, history: EnvironmentHistory, zone: Zone, q: z.infer<typeof seriesQuery>): string {
  const { series, excursions, ...head } = zoneSeriesParts(ctx, history, zone, q);
  const parts = series.map((s) => `{"metric":${JSON.stringify(s.metric)},"unit":${JSON.stringify(s.unit)},"limit":${JSON.stringify(s.limit)},"points":${s.points()}}`);
  return `${JSON.stringify(head).slice(0, -1)},"series":[${parts.join(',')}],"excursions":${JSON.stringify(excursions)}}`;
}

function zoneSeriesParts(ctx: CustodyContext, history: EnvironmentHistory, zone: Zone, q: z.infer<typeof seriesQuery>) {
  history.flush();
  const to = q.to ? Date.parse(q.to) : ctx.clock.now();
  const from = q.from ? Date.parse(q.from) : to - DAY;
  const metrics = q.metric ? [q.metric] : metricsOf(history, zone);
  // The finest resolution at or above the asked one whose every series stays under the cap.
  const order = RESOLUTIONS.slice(q.resolution ? RESOLUTIONS.indexOf(q.resolution) : 0);
  const resolution = order.find((r) => metrics.every((m) => history.countPoints(zone.id, m, from, to, r) <= POINT_CAP)) ?? '1d';
  const excursions = (prepared(ctx.db, `SELECT id, severity, state, opened_at, resolved_at, message, details FROM alarms
    WHERE kind = 'environment' AND zone_id = ? AND opened_at < ? AND (resolved_at IS NULL OR resolved_at >= ?) ORDER BY opened_at`)
    .all(zone.id, new Date(to).toISOString(), new Date(from).toISOString()) as { id: string; severity: 'warning' | 'critical'; state: 'open' | 'acknowledged' | 'resolved'; opened_at: string; resolved_at: string | null; message: string; details: string }[])
    .map((a) => {
      const d = JSON.parse(a.details) as { metric?: string; worst?: number | null; unit?: string };
      return { alarmId: a.id, metric: d.metric ?? null, severity: a.severity, state: a.state, openedAt: a.opened_at, resolvedAt: a.resolved_at, message: a.message, worst: d.worst ?? null, unit: d.unit ?? null };
    });
  return {
    zoneId: zone.id, from: new Date(from).toISOString(), to: new Date(to).toISOString(), resolution: resolution as Resolution, requested: q.resolution ?? null, pointCap: POINT_CAP,
    series: metrics.map((m) => ({ metric: m, unit: METRIC_UNITS[m] ?? '', limit: limitOf(zone, m), points: () => history.seriesJson(zone.id, m, from, to, resolution as Resolution) })),
    excursions: excursions.filter((e) => !q.metric || e.metric === q.metric),
  };
}


/**
 * The monthly 温湿度 log: each day's temperature and humidity at 09:00 and 15:00 in the site's time
 * zone (the one-minute averages of those minutes), then every excursion of the month with its alarm.
 * UTF-8 with a byte-order mark, for Excel.
 */
export function monthlyLog(ctx: CustodyContext, history: EnvironmentHistory, zone: Zone, month: string | undefined): string {
  history.flush();
  const cal = calendarOf(ctx.site.site.timezone);
  const today = cal.parts(ctx.clock.now());
  const [y, m] = month ? month.split('-').map(Number) as [number, number] : [today.year, today.month];
  const start = cal.instant(y, m, 1);
  const end = cal.startOfNextMonth(start);
  const lim = (metric: string) => {
    const l = zone.limits[metric];
    return l ? [l.min !== undefined ? `≥${l.min}` : '', l.max !== undefined ? `≤${l.max}` : ''].filter(Boolean).join(' ') : '';
  };
  const rows: Cell[][] = [
    ['温湿度记录', zone.name, `${y}年${m}月`], ['限值', `温度 ${lim('temperature') || '—'} °C`, `湿度 ${lim('humidity') || '—'} %RH`], [],
    ['日期', '09:00 温度(°C)', '09:00 湿度(%RH)', '15:00 温度(°C)', '15:00 湿度(%RH)'],
  ];
  for (let day = 1; ; day++) {
    const midnight = cal.instant(y, m, day);
    if (midnight >= end || cal.parts(midnight).month !== m) break;
    const at = [cal.instant(y, m, day, 9), cal.instant(y, m, day, 15)];
    const t = history.at(zone.id, 'temperature', at);
    const h = history.at(zone.id, 'humidity', at);
    rows.push([`${y}年${m}月${day}日`, t[0]!, h[0]!, t[1]!, h[1]!]);
  }
  const alarms = prepared(ctx.db, `SELECT id, severity, state, opened_at, resolved_at, message, details, acknowledged_by, acknowledge_note, resolve_note FROM alarms
    WHERE kind = 'environment' AND zone_id = ? AND opened_at >= ? AND opened_at < ? ORDER BY opened_at`)
    .all(zone.id, new Date(start).toISOString(), new Date(end).toISOString()) as { id: string; severity: string; state: string; opened_at: string; resolved_at: string | null; message: string; details: string; acknowledged_by: string | null; acknowledge_note: string | null; resolve_note: string | null }[];
  rows.push([], ['超限记录'], ['开始', '结束', '指标', '最不利值', '告警级别', '说明', '确认人', '处理情况', '告警编号']);
  const METRIC_ZH: Record<string, string> = { temperature: '温度', humidity: '湿度', smoke: '烟感', water: '水浸', door: '门' };
  for (const a of alarms) {
    const d = JSON.parse(a.details) as { metric?: string; worst?: number | null; unit?: string };
    rows.push([cal.format(a.opened_at), a.resolved_at ? cal.format(a.resolved_at) : '未结束', METRIC_ZH[d.metric ?? ''] ?? d.metric ?? '',
      d.worst ?? null, a.severity === 'critical' ? '严重' : '警告', a.message, a.acknowledged_by, a.resolve_note ?? a.acknowledge_note, a.id]);
  }
  if (!alarms.length) rows.push(['本月无超限']);
  // Readings to one decimal, as the transmitters give them.
  return csvText(rows, 1);
}
