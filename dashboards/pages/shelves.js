// Shelves: each zone's locations as a grid a supervisor reads at a glance (every item in place and
// confirmed, an item expected but not seen, an item on the wrong shelf, a shelf nobody watches
// now), and a location's items with where and when each was last seen.
import { api, apiOptional } from '../api.js';
import { h, clear } from '../dom.js';
import { t, fmtNumber, fmtRelative, fmtDateTime } from '../i18n.js';
import { panel, table, badge, empty, notAvailable, refresher, link } from '../ui.js';
import { refData, zoneName } from '../refdata.js';

/** One word for a location's state, the worst first: what the tile's colour says. */
function stateOf(l) {
  // A location under a load cell only: its weight is what watches it.
  if (!l.watchedBy.length) return l.weight ? (l.weight.measuredGrams === null ? 'offline' : l.weight.missingGrams > 0 ? 'missing' : 'weighed') : 'unwatched';
  if (!l.watched) return 'offline';
  if (l.items.notSeen > 0 || (l.weight && l.weight.missingGrams > 0)) return 'missing';
  if (l.items.misplacedHere > 0 || l.items.misplacedAway > 0) return 'misplaced';
  if (l.items.seen > 0) return 'seen';
  return l.items.expected ? 'confirmed' : 'empty';
}
const TONE = { missing: 'danger', misplaced: 'warn', offline: 'muted', unwatched: '', seen: 'info', confirmed: 'ok', weighed: 'ok', empty: '' };

function tile(l, selected) {
  const st = stateOf(l);
  const parts = [];
  if (l.weight?.measuredGrams != null) parts.push(t('shelf.weighs', { g: fmtGrams(l.weight.measuredGrams) }));
  if (!l.watchedBy.length) return tileOf(l, st, selected, parts);
  if (l.items.expected) parts.push(t('shelf.inPlace', { n: fmtNumber(l.items.confirmed + l.items.seen), of: fmtNumber(l.items.expected) }));
  if (l.items.notSeen) parts.push(t('shelf.notSeenN', { n: fmtNumber(l.items.notSeen) }));
  if (l.items.misplacedHere) parts.push(t('shelf.strangersN', { n: fmtNumber(l.items.misplacedHere) }));
  return tileOf(l, st, selected, parts);
}

function tileOf(l, st, selected, parts) {
  return h('a.shelf-tile', {
    href: `/shelves/${encodeURIComponent(l.id)}`, 'data-link': '', 'data-state': st, 'data-testid': `shelf-${l.id}`,
    class: `tone-${TONE[st] || 'none'}${selected ? ' selected' : ''}`, title: t(`shelf.state.${st}`),
  }, h('span.loc-name', l.name), h('span.shelf-state', t(`shelf.state.${st}`)), parts.length ? h('span.shelf-counts.small', parts.join(' · ')) : null);
}

function legend() {
  return h('div.shelf-legend.small', ['confirmed', 'seen', 'missing', 'misplaced', 'offline', 'unwatched'].map((s) =>
    h('span', { class: `shelf-key tone-${TONE[s] || 'none'}` }, t(`shelf.state.${s}`))));
}

export default async function shelves(root, { params = {} } = {}) {
  const ref = await refData();
  const grid = h('div', { 'data-testid': 'shelves' });
  const detail = h('div', { 'data-testid': 'shelf-detail' });
  const summary = h('span.muted');
  clear(root, h('div.page-head', h('h1', t('shelves.title')), summary), legend(), grid, detail);
  const r = refresher(grid, () => apiOptional('/shelves', {}, null), (res) => {
    if (res === null) { clear(grid, notAvailable(t('shelves.unavailable'))); return; }
    const zones = res.data.filter((z) => z.locations.some((l) => l.watchedBy.length || l.weight));
    if (!zones.length) { clear(grid, empty(t('shelves.none'))); return; }
    const all = zones.flatMap((z) => z.locations);
    const bad = all.filter((l) => ['missing', 'misplaced'].includes(stateOf(l))).length;
    summary.textContent = t('shelves.summary', { watched: fmtNumber(all.filter((l) => l.watched).length), n: fmtNumber(all.filter((l) => l.watchedBy.length).length), bad: fmtNumber(bad) });
    clear(grid, ...zones.map((z) => panel(zoneName(ref, z.id), h('div.shelf-grid',
      z.locations.filter((l) => l.watchedBy.length || l.weight).map((l) => tile(l, l.id === params.location))))));
  }, 5000);
  if (params.location) await drawLocation(detail, params.location);
  return () => r.stop();
}

async function drawLocation(el, locationId) {
  const [res, devices] = await Promise.all([api(`/shelves/${encodeURIComponent(locationId)}`), apiOptional('/devices', {}, null)]);
  const l = res.location;
  // The readers by the names people gave them, not their ids.
  const nameOf = (id) => devices?.data?.find((d) => d.id === id)?.name ?? id;
  const w = l.weight;
  clear(el, panel(t('shelf.location', { name: l.name }), [
    h('p.muted', l.watchedBy.length
      ? [t(l.watched ? 'shelf.watchedBy' : 'shelf.notWatchedBy', { devices: l.watchedBy.map(nameOf).join('、') }), l.lastRoundAt ? ` · ${t('shelf.lastRound', { when: fmtRelative(l.lastRoundAt) })}` : '']
      : t('shelf.state.unwatched')),
    w ? h('p', { 'data-testid': 'shelf-weight' }, t('shelf.weight', {
      measured: w.measuredGrams === null ? t('common.none') : fmtGrams(w.measuredGrams), expected: fmtGrams(w.expectedGrams), tolerance: fmtGrams(w.toleranceGrams),
    }), w.missingGrams > 0 ? [' ', badge(t('shelf.weightMissing', { g: fmtGrams(w.missingGrams) }), 'danger')] : null) : null,
    res.items.length ? table([
      { head: t('col.item'), cell: (i) => link(`/items/${encodeURIComponent(i.id)}`, i.name) },
      { head: t('shelf.col.status'), cell: (i) => badge(t(`shelf.item.${i.status}`), { confirmed: 'ok', seen: 'info', not_seen: 'danger', misplaced_here: 'warn', away: 'warn' }[i.status] ?? '') },
      { head: t('shelf.col.lastSeen'), cell: (i) => (i.lastSeenAt ? h('span', { title: fmtDateTime(i.lastSeenAt) }, fmtRelative(i.lastSeenAt)) : t('shelf.never')) },
      { head: t('shelf.col.confirmed'), cell: (i) => (i.confirmedAt ? fmtDateTime(i.confirmedAt) : t('common.none')) },
    ], res.items, { testid: 'shelf-items' }) : empty(t('shelf.noItems')),
  ]));
}

function fmtGrams(g) {
  return Math.abs(g) >= 1000 ? t('unit.kg', { n: fmtNumber(g / 1000, { maximumFractionDigits: 2 }) }) : t('unit.g', { n: fmtNumber(Math.round(g)) });
}
