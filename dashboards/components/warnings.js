// Warnings before the fact (GET /warnings): check-outs due back within 24 hours (即将到期) and items
// kept past their retention limit (超期存放), by name, case number and place; shown on the
// Operations page and beside the overdue list. The API already filters them by role.
import { api } from '../api.js';
import { h, clear } from '../dom.js';
import { t, fmtDateTime, fmtRelative, fmtNumber } from '../i18n.js';
import { navigate } from '../router.js';
import { table, empty, errorBox, link } from '../ui.js';
import { zoneName, staffName } from '../refdata.js';

const short = { dateStyle: 'short', timeStyle: 'short' };
const place = (ref, w) => [w.zoneId ? zoneName(ref, w.zoneId) : null, w.locationName].filter(Boolean).join(' · ') || t('common.none');
const toItem = (w) => navigate(`/items/${encodeURIComponent(w.itemId)}`);
export const basisText = (w) => (w.basis === 'category' ? t('basis.category', { n: fmtNumber(w.retentionDays ?? 0) }) : t('basis.case'));

// Wide (Operations): a column each. Compact (beside the overdue list): the case under the name, the basis under the date.
const nameCell = (w, compact) => (compact
  ? h('span', link(`/items/${encodeURIComponent(w.itemId)}`, w.itemName), h('br'), h('span.muted.small', w.caseNumber))
  : link(`/items/${encodeURIComponent(w.itemId)}`, w.itemName));

function dueSoonTable(ref, rows, compact) {
  return table([
    { head: t('col.name'), cell: (w) => nameCell(w, compact) },
    compact ? null : { head: t('col.case'), cell: (w) => w.caseNumber },
    { head: t('col.where'), cell: (w) => place(ref, w) },
    compact ? null : { head: t('col.takenBy'), cell: (w) => w.takenByName ?? staffName(ref, w.takenBy) },
    { head: t('col.dueAt'), cell: (w) => h('span.nowrap', fmtDateTime(w.dueAt, short), compact ? [h('br'), h('span.warn-text.small', fmtRelative(w.dueAt))] : null) },
    compact ? null : { head: t('col.dueIn'), cell: (w) => h('span.warn-text.nowrap', fmtRelative(w.dueAt)) },
  ].filter(Boolean), rows, { testid: 'due-soon-table', onRow: toItem });
}

function retentionTable(ref, rows, compact) {
  return table([
    { head: t('col.name'), cell: (w) => nameCell(w, compact) },
    compact ? null : { head: t('col.case'), cell: (w) => w.caseNumber },
    { head: t('col.where'), cell: (w) => place(ref, w) },
    { head: t('col.retainUntil'), cell: (w) => h('span.nowrap', fmtDateTime(w.retainUntil, short), compact ? [h('br'), h('span.muted.small', basisText(w))] : null) },
    compact ? null : { head: t('col.basis'), cell: (w) => basisText(w) },
  ].filter(Boolean), rows, { testid: 'retention-table', onRow: toItem });
}

/** Loads the warnings into `el`: both lists, each with its heading, its empty text and what is left out. */
export async function loadWarnings(ref, el, { compact = false } = {}) {
  try {
    const w = await api('/warnings', { query: { limit: 200 } });
    const more = (shown, total) => (total > shown ? h('p.muted.small', t('warn.more', { n: fmtNumber(total - shown) })) : null);
    clear(el,
      h('section.warn-list', { 'data-testid': 'due-soon' },
        h('h3', t('warn.dueSoon'), ' ', h('span.count-pill', fmtNumber(w.dueSoonTotal))),
        w.dueSoon.length ? dueSoonTable(ref, w.dueSoon, compact) : empty(t('warn.noDueSoon')), more(w.dueSoon.length, w.dueSoonTotal)),
      h('section.warn-list', { 'data-testid': 'retention' },
        h('h3', t('warn.retention'), ' ', h('span.count-pill', fmtNumber(w.retentionExceededTotal))),
        w.retentionExceeded.length ? retentionTable(ref, w.retentionExceeded, compact) : empty(t('warn.noRetention')), more(w.retentionExceeded.length, w.retentionExceededTotal)));
  } catch (e) { clear(el, errorBox(e)); }
}
