// 出入库统计: today, this week or this month on the site's calendar. Six movement figures, bars by
// handling unit and by category (uPlot), alarms by kind, gate traffic by hour of the site's day, and
// the same figures as a CSV. Every number is the gateway's count over what the role may see.
import { apiOptional } from '../api.js';
import { h, clear } from '../dom.js';
import { t, label, nameOf, fmtNumber, fmtDateTime } from '../i18n.js';
import { panel, table, empty, notAvailable, errorBox, loading } from '../ui.js';
import { loadUplot } from '../components/uplot.js';
import { download } from '../download.js';

const PERIODS = ['today', 'week', 'month'];
const MOVEMENTS = ['received', 'stored', 'takenOut', 'returned', 'circulated', 'disposed'];
const COLORS = { received: '#2563eb', stored: '#0d9488', takenOut: '#b45309', returned: '#7c3aed', circulated: '#0891b2', disposed: '#be123c' };
/** Bars drawn per chart: the rest are in the table beneath it. */
const TOP = 12;

export default async function statistics(root, { query } = {}) {
  const asked = query?.get?.('period');
  let period = PERIODS.includes(asked) ? asked : 'today';
  let data = null;
  let charts = [];
  let seq = 0;
  const switcher = h('div.stats-periods', { role: 'group', 'aria-label': t('stats.periodLabel'), style: { display: 'flex', gap: '4px', flexWrap: 'wrap' } });
  const csvMsg = h('span.muted.small', { role: 'status' });
  const csv = h('button.small', { type: 'button', 'data-testid': 'stats-csv', onclick: saveCsv }, `⤓ ${t('stats.csv')}`);
  const spanEl = h('div.muted.small', { 'data-testid': 'stats-span' });
  const body = h('div', { 'data-testid': 'statistics', style: { minWidth: '0' } });
  clear(root, h('div.page-head', h('h1', t('stats.title')), switcher, csv, csvMsg), spanEl, body);

  function drawSwitcher() {
    clear(switcher, PERIODS.map((p) => h(`button.small${p === period ? '.primary' : '.ghost'}`, {
      type: 'button', 'data-period': p, 'aria-pressed': String(p === period),
      onclick: () => { if (p !== period) { period = p; history.replaceState(null, '', `/statistics?period=${p}`); drawSwitcher(); load(); } },
    }, t(`stats.period.${p}`))));
  }

  async function load() {
    const mine = ++seq;
    destroyCharts();
    clear(body, loading());
    try {
      const res = await apiOptional('/statistics', { query: { period } }, null);
      if (mine !== seq) return;
      if (res === null) { clear(body, notAvailable(t('stats.unavailable'))); return; }
      data = res;
      draw();
    } catch (e) {
      if (mine === seq) clear(body, errorBox(e));
    }
  }

  function draw() {
    destroyCharts();
    const s = data;
    clear(spanEl, `${t('stats.periodLabel')}: `, t('stats.span', { from: fmtDateTime(s.from), to: fmtDateTime(s.to) }));
    spanEl.dataset.from = s.from;
    spanEl.dataset.to = s.to;
    const figures = h('div.facts', { 'data-testid': 'stats-figures' }, MOVEMENTS.map((m) => h('div.fact', { 'data-movement': m },
      h('div.muted.small', t(`stats.mv.${m}`)),
      h('strong.big', { 'data-testid': `fig-${m}`, 'data-value': s.movements[m], style: { color: COLORS[m] } }, fmtNumber(s.movements[m])))));
    const agencyChart = h('div.stats-chart', { 'data-testid': 'chart-agency' });
    const categoryChart = h('div.stats-chart', { 'data-testid': 'chart-category' });
    const alarmChart = h('div.stats-chart', { 'data-testid': 'chart-alarms' });
    const gateChart = h('div.stats-chart', { 'data-testid': 'chart-gates' });
    const anyMovement = MOVEMENTS.some((m) => s.movements[m] > 0);
    clear(body,
      panel(t('stats.movements'), figures, { testid: 'panel-movements' }),
      panel(t('stats.byAgency'), anyMovement ? [agencyChart, note(s.byAgency.length), breakdown(s.byAgency, 'agency'), h('p.muted.small', t('stats.agencyNote'))] : empty(t('stats.noMovements')), { testid: 'panel-agency' }),
      panel(t('stats.byCategory'), anyMovement ? [categoryChart, note(s.byCategory.length), breakdown(s.byCategory, 'category')] : empty(t('stats.noMovements')), { testid: 'panel-category' }),
      panel(t('stats.alarms'), s.alarms.total ? [alarmChart, alarmTable(s.alarms)] : empty(t('stats.noAlarms')), { testid: 'panel-alarms' }),
      panel(t('stats.gates'), s.gateTraffic.total ? [gateChart, gateTable(s.gateTraffic)] : empty(t('stats.noCrossings')), { testid: 'panel-gates' }));
    // Drawn once in the page, so that each chart takes the width its panel has (a phone's, a desk's).
    requestAnimationFrame(async () => {
      let uPlot;
      try { uPlot = await loadUplot(); } catch { return; }
      if (data !== s) return;
      if (anyMovement) {
        charts.push(barChart(uPlot, agencyChart, s.byAgency.slice(0, TOP).map((a) => ({ name: nameOf(a), value: a.total })), '#2563eb'));
        charts.push(barChart(uPlot, categoryChart, s.byCategory.slice(0, TOP).map((c) => ({ name: nameOf(c), value: c.total })), '#0d9488'));
      }
      if (s.alarms.total) charts.push(barChart(uPlot, alarmChart, s.alarms.byKind.slice(0, TOP).map((a) => ({ name: label('alarm', a.kind), value: a.count })), '#be123c'));
      if (s.gateTraffic.total) charts.push(hourChart(uPlot, gateChart, s.gateTraffic));
    });
  }

  function note(n) { return n > TOP ? h('p.muted.small', t('stats.topN', { n: TOP })) : null; }

  function destroyCharts() { for (const c of charts) c?.destroy(); charts = []; }

  async function saveCsv() {
    clear(csvMsg);
    csv.disabled = true;
    const day = data?.from ? fmtDateTime(data.from, { year: 'numeric', month: '2-digit', day: '2-digit' }).replace(/\D+/g, '-').replace(/-$/, '') : period;
    try { await download(`/api/v1/statistics.csv?period=${period}`, `出入库统计-${t(`stats.period.${period}`)}-${day}.csv`); } catch (e) { clear(csvMsg, t('stats.csvFailed', { msg: e.message })); }
    csv.disabled = false;
  }

  drawSwitcher();
  await load();
  // Charts are drawn at the width they had: a resize draws them again (a language switch remounts the page).
  let resizeTimer = null;
  const onResize = () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(() => { if (data) draw(); }, 200); };
  window.addEventListener('resize', onResize);
  return () => { seq++; destroyCharts(); clearTimeout(resizeTimer); window.removeEventListener('resize', onResize); };
}

