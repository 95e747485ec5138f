// One case (案件): its number, title and handling unit, every item of it the role may see with its
// state and place, the whole case's chain of custody on one timeline, its orders and its open alarms.
import { api, apiAll } from '../api.js';
import { h, clear } from '../dom.js';
import { t, label, fmtNumber, fmtDateTime, nameOf } from '../i18n.js';
import { navigate } from '../router.js';
import { panel, table, badge, sevBadge, errorBox, loading, empty, link } from '../ui.js';
import { categoryName, agencyName, zoneName } from '../refdata.js';
import { locationIdsOf, locationNames } from '../components/custody-text.js';
import { timelineEntry } from './item.js';

const MAX_EVENTS = 5000;

/** An item's place by name: zone · location, from the case answer. */
const placeOf = (i) => [i.zone ? nameOf(i.zone) : null, i.location?.name].filter(Boolean).join(' · ') || t('common.none');
const stateBadge = (s) => badge(label('state', s), s === 'out' ? 'info' : s === 'stored' ? 'ok' : '');

export default async function casePage(root, { params, ref }) {
  let c;
  try {
    c = await api(`/cases/${encodeURIComponent(params.id)}`);
  } catch (e) {
    clear(root, h('div.page-head', h('h1', t('case.title'))), e.status === 404 ? h('div.status.error', t('case.notFound')) : errorBox(e),
      h('p', link('/inventory', `← ${t('common.back')}`)));
    return;
  }
  const field = (k, v) => h('div.field', h('dt', k), h('dd', v));
  const byId = new Map(c.itemList.map((i) => [i.id, i]));
  const timelineBody = h('div', loading());
  clear(root,
    h('div.page-head', h('h1', { 'data-testid': 'case-number' }, `${t('case.title')} ${c.number}`)),
    h('nav.crumbs', link('/inventory', t('nav.inventory')), ' › ', link(`/inventory?q=${encodeURIComponent(c.number)}`, c.number)),
    h('dl.fields.case-head', { 'data-testid': 'case-head' },
      field(t('case.number'), h('span.nowrap', c.number)),
      c.title ? field(t('case.caseTitle'), h('span', { 'data-testid': 'case-title' }, c.title)) : null,
      field(t('case.unit'), h('span', { 'data-testid': 'case-unit' }, nameOf(c.agency))),
      field(t('case.openedAt'), fmtDateTime(c.openedAt, { dateStyle: 'medium' })),
      c.retainUntil ? field(t('case.retainUntil'), fmtDateTime(c.retainUntil, { dateStyle: 'medium' })) : null),
    h('div.item-grid',
      h('div',
        panel(t('case.items', { n: fmtNumber(c.itemList.length) }), c.itemList.length ? table([
          { head: t('col.name'), cell: (i) => link(`/items/${encodeURIComponent(i.id)}`, i.name) },
          { head: t('col.state'), cell: (i) => stateBadge(i.state) },
          { head: t('case.place'), cell: (i) => placeOf(i) },
          { head: t('col.category'), cell: (i) => categoryName(ref, i.category), cls: 'hide-narrow' },
          { head: t('col.quantity'), cell: (i) => `${fmtNumber(i.quantity)} ${i.unit ?? ''}`, cls: 'hide-narrow' },
          { head: t('col.agency'), cell: (i) => agencyName(ref, i.agencyId), cls: 'hide-narrow' },
        ], c.itemList, { testid: 'case-items', onRow: (i) => navigate(`/items/${encodeURIComponent(i.id)}`), rowClass: () => 'item-row' }) : empty(), { testid: 'case-items-panel' }),
        panel(t('case.alarms'), c.alarms.length ? h('ul.case-alarms', { 'data-testid': 'case-alarms' }, c.alarms.map((a) =>
          h('li', { 'data-alarm-id': a.id, 'data-kind': a.kind },
            sevBadge(a.severity), ' ', link(`/alarms/${encodeURIComponent(a.id)}`, label('alarm', a.kind)), ' · ',
            byId.get(a.itemId)?.name ?? t('common.none'), ' ',
            h('span.muted.small', `${label('alarmState', a.state)} · ${fmtDateTime(a.openedAt, { dateStyle: 'short', timeStyle: 'short' })}`))))
          : h('div', { 'data-testid': 'case-alarms' }, empty(t('case.noAlarms'))), { testid: 'case-alarms-panel' }),
        panel(t('case.orders'), c.orders.length ? h('ul.case-orders', { 'data-testid': 'case-orders' }, c.orders.map((o) => orderLine(ref, o, byId)))
          : h('div', { 'data-testid': 'case-orders' }, empty(t('case.noOrders'))), { testid: 'case-orders-panel' })),
      panel(t('case.timeline'), timelineBody, { testid: 'case-timeline', cls: 'timeline-panel' })));

  try {
    const events = await apiAll(`/cases/${encodeURIComponent(c.id)}/events`, {}, MAX_EVENTS);
    if (!events.length) { clear(timelineBody, empty()); return; }
    await locationNames(locationIdsOf(events));
    clear(timelineBody, h('ol.timeline', events.slice().reverse().map((e) => timelineEntry(ref, e, { hashes: false, item: byId.get(e.itemId) }))),
      events.length >= MAX_EVENTS ? h('p.muted.small', t('case.more', { n: fmtNumber(MAX_EVENTS) })) : null);
  } catch (e) { clear(timelineBody, errorBox(e)); }
}

function orderLine(ref, o, byId) {
  const mine = o.items.filter((i) => byId.has(i.itemId));
  return h('li', { 'data-order-id': o.id, 'data-kind': o.kind },
    badge(label('ordKind', o.kind), 'info'), ' ', h('strong', o.id), ' ',
    badge(label('ordState', o.state), o.state === 'active' ? 'ok' : o.state === 'expired' ? 'warn' : ''), ' ',
    h('span.muted.small', [t('case.orderItems', { n: fmtNumber(mine.length) }),
      o.purpose ? ` · ${o.purpose}` : '',
      o.zoneId ? ` · ${zoneName(ref, o.zoneId)}` : '',
      ` · ${fmtDateTime(o.validFrom, { dateStyle: 'short', timeStyle: 'short' })}`].join('')),
    o.kind === 'transfer_in' ? [' ', h('a.button.small', { href: `/print/receipt/${encodeURIComponent(o.id)}`, 'data-link': '' }, `${t('print.openReceipt')}`)] : null,
    o.kind === 'retrieve' ? mine.filter((i) => i.done).map((i) => [' ', h('a.button.small', { href: `/print/checkout/${encodeURIComponent(o.id)}/${encodeURIComponent(i.itemId)}`, 'data-link': '' },
      `${t('print.openCheckout')} · ${byId.get(i.itemId)?.name ?? ''}`)]) : null);
}
