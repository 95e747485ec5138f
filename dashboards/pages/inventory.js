// Inventory: zones with their counts → the zone's locations → the items at a location; a search
// by EPC, case number, item name or handling unit; and the overdue list, with the warnings before the
// fact beside it (due within 24 hours, kept past the retention period).
import { api, apiAll } from '../api.js';
import { h, clear } from '../dom.js';
import { t, label, fmtNumber, fmtDateTime, fmtDuration, nameOf } from '../i18n.js';
import { navigate } from '../router.js';
import { panel, table, badge, empty, errorBox, loading, link } from '../ui.js';
import { zoneName, agencyName, categoryName } from '../refdata.js';
import { loadWarnings } from '../components/warnings.js';

const EPC_RE = /^[0-9A-Fa-f]{24}$|^urn:epc:/;

export function itemTable(ref, items, testid = 'item-table') {
  return table([
    { head: t('col.name'), cell: (i) => link(`/items/${encodeURIComponent(i.id)}`, i.name) },
    { head: t('col.category'), cell: (i) => categoryName(ref, i.category) },
    { head: t('col.case'), cell: (i) => h('span.nowrap', i.caseNumber) },
    { head: t('col.agency'), cell: (i) => agencyName(ref, i.agencyId) },
    { head: t('col.location'), cell: (i) => [zoneName(ref, i.zoneId), i.locationId ? ` · ${i.locationId}` : ''] },
    { head: t('col.state'), cell: (i) => badge(label('state', i.state), i.state === 'out' ? 'info' : i.state === 'stored' ? 'ok' : '') },
    { head: t('col.epc'), cell: (i) => (i.epc ? h('code.epc', i.epc) : t('item.untagged')), cls: 'hide-narrow' },
  ], items, { testid, onRow: (i) => navigate(`/items/${encodeURIComponent(i.id)}`), rowClass: () => 'item-row' });
}

export default async function inventory(root, { params, query, ref }) {
  const q = query.get('q') ?? '';
  const agency = query.get('agency') ?? '';
  const input = h('input', { type: 'search', name: 'q', value: q, placeholder: t('inv.searchPlaceholder'), 'aria-label': t('inv.search'), 'data-testid': 'search-input' });
  const agencySelect = h('select', { name: 'agency', 'aria-label': t('inv.searchAgency'), 'data-testid': 'search-agency' },
    h('option', { value: '' }, `${t('inv.searchAgency')}: ${t('common.all')}`),
    ref.agencies.map((a) => h('option', { value: a.id, selected: a.id === agency }, nameOf(a))));
  const searchForm = h('form.search-bar', {
    role: 'search',
    onsubmit: (e) => {
      e.preventDefault();
      const sp = new URLSearchParams();
      if (input.value.trim()) sp.set('q', input.value.trim());
      if (agencySelect.value) sp.set('agency', agencySelect.value);
      navigate(sp.toString() ? `/inventory?${sp}` : '/inventory');
    },
  }, input, agencySelect, h('button.primary', { type: 'submit' }, t('inv.search')));

  const crumbs = [link('/inventory', t('inv.zones'))];
  const zone = params.zone ? ref.zone.get(params.zone) : null;
  if (params.zone) crumbs.push(' › ', params.location ? link(`/inventory/zones/${encodeURIComponent(params.zone)}`, zoneName(ref, params.zone)) : zoneName(ref, params.zone));
  if (params.location) crumbs.push(' › ', params.location);

  const mainBody = h('div', loading());
  const overdueBody = h('div', loading());
  const warningsBody = h('div', loading());
  clear(root,
    h('div.page-head', h('h1', t('nav.inventory')), searchForm),
    h('nav.crumbs', crumbs),
    h('div.inv-grid', h('div.inv-main', mainBody), h('div.inv-side',
      panel(t('inv.overdue'), overdueBody, { testid: 'overdue', cls: 'overdue-panel' }),
      panel(t('warn.title'), warningsBody, { testid: 'warnings', cls: 'overdue-panel warnings-panel' }))));

  loadOverdue(ref, overdueBody);
  loadWarnings(ref, warningsBody, { compact: true });
  try {
    if (q || agency) await drawSearch(ref, mainBody, q, agency);
    else if (params.location) await drawLocation(ref, mainBody, params.zone, params.location);
    else if (params.zone) await drawZone(ref, mainBody, zone, params.zone);
    else drawZones(ref, mainBody);
  } catch (e) { clear(mainBody, errorBox(e)); }
}

