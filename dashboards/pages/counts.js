// Cycle counts (盘点): a supervisor opens a count of a zone, watches the shelves and the handhelds
// find its items live, closes it, and reads (and downloads) the report the ledger fingerprinted.
import { api } from '../api.js';
import { h, clear } from '../dom.js';
import { t, label, fmtDateTime, fmtNumber, fmtRelative } from '../i18n.js';
import { session } from '../session.js';
import { download } from '../download.js';
import { navigate } from '../router.js';
import { panel, table, badge, empty, errorBox, link, refresher } from '../ui.js';
import { refData, zoneName } from '../refdata.js';

/** The report's classes, the ones to act on first. */
const CLASSES = ['missing', 'misplaced', 'unexpected', 'weight_mismatch', 'not_counted', 'checked_out', 'found'];
const TONE = { missing: 'danger', misplaced: 'warn', unexpected: 'warn', weight_mismatch: 'danger', not_counted: '', checked_out: 'info', found: 'ok' };

export default async function counts(root, { params = {} } = {}) {
  const ref = await refData();
  if (params.id) return countPage(root, ref, params.id);
  const listEl = h('div', { 'data-testid': 'counts' });
  clear(root, h('div.page-head', h('h1', t('counts.title')), h('span.muted', t('counts.subtitle'))),
    openForm(ref), panel(t('counts.list'), listEl));
  const r = refresher(listEl, () => api('/counts', { query: { limit: 50 } }), (res) => {
    clear(listEl, res.counts.length ? table([
      { head: t('col.zone'), cell: (c) => link(`/counts/${encodeURIComponent(c.id)}`, scopeName(ref, c.scope)) },
      { head: t('col.state'), cell: (c) => badge(label('countState', c.state), c.state === 'open' ? 'info' : 'ok') },
      { head: t('counts.col.opened'), cell: (c) => h('span', { title: fmtDateTime(c.openedAt) }, `${fmtRelative(c.openedAt)} · ${c.openedBy.name ?? c.openedBy.by}`) },
      { head: t('counts.col.closed'), cell: (c) => (c.closedAt ? fmtDateTime(c.closedAt) : t('common.none')) },
      { head: t('counts.col.note'), cell: (c) => c.note ?? '' },
    ], res.counts, { onRow: (c) => navigate(`/counts/${encodeURIComponent(c.id)}`) }) : empty(t('counts.none')));
  }, 10_000);
  return () => r.stop();
}

const scopeName = (ref, scope) => (scope.zoneId ? zoneName(ref, scope.zoneId) : t('counts.locationsN', { n: fmtNumber(scope.locationIds.length) }));

function openForm(ref) {
  const zones = ref.zones.filter((z) => z.kind !== 'outside' && session.can('count', z.kind === 'restricted'));
  if (!zones.length) return null;
  const zone = h('select', { name: 'zoneId', 'data-testid': 'count-zone', 'aria-label': t('col.zone') }, zones.map((z) => h('option', { value: z.id }, zoneName(ref, z.id))));
  const note = h('input', { name: 'note', maxlength: 500, placeholder: t('counts.notePlaceholder'), 'aria-label': t('counts.col.note') });
  const err = h('div.form-error', { role: 'alert' });
  const form = h('form.inline-form', {
    onsubmit: async (ev) => {
      ev.preventDefault();
      clear(err);
      try {
        const c = await api('/counts', { method: 'POST', body: { zoneId: zone.value, ...(note.value.trim() ? { note: note.value.trim() } : {}) } });
        navigate(`/counts/${encodeURIComponent(c.id)}`);
      } catch (e) { clear(err, errorBox(e)); }
    },
  }, zone, note, h('button.primary', { type: 'submit', 'data-testid': 'count-open' }, t('counts.open')), err);
  return panel(t('counts.new'), [h('p.muted.small', t('counts.howto')), form]);
}

async function countPage(root, ref, id) {
  const head = h('div.page-head', h('h1', t('counts.title')), link('/counts', t('common.back')));
  const body = h('div', { 'data-testid': 'count' });
  clear(root, head, body);
  const r = refresher(body, async () => {
    const c = await api(`/counts/${encodeURIComponent(id)}`);
    if (c.report) await nameLocations(c);
    return c;
  }, (c) => {
    clear(body, c.state === 'open' ? progress(ref, c, () => r.now()) : report(ref, c));
    if (c.state !== 'open') r.stop();
  }, 2000);
  return () => r.stop();
}

