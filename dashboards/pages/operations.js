// Operations: open alarms first (with sound for new critical ones), gates with their state, and
// the live feed of gate crossings. Fed by the SSE stream when the gateway has it, by polling always
// (a slower safety net while the stream is live).
import { api, apiOptional } from '../api.js';
import { h, clear } from '../dom.js';
import { t, label, fmtTime, fmtDateTime, fmtRelative, fmtNumber, nameOf } from '../i18n.js';
import { session } from '../session.js';
import { on as onStream, streamMode } from '../stream.js';
import { beep } from '../sound.js';
import { panel, table, sevBadge, badge, empty, notAvailable, errorBox, loading, link } from '../ui.js';
import { zoneName, gateName, staffName } from '../refdata.js';
import { envAlarmText } from '../env-text.js';
import { loadWarnings, basisText } from '../components/warnings.js';
import { floorMap } from '../components/floor-map.js';
import { worstLevel } from '../env-text.js';

/** A sentence in the user's language for the kinds we know the details of; the gateway's own message otherwise. */
function alarmText(a, ref) {
  const d = a.details ?? {};
  if (a.kind === 'overdue_return' && d.dueAt) return t('ops.msg.overdue', { due: fmtDateTime(d.dueAt), who: staffName(ref, d.takenBy) });
  if (a.kind === 'due_soon' && d.dueAt) return t('ops.msg.dueSoon', { due: fmtDateTime(d.dueAt), rel: fmtRelative(d.dueAt), who: staffName(ref, d.takenBy) });
  if (a.kind === 'retention_exceeded' && d.retainUntil) return t('ops.msg.retention', { case: d.caseNumber ?? '', basis: basisText(d), until: fmtDateTime(d.retainUntil) });
  if (a.kind === 'unauthorized_movement' && a.gateId) return t('ops.msg.unauthorized', { gate: gateName(ref, a.gateId), dir: label('dir', d.direction ?? 'any') });
  if (a.kind === 'environment' && d.metric) return envAlarmText(a); // its zone is named below it
  return a.message;
}

const SELF_RESOLVING = ['device_offline', 'misplaced', 'environment'];
const MAX_CROSSINGS = 100;
// Alarms already seen in this browser tab: only new critical ones beep (not on every page visit).
const seenAlarms = window.__seenAlarms ??= new Set();
let firstLoadDone = window.__opsFirstLoad ?? false;