function drawZones(ref, el) {
  clear(el, panel(t('inv.zones'), h('div.zone-grid', { 'data-testid': 'zones' }, ref.zones.map((z) => {
    const c = z.counts ?? {};
    return h('a.zone-card', { href: `/inventory/zones/${encodeURIComponent(z.id)}`, 'data-link': '', 'data-zone-id': z.id, 'data-kind': z.kind },
      h('div.zone-name', nameOf(z)),
      h('div.zone-kind.muted', t('inv.locationsN', { n: fmtNumber(z.locations) })),
      h('dl.zone-counts',
        h('div', h('dt', t('inv.stored')), h('dd', fmtNumber(c.stored ?? 0))),
        h('div', h('dt', t('inv.out')), h('dd', fmtNumber(c.out ?? 0))),
        h('div', h('dt', t('inv.received')), h('dd', fmtNumber(c.received ?? 0)))));
  }))));
}

async function drawZone(ref, el, zone, zoneId) {
  const locs = await apiAll('/locations', { zone: zoneId }, 1000);
  const itemsBody = h('div', loading());
  clear(el,
    panel(t('inv.locations', { zone: zoneName(ref, zoneId) }), locs.length ? h('div.loc-grid', { 'data-testid': 'locations' }, locs.map((l) =>
      h('a.loc-card', { href: `/inventory/zones/${encodeURIComponent(zoneId)}/locations/${encodeURIComponent(l.id)}`, 'data-link': '', class: l.items ? '' : 'empty-loc' },
        h('span.loc-name', l.name), h('span.loc-id.muted', l.id), h('span.loc-count', fmtNumber(l.items))))) : empty()),
    panel(t('inv.itemsInZone', { zone: zoneName(ref, zoneId) }), itemsBody));
  await pagedItems(ref, itemsBody, { zone: zoneId });
}

async function drawLocation(ref, el, zoneId, locationId) {
  const body = h('div', loading());
  clear(el, panel(t('inv.itemsAt', { location: locationId }), body));
  await pagedItems(ref, body, { location: locationId });
}

async function drawSearch(ref, el, q, agency) {
  const body = h('div', loading());
  const casesBody = h('div');
  clear(el, casesBody, panel(t('inv.results'), body, { testid: 'search-results' }));
  // A case number (or part of one) also finds its cases: each opens the case view.
  if (q && !EPC_RE.test(q)) {
    api('/cases', { query: { q, agency: agency || undefined, limit: 20 } }).then((r) => {
      if (!r.data.length) return;
      clear(casesBody, panel(t('case.results'), h('ul.case-links', { 'data-testid': 'case-results' }, r.data.map((c) =>
        h('li', link(`/cases/${encodeURIComponent(c.id)}`, c.number), ' ',
          h('span.muted.small', [c.title, agencyName(ref, c.agencyId), t('case.itemsOf', { n: fmtNumber(c.items) })].filter(Boolean).join(' · ')))))));
    }).catch(() => {});
  }
  const query = {};
  if (agency) query.agency = agency;
  if (q && EPC_RE.test(q) && !q.startsWith('urn:')) query.epc = q.toUpperCase();
  else if (q) query.q = q;
  await pagedItems(ref, body, query, t('inv.noResults'));
}

/** A table of items with "load more" over the API's cursor. */
async function pagedItems(ref, el, query, emptyText) {
  let rows = [];
  let cursor;
  const more = h('button.small', { type: 'button' }, t('common.more'));
  const draw = () => {
    if (!rows.length) { clear(el, empty(emptyText)); return; }
    clear(el, itemTable(ref, rows), cursor ? h('div.more', more) : null);
  };
  const load = async () => {
    more.disabled = true;
    const r = await api('/items', { query: { ...query, limit: 50, cursor } });
    rows = rows.concat(r.data);
    cursor = r.nextCursor;
    more.disabled = false;
    draw();
  };
  more.addEventListener('click', () => load().catch((e) => el.append(errorBox(e))));
  await load();
}

async function loadOverdue(ref, el) {
  try {
    const out = await apiAll('/items', { state: 'out' }, 2000);
    const now = Date.now();
    const overdue = out.filter((i) => i.dueAt && Date.parse(i.dueAt) < now).sort((a, b) => a.dueAt.localeCompare(b.dueAt));
    if (!overdue.length) { clear(el, empty(t('inv.noOverdue'))); return; }
    clear(el, table([
      { head: t('col.name'), cell: (i) => link(`/items/${encodeURIComponent(i.id)}`, i.name) },
      { head: t('col.agency'), cell: (i) => agencyName(ref, i.agencyId) },
      { head: t('col.dueAt'), cell: (i) => h('span.nowrap', fmtDateTime(i.dueAt, { dateStyle: 'short', timeStyle: 'short' })) },
      { head: t('col.overdueBy'), cell: (i) => h('span.danger-text.nowrap', fmtDuration(now - Date.parse(i.dueAt))) },
    ], overdue, { testid: 'overdue-table', onRow: (i) => navigate(`/items/${encodeURIComponent(i.id)}`) }),
    h('p.muted.small', t('inv.missingNote')));
  } catch (e) { clear(el, errorBox(e)); }
}
