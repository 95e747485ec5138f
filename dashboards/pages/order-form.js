// The emergency order form (supervisor; discipline for the restricted zone). The API checks
// everything again; its validation messages are shown next to the form.
import { api } from '../api.js';
import { h, clear } from '../dom.js';
import { t, label, nameOf, toSiteInput, fromSiteInput } from '../i18n.js';
import { session } from '../session.js';
import { navigate } from '../router.js';
import { panel, errorBox, link } from '../ui.js';
import { zoneName } from '../refdata.js';

const KINDS = ['retrieve', 'return', 'move', 'putaway', 'circulate', 'dispose'];

export default async function orderForm(root, { ref }) {
  if (!session.can('emergency_order', true)) {
    clear(root, h('div.page-head', h('h1', t('ord.issue'))), h('div.status.error', t('common.forbidden')));
    return;
  }
  // The form's times are the site's wall clock (site.timezone), whatever zone the browser is in.
  const now = new Date();
  const selected = new Map(); // id → item
  const chips = h('ul.chips', { 'data-testid': 'order-items' });
  const drawChips = () => clear(chips, [...selected.values()].map((i) => h('li.chip', `${i.name} · ${i.caseNumber}`,
    h('button.chip-x', { type: 'button', 'aria-label': '×', onclick: () => { selected.delete(i.id); drawChips(); } }, '×'))));
  const search = h('input', { type: 'search', placeholder: t('ord.addItem'), 'aria-label': t('ord.addItem'), 'data-testid': 'order-item-search' });
  const results = h('ul.pick-list');
  let searchTimer;
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(async () => {
      const q = search.value.trim();
      if (!q) { clear(results); return; }
      try {
        const r = await api('/items', { query: /^[0-9A-Fa-f]{24}$/.test(q) ? { epc: q } : { q, limit: 10 } });
        clear(results, r.data.map((i) => h('li', h('button.small', { type: 'button', onclick: () => { selected.set(i.id, i); drawChips(); clear(results); search.value = ''; } }, '＋'),
          ' ', i.name, ' ', h('span.muted.small', `${i.caseNumber} · ${label('state', i.state)} · ${zoneName(ref, i.zoneId)}`))));
      } catch (e) { clear(results, h('li', errorBox(e))); }
    }, 250);
  });

  const kind = h('select', { name: 'kind', required: true }, KINDS.map((k) => h('option', { value: k }, label('ordKind', k))));
  const approvedBy = h('input', { name: 'approvedBy', required: true, maxlength: 200, value: session.user?.name ?? '' });
  const validFrom = h('input', { type: 'datetime-local', name: 'validFrom', required: true, value: toSiteInput(now) });
  const validUntil = h('input', { type: 'datetime-local', name: 'validUntil', required: true, value: toSiteInput(new Date(now.getTime() + 2 * 3600e3)) });
  const dueAt = h('input', { type: 'datetime-local', name: 'dueAt', value: toSiteInput(new Date(now.getTime() + 48 * 3600e3)) });
  const direction = h('select', { name: 'direction' }, ['out', 'in', 'any'].map((d) => h('option', { value: d }, label('dir', d))));
  const gateBoxes = ref.gates
    ? h('div.check-list', ref.gates.map((g) => h('label', h('input', { type: 'checkbox', name: 'gates', value: g.id }), ' ', nameOf(g))))
    : h('input', { name: 'gates', placeholder: 'gate-main, …' });
  const escortBoxes = h('div.check-list.scroll', ref.staff.filter((s) => s.hasBadge !== false && s.roles.some((r) => ['operator', 'supervisor', 'discipline'].includes(r)))
    .map((s) => h('label', h('input', { type: 'checkbox', name: 'escorts', value: s.id }), ' ', s.name, ' ', h('span.muted.small', s.id))));
  const zone = h('select', { name: 'zoneId' }, h('option', { value: '' }, t('common.none')), ref.zones.map((z) => h('option', { value: z.id }, nameOf(z))));
  const toAgency = h('select', { name: 'toAgencyId' }, h('option', { value: '' }, t('common.none')), ref.agencies.map((a) => h('option', { value: a.id }, nameOf(a))));
  const purpose = h('input', { name: 'purpose', maxlength: 1000 });
  const note = h('textarea', { name: 'note', rows: 2, maxlength: 2000 });
  const err = h('div.form-error', { role: 'alert' });
  const submit = h('button.primary', { type: 'submit' }, t('common.submit'));
  const row = (labelText, input, cls = '') => h(`label.form-row${cls ? `.${cls}` : ''}`, h('span.form-label', labelText), input);
  const kindRows = {
    dueAt: row(t('ord.dueAt'), dueAt),
    zone: row(t('ord.zone'), zone),
    toAgency: row(t('ord.toAgency'), toAgency),
  };
  const syncKind = () => {
    kindRows.dueAt.hidden = kind.value !== 'retrieve';
    kindRows.zone.hidden = !['putaway', 'move'].includes(kind.value);
    kindRows.toAgency.hidden = kind.value !== 'circulate';
  };
  kind.addEventListener('change', syncKind);
  syncKind();

  const form = h('form.order-form', {
    'data-testid': 'order-form',
    onsubmit: async (e) => {
      e.preventDefault();
      err.textContent = '';
      if (!selected.size) { err.textContent = t('ord.noItems'); return; }
      const body = {
        kind: kind.value,
        itemIds: [...selected.keys()],
        approvedBy: approvedBy.value.trim(),
        validFrom: fromSiteInput(validFrom.value),
        validUntil: fromSiteInput(validUntil.value),
        gates: ref.gates ? [...form.querySelectorAll('input[name=gates]:checked')].map((x) => x.value) : gateBoxes.value.split(/[,，\s]+/).filter(Boolean),
        direction: direction.value,
        escorts: [...form.querySelectorAll('input[name=escorts]:checked')].map((x) => x.value),
      };
      if (purpose.value.trim()) body.purpose = purpose.value.trim();
      if (note.value.trim()) body.note = note.value.trim();
      if (kind.value === 'retrieve' && dueAt.value) body.dueAt = fromSiteInput(dueAt.value);
      if (!kindRows.zone.hidden && zone.value) body.zoneId = zone.value;
      if (!kindRows.toAgency.hidden && toAgency.value) body.toAgencyId = toAgency.value;
      submit.disabled = true;
      try {
        const o = await api('/orders', { method: 'POST', body });
        navigate(`/orders?tab=${o.state === 'open' ? 'open' : 'active'}&issued=${encodeURIComponent(o.id)}`);
      } catch (e2) {
        const field = e2.details?.field ? ` (${e2.details.field})` : '';
        err.textContent = t('common.error', { msg: `${e2.message}${field}` });
        submit.disabled = false;
      }
    },
  },
  h('div.form-cols',
    h('div',
      row(t('ord.kind'), kind),
      h('div.form-row', h('span.form-label', t('ord.itemIds')), search, results, chips),
      row(t('col.approvedBy'), approvedBy),
      row(t('ord.validFrom'), validFrom),
      row(t('ord.validUntil'), validUntil),
      kindRows.dueAt, kindRows.zone, kindRows.toAgency),
    h('div',
      h('div.form-row', h('span.form-label', t('ord.gates')), gateBoxes),
      row(t('ord.direction'), direction),
      h('div.form-row', h('span.form-label', t('ord.escorts')), escortBoxes),
      row(t('col.purpose'), purpose),
      row(t('ord.note'), note))),
  err,
  h('div.row', submit, link('/orders', t('common.cancel'))));

  clear(root, h('div.page-head', h('h1', t('ord.issue')), h('span.badge.danger', t('ord.emergency'))), panel(t('ord.issue'), form));
}
