// Devices: every reader and sensor with its online state, last seen, read rate, how far its clock
// is from the gateway's, and the counts of messages it sent that the gateway rejected (by reason).
import { apiOptional } from '../api.js';
import { h, clear } from '../dom.js';
import { t, label, fmtNumber, fmtDateTime, fmtRelative, fmtSpan } from '../i18n.js';
import { panel, table, badge, empty, notAvailable, refresher } from '../ui.js';

export default async function devices(root) {
  const body = h('div', { 'data-testid': 'devices' });
  const summary = h('span.muted');
  clear(root, h('div.page-head', h('h1', t('nav.devices')), summary), panel(t('dev.title'), body));
  const r = refresher(body, () => apiOptional('/devices', {}, null), (res) => {
    if (res === null) { clear(body, notAvailable(t('dev.unavailable'))); return; }
    const list = res.data ?? res;
    if (!list.length) { clear(body, empty()); return; }
    summary.textContent = t('dev.summary', { online: fmtNumber(list.filter((d) => d.state === 'online').length), n: fmtNumber(list.length) });
    clear(body, table([
      { head: t('col.device'), cell: (d) => h('div', h('strong', d.name ?? d.id), d.name ? h('div.muted.small', d.id) : null) },
      { head: t('col.kind'), cell: (d) => [label('kind', d.kind), d.format ? h('span.muted.small', ` · ${d.format}`) : null] },
      { head: t('col.online'), cell: (d) => badge(t(`dev.${d.state ?? 'unknown'}`), d.state === 'online' ? 'ok' : d.state === 'offline' ? 'danger' : '') },
      { head: t('col.lastSeen'), cell: (d) => h('span', { title: fmtDateTime(d.lastSeen) }, d.lastSeen ? fmtRelative(d.lastSeen) : t('common.none')) },
      { head: t('col.rate'), cls: 'num', cell: (d) => t('dev.perSecond', { n: fmtNumber(d.readsPerSecond ?? 0, { maximumFractionDigits: 1 }) }) },
      { head: t('col.clock'), cell: clockCell },
      { head: t('col.accepted'), cls: 'num', cell: (d) => fmtNumber(d.accepted ?? 0) },
      { head: t('col.rejected'), cell: (d) => {
        const entries = Object.entries(d.rejected ?? {}).filter(([, n]) => n > 0);
        // Reads the gate's portal left out are not refused messages: said apart, in words, for the field engineer.
        const ignored = d.readsIgnored ?? {};
        const left = [['unknown_antenna', 'dev.ignoredAntenna'], ['late', 'dev.ignoredLate']].filter(([k]) => ignored[k] > 0)
          .map(([k, key]) => h('div.muted.small', { 'data-ignored': k, title: t(`${key}Hint`) }, t(key, { n: fmtNumber(ignored[k]) })));
        return [entries.length ? h('ul.reasons', entries.map(([reason, n]) => h('li', h('code', reason), ' ', fmtNumber(n)))) : fmtNumber(0), ...left];
      } },
    ], list, { testid: 'device-table', rowClass: (d) => `dev-${d.state ?? 'unknown'}` }));
  }, 5000);
  return () => r.stop();
}

/** The reader's clock as a person reads it: "快 5分0秒", flagged when it wants setting; the jumps beside. */
function clockCell(d) {
  if (d.clockOffsetMs === null || d.clockOffsetMs === undefined) return h('span.muted', t('common.none'));
  const ms = d.clockOffsetMs;
  const text = Math.abs(ms) < 1000 ? t('dev.clockOk') : t(ms > 0 ? 'dev.clockAhead' : 'dev.clockBehind', { d: fmtSpan(Math.abs(ms)) });
  return h('span', { title: t('dev.clockHint') },
    d.clockOffsetExceeded ? badge(`${text} · ${t('dev.clockOff')}`, 'warn') : text,
    d.clockJumps ? h('div.muted.small', t('dev.clockJumps', { n: fmtNumber(d.clockJumps) })) : null);
}
