// Two-person operations (双人): those waiting for a second person first, with the buttons to
// confirm or refuse them, and all of them (confirmed, expired, refused) on the other tab.
import { api } from '../api.js';
import { h, clear } from '../dom.js';
import { t } from '../i18n.js';
import { empty, link, refresher } from '../ui.js';
import { pendingCard } from '../components/confirmation.js';

const TABS = [
  { id: 'pending', key: 'dc.tab.pending', query: { state: 'pending' } },
  { id: 'all', key: 'dc.tab.all', query: {} },
];

export default async function confirmations(root, { query, ref }) {
  const tab = TABS.find((x) => x.id === query.get('tab')) ?? TABS[0];
  const body = h('div.confirmation-list', { 'data-testid': 'confirmation-list' });
  clear(root,
    h('div.page-head', h('h1', t('dc.title'))),
    h('nav.tabs', TABS.map((x) => h('a', { href: `/confirmations?tab=${x.id}`, 'data-link': '', class: x.id === tab.id ? 'active' : '' }, t(x.key)))),
    body);
  const items = new Map();
  const r = refresher(body, async () => {
    const res = await api('/confirmations', { query: { ...tab.query, limit: 100 } });
    // The item's name, once per item: a pending operation names only its id.
    await Promise.all([...new Set(res.data.map((p) => p.itemId))].filter((id) => !items.has(id)).map((id) =>
      api(`/items/${encodeURIComponent(id)}`).then((x) => items.set(id, x)).catch(() => items.set(id, null))));
    return res.data;
  }, (list) => {
    if (!list.length) { clear(body, empty(t('dc.none')), h('p', link('/orders', `→ ${t('nav.orders')}`))); return; }
    clear(body, list.map((p) => pendingCard(ref, p, { item: items.get(p.itemId) ?? null, onDecided: () => r.now() })));
  }, 10000);
  return () => r.stop();
}
