// 14. 出入库统计 for a month of the generated store (1M items, 5M events over two years: about
// 210,000 events a month): statistics() as GET /api/v1/statistics runs it, for the operator (the
// main chain, restricted events left out) and for an agency (its own items only), next to the bare
// GROUP BY over the same rows (the month's movement rows by kind, nothing joined; the same GROUP BY
// over the events table, which has no index by time, is printed beside). Aim: under 200 ms.
// BENCH_STATS_DAYS counts a span of that many days instead of a month (to see a month's worth of
// rows on a smaller store).
import { Custody } from '../../edge/custody.ts';
import { statistics } from '../../edge/stats/statistics.ts';
import type { Principal } from '../../edge/auth/principal.ts';
import { calendarOf } from '../../edge/time/calendar.ts';
import { sizes } from './config.ts';
import { ensureDataset } from './dataset.ts';
import { median, Recorder, type Figure } from './report.ts';
import { AGENCIES, BENCH_SITE_KEY, benchSite } from './site.ts';

export const name = 'statistics';
export const description = `出入库统计 for a month of ${sizes.events.toLocaleString('en-US')} events on ${sizes.items.toLocaleString('en-US')} items vs the bare GROUP BY`;

const RUNS = Number(process.env.BENCH_STATS_RUNS ?? 7);
const DAYS = process.env.BENCH_STATS_DAYS ? Number(process.env.BENCH_STATS_DAYS) : null;

export async function run(): Promise<Figure[]> {
  const rec = new Recorder(name);
  const ds = ensureDataset(sizes.items, sizes.events, (m) => rec.log(m));
  // The generated ledger runs from 2023-01-01 for two years: June 2024 is a month in the middle of it.
  const now = Date.parse('2024-06-15T04:00:00Z');
  const custody = new Custody({ site: benchSite(ds.dir), dataDir: ds.dir, siteKey: BENCH_SITE_KEY, clock: { now: () => now } });
  try {
    const { ctx, db } = custody;
    const cal = calendarOf(ctx.site.site.timezone);
    const from = cal.startOfMonth(now);
    const to = DAYS ? from + DAYS * 86_400_000 : cal.startOfNextMonth(now);
    const q = DAYS ? { from: new Date(from).toISOString(), to: new Date(to).toISOString() } : { period: 'month' as const };
    const span = [new Date(from).toISOString(), new Date(to).toISOString()];
    const operator: Principal = { userId: 'bench-op', name: '运营', role: 'operator', agencyId: null, staffId: null };
    const agencyId = AGENCIES!.find((a) => a.kind === 'police')!.id;
    const agency: Principal = { userId: 'bench-ag', name: '办案单位', role: 'agency', agencyId, staffId: null };

    // The floor: the month's movement rows of the main chain grouped by kind, nothing else (event_movements, migration 13).
    const bare = db.prepare(`SELECT kind, count(*) AS n FROM event_movements WHERE chain = 'main' AND at >= ? AND at < ? AND restricted = 0 GROUP BY kind`);
    // What the same GROUP BY costs over the ledger's own rows, which have no index by time.
    const ledger = db.prepare(`SELECT kind, count(*) AS n FROM events WHERE chain = 'main' AND at >= ? AND at < ?
      AND kind IN ('received', 'putaway', 'retrieved', 'returned', 'circulated', 'disposed') AND restricted = 0 GROUP BY kind`);
    const time = (fn: () => unknown) => { const t = performance.now(); fn(); return performance.now() - t; };
    // One of each first: it brings the span's pages into the cache for all.
    const first = time(() => statistics(ctx, operator, q));
    bare.all(...span);
    const raw: number[] = [];
    const op: number[] = [];
    const ag: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      raw.push(time(() => bare.all(...span)));
      op.push(time(() => statistics(ctx, operator, q)));
      ag.push(time(() => statistics(ctx, agency, q)));
    }
    const rows = (bare.all(...span) as { n: number }[]).reduce((s, r) => s + r.n, 0);
    const ledgerMs = time(() => ledger.all(...span));
    const s = statistics(ctx, operator, q);
    rec.log(`${span[0]} to ${span[1]}: ${rows.toLocaleString('en-US')} movements in the main chain (${JSON.stringify(s.movements)}), ` +
      `${s.byAgency.length} handling units, ${s.byCategory.length} categories; the first (cold) run took ${first.toFixed(0)} ms; ` +
      `the same GROUP BY over the events table itself (no index by time) ${ledgerMs.toFixed(0)} ms`);
    const aim = { on: 'value' as const, op: '<' as const, target: 200, label: 'under 200 ms' };
    return [
      rec.add({ name: `statistics of a ${DAYS ? `${DAYS}-day span` : 'month'}, operator`, value: median(op), unit: 'ms', better: 'lower',
        raw: { name: 'the bare GROUP BY kind over the same movement rows', value: median(raw) }, aim,
        note: `${rows.toLocaleString('en-US')} movements; median of ${RUNS}` }),
      rec.add({ name: `statistics of a ${DAYS ? `${DAYS}-day span` : 'month'}, one agency`, value: median(ag), unit: 'ms', better: 'lower',
        raw: { name: 'the bare GROUP BY kind over the same movement rows', value: median(raw) }, aim, note: `agency ${agencyId}; median of ${RUNS}` }),
    ];
  } finally {
    custody.close();
  }
}