function progress(ref, c, refresh) {
  const p = c.progress;
  const figures = h('div.figures', { 'data-testid': 'count-progress' }, [
    ['expected', p.expected], ['found', p.found], ['misplaced', p.misplaced], ['unexpected', p.unexpected],
  ].map(([k, n]) => h('div.figure', h('span.figure-n', fmtNumber(n)), h('span.figure-label', t(`counts.fig.${k}`)))));
  const covered = p.locations.filter((l) => l.covered).length;
  const grid = h('div.shelf-grid', p.locations.map((l) => h('div.shelf-tile', {
    class: l.covered ? (l.found >= l.expected ? 'tone-ok' : 'tone-info') : 'tone-none', 'data-testid': `count-loc-${l.locationId}`,
  }, h('span.loc-name', l.name), h('span.shelf-state', l.covered ? t('counts.loc.covered') : t('counts.loc.notYet')),
  h('span.shelf-counts.small', t('shelf.inPlace', { n: fmtNumber(l.found), of: fmtNumber(l.expected) })))));
  const err = h('div.form-error', { role: 'alert' });
  const close = session.can('count', c.restricted) ? h('button.primary', {
    type: 'button', 'data-testid': 'count-close',
    onclick: async (ev) => {
      ev.target.disabled = true;
      try { await api(`/counts/${encodeURIComponent(c.id)}/close`, { method: 'POST', body: {} }); refresh(); } catch (e) { clear(err, errorBox(e)); ev.target.disabled = false; }
    },
  }, t('counts.close')) : null;
  return [
    panel(t('counts.running', { scope: scopeName(ref, c.scope) }), [
      h('p.muted', t('counts.openedBy', { who: c.openedBy.name ?? c.openedBy.by, when: fmtDateTime(c.openedAt) }), c.note ? ` · ${c.note}` : ''),
      figures,
      h('p.small', t('counts.coverage', { n: fmtNumber(covered), of: fmtNumber(p.locations.length) })),
      close, err,
    ]),
    panel(t('counts.locations'), grid),
  ];
}

function report(ref, c) {
  const rep = c.report;
  const totals = h('div.figures', { 'data-testid': 'count-totals' }, CLASSES.map((k) => h('div.figure', { class: `tone-${(rep.totals[k] ?? 0) && TONE[k] ? TONE[k] : 'none'}` },
    h('span.figure-n', fmtNumber(rep.totals[k] ?? 0)), h('span.figure-label', label('countClass', k)))));
  const order = new Map(CLASSES.map((k, i) => [k, i]));
  const lines = [...rep.lines].sort((a, b) => (order.get(a.class) ?? 9) - (order.get(b.class) ?? 9));
  const place = (id) => (id ? locName(c, id) : t('common.none'));
  return [
    panel(t('counts.reportOf', { scope: scopeName(ref, c.scope) }), [
      h('p.muted', t('counts.closedBy', {
        opened: fmtDateTime(c.openedAt), closed: fmtDateTime(c.closedAt), who: c.closedBy?.name ?? c.closedBy?.by ?? t('common.none'),
      })),
      totals,
      h('p.small', { 'data-testid': 'count-fingerprint' }, t('counts.fingerprint'), ' ', h('code.hash', { title: c.reportSha256 }, `${c.reportSha256.slice(0, 16)}…`),
        c.event ? ` · ${t('counts.event', { seq: fmtNumber(c.event.seq) })}` : ''),
      h('div.panel-tools',
        h('button', { type: 'button', 'data-testid': 'count-csv', onclick: () => download(`/api/v1/counts/${encodeURIComponent(c.id)}/report.csv`, `count-${c.id}.csv`) }, t('counts.csv')),
        h('button', { type: 'button', onclick: () => download(`/api/v1/counts/${encodeURIComponent(c.id)}/report.json`, `count-${c.id}.json`) }, t('counts.json'))),
    ]),
    panel(t('counts.lines'), lines.length ? table([
      { head: t('counts.col.class'), cell: (l) => badge(label('countClass', l.class), TONE[l.class] ?? '') },
      { head: t('col.item'), cell: (l) => (l.itemId ? link(`/items/${encodeURIComponent(l.itemId)}`, l.itemName ?? t('counts.hiddenItem')) : t('counts.noItem')) },
      { head: t('col.case'), cell: (l) => l.caseNumber ?? t('common.none') },
      { head: t('counts.col.expectedAt'), cell: (l) => place(l.expectedLocationId) },
      { head: t('counts.col.seenAt'), cell: (l) => [place(l.seenLocationId), l.seenAt ? h('span.muted.small', ` ${fmtDateTime(l.seenAt)}`) : ''] },
      { head: t('counts.col.via'), cell: (l) => (l.via ? label('countVia', l.via) : t('common.none')) },
    ], lines, { testid: 'count-lines' }) : empty(t('counts.noLines'))),
  ];
}

/** Locations' names: the count's own, and those the report names outside its scope (a misplaced item's). */
const names = new Map();
async function nameLocations(c) {
  for (const l of c.progress?.locations ?? []) names.set(l.locationId, l.name);
  const ids = new Set(c.report.lines.flatMap((l) => [l.expectedLocationId, l.seenLocationId]).filter((x) => x && !names.has(x)));
  await Promise.all([...ids].map(async (x) => {
    try { names.set(x, (await api(`/locations/${encodeURIComponent(x)}`)).name); } catch { /* not visible: its id stays */ }
  }));
}
const locName = (_c, id) => names.get(id) ?? id;