/** The six movements of each unit or category, by name, with its total. */
function breakdown(rows, kind) {
  return table([
    { head: t(kind === 'agency' ? 'stats.col.agency' : 'stats.col.category'), cell: (r) => h('strong', nameOf(r)) },
    ...MOVEMENTS.map((m) => ({ head: t(`stats.mv.${m}`), cls: 'num', cell: (r) => fmtNumber(r.counts[m]) })),
    { head: t('stats.col.total'), cls: 'num', cell: (r) => h('strong', fmtNumber(r.total)) },
  ], rows, { testid: `table-${kind}` });
}

/** Each kind opened in the span, most first, and the total (its label the word, not a kind). */
function alarmTable(alarms) {
  return table([
    { head: t('stats.col.kind'), cell: (a) => (a.kind ? label('alarm', a.kind) : h('strong', t('stats.total'))) },
    { head: t('stats.col.count'), cls: 'num', cell: (a) => h('span', { 'data-kind': a.kind ?? 'total' }, fmtNumber(a.count)) },
  ], [...alarms.byKind, { kind: null, count: alarms.total }], { testid: 'table-alarms' });
}

/** Gates with crossings, each with its busiest hours; the chart has every hour. */
function gateTable(traffic) {
  const busy = (hours) => hours.map((n, hr) => ({ n, hr })).filter((x) => x.n > 0).sort((a, b) => b.n - a.n).slice(0, 3)
    .map((x) => `${t('stats.hour', { h: String(x.hr).padStart(2, '0') })} (${fmtNumber(x.n)})`).join(', ');
  return table([
    { head: t('stats.col.gate'), cell: (g) => h('strong', nameOf(g)) },
    { head: t('stats.crossings'), cls: 'num', cell: (g) => h('span', { 'data-gate-total': g.gateId }, fmtNumber(g.total)) },
    { head: t('stats.col.hour'), cell: (g) => busy(g.hours) || t('common.none') },
  ], traffic.byGate.filter((g) => g.total > 0), { testid: 'table-gates' });
}

