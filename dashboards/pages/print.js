// Print-ready slips (A4, print.css): the check-out slip (调用单) of one item under a retrieve order,
// the transfer-in receipt (入库单) of a manifest, and an item's chain of custody with the ledger's
// verify result and every event's hashes. A browser prints them or saves them as PDF; printed, the
// app's header, banner and buttons are gone. Data comes through api.js with the Bearer header.
import { api, apiAll } from '../api.js';
import { h, clear } from '../dom.js';
import { t, label, fmtNumber, fmtDateTime, nameOf } from '../i18n.js';
import { errorBox, loading } from '../ui.js';
import { session } from '../session.js';
import { agencyName, categoryName, staffName, zoneName } from '../refdata.js';
import { changeText, detailTexts, locationIdsOf, locationNames, placeText, whoText } from '../components/custody-text.js';

function ensureStylesheet() {
  if (document.querySelector('link[data-print-css]')) return Promise.resolve();
  return new Promise((res) => {
    const l = h('link', { rel: 'stylesheet', href: '/print.css', 'data-print-css': '' });
    l.addEventListener('load', res);
    l.addEventListener('error', res);
    document.head.append(l);
  });
}

export default async function printPage(root, { params, ref }) {
  const kind = location.pathname.split('/')[2];
  document.body.classList.add('printing');
  const cleanup = () => document.body.classList.remove('printing');
  await ensureStylesheet();
  const sheet = h('article.slip', { 'data-testid': 'slip', 'data-slip': kind }, loading());
  clear(root,
    h('div.print-tools', { 'data-testid': 'print-tools' },
      h('button.small', { type: 'button', onclick: () => history.back() }, `← ${t('print.back')}`),
      h('button.primary', { type: 'button', 'data-testid': 'print-button', onclick: () => window.print() }, `${t('print.print')}`)),
    sheet);
  try {
    if (kind === 'checkout') await checkoutSlip(ref, sheet, params.orderId, params.itemId);
    else if (kind === 'receipt') await receiptSlip(ref, sheet, params.orderId);
    else await custodySlip(ref, sheet, params.itemId);
    sheet.dataset.ready = 'true';
  } catch (e) {
    clear(sheet, e.status === 404 ? h('div.status.error', t('print.notFound')) : errorBox(e));
    sheet.dataset.ready = 'error';
  }
  return cleanup;
}

// The center's own name heads every slip (the site's, from /me), the generic one when it is unknown.
const head = (title) => [h('div.slip-center', session.user?.site ? nameOf(session.user.site) : t('print.center')), h('h1', title)];
const row = (...cells) => h('tr', cells.map(([k, v, span]) => [h('th', k), h('td', { colspan: span ?? 1 }, v ?? t('common.none'))]));
const printedAt = () => h('p.slip-foot', t('print.printedAt', { t: fmtDateTime(new Date().toISOString()) }));

function signatures(keys) {
  return h('div.sign-lines', { 'data-testid': 'signatures', style: { gridTemplateColumns: `repeat(${keys.length}, 1fr)` } }, keys.map((k) =>
    h('div.sign-line', h('div.sign-label', t(k)), h('div.line'), h('div.sign-date', t('print.sign.date')))));
}

/** 调用单: the item, its case, purpose, who took it and who approved, when due, its condition, the order. */
async function checkoutSlip(ref, el, orderId, itemId) {
  const [order, item, events] = await Promise.all([
    api(`/orders/${encodeURIComponent(orderId)}`),
    api(`/items/${encodeURIComponent(itemId)}`),
    apiAll(`/items/${encodeURIComponent(itemId)}/events`, {}, 5000),
  ]);
  const out = events.find((e) => e.kind === 'retrieved' && e.orderId === order.id);
  const d = out?.details ?? {};
  const taken = d.takenBy ? staffName(ref, d.takenBy) : null;
  clear(el, head(t('print.checkout')),
    h('table.grid', h('tbody',
      row([t('print.item'), h('strong', item.name)], [t('print.category'), categoryName(ref, item.category)]),
      row([t('print.case'), item.caseNumber], [t('print.quantity'), `${fmtNumber(item.quantity)} ${item.unit ?? ''}`]),
      row([t('print.purpose'), d.purpose ?? order.purpose, 3]),
      row([t('print.takenBy'), taken ? h('span', { 'data-testid': 'taken-by' }, taken) : h('span.blank')], [t('print.approvedBy'), d.approvedBy ?? order.approvedBy]),
      row([t('print.takenAt'), out ? fmtDateTime(out.at) : h('span.blank')], [t('print.due'), (d.dueAt ?? order.dueAt) ? fmtDateTime(d.dueAt ?? order.dueAt) : null]),
      row([t('print.condition'), d.condition ?? h('span.blank'), 3]),
      row([t('print.order'), h('span.nowrap', order.id)], [t('col.agency'), agencyName(ref, item.agencyId)]))),
    out ? null : h('p.muted.small', t('print.notCheckedOut')),
    signatures(['print.sign.giver', 'print.sign.taker', 'print.sign.handler']),
    printedAt());
}

