// One zone on the Environment page: each measure's trend over a range (24 h, 48 h, 7 d, 30 d)
// drawn with uPlot against the zone's limits, the resolution the gateway served, the excursions
// (its environment alarms) of the range, and this month's 温湿度 log as a CSV.
import { api } from '../api.js';
import { h, clear } from '../dom.js';
import { t, label, nameOf, fmtDateTime, fmtRelative, fmtSpan, fmtNumber, getTimeZone } from '../i18n.js';
import { panel, table, badge, sevBadge, empty, errorBox, loading, link } from '../ui.js';
import { download } from '../download.js';
import { loadUplot } from '../components/uplot.js';
import { drawTrend } from '../components/trend.js';
import { SWITCHES, metricName, limitText, excursionText } from '../env-text.js';

const HOUR = 3_600_000;
/**
 * The ranges and the resolution each asks for. 24 h and 48 h ask for none: the gateway serves the
 * finest under its point cap (raw values, kept 48 h; one-minute aggregates past the cap). Longer
 * ranges must ask, or they would get the raw values of their last two days only. One hour for
 * 7 and 30 days: each hour's min and max keep its extremes, so an excursion's worst value still
 * shows in the band, in a few hundred points instead of tens of thousands.
 */
export const RANGES = [
  { id: '24h', ms: 24 * HOUR, resolution: undefined },
  { id: '48h', ms: 48 * HOUR, resolution: undefined },
  { id: '7d', ms: 7 * 24 * HOUR, resolution: '1h' },
  { id: '30d', ms: 30 * 24 * HOUR, resolution: '1h' },
];
/** The trend follows the present this often (the tiles above every 5 s). */
const REFRESH_MS = 60_000;
const ORDER = ['temperature', 'humidity'];

