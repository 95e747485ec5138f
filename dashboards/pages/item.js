// One item: what it is, where it is, its retrieval, and its chain of custody as a timeline from
// the ledger (who, what, where, which order), with the result of verifying the ledger.
import { api, apiAll, apiOptional } from '../api.js';
import { h, clear } from '../dom.js';
import { t, label, fmtNumber, fmtDateTime, nameOf } from '../i18n.js';
import { panel, badge, errorBox, loading, empty, link } from '../ui.js';
import { zoneName, agencyName, categoryName, staffName } from '../refdata.js';
import { pendingCard } from '../components/confirmation.js';

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
  clear(root,
    h('div.page-head', h('h1', { 'data-testid': 'item-name' }, item.name), badge(label('state', item.state), item.state === 'out' ? 'info' : item.state === 'stored' ? 'ok' : ''),
      cat?.dualControl ? badge(t('item.dual'), 'warn') : null),
    h('nav.crumbs', link('/inventory', t('nav.inventory')), ' › ', item.zoneId ? link(`/inventory/zones/${encodeURIComponent(item.zoneId)}`, zoneName(ref, item.zoneId)) : null,
      item.locationId ? [' › ', link(`/inventory/zones/${encodeURIComponent(item.zoneId)}/locations/${encodeURIComponent(item.locationId)}`, item.locationId)] : null),
    h('div.item-grid',
      h('div',
        panel(t('item.detail'), h('dl.fields',
          field(t('col.category'), categoryName(ref, item.category)),
          field(t('col.quantity'), `${fmtNumber(item.quantity)} ${item.unit ?? ''}`),
          field(t('col.case'), link(`/inventory?q=${encodeURIComponent(item.caseNumber)}`, item.caseNumber)),
          field(t('col.agency'), agencyName(ref, item.agencyId)),
          field(t('col.zone'), zoneName(ref, item.zoneId)),
          field(t('col.location'), item.locationId ?? t('common.none')),
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
    clear(timelineBody, h('ol.timeline', events.slice().reverse().map((e) => timelineEntry(ref, e))));
  } catch (e) {
    clear(timelineBody, errorBox(e));
    verifyChain('main');
  }
}

function place(ref, p) {
  if (!p) return t('common.none');
  return [p.zoneId ? zoneName(ref, p.zoneId) : null, p.locationId].filter(Boolean).join(' · ') || t('common.none');
}

function timelineEntry(ref, e) {
  const staff = e.actors?.staff;
  const staffList = Array.isArray(staff) ? staff : staff ? [staff] : [];
  const second = e.actors?.second;
  const who = [e.actors?.name ?? e.actors?.by, e.actors?.role ? `(${label('role', e.actors.role)})` : null,
    second ? `+ ${t('dc.second')} ${second.name ?? second.by} (${label('role', second.role)}${second.via === 'desk_badge' ? ` · ${t('dc.viaBadge')}` : ''})` : null].filter(Boolean).join(' ');
  const stateChange = e.from?.state !== e.to?.state ? `${label('state', e.from?.state)} → ${label('state', e.to?.state)}` : label('state', e.to?.state);
  const fromWhere = place(ref, e.from);
  const toWhere = place(ref, e.to);
  const agencyChange = e.from?.agencyId && e.to?.agencyId && e.from.agencyId !== e.to.agencyId
    ? `${agencyName(ref, e.from.agencyId)} → ${agencyName(ref, e.to.agencyId)}` : null;
  const details = Object.entries(e.details ?? {}).filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object');
  return h(`li.tl-entry.ev-${e.kind}`, { 'data-seq': e.seq, 'data-kind': e.kind },
    h('div.tl-dot'),
    h('div.tl-body',
      h('div.tl-head', h('strong', label('ev', e.kind)), h('time.muted', { datetime: e.at }, fmtDateTime(e.at))),
      h('dl.tl-fields',
        h('div', h('dt', t('col.who')), h('dd', who, staffList.length ? ` · ${staffList.map((s) => staffName(ref, s)).join('、')}` : '')),
        h('div', h('dt', t('col.what')), h('dd', stateChange, agencyChange ? ` · ${agencyChange}` : '')),
        h('div', h('dt', t('col.where')), h('dd', fromWhere === toWhere ? toWhere : `${fromWhere} → ${toWhere}`)),
        h('div', h('dt', t('col.order')), h('dd', e.orderId ?? t('common.none'))),
        details.length ? h('div', h('dt', '…'), h('dd', details.map(([k, v]) => `${k}: ${v}`).join('；'))) : null),
      h('div.tl-hash.muted.small', { title: e.hash }, `${e.chain === 'restricted' ? `${t('chain.restricted')} ` : ''}#${e.seq} · ${t('item.hash')} ${String(e.hash).slice(0, 12)}…`)));
}