/** 入库单: every item announced under a transfer_in order, its case, quantity, state and condition on receipt. */
async function receiptSlip(ref, el, orderId) {
  const order = await api(`/orders/${encodeURIComponent(orderId)}`);
  if (order.kind !== 'transfer_in') { clear(el, h('div.status.error', t('print.notTransferIn'))); return; }
  const rows = await Promise.all(order.items.map(async (oi) => {
    const [item, events] = await Promise.all([
      api(`/items/${encodeURIComponent(oi.itemId)}`),
      apiAll(`/items/${encodeURIComponent(oi.itemId)}/events`, {}, 500),
    ]);
    return { item, received: events.find((e) => e.kind === 'received' && e.orderId === order.id) ?? events.find((e) => e.kind === 'received') };
  }));
  clear(el, head(t('print.receipt')),
    h('table.grid', h('tbody',
      row([t('print.agency'), order.agencyId ? agencyName(ref, order.agencyId) : null], [t('print.zone'), order.zoneId ? zoneName(ref, order.zoneId) : null]),
      row([t('print.order'), h('span.nowrap', order.id)], [t('col.approvedBy'), order.approvedBy]),
      row([t('print.window'), `${fmtDateTime(order.validFrom, { dateStyle: 'medium', timeStyle: 'short' })} – ${fmtDateTime(order.validUntil, { dateStyle: 'medium', timeStyle: 'short' })}`, 3]))),
    h('table.grid.list', { 'data-testid': 'receipt-items' },
      h('thead', h('tr', [t('print.no'), t('print.item'), t('print.category'), t('print.case'), t('print.quantity'), t('print.state'), t('print.receivedCondition')].map((x) => h('th', x)))),
      h('tbody', rows.map(({ item, received }, n) => h('tr', { 'data-item-id': item.id },
        h('td.num', fmtNumber(n + 1)), h('td', item.name), h('td.nowrap', categoryName(ref, item.category)), h('td.nowrap', item.caseNumber),
        h('td.num', `${fmtNumber(item.quantity)} ${item.unit ?? ''}`), h('td.nowrap', label('state', item.state)),
        h('td', received?.details?.condition ?? t('common.none')))))),
    h('p.slip-total', t('print.total', { n: fmtNumber(rows.length) })),
    signatures(['print.sign.transferor', 'print.sign.receiver']),
    printedAt());
}

/** An item's chain of custody as a court is shown it: every event, its hash and prevHash, and the chain's verify result. */
async function custodySlip(ref, el, itemId) {
  const [item, events] = await Promise.all([
    api(`/items/${encodeURIComponent(itemId)}`),
    apiAll(`/items/${encodeURIComponent(itemId)}/events`, {}, 5000),
  ]);
  await locationNames([...locationIdsOf(events), item.locationId]);
  const chain = events.length ? events[events.length - 1].chain ?? 'main' : 'main';
  let verify;
  try {
    const v = await api(`/ledger/verify?chain=${chain}`);
    const at = fmtDateTime(new Date().toISOString(), { dateStyle: 'medium', timeStyle: 'medium' });
    verify = h(`div.verify-box.${v.ok ? 'ok' : 'bad'}`, { 'data-testid': 'custody-verify', 'data-ok': String(v.ok) },
      h('strong', v.ok ? `✔ ${t('print.verifyOk', { chain: t(`chain.${chain}`), n: fmtNumber(v.events) })}` : `✘ ${t('print.verifyBad', { seq: v.firstBadSeq ?? '?', msg: v.message ?? '' })}`),
      h('div', t('print.verifiedAt', { t: at })),
      v.head ? h('div', t('print.head', { seq: fmtNumber(v.head.seq) }), ' ', h('code.hash', v.head.hash)) : null);
  } catch {
    verify = h('div.verify-box.bad', { 'data-testid': 'custody-verify', 'data-ok': 'unknown' }, t('print.verifyUnavailable'));
  }
  clear(el, head(t('print.custody')),
    h('table.grid', h('tbody',
      row([t('print.item'), h('strong', item.name)], [t('print.category'), categoryName(ref, item.category)]),
      row([t('print.case'), item.caseNumber], [t('col.agency'), agencyName(ref, item.agencyId)]),
      row([t('col.state'), label('state', item.state)], [t('col.location'), placeText(ref, { zoneId: item.zoneId, locationId: item.locationId })]))),
    h('h2', t('print.verify')), verify,
    h('h2', t('print.events', { n: fmtNumber(events.length) })),
    h('ol.custody-events', { 'data-testid': 'custody-events' }, events.map((e) => {
      const from = placeText(ref, e.from);
      const to = placeText(ref, e.to);
      const details = detailTexts(ref, e);
      return h('li.custody-event', { 'data-seq': e.seq, 'data-kind': e.kind },
        h('div.ev-head', h('strong', label('ev', e.kind)), h('span', fmtDateTime(e.at, { dateStyle: 'medium', timeStyle: 'medium' })),
          h('span.muted', `${t(`chain.${e.chain ?? 'main'}`)} · ${t('print.seq')} ${e.seq}`)),
        h('div', h('span.k', `${t('print.who')}：`), whoText(ref, e)),
        h('div', h('span.k', `${t('print.kind')}：`), changeText(ref, e)),
        h('div', h('span.k', `${t('print.fromTo')}：`), from === to ? to : `${from} → ${to}`),
        e.orderId ? h('div', h('span.k', `${t('print.order')}：`), e.orderId) : null,
        details.length ? h('div', details.join('；')) : null,
        h('div.hash', `${t('print.hash')}：`, h('code', e.hash)),
        h('div.hash', `${t('print.prevHash')}：`, h('code', e.prevHash)));
    })),
    h('p.muted.small', t('print.hashNote')),
    signatures(['print.sign.handler']),
    printedAt());
}
