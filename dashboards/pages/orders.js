// Orders: active and upcoming orders with their items and state, the ones that ended lately,
// and (for a supervisor, or discipline in the restricted zone) the way to issue an emergency order.
import { api } from '../api.js';
import { h, clear } from '../dom.js';
import { t, label, fmtNumber, fmtDateTime, getLang } from '../i18n.js';
import { session } from '../session.js';
import { panel, badge, empty, errorBox, loading, link, refresher } from '../ui.js';
import { zoneName, agencyName, gateName, staffName } from '../refdata.js';

const TABS = [
  { id: 'active', key: 'ord.active', query: { state: 'active' } },
  { id: 'open', key: 'ord.upcoming', query: { state: 'open' } },
  { id: 'ended', key: 'ord.recent', query: {} },
];

export default async function orders(root, { query, ref }) {
  const tab = TABS.find((x) => x.id === query.get('tab')) ?? TABS[0];
  const issued = query.get('issued');
  const body = h('div.order-list', loading());
  clear(root,
    h('div.page-head', h('h1', t('nav.orders')),
      session.can('emergency_order', true) ? h('a.button.primary', { href: '/orders/new', 'data-link': '', 'data-testid': 'new-order' }, `＋ ${t('ord.issue')}`) : null),
    issued ? h('div.status.ok', { role: 'status' }, t('ord.issued', { id: issued })) : null,
    h('nav.tabs', TABS.map((x) => h('a', { href: `/orders?tab=${x.id}`, 'data-link': '', class: x.id === tab.id ? 'active' : '' }, t(x.key)))),
    body);
  const expanded = new Set();
  const r = refresher(body, async () => {
    const res = await api('/orders', { query: { ...tab.query, limit: 100 } });
    return tab.id === 'ended' ? res.data.filter((o) => !['open', 'active'].includes(o.state)) : res.data;
  }, (list) => {
    if (!list.length) { clear(body, empty(t('ord.none'))); return; }
    clear(body, list.map((o) => orderCard(ref, o, expanded)));
  }, 10000);
  return () => r.stop();
}

function orderCard(ref, o, expanded) {
  const done = o.items.filter((i) => i.done).length;
  const itemsBody = h('div', loading());
  const details = h('details.order-items', {
    open: expanded.has(o.id),
    ontoggle: () => {
      if (details.open) { expanded.add(o.id); loadItems(ref, o, itemsBody); } else expanded.delete(o.id);
    },
  }, h('summary', t('ord.items', { done: fmtNumber(done), n: fmtNumber(o.items.length) })), itemsBody);
  if (details.open) loadItems(ref, o, itemsBody);
  const f = (k, v) => (v ? h('div.field', h('dt', k), h('dd', v)) : null);
  return h(`article.order-card.state-${o.state}`, { 'data-order-id': o.id },
    h('header',
      h('strong.order-id', o.id), ' ',
      badge(label('ordKind', o.kind), 'info'), ' ',
      badge(label('ordState', o.state), o.state === 'active' ? 'ok' : o.state === 'expired' ? 'warn' : ''), ' ',
      o.emergency ? badge(t('ord.emergency'), 'danger') : null,
      h('span.muted.small', t(`ord.source.${o.source}`) === `ord.source.${o.source}` ? o.source : t(`ord.source.${o.source}`))),
    h('dl.fields.compact',
      f(t('col.window'), `${fmtDateTime(o.validFrom, { dateStyle: 'short', timeStyle: 'short' })} – ${fmtDateTime(o.validUntil, { dateStyle: 'short', timeStyle: 'short' })}`),
      f(t('ord.gates'), o.gates.length ? `${o.gates.map((g) => gateName(ref, g)).join('、')} (${label('dir', o.direction)})` : null),
      f(t('ord.escorts'), o.escorts.length ? o.escorts.map((s) => staffName(ref, s)).join('、') : null),
      f(t('col.approvedBy'), o.approvedBy),
      f(t('col.agency'), o.agencyId ? agencyName(ref, o.agencyId) : null),
      f(t('ord.zone'), o.zoneId ? zoneName(ref, o.zoneId) : null),
      f(t('ord.toAgency'), o.toAgencyId ? agencyName(ref, o.toAgencyId) : null),
      f(t('col.purpose'), o.purpose),
      f(t('ord.dueAt'), o.dueAt ? fmtDateTime(o.dueAt) : null),
      f(t('ord.note'), o.cancelReason ?? o.note)),
    printLinks(o),
    details);
}

/** The slips of an order: the receipt of a transfer_in, a check-out slip per item taken out under a retrieve order. */
function printLinks(o) {
  if (o.kind === 'transfer_in') {
    return h('div.order-prints', h('a.button.small', { href: `/print/receipt/${encodeURIComponent(o.id)}`, 'data-link': '', 'data-testid': 'print-receipt' }, `${t('print.openReceipt')}`));
  }
  const done = o.kind === 'retrieve' ? o.items.filter((i) => i.done) : [];
  if (!done.length) return null;
  return h('div.order-prints', done.slice(0, 20).map((i, n) =>
    h('a.button.small', { href: `/print/checkout/${encodeURIComponent(o.id)}/${encodeURIComponent(i.itemId)}`, 'data-link': '', 'data-testid': 'print-checkout' },
      `${t('print.openCheckout')}${done.length > 1 ? ` ${n + 1}` : ''}`)));
}

const itemCache = new Map();
async function loadItems(ref, o, el) {
  const shown = o.items.slice(0, 60);
  await Promise.all(shown.map((i) => (itemCache.has(i.itemId) ? null
    : api(`/items/${encodeURIComponent(i.itemId)}`).then((x) => itemCache.set(i.itemId, x)).catch(() => itemCache.set(i.itemId, null)))));
  clear(el, h('ul.order-item-list', shown.map((i) => {
    const it = itemCache.get(i.itemId);
    return h('li', { class: i.done ? 'done' : 'pending' },
      h('span.check', i.done ? '✔' : '○'), ' ',
      link(`/items/${encodeURIComponent(i.itemId)}`, it ? it.name : i.itemId), ' ',
      it ? h('span.muted.small', `${it.caseNumber} · ${label('state', it.state)}`) : null, ' ',
      h('span.small', i.done ? t('ord.done') : t('ord.pending')));
  })), o.items.length > shown.length ? h('p.muted.small', `+${fmtNumber(o.items.length - shown.length)}`) : null);
}
