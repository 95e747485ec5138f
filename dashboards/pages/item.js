// One item: what it is, where it is, its retrieval, and its chain of custody as a timeline from
// the ledger (who, what, where, which order), with the result of verifying the ledger.
import { api, apiAll, apiOptional } from '../api.js';
import { h, clear } from '../dom.js';
import { t, label, fmtNumber, fmtDateTime, nameOf } from '../i18n.js';
import { panel, badge, errorBox, loading, empty, link } from '../ui.js';
import { zoneName, agencyName, categoryName, staffName } from '../refdata.js';
import { pendingCard } from '../components/confirmation.js';
import { detailTexts, changeText, locationIdsOf, locationName, locationNames, placeText, whoText } from '../components/custody-text.js';

export default async function itemPage(root, { params, ref, query }) {
  let item;
  try {
    item = await api(`/items/${encodeURIComponent(params.id)}`);
  } catch (e) {
    clear(root, h('div.page-head', h('h1', t('item.detail'))), e.status === 404 ? h('div.status.error', t('item.notFound')) : errorBox(e),
      h('p', link('/inventory', `← ${t('common.back')}`)));
    return;
  }
  const cat = ref.category.get(item.category);
  const timelineBody = h('div', loading());
  const ledgerBody = h('div', { 'data-testid': 'ledger-verify' }, loading());
  // Two-person operations (双人) on this item: pending ones with the second person's buttons, then the decided.
  const pendingBody = h('div.confirmation-list', { 'data-testid': 'item-confirmations' }, loading());
  const redraw = () => itemPage(root, { params, ref, query });
  const field = (k, v) => h('div.field', h('dt', k), h('dd', v));
  const locEl = h('span', { 'data-location-id': item.locationId ?? '' }, item.locationId ? '…' : t('common.none'));
  if (item.locationId) locationNames([item.locationId]).then(() => { locEl.textContent = locationName(item.locationId); });
  clear(root,
    h('div.page-head', h('h1', { 'data-testid': 'item-name' }, item.name), badge(label('state', item.state), item.state === 'out' ? 'info' : item.state === 'stored' ? 'ok' : ''),
      cat?.dualControl ? badge(t('item.dual'), 'warn') : null,
      h('div.page-tools',
        h('a.button.small', { href: `/print/custody/${encodeURIComponent(item.id)}`, 'data-link': '', 'data-testid': 'print-custody' }, `${t('print.openCustody')}`),
        item.checkout ? h('a.button.small', { href: `/print/checkout/${encodeURIComponent(item.checkout.orderId)}/${encodeURIComponent(item.id)}`, 'data-link': '', 'data-testid': 'print-checkout' }, `${t('print.openCheckout')}`) : null)),
    h('nav.crumbs', link('/inventory', t('nav.inventory')), ' › ', item.zoneId ? link(`/inventory/zones/${encodeURIComponent(item.zoneId)}`, zoneName(ref, item.zoneId)) : null,
      item.locationId ? [' › ', link(`/inventory/zones/${encodeURIComponent(item.zoneId)}/locations/${encodeURIComponent(item.locationId)}`, item.locationId)] : null),
    h('div.item-grid',
      h('div',
        panel(t('item.detail'), h('dl.fields',
          field(t('col.category'), categoryName(ref, item.category)),
          field(t('col.quantity'), `${fmtNumber(item.quantity)} ${item.unit ?? ''}`),
          field(t('col.case'), h('span', { 'data-testid': 'item-case' }, link(`/cases/${encodeURIComponent(item.caseId)}`, item.caseNumber))),
          field(t('col.agency'), agencyName(ref, item.agencyId)),
          field(t('col.zone'), zoneName(ref, item.zoneId)),
          field(t('col.location'), locEl),
          field(t('col.epc'), item.epc ? h('code.epc', item.epc) : badge(t('item.untagged'), 'warn')),
          item.dueAt ? field(t('col.dueAt'), fmtDateTime(item.dueAt)) : null,
          item.description ? field(t('col.message'), item.description) : null,
          item.photos?.length ? field(t('item.photos', { n: '' }).trim(), t('item.photos', { n: fmtNumber(item.photos.length) })) : null)),
        item.checkout ? panel(t('item.checkout'), h('dl.fields',
          field(t('col.order'), item.checkout.orderId ?? t('common.none')),
          field(t('col.purpose'), item.checkout.purpose ?? t('common.none')),
          field(t('item.taken'), staffName(ref, item.checkout.takenBy)),
          field(t('col.approvedBy'), item.checkout.approvedBy ?? t('common.none')),
          field(t('item.due'), fmtDateTime(item.checkout.dueAt)),
          field(t('item.returnedAt'), fmtDateTime(item.checkout.returnedAt)))) : null,
        cat?.dualControl ? panel(t('dc.onItem'), pendingBody, { testid: 'item-dual' }) : null,
        panel(t('item.ledger'), ledgerBody)),
      panel(t('item.timeline'), timelineBody, { testid: 'timeline', cls: 'timeline-panel' })));

  // The item's history lies in the chain of the zone it is in: the commission's zone has its own.
  const verifyChain = (chain) => api(`/ledger/verify?chain=${chain}`).then((v) => {
    clear(ledgerBody, v.ok
      ? h('div.verify.ok', { 'data-ok': 'true' }, '✔ ', t('item.ledgerOk', { n: fmtNumber(v.events) }))
      : h('div.verify.bad', { 'data-ok': 'false', role: 'alert' }, '✘ ', t('item.ledgerBad', { seq: v.firstBadSeq ?? '?', msg: v.message ?? v.fault ?? '' })),
    v.head ? h('p.muted.small', `${t(`chain.${chain}`)} #${fmtNumber(v.head.seq)} · ${String(v.head.hash).slice(0, 16)}…`) : null);
  }).catch((e) => clear(ledgerBody, e.status === 404 || e.status === 403 ? h('div.status.unavailable', t('item.ledgerUnavailable')) : errorBox(e)));

  if (cat?.dualControl) {
    apiOptional('/confirmations', { query: { item: item.id, limit: 20 } }, { data: [] }).then((r) => {
      const list = r.data.slice().sort((a, b) => (a.state === 'pending') === (b.state === 'pending') ? 0 : a.state === 'pending' ? -1 : 1);
      clear(pendingBody, list.length ? list.map((p) => pendingCard(ref, p, { onDecided: redraw })) : empty(t('dc.noneOnItem')));
    }).catch((e) => clear(pendingBody, errorBox(e)));
  }

  try {
    const events = await apiAll(`/items/${encodeURIComponent(item.id)}/events`, {}, 5000);
    verifyChain(events.length ? events[events.length - 1].chain ?? 'main' : 'main');
    if (!events.length) { clear(timelineBody, empty()); return; }
    await locationNames(locationIdsOf(events));
    clear(timelineBody, h('ol.timeline', events.slice().reverse().map((e) => timelineEntry(ref, e))));
  } catch (e) {
    clear(timelineBody, errorBox(e));
    verifyChain('main');
  }
}

