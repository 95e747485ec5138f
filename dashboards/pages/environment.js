// Environment: every zone's current values against its limits as large tiles a supervisor reads
// across the room (green within its limits, amber out of them but not yet for the delay, orange
// and red while its alarm is live), each with the age of its last value and its monitor's link;
// below, the chosen zone's trend, excursions and monthly log (environment-zone.js). The values
// are asked for every 5 s; an environment alarm on the stream asks at once.
import { api, apiOptional } from '../api.js';
import { h, clear } from '../dom.js';
import { t, nameOf, fmtDateTime, fmtRelative } from '../i18n.js';
import { on as onStream } from '../stream.js';
import { empty, refresher } from '../ui.js';
import { SWITCHES, worstLevel, levelWord, metricName, fmtValue, limitText, monitorState } from '../env-text.js';
import { zoneView } from './environment-zone.js';

/** A value older than this is shown as stale: monitors are polled every few seconds, and a quiet one is a fault. */
const STALE_MS = 15 * 60_000;
/** Temperature and humidity first, the switches after, as the 温湿度 log reads. */
const ORDER = ['temperature', 'humidity', 'smoke', 'water', 'door'];
const byMetric = (a, b) => (ORDER.indexOf(a.metric) + 1 || 99) - (ORDER.indexOf(b.metric) + 1 || 99);
/** The units of the rules' metrics (edge/rules/environment.ts): a zone's limits in GET /zones come without one. */
const UNITS = { temperature: '°C', humidity: '%RH' };

export default async function environment(root, { params = {}, ref }) {
  const tiles = h('div', { 'data-testid': 'env-tiles' });
  const detail = h('div', { 'data-testid': 'env-zone' });
  clear(root, h('div.page-head', h('h1', t('env.title')), h('span.muted', t('env.subtitle'))), tiles, detail);
  let selected = params.zone ?? null;
  let zones = [];
  let view = null;

  const show = (zoneId) => {
    selected = zoneId;
    view?.destroy();
    view = null;
    for (const a of tiles.querySelectorAll('.env-tile')) a.classList.toggle('selected', a.dataset.zone === zoneId);
    const z = zones.find((x) => x.id === zoneId);
    if (!z) { clear(detail, zones.length ? h('p.muted', t('env.pick')) : null); return; }
    // The range as the address says now (the switch keeps it there), not as it was when the page was mounted.
    view = zoneView(detail, { zone: z, ref, range: new URL(location.href).searchParams.get('range') });
  };

  const r = refresher(tiles, async () => {
    const [now, devices] = await Promise.all([api('/environment'), apiOptional('/devices', {}, null).catch(() => null)]);
    return { now, devices: new Map((devices?.data ?? []).map((d) => [d.id, d])) };
  }, ({ now, devices }) => {
    // Zones with nothing to watch (no limit and no monitor) would be grey tiles saying nothing.
    zones = now.zones.filter((z) => z.readings.length || Object.keys(ref.zone.get(z.id)?.limits ?? {}).length);
    if (!zones.length) { clear(tiles, empty(t('env.none'))); return; }
    clear(tiles, h('div.env-tiles', zones.map((z) => tile(z, devices, z.id === selected, show, ref.zone.get(z.id)?.limits))));
    if (!view) show(selected);
  }, 5000);
  const offAlarm = onStream('alarm', (a) => { if (a.kind === 'environment') r.now(); });
  return () => { r.stop(); offAlarm(); view?.destroy(); };
}

function tile(z, devices, selected, show, limits) {
  const readings = [...z.readings].sort(byMetric);
  const level = readings.length ? worstLevel(readings.map((x) => x.level)) : 'none';
  const newest = readings.reduce((m, x) => (x.at > m ? x.at : m), '');
  const stale = newest && Date.now() - Date.parse(newest) > STALE_MS;
  // 'history': a value the gateway took back from its history at start, until its monitor speaks again.
  const monitors = [...new Set(readings.map((x) => x.deviceId))].filter((id) => id !== 'history');
  const href = `/environment/${encodeURIComponent(z.id)}`;
  return h('a.env-tile', {
    href, 'data-zone': z.id, 'data-level': level, 'data-testid': `env-tile-${z.id}`, class: `level-${level}${selected ? ' selected' : ''}`,
    // The zone opens below without reloading the tiles; the address still names it (reload, back).
    onclick: (e) => {
      if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
      e.preventDefault();
      history.pushState(null, '', href);
      show(z.id);
      scrollBelowHeader(document.querySelector('[data-testid=env-zone]'));
    },
  },
  h('div.env-tile-head', h('span.env-zone-name', nameOf(z)), level === 'none' ? null : h('span.env-level', levelWord(level))),
  readings.length ? h('div.env-readings', readings.map(reading)) : noReading(limits),
  newest || monitors.length ? h('div.env-tile-foot',
    newest ? h('div.env-age', { title: fmtDateTime(newest), class: stale ? 'stale' : '' }, t('env.lastValue', { when: fmtRelative(newest) }), stale ? ` · ${t('env.stale')}` : '') : null,
    monitors.map((id) => {
      const d = devices.get(id);
      const st = monitorState(d);
      return h('div.env-monitor', { 'data-state': st.state, 'data-testid': `env-monitor-${id}`, title: st.raw ?? undefined },
        h('span.env-dot'), h('span', d?.name ? `${d.name} · ${st.text}` : st.text));
    })) : null);
}

/** A zone no monitor has reported from: what it should keep to, for whoever installs one. */
function noReading(limits) {
  const measured = Object.keys(limits ?? {}).filter((m) => !SWITCHES.has(m)).sort((a, b) => byMetric({ metric: a }, { metric: b }));
  return h('div.env-none', h('p', t('env.noReading')), measured.map((m) => {
    const text = limitText(m, { min: limits[m].min ?? null, max: limits[m].max ?? null }, UNITS[m] ?? '');
    return text ? h('div.env-limit', t('env.limitOf', { metric: metricName(m), range: text })) : null;
  }));
}

function reading(x) {
  const sw = SWITCHES.has(x.metric);
  const lim = limitText(x.metric, x.limit, x.unit);
  return h('div.env-reading', { 'data-metric': x.metric, 'data-level': x.level, class: `level-${x.level}` },
    h('span.env-metric', metricName(x.metric)),
    // The unit smaller than the number: "70.2 %RH" fits a phone's half-tile, and the number is what is read from afar.
    sw ? h('span.env-value', fmtValue(x.metric, x.value, x.unit)) : h('span.env-value', fmtValue(x.metric, x.value, ''), x.unit ? h('span.env-unit', ` ${x.unit}`) : null),
    // A switch's value is already its word (正常/报警); a measure says its limit, and its state when it is not fine.
    sw ? null : h('span.env-limit', x.level !== 'ok' ? h('strong', levelWord(x.level)) : null, lim ? h('span', t('env.limit', { range: lim })) : null));
}

/** Brings the zone's panel to the top of the window, under the sticky header rather than behind it. */
function scrollBelowHeader(el) {
  if (!el) return;
  const header = document.querySelector('header.app-header')?.offsetHeight ?? 0;
  window.scrollTo({ top: el.getBoundingClientRect().top + window.scrollY - header - 8, behavior: 'smooth' });
}
