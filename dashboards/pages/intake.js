// Intake desk (一物一码): step by step, an operator binds a new tag to an item a handling unit handed
// over untagged, or replaces a damaged tag (换签): choose the item, choose the desk reader, put one
// new tag on the desk; the page follows the enrolment until the gateway says what became of it.
import { api, apiAll, apiOptional } from '../api.js';
import { h, clear } from '../dom.js';
import { t, label, fmtDateTime, fmtRelative } from '../i18n.js';
import { session } from '../session.js';
import { panel, table, badge, empty, errorBox, link, refresher } from '../ui.js';
import { refData, categoryName } from '../refdata.js';

const TONE = { waiting: 'info', bound: 'ok', several_tags: 'warn', refused: 'danger', timed_out: 'warn', cancelled: '' };
/** The last digits of a tag, to match it with the number printed on the label in the operator's hand. */
const tail = (epc) => (epc ? t('intake.tagTail', { tail: epc.slice(-4) }) : t('common.none'));

export default async function intake(root) {
  const ref = await refData();
  if (!session.can('handle', true) && !session.can('handle', false)) {
    clear(root, h('div.page-head', h('h1', t('intake.title'))), h('div.status.error', t('common.forbidden')));
    return () => {};
  }
  const chosen = { item: null, deviceId: null, replace: false };
  const itemsEl = h('div', { 'data-testid': 'intake-items' });
  const desksEl = h('div', { 'data-testid': 'intake-desks' });
  const runEl = h('div', { 'data-testid': 'intake-run' });
  const recentEl = h('div', { 'data-testid': 'intake-recent' });
  const startBtn = h('button.primary', { type: 'button', disabled: true, 'data-testid': 'intake-start', onclick: () => start() }, t('intake.start'));
  const chosenEl = h('p.muted', { 'data-testid': 'intake-chosen' }, t('intake.chooseBoth'));
  let follow = null;
  const stops = [];

  const drawChosen = () => {
    startBtn.disabled = !(chosen.item && chosen.deviceId);
    clear(chosenEl, chosen.item
      ? [t(chosen.replace ? 'intake.willReplace' : 'intake.willBind', { item: chosen.item.name }), chosen.deviceId ? '' : ` · ${t('intake.chooseDesk')}`]
      : t('intake.chooseBoth'));
  };

  // Step 1: the items waiting for a tag, and a search for an item whose tag is to be replaced.
  const search = h('input', { type: 'search', placeholder: t('intake.searchReplace'), 'aria-label': t('intake.searchReplace'), 'data-testid': 'intake-search' });
  const found = h('ul.pick-list');
  let timer;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = search.value.trim();
      if (!q) { clear(found); return; }
      try {
        const r = await api('/items', { query: { q, limit: 10 } });
        clear(found, r.data.filter((i) => i.epc).map((i) => h('li', h('button.small', { type: 'button', onclick: () => pick(i, true) }, t('intake.replace')),
          ' ', i.name, ' ', h('span.muted.small', `${i.caseNumber} · ${label('state', i.state)} · ${tail(i.epc)}`))));
      } catch (e) { clear(found, h('li', errorBox(e))); }
    }, 250);
  });
  const pick = (item, replace) => { chosen.item = item; chosen.replace = replace; drawItems(); drawChosen(); };
  let untagged = [];
  const drawItems = () => clear(itemsEl, untagged.length
    ? table([
      { head: '', cell: (i) => h('input', { type: 'radio', name: 'intake-item', checked: chosen.item?.id === i.id && !chosen.replace, 'aria-label': i.name, onchange: () => pick(i, false) }) },
      { head: t('col.item'), cell: (i) => link(`/items/${encodeURIComponent(i.id)}`, i.name) },
      { head: t('col.case'), cell: (i) => i.caseNumber },
      { head: t('col.category'), cell: (i) => categoryName(ref, i.category) },
      { head: t('col.state'), cell: (i) => label('state', i.state) },
    ], untagged, { testid: 'intake-untagged', onRow: (i) => pick(i, false) })
    : empty(t('intake.noUntagged')));
  const loadItems = async () => {
    const lists = await Promise.all(['received', 'announced'].map((state) => apiAll('/items', { state }, 500)));
    untagged = lists.flat().filter((i) => !i.epc);
    drawItems();
  };

  // Step 2: the desk readers, with whether each is heard now.
  const loadDesks = async () => {
    const devices = (await apiOptional('/devices', {}, null))?.data?.filter((d) => d.kind === 'desk_reader') ?? [];
    if (devices.length === 1 && !chosen.deviceId) chosen.deviceId = devices[0].id;
    clear(desksEl, devices.length ? h('div.check-list', devices.map((d) => h('label', { 'data-testid': `desk-${d.id}` },
      h('input', { type: 'radio', name: 'intake-desk', value: d.id, checked: chosen.deviceId === d.id, onchange: () => { chosen.deviceId = d.id; drawChosen(); } }),
      ' ', d.name ?? d.id, ' ', badge(t(`dev.${d.state ?? 'unknown'}`), d.state === 'online' ? 'ok' : 'danger')))) : empty(t('intake.noDesk')));
    drawChosen();
  };

  // Step 3: the enrolment under way, then its outcome.
  async function start() {
    startBtn.disabled = true;
    try {
      const e = await api('/enrolments', { method: 'POST', body: { itemId: chosen.item.id, deviceId: chosen.deviceId, ...(chosen.replace ? { replace: true } : {}) } });
      followEnrolment(e.id);
    } catch (e) {
      clear(runEl, errorBox(e));
      drawChosen();
    }
  }
  function followEnrolment(id) {
    follow?.stop();
    follow = refresher(runEl, () => api(`/enrolments/${encodeURIComponent(id)}`), (e) => {
      clear(runEl, drawEnrolment(e));
      if (e.state !== 'waiting') {
        follow.stop();
        recent.now();
        if (e.state === 'bound') { chosen.item = null; loadItems(); drawChosen(); }
      }
    }, 1000);
  }
  function drawEnrolment(e) {
    const steps = h('ol.steps', ['choose', 'place', 'done'].map((s, i) => h('li', { class: i < stepOf(e) ? 'done' : i === stepOf(e) ? 'current' : '' }, t(`intake.step.${s}`))));
    const body = [steps, h('p', { 'data-testid': 'enrolment-state', 'data-state': e.state }, badge(label('enrol', e.state), TONE[e.state] ?? ''), ' ', outcomeText(e))];
    if (e.state === 'waiting') {
      const left = Math.max(0, Math.round((Date.parse(e.expiresAt) - Date.now()) / 1000));
      body.push(h('p.muted', t('intake.waitingFor', { s: left, desk: e.deviceName ?? e.deviceId })),
        h('button', { type: 'button', 'data-testid': 'enrolment-cancel', onclick: async () => {
          try { await api(`/enrolments/${encodeURIComponent(e.id)}/cancel`, { method: 'POST', body: {} }); } catch (err) { runEl.append(errorBox(err)); }
        } }, t('intake.cancel')));
    } else {
      body.push(h('button', { type: 'button', onclick: () => { clear(runEl); drawChosen(); } }, t('intake.again')));
    }
    return panel(t('intake.runTitle', { item: e.itemName }), body, { testid: 'enrolment' });
  }
  const stepOf = (e) => (e.state === 'waiting' ? 1 : 3);
  function outcomeText(e) {
    switch (e.state) {
      case 'waiting': return t(e.replace ? 'intake.placeReplace' : 'intake.place');
      case 'bound': return [t(e.retiredEpc ? 'intake.replaced' : 'intake.bound', { item: e.itemName, tag: tail(e.epc), old: tail(e.retiredEpc) }), ' ', link(`/items/${encodeURIComponent(e.itemId)}`, t('intake.openItem'))];
      case 'several_tags': return t('intake.severalTags', { n: e.tagsOnDesk });
      case 'refused': return e.refusal?.itemName
        ? t(`intake.refused.${e.refusal.reason}`, { item: e.refusal.itemName })
        : t(`intake.refusedHidden.${e.refusal?.reason ?? 'epc_in_use'}`);
      case 'timed_out': return t('intake.timedOut');
      case 'cancelled': return t('intake.cancelled');
      default: return '';
    }
  }

  const recent = refresher(recentEl, () => api('/enrolments', { query: { limit: 20 } }), (r) => {
    clear(recentEl, r.enrolments.length ? table([
      { head: t('col.item'), cell: (e) => link(`/items/${encodeURIComponent(e.itemId)}`, e.itemName) },
      { head: t('intake.col.desk'), cell: (e) => e.deviceName ?? e.deviceId },
      { head: t('col.state'), cell: (e) => badge(label('enrol', e.state), TONE[e.state] ?? '') },
      { head: t('intake.col.by'), cell: (e) => e.openedBy.name ?? e.openedBy.by },
      { head: t('intake.col.at'), cell: (e) => h('span', { title: fmtDateTime(e.openedAt) }, fmtRelative(e.openedAt)) },
    ], r.enrolments, { testid: 'enrolments', onRow: (e) => (e.state === 'waiting' ? followEnrolment(e.id) : null) }) : empty(t('intake.noneYet')));
  }, 10_000);
  stops.push(() => recent.stop());

  clear(root,
    h('div.page-head', h('h1', t('intake.title')), h('span.muted', t('intake.subtitle'))),
    h('div.intake-grid',
      panel(t('intake.step1'), [itemsEl, h('div.intake-replace', search, found)], { testid: 'intake-step1' }),
      panel(t('intake.step2'), [desksEl, chosenEl, startBtn], { testid: 'intake-step2' })),
    runEl,
    panel(t('intake.recent'), recentEl));
  await Promise.all([loadItems(), loadDesks()]);
  // Whether the desk reader is heard is what the operator checks before putting a tag on it: kept current.
  const desks = setInterval(() => { loadDesks().catch(() => {}); }, 10_000);
  stops.push(() => clearInterval(desks));
  // An enrolment already waiting (opened a moment ago in another tab) is followed, not forgotten.
  try {
    const waiting = (await api('/enrolments', { query: { state: 'waiting', limit: 1 } })).enrolments[0];
    if (waiting) followEnrolment(waiting.id);
  } catch { /* the list shows its own error */ }
  return () => { follow?.stop(); for (const s of stops) s(); };
}