const widthOf = (el) => Math.max(220, Math.min(960, el.getBoundingClientRect().width || el.parentElement?.clientWidth || 320));
const shorten = (s, n) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** One bar per name, names under the bars (turned when they are many or the chart is narrow). */
function barChart(uPlot, el, rows, color) {
  clear(el);
  if (!rows.length) return null;
  const width = widthOf(el);
  const narrow = width < 520;
  const turn = narrow || rows.length > 6;
  const xs = rows.map((_, i) => i);
  return new uPlot({
    width, height: turn ? 280 : 220, legend: { show: false }, cursor: { show: false },
    // Turned names run down to the right: room for the last one.
    padding: [12, turn ? 48 : 12, 0, 8],
    scales: { x: { time: false, range: [-0.6, rows.length - 0.4] }, y: { range: (_u, _lo, hi) => [0, Math.max(4, Math.ceil(hi * 1.15))] } },
    axes: [
      { splits: () => xs, values: (_u, ticks) => ticks.map((i) => (rows[i] ? shorten(rows[i].name, narrow ? 6 : 10) : '')), rotate: turn ? -40 : 0, size: turn ? 90 : 40, gap: 4, grid: { show: false } },
      { size: 48, values: (_u, ticks) => ticks.map((v) => (Number.isInteger(v) ? fmtNumber(v) : '')) },
    ],
    series: [{}, { label: t('stats.col.total'), fill: color, stroke: color, paths: uPlot.paths.bars({ size: [0.6, 48] }), points: { show: false } }],
  }, [xs, rows.map((r) => r.value)], el);
}

/** Crossings in each hour of the site's day, every visible gate together; one line per gate when there are several. */
function hourChart(uPlot, el, traffic) {
  clear(el);
  const width = widthOf(el);
  const xs = traffic.hours.map((_, i) => i);
  const gates = traffic.byGate.filter((g) => g.total > 0);
  const palette = ['#b45309', '#7c3aed', '#0891b2', '#be123c', '#4d7c0f'];
  return new uPlot({
    width, height: 220, legend: { show: gates.length > 1 }, cursor: { show: false },
    scales: { x: { time: false, range: [-0.6, 23.6] }, y: { range: (_u, _lo, hi) => [0, Math.max(4, Math.ceil(hi * 1.15))] } },
    axes: [
      { splits: () => xs.filter((x) => x % (width < 520 ? 6 : 3) === 0), values: (_u, ticks) => ticks.map((x) => String(x).padStart(2, '0')), grid: { show: false } },
      { size: 48, values: (_u, ticks) => ticks.map((v) => (Number.isInteger(v) ? fmtNumber(v) : '')) },
    ],
    series: [{},
      { label: t('stats.total'), fill: '#2563eb', stroke: '#2563eb', paths: uPlot.paths.bars({ size: [0.7, 40] }), points: { show: false } },
      ...(gates.length > 1 ? gates.map((g, i) => ({ label: nameOf(g), stroke: palette[i % palette.length], width: 2, points: { show: false } })) : [])],
  }, [xs, traffic.hours, ...(gates.length > 1 ? gates.map((g) => g.hours) : [])], el);
}
