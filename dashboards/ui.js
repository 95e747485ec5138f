// Small shared pieces of UI: status boxes, badges, tables, periodic refresh.
import { h, clear } from './dom.js';
import { t, label } from './i18n.js';

export function loading() { return h('div.status.loading', { role: 'status' }, h('span.spinner'), t('common.loading')); }
export function empty(text = t('common.empty')) { return h('div.status.empty', text); }
export function notAvailable(text = t('common.notAvailable')) { return h('div.status.unavailable', { 'data-testid': 'not-available' }, text); }

/** A readable message for an error from api(). */
export function errorBox(e) {
  if (e?.status === 403) return h('div.status.error', t('common.forbidden'));
  if (e?.status === 404) return notAvailable();
  if (e?.status === 0) return h('div.status.error', { role: 'alert' }, t('signin.down'));
  return h('div.status.error', { role: 'alert' }, t('common.error', { msg: e?.message ?? String(e) }));
}

export const badge = (text, kind = '') => h(`span.badge${kind ? `.${kind}` : ''}`, text);
export const sevBadge = (sev) => badge(label('sev', sev), sev === 'critical' ? 'danger' : 'warn');

/**
 * A table: columns [{ head, cell(row) → node|string, cls? }]. Wrapped in a scroller so that wide
 * tables scroll on a tablet instead of squeezing.
 */
/** A table; on a phone each row stacks into a card whose cells carry their column's name (data-label, see styles.css). */
export function table(columns, rows, { onRow, rowClass, testid } = {}) {
  return h('div.table-wrap', h('table', { 'data-testid': testid },
    h('thead', h('tr', columns.map((c) => h('th', { class: c.cls }, c.head)))),
    h('tbody', rows.map((r) => {
      const tr = h('tr', { class: [rowClass?.(r), onRow ? 'clickable' : ''].filter(Boolean).join(' ') }, columns.map((c) => h('td', { class: c.cls, 'data-label': typeof c.head === 'string' ? c.head : '' }, c.cell(r))));
      if (onRow) { tr.tabIndex = 0; tr.addEventListener('click', () => onRow(r)); tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') onRow(r); }); }
      return tr;
    }))));
}

/** A panel with a title, optional tools, and a body. */
export function panel(title, body, { tools, testid, cls } = {}) {
  return h(`section.panel${cls ? `.${cls}` : ''}`, { 'data-testid': testid },
    h('header.panel-head', h('h2', title), tools ? h('div.panel-tools', tools) : null),
    h('div.panel-body', body));
}

/**
 * Runs `load` now and every `ms`, drawing into `el` with `draw(data)`. Errors show in place,
 * the previous data stays visible while a refresh is in flight. Returns a stop function.
 */
export function refresher(el, load, draw, ms = 5000) {
  let stopped = false;
  let timer = null;
  let first = true;
  const run = async () => {
    if (stopped) return;
    if (first) clear(el, loading());
    try {
      const data = await load();
      if (stopped) return;
      draw(data);
    } catch (e) {
      if (stopped) return;
      if (first || e.status !== 0) clear(el, errorBox(e));
    }
    first = false;
    if (!stopped && ms) timer = setTimeout(run, ms);
  };
  run();
  return { stop() { stopped = true; clearTimeout(timer); }, now() { clearTimeout(timer); run(); } };
}

export function link(href, text) { return h('a', { href, 'data-link': '' }, text); }