/** Draws zone `zone` (a row of GET /environment) into `el`; returns { destroy() }. */
export function zoneView(el, { zone, ref, range: asked }) {
  let range = RANGES.find((r) => r.id === asked) ?? RANGES[0];
  let charts = [];
  let seq = 0;
  let timer = null;
  let destroyed = false;
  const limits = ref.zone.get(zone.id)?.limits ?? {};
  // Every measure with a limit or a value; the switches (smoke, water, door) are asked only for their excursions.
  const metrics = [...new Set([...Object.keys(limits), ...zone.readings.map((r) => r.metric)])]
    .sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99));
  const measured = metrics.filter((m) => !SWITCHES.has(m));

  const switcher = h('div.seg', { role: 'group', 'aria-label': t('env.range'), 'data-testid': 'env-range' }, RANGES.map((r) =>
    h('button.small', { type: 'button', 'data-range': r.id, 'aria-pressed': String(r.id === range.id), onclick: () => choose(r) }, t(`env.range.${r.id}`))));
  const csvMsg = h('span.form-error', { role: 'alert' });
  const csv = h('button.small', { type: 'button', 'data-testid': 'env-csv', onclick: () => saveCsv() }, t('env.csv'));
  const served = h('p.muted.small', { 'data-testid': 'env-resolution' });
  const chartsEl = h('div.env-charts', { 'data-testid': 'env-charts' });
  const excursionsEl = h('div', { 'data-testid': 'env-excursions' });
  clear(el,
    panel(t('env.trendOf', { zone: nameOf(zone) }), [h('div.env-tools', switcher, csv, csvMsg), served, chartsEl], { testid: 'env-trend' }),
    panel(t('env.excursions'), excursionsEl));

  function choose(r) {
    range = r;
    for (const b of switcher.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.range === r.id));
    const url = new URL(location.href);
    url.searchParams.set('range', r.id);
    history.replaceState(null, '', url);
    load(true);
  }

  async function load(fresh) {
    const mine = ++seq;
    clearTimeout(timer);
    if (fresh) { destroyCharts(); clear(chartsEl, loading()); }
    const to = Date.now();
    const from = to - range.ms;
    try {
      // One request per measure: a door reported every second must not push the temperature's
      // answer past the point cap (the cap counts every series of one answer).
      const answers = await Promise.all(metrics.map((m) => api(`/zones/${encodeURIComponent(zone.id)}/environment`, {
        query: { from: new Date(from).toISOString(), to: new Date(to).toISOString(), metric: m, resolution: SWITCHES.has(m) ? '1d' : range.resolution },
      })));
      const uPlot = measured.length ? await loadUplot() : null;
      if (mine !== seq || destroyed) return;
      const series = answers.filter((a, i) => !SWITCHES.has(metrics[i]) && a.series[0]).map((a) => ({ ...a.series[0], resolution: a.resolution, requested: a.requested, pointCap: a.pointCap }));
      drawServed(series);
      drawCharts(uPlot, series, from, to, fresh);
      const excursions = answers.flatMap((a) => a.excursions).sort((a, b) => b.openedAt.localeCompare(a.openedAt));
      clear(excursionsEl, excursions.length ? excursionTable(excursions, series, limits) : empty(t('env.noExcursions')));
    } catch (e) {
      if (mine !== seq || destroyed) return;
      if (fresh || e.status !== 0) { destroyCharts(); clear(chartsEl, errorBox(e)); }
    }
    if (!destroyed && mine === seq) timer = setTimeout(() => load(false), REFRESH_MS);
  }

  /** Which resolution the gateway served, and why when it is coarser than the range asked. */
  function drawServed(series) {
    const res = [...new Set(series.map((s) => s.resolution))];
    served.dataset.resolution = res.join(',');
    const coarser = series.some((s) => !s.requested && s.resolution !== 'raw');
    clear(served, res.length ? [t('env.served', { res: res.map((r) => label('envRes', r)).join(' / ') }),
      coarser ? ` ${t('env.coarser', { cap: fmtNumber(series[0].pointCap) })}` : ''] : null);
  }

  function drawCharts(uPlot, series, from, to, fresh) {
    if (!series.length) { destroyCharts(); clear(chartsEl, empty(t('env.noTrend'))); return; }
    // The same measures at the same resolution: new data into the charts as they are, without a redraw from scratch.
    const same = !fresh && charts.length === series.length && charts.every((c, i) => c.metric === series[i].metric && c.resolution === series[i].resolution);
    if (same) {
      series.forEach((s, i) => { charts[i].chart.update(s.points, from, to); charts[i].note.hidden = s.points.length > 0; });
      return;
    }
    destroyCharts();
    clear(chartsEl);
    for (const s of series) {
      const target = h('div.env-plot');
      const note = h('p.env-plot-empty', { hidden: s.points.length > 0 }, t('env.noData'));
      const lim = limitText(s.metric, s.limit, s.unit);
      chartsEl.append(h('figure.env-chart', { 'data-metric': s.metric, 'data-resolution': s.resolution, 'data-points': s.points.length },
        h('figcaption', h('strong', metricName(s.metric)), s.unit ? ` (${s.unit})` : '', lim ? h('span.muted', ` · ${t('env.limit', { range: lim })}`) : null,
          h('span.muted', ` · ${label('envRes', s.resolution)}`)),
        h('div.env-plot-wrap', target, note)));
      const chart = drawTrend(uPlot, target, {
        series: s, resolution: s.resolution, from, to, height: window.innerWidth < 600 ? 220 : 260,
        labels: s.resolution === 'raw'
          ? { time: t('env.time'), line: t('env.reading'), upper: t('env.upper'), lower: t('env.lower') }
          : { time: t('env.time'), line: t('env.avg'), min: t('env.min'), max: t('env.max'), upper: t('env.upper'), lower: t('env.lower') },
      });
      charts.push({ metric: s.metric, resolution: s.resolution, chart, note });
    }
  }

  function destroyCharts() { for (const c of charts) c.chart.destroy(); charts = []; }

  async function saveCsv() {
    clear(csvMsg);
    csv.disabled = true;
    // This month on the site's calendar, as the gateway counts it.
    const month = new Intl.DateTimeFormat('en-CA', { timeZone: getTimeZone(), year: 'numeric', month: '2-digit' }).format(Date.now());
    try { await download(`/api/v1/zones/${encodeURIComponent(zone.id)}/environment.csv`, `温湿度记录-${zone.name}-${month}.csv`); } catch (e) { clear(csvMsg, t('env.csvFailed', { msg: e.message })); }
    csv.disabled = false;
  }

  load(true);
  return { destroy() { destroyed = true; clearTimeout(timer); destroyCharts(); } };
}

function excursionTable(excursions, series, limits) {
  const limitOf = (m) => series.find((s) => s.metric === m)?.limit ?? limits[m] ?? null;
  return table([
    { head: t('env.col.opened'), cell: (e) => h('span', { title: fmtRelative(e.openedAt) }, fmtDateTime(e.openedAt)) },
    { head: t('env.col.ended'), cell: (e) => (e.resolvedAt
      ? [fmtDateTime(e.resolvedAt), h('div.muted.small', t('env.lasted', { d: fmtSpan(Date.parse(e.resolvedAt) - Date.parse(e.openedAt)) }))]
      : badge(t('env.ongoing'), 'danger')) },
    { head: t('env.col.metric'), cell: (e) => metricName(e.metric) },
    { head: t('env.col.what'), cell: (e) => excursionText(e, limitOf(e.metric)) },
    { head: t('col.severity'), cell: (e) => sevBadge(e.severity) },
    { head: t('col.state'), cell: (e) => label('alarmState', e.state) },
    { head: t('env.col.alarm'), cell: (e) => link(`/alarms/${encodeURIComponent(e.alarmId)}`, t('env.openAlarm')) },
  ], excursions, { testid: 'env-excursion-table', rowClass: (e) => (e.state === 'resolved' ? '' : 'row-alarm') });
}