/**
 * One custody event on a timeline (the item page's and the case page's): what, when, who, where, which
 * order. `hashes: false` leaves out the ledger's hash (the custody print shows it whole).
 */
export function timelineEntry(ref, e, { hashes = true, item } = {}) {
  const fromWhere = placeText(ref, e.from);
  const toWhere = placeText(ref, e.to);
  const details = detailTexts(ref, e);
  return h(`li.tl-entry.ev-${e.kind}`, { 'data-seq': e.seq, 'data-kind': e.kind, 'data-item-id': e.itemId ?? '' },
    h('div.tl-dot'),
    h('div.tl-body',
      h('div.tl-head', h('strong', label('ev', e.kind)), item ? [' ', link(`/items/${encodeURIComponent(item.id)}`, item.name)] : null,
        h('time.muted', { datetime: e.at }, fmtDateTime(e.at))),
      h('dl.tl-fields',
        h('div', h('dt', t('col.who')), h('dd', whoText(ref, e))),
        h('div', h('dt', t('col.what')), h('dd', changeText(ref, e))),
        h('div', h('dt', t('col.where')), h('dd', fromWhere === toWhere ? toWhere : `${fromWhere} → ${toWhere}`)),
        h('div', h('dt', t('col.order')), h('dd', e.orderId ?? t('common.none'))),
        details.length ? h('div', h('dt', '…'), h('dd', details.join('；'))) : null),
      hashes ? h('div.tl-hash.muted.small', { title: e.hash }, `${e.chain === 'restricted' ? `${t('chain.restricted')} ` : ''}#${e.seq} · ${t('item.hash')} ${String(e.hash).slice(0, 12)}…`) : null));
}
