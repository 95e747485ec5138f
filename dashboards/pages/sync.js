// Platform sync: for each chain of the ledger, how far the city platform (or the commission) has
// acknowledged it, how much waits and since when, and why the last attempt failed, in words; the
// inbox of orders and staff from upstream and every change it refused. Refreshed every two seconds,
// with the backlog drawn since the page opened, so that a supervisor watches it drain after an outage.
import { apiOptional } from '../api.js';
import { h, clear } from '../dom.js';
import { t, label, fmtNumber, fmtDateTime, fmtRelative, dateFormat } from '../i18n.js';
import { panel, table, badge, empty, notAvailable, refresher } from '../ui.js';
import { loadUplot } from '../components/uplot.js';

const REFRESH_MS = 2_000;
/** Samples of the backlog kept for the chart: ten minutes at the refresh rate. */
const KEEP = 300;

export default async function sync(root) {
  const summary = h('span.muted');
  const body = h('div', { 'data-testid': 'sync' });
  clear(root, h('div.page-head', h('h1', t('sync.title')), summary), body);
  const samples = new Map();
  const r = refresher(body, () => apiOptional('/sync', {}, null), (res) => {
    if (res === null) { clear(body, notAvailable(t('sync.unavailable'))); return; }
    if (!res.configured) { summary.textContent = ''; clear(body, panel(t('sync.title'), h('div.status.unavailable', { 'data-testid': 'sync-off' }, t('sync.notConfigured')))); return; }
    const now = Date.now();
    for (const d of res.destinations) {
      const s = samples.get(d.id) ?? [];
      s.push([now / 1000, d.backlog]);
      if (s.length > KEEP) s.shift();
      samples.set(d.id, s);
    }
    const waiting = res.destinations.reduce((n, d) => n + d.backlog, 0);
    const failing = res.destinations.some((d) => d.state === 'retrying' || d.state === 'not_configured');
    clear(summary, failing ? badge(t('sync.summaryFailing', { n: fmtNumber(waiting) }), 'danger')
      : waiting ? badge(t('sync.summaryDraining', { n: fmtNumber(waiting) }), 'warn') : badge(t('sync.summaryOk'), 'ok'));
    clear(body, ...res.destinations.map((d) => destinationPanel(d, samples.get(d.id))), res.inbox ? inboxPanel(res.inbox, res.uploads) : null);
  }, REFRESH_MS);
  return () => r.stop();
}

function destinationPanel(d, samples) {
  const err = splitError(d.lastError);
  const chart = h('div.sync-chart', { 'data-testid': `backlog-chart-${d.id}` });
  if (d.mode === 'events' && samples.length > 1) drawBacklog(chart, samples);
  const fact = (k, v, attrs = {}) => h('div.fact', attrs, h('div.muted.small', t(k)), h('div', v));
  return panel(t(`sync.dest.${d.id}`) ?? d.id, [
    h('div.facts', { 'data-testid': `dest-${d.id}` },
      fact('sync.state', badge(t(`sync.state.${d.state}`), d.state === 'idle' ? 'ok' : d.state === 'sending' ? 'info' : 'danger'), { 'data-state': d.state }),
      fact(d.mode === 'anchor' ? 'sync.backlogAnchor' : 'sync.backlog', h('strong.big', { 'data-testid': 'backlog' }, fmtNumber(d.backlog))),
      fact('sync.oldestUnsent', d.oldestUnsentAt ? h('span', { title: fmtDateTime(d.oldestUnsentAt) }, fmtRelative(d.oldestUnsentAt)) : t('common.none')),
      fact('sync.ackedThrough', h('span', { title: d.ackedHash }, t('sync.seq', { n: fmtNumber(d.ackedThrough) }))),
      fact('sync.lastSuccess', d.lastSuccessAt ? h('span', { title: fmtDateTime(d.lastSuccessAt) }, fmtRelative(d.lastSuccessAt)) : t('sync.never')),
      d.nextAttemptAt ? fact('sync.nextAttempt', fmtDateTime(d.nextAttemptAt, { timeStyle: 'medium' })) : null),
    d.mode === 'anchor' ? h('p.muted.small', t('sync.anchorNote')) : null,
    err ? h('div.sync-error', { 'data-testid': 'last-error', title: err.message },
      badge(label('sync.err', err.code), 'danger'), ' ', h('span', t('sync.since', { when: fmtDateTime(d.lastErrorAt) }))) : null,
    chart,
  ], { testid: `panel-${d.id}` });
}

function inboxPanel(inbox, uploads) {
  const err = splitError(inbox.lastError);
  const refusals = inbox.recentRefusals.length ? table([
    { head: t('col.time'), cell: (r) => fmtDateTime(r.receivedAt) },
    { head: t('sync.col.change'), cell: (r) => [label('sync.kind', r.kind), ' ', h('strong', r.ref ?? t('common.none'))] },
    { head: t('sync.col.reason'), cell: (r) => h('span', { title: r.reason }, label('sync.refusal', r.code)) },
  ], inbox.recentRefusals, { testid: 'refusals' }) : empty(t('sync.noRefusals'));
  return panel(t('sync.inbox'), [
    h('div.facts', { 'data-testid': 'inbox' },
      h('div.fact', h('div.muted.small', t('sync.lastPoll')), h('div', inbox.lastSuccessAt ? fmtRelative(inbox.lastSuccessAt) : t('sync.never'))),
      h('div.fact', h('div.muted.small', t('sync.refused')), h('strong.big', { 'data-testid': 'refused' }, fmtNumber(inbox.refused))),
      uploads ? h('div.fact', h('div.muted.small', t('sync.alarmsPending')), h('div', fmtNumber(uploads.alarmsPending))) : null,
      uploads ? h('div.fact', h('div.muted.small', t('sync.inventorySent')), h('div', uploads.inventorySentAt ? fmtRelative(uploads.inventorySentAt) : t('sync.never'))) : null),
    err ? h('div.sync-error', { title: err.message }, badge(label('sync.err', err.code), 'danger')) : null,
    h('h3', t('sync.refusals')), refusals,
  ], { testid: 'panel-inbox' });
}

/** `CODE: message` as the gateway stores it: the code is translated, the message kept for the engineer's hover. */
function splitError(s) {
  if (!s) return null;
  const i = s.indexOf(':');
  return i > 0 ? { code: s.slice(0, i), message: s.slice(i + 1).trim() } : { code: s, message: s };
}

async function drawBacklog(el, samples) {
  let uPlot;
  try { uPlot = await loadUplot(); } catch { return; }
  const hm = dateFormat({ hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  const width = Math.max(240, Math.min(900, el.clientWidth || 600));
  clear(el);
  // eslint-disable-next-line no-new
  new uPlot({
    width, height: 140, legend: { show: false }, cursor: { show: false },
    axes: [{ values: (_u, ticks) => ticks.map((s) => hm.format(new Date(s * 1000))) }, { size: 70, values: (_u, ticks) => ticks.map((v) => fmtNumber(v)) }],
    scales: { y: { range: (_u, _lo, hi) => [0, Math.max(10, hi * 1.1)] } },
    series: [{}, { label: t('sync.backlog'), stroke: '#b45309', fill: 'rgba(180,83,9,0.12)', width: 2, points: { show: false } }],
  }, [samples.map((s) => s[0]), samples.map((s) => s[1])], el);
}