export default async function operations(root, { ref }) {
  const alarmsBody = h('div.alarm-list', loading());
  const gatesBody = h('div', loading());
  const crossingsBody = h('div', loading());
  const alarmCount = h('span.count-pill', '…');
  let includeAcked = true;
  const ackToggle = h('label.toggle', h('input', { type: 'checkbox', checked: true, onchange: (e) => { includeAcked = e.target.checked; drawAlarms(); } }), t('ops.showAcked'));

  const warningsBody = h('div', loading());
  // The site's floor plan, when its file gives one: the gates are drawn on it instead of as tiles.
  const plan = await apiOptional('/floor-plan', {}, null).catch(() => null);
  const map = plan?.floors?.length ? floorMap(plan, ref) : null;
  clear(root,
    h('div.page-head', h('h1', t('nav.operations'))),
    h('div.ops-grid',
      panel([t('ops.openAlarms'), ' ', alarmCount], alarmsBody, { tools: ackToggle, testid: 'alarms', cls: 'alarms-panel' }),
      h('div.ops-side',
        map ? panel(t('fm.panel'), map.el, { testid: 'floor-map-panel', cls: 'floor-map-panel' }) : panel(t('ops.gates'), gatesBody, { testid: 'gates' }),
        // Before the crossings: what is about to need doing, on the first screen beside the alarms.
        panel(t('warn.title'), warningsBody, { testid: 'warnings', cls: 'warnings-panel' }),
        panel(t('ops.crossings'), crossingsBody, { testid: 'crossings', cls: 'crossings-panel' }))));

  // ---- alarms ----
  const alarms = new Map(); // id → alarm
  const cards = new Map(); // id → { version, el, formOpen }
  let alarmsError = null;

  async function loadAlarms() {
    try {
      const [open, acked] = await Promise.all([
        api('/alarms', { query: { state: 'open', limit: 200 } }),
        api('/alarms', { query: { state: 'acknowledged', limit: 200 } }),
      ]);
      const fresh = [...open.data, ...acked.data];
      const ids = new Set(fresh.map((a) => a.id));
      for (const id of [...alarms.keys()]) if (!ids.has(id)) alarms.delete(id);
      for (const a of fresh) upsertAlarm(a, false);
      alarmsError = null;
      if (!firstLoadDone) { for (const a of fresh) seenAlarms.add(a.id); firstLoadDone = window.__opsFirstLoad = true; }
      else soundForNew(fresh);
    } catch (e) { alarmsError = e; }
    drawAlarms();
  }

  function soundForNew(list) {
    let ring = false;
    for (const a of list) {
      if (!seenAlarms.has(a.id)) { seenAlarms.add(a.id); if (a.severity === 'critical' && a.state === 'open') ring = true; }
    }
    if (ring) beep();
  }

  function upsertAlarm(a, fromStream) {
    if (a.state === 'resolved') { alarms.delete(a.id); return; }
    alarms.set(a.id, a);
    if (fromStream) soundForNew([a]);
  }

  function drawAlarms() {
    drawMap();
    if (alarmsError && alarms.size === 0) { clear(alarmsBody, errorBox(alarmsError)); return; }
    const list = [...alarms.values()]
      .filter((a) => includeAcked || a.state === 'open')
      .sort((a, b) => (a.state === 'open' ? 0 : 1) - (b.state === 'open' ? 0 : 1)
        || (a.severity === 'critical' ? 0 : 1) - (b.severity === 'critical' ? 0 : 1)
        || b.updatedAt.localeCompare(a.updatedAt));
    alarmCount.textContent = fmtNumber([...alarms.values()].filter((a) => a.state === 'open').length);
    if (!list.length) { clear(alarmsBody, empty(t('ops.noAlarms'))); return; }
    const els = list.map((a) => {
      let c = cards.get(a.id);
      if (!c || c.version !== a.version) { const old = c; c = { version: a.version, el: alarmCard(a, old) }; cards.set(a.id, c); }
      return c.el;
    });
    for (const id of [...cards.keys()]) if (!alarms.has(id)) cards.delete(id);
    alarmsBody.replaceChildren(...els);
  }

  function alarmCard(a, old) {
    const where = [a.gateId ? gateName(ref, a.gateId) : null, a.zoneId ? zoneName(ref, a.zoneId) : null, a.locationId].filter(Boolean).join(' · ');
    const actions = h('div.alarm-actions');
    const formSlot = h('div.form-slot');
    const openForm = (op) => {
      const note = h('textarea', { rows: 2, required: true, maxlength: 2000, placeholder: t('ops.note'), 'aria-label': t('ops.note'), name: 'note' });
      const err = h('p.form-error', { role: 'alert' });
      const submit = h('button.primary.small', { type: 'submit' }, op === 'acknowledge' ? t('ops.ack') : t('ops.resolve'));
      const form = h('form.note-form', {
        'data-op': op,
        novalidate: true,
        onsubmit: async (e) => {
          e.preventDefault();
          if (!note.value.trim()) { err.textContent = t('ops.noteRequired'); note.focus(); return; }
          submit.disabled = true;
          try {
            const updated = await api(`/alarms/${encodeURIComponent(a.id)}/${op}`, { method: 'POST', body: { note: note.value.trim() } });
            upsertAlarm(updated, false);
            drawAlarms();
          } catch (e2) { err.textContent = t('common.error', { msg: e2.message }); submit.disabled = false; }
        },
      }, h('label.sr-only', t('ops.note')), note, err, h('div.row', submit, h('button.small.ghost', { type: 'button', onclick: () => formSlot.replaceChildren() }, t('common.cancel'))));
      formSlot.replaceChildren(form);
      note.focus();
    };
    if (a.state === 'open' && session.can('acknowledge', a.restricted)) actions.append(h('button.small', { type: 'button', 'data-action': 'acknowledge', onclick: () => openForm('acknowledge') }, t('ops.ack')));
    if (session.can('resolve', a.restricted)) {
      if (SELF_RESOLVING.includes(a.kind)) actions.append(h('span.muted.small', t('ops.selfResolving')));
      else actions.append(h('button.small', { type: 'button', 'data-action': 'resolve', onclick: () => openForm('resolve') }, t('ops.resolve')));
    }
    // Keep a half-written note across a refresh of the same alarm.
    if (old?.el) { const f = old.el.querySelector('.form-slot form'); if (f) formSlot.append(f); }
    return h(`article.alarm.${a.severity}.${a.state}`, { 'data-alarm-id': a.id, 'data-kind': a.kind, 'data-state': a.state },
      h('div.alarm-top',
        sevBadge(a.severity), ' ',
        h('strong.alarm-kind', label('alarm', a.kind)), ' ',
        a.state === 'acknowledged' ? badge(label('alarmState', a.state), 'info') : null,
        a.occurrences > 1 ? badge(t('ops.occurrences', { n: fmtNumber(a.occurrences) })) : null,
        h('span.alarm-time', { title: fmtDateTime(a.openedAt) }, fmtRelative(a.updatedAt))),
      h('div.alarm-msg', alarmText(a, ref)),
      h('div.alarm-meta',
        a.itemId ? link(`/items/${encodeURIComponent(a.itemId)}`, a.epc ?? a.itemId) : a.epc ? h('code', a.epc) : null,
        where ? h('span', where) : null,
        a.orderId ? h('span', `${t('col.order')} ${a.orderId}`) : null),
      a.state === 'acknowledged' ? h('div.alarm-ack.muted', t('ops.ackedBy', { who: a.acknowledgedBy, t: fmtDateTime(a.acknowledgedAt), note: a.acknowledgeNote ?? '' })) : null,
      actions, formSlot);
  }

  // ---- gates ----
  let gates = null;
  const gateLive = new Map(); // gateId → { state, at } from crossings
  async function loadGates() {
    try {
      const r = await apiOptional('/gates', {}, null);
      gates = r ? r.data ?? r : null;
      drawGates();
    } catch (e) { if (!gates) clear(gatesBody, errorBox(e)); }
  }
  function gateState(g) {
    const live = gateLive.get(g.id);
    if (live && Date.now() - live.at < 5000) return live.state;
    return g.state ?? 'unknown';
  }
  function drawGates() {
    drawMap();
    if (gates === null) { clear(gatesBody, notAvailable(t('ops.gatesUnavailable'))); return; }
    if (!gates.length) { clear(gatesBody, empty()); return; }
    clear(gatesBody, h('div.gate-grid', gates.map((g) => {
      const st = gateState(g);
      return h(`div.gate.${st}`, { 'data-gate-id': g.id, 'data-state': st },
        h('div.gate-name', nameOf(g)),
        h('div.gate-zones.muted', `${zoneName(ref, g.outerZone)} ⇄ ${zoneName(ref, g.innerZone)}`),
        h('div.gate-state', label('gate', st)),
        h('div.gate-readers.muted.small', (g.readers ?? []).map((r) => r.deviceId).join(', ')));
    })));
  }

  // ---- floor map ----
  const envLevels = new Map(); // zoneId → the worst level of its readings
  async function loadEnvironment() {
    if (!map) return;
    try {
      const r = await apiOptional('/environment', {}, null);
      envLevels.clear();
      for (const z of r?.zones ?? []) if (z.readings?.length) envLevels.set(z.id, worstLevel(z.readings.map((x) => x.level)));
      drawMap();
    } catch { /* the map keeps its last colours; the Environment page says what is wrong */ }
  }
  function drawMap() {
    if (!map) return;
    map.update({ alarms: [...alarms.values()], gates: new Map((gates ?? []).map((g) => [g.id, gateState(g)])), environment: envLevels });
  }
  // A crossing's light lasts 5 s (gateState): draw the gate back to its own state after it.
  let gateLiveTimer = null;

  // ---- crossings ----
  let crossings = null; // null = not available
  const itemNames = new Map();
  async function loadCrossings() {
    try {
      const r = await apiOptional('/crossings', { query: { limit: MAX_CROSSINGS } }, null);
      if (r === null) { if (crossings === null) { drawCrossings(); } return; }
      const list = r.data ?? r;
      const known = new Map((crossings ?? []).map((c) => [c.id, c]));
      // Without the stream, a crossing first seen by polling still runs through its gate on the map.
      if (crossings !== null && streamMode() !== 'live') for (const c of list) if (!known.has(c.id)) map?.crossing(c);
      for (const c of list) known.set(c.id, c);
      crossings = [...known.values()].sort((a, b) => b.at.localeCompare(a.at)).slice(0, MAX_CROSSINGS);
      await nameItems(crossings);
      drawCrossings();
    } catch (e) { if (!crossings) clear(crossingsBody, errorBox(e)); }
  }
  async function nameItems(list) {
    // The list names its items; only a crossing from the stream needs its item asked for.
    for (const c of list) if (c.itemId && c.itemName) itemNames.set(c.itemId, c.itemName);
    const missing = [...new Set(list.map((c) => c.itemId).filter((id) => id && !itemNames.has(id)))].slice(0, 30);
    await Promise.all(missing.map((id) => api(`/items/${encodeURIComponent(id)}`).then((i) => itemNames.set(id, i.name)).catch(() => itemNames.set(id, null))));
  }
  function drawCrossings() {
    if (crossings === null) { clear(crossingsBody, notAvailable(t('ops.crossingsUnavailable'))); return; }
    if (!crossings.length) { clear(crossingsBody, empty(t('ops.noCrossings'))); return; }
    clear(crossingsBody, table([
      { head: t('col.time'), cell: (c) => h('span', { title: fmtDateTime(c.at) }, fmtTime(c.at)) },
      { head: t('col.gate'), cell: (c) => gateName(ref, c.gateId) },
      // An item links to its chain of custody; a staff badge shows the person; anything else its raw EPC.
      { head: t('col.item'), cell: (c) => (c.itemId ? link(`/items/${encodeURIComponent(c.itemId)}`, itemNames.get(c.itemId) ?? c.itemId)
        : c.staffId ? h('span', `${t('ops.badgeOf')} ${staffName(ref, c.staffId)}`) : h('code', c.epc)) },
      { head: t('col.direction'), cell: (c) => label('dir', c.direction) },
      { head: t('col.order'), cell: (c) => c.orderId ?? t('common.none') },
      { head: t('col.escort'), cell: (c) => (c.badges?.length ? c.badges.map((b) => staffName(ref, b)).join('、') : t('common.none')) },
      { head: t('col.decision'), cell: (c) => badge(label('decision', c.decision), c.decision === 'alarm' || c.decision === 'failed' ? 'danger' : c.decision === 'authorised' ? 'ok' : '') },
    ], crossings, { testid: 'crossing-table', rowClass: (c) => (c.decision === 'alarm' ? 'row-alarm' : '') }));
  }

  // ---- live updates ----
  const offs = [
    onStream('alarm', (a) => {
      upsertAlarm(a, true); drawAlarms();
      // A new warning before the fact: its list is out of date too.
      if (a.kind === 'due_soon' || a.kind === 'retention_exceeded') loadWarnings(ref, warningsBody);
      if (a.kind === 'environment') loadEnvironment();
    }),
    onStream('crossing', async (c) => {
      if (crossings === null) crossings = [];
      crossings = [c, ...crossings.filter((x) => x.id !== c.id)].slice(0, MAX_CROSSINGS);
      gateLive.set(c.gateId, { state: c.decision === 'alarm' ? 'alarm' : 'crossing', at: Date.now() });
      map?.crossing(c);
      clearTimeout(gateLiveTimer);
      gateLiveTimer = setTimeout(drawGates, 5100);
      await nameItems([c]);
      drawCrossings();
      drawGates();
    }),
  ];
  await Promise.all([loadAlarms(), loadGates(), loadCrossings(), loadWarnings(ref, warningsBody), loadEnvironment()]);
  const envTimer = map ? setInterval(loadEnvironment, 15_000) : null;
  // The warnings change by the hour: once a minute is enough, and keeps the tables still while people read them.
  const warningsTimer = setInterval(() => loadWarnings(ref, warningsBody), 60_000);
  // Poll fast while there is no stream, slowly as a safety net while there is.
  let timer;
  let stopped = false;
  const tick = async () => {
    await Promise.all([loadAlarms(), loadGates(), loadCrossings()]);
    if (!stopped) timer = setTimeout(tick, streamMode() === 'live' ? 15000 : 2000);
  };
  timer = setTimeout(tick, streamMode() === 'live' ? 15000 : 2000);
  return () => { stopped = true; clearTimeout(timer); clearTimeout(gateLiveTimer); clearInterval(warningsTimer); clearInterval(envTimer); map?.destroy(); offs.forEach((f) => f()); };
}
