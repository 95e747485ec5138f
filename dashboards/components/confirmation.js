// One two-person operation (双人) as a card: what was asked, by whom, until when, its state, and
// for a second person who may do the operation the buttons to confirm or refuse it. The requester
// sees that it waits for someone else and may withdraw it. The API decides; this only offers.
import { api } from '../api.js';
import { h } from '../dom.js';
import { t, label, fmtDateTime, fmtRelative } from '../i18n.js';
import { session } from '../session.js';
import { badge, link } from '../ui.js';
import { staffName } from '../refdata.js';

/** The custody event each operation records: its label is the operation's name on the pages. */
const EVENT_OF = {
  receive: 'received', reject: 'rejected', withdraw: 'withdrawn', putaway: 'putaway', move: 'moved',
  retrieve: 'retrieved', return: 'returned', circulate: 'circulated', dispose: 'disposed',
};
const GROUP_OF = { retrieve: 'dispatch', return: 'dispatch', dispose: 'dispatch' };
const INPUT_LABEL = { locationId: 'col.location', takenBy: 'item.taken', dueAt: 'col.dueAt', purpose: 'col.purpose', approvedBy: 'col.approvedBy', condition: 'dc.condition', reason: 'dc.reasonOf', returnedBy: 'dc.returnedBy' };
const STAFF_FIELDS = ['takenBy', 'returnedBy'];
const STATE_BADGE = { pending: 'warn', confirmed: 'ok', expired: '', refused: 'danger' };

export const operationLabel = (op) => label('ev', EVENT_OF[op] ?? op);

/** The error of a confirmation in the user's words, by its stable code. */
function errorText(e) {
  const key = `dc.err.${e.code}`;
  const s = t(key);
  return s === key ? t('common.error', { msg: e.message }) : s;
}

/**
 * @param p the pending operation from /confirmations
 * @param opts.item the item (name) when known; opts.onDecided(updated) after a confirm or refusal
 */
export function pendingCard(ref, p, { item, onDecided } = {}) {
  const mine = session.user?.userId === p.requestedBy.by;
  const waiting = p.state === 'pending';
  const mayDecide = waiting && !mine && session.can(GROUP_OF[p.operation] ?? 'handle', p.restricted);
  const msg = h('p.form-error', { role: 'alert', 'data-testid': 'confirmation-error' });
  const formSlot = h('div.form-slot');
  const actions = h('div.row.confirmation-actions');

  const run = async (button, path, body) => {
    button.disabled = true;
    msg.textContent = '';
    try {
      const r = await api(`/confirmations/${encodeURIComponent(p.id)}/${path}`, { method: 'POST', body });
      onDecided?.(r.pending ?? r);
    } catch (e) {
      msg.textContent = errorText(e);
      // The same person or a role without the right leaves it pending for someone else; any other
      // refusal has decided it (expired, or refused because the world changed): the next draw shows that.
      const stillPending = ['CONFIRMATION_SAME_PERSON', 'FORBIDDEN'].includes(e.code) || e.status === 0;
      for (const b of actions.querySelectorAll('button')) b.disabled = !stillPending;
    }
  };
  const openRefuse = () => {
    const reason = h('textarea', { rows: 2, required: true, maxlength: 2000, name: 'reason', placeholder: t('dc.reason'), 'aria-label': t('dc.reason') });
    const err = h('p.form-error', { role: 'alert' });
    const submit = h('button.primary.small', { type: 'submit' }, mine ? t('dc.withdraw') : t('dc.refuse'));
    formSlot.replaceChildren(h('form.note-form', {
      'data-op': 'refuse', novalidate: true,
      onsubmit: (e) => {
        e.preventDefault();
        if (!reason.value.trim()) { err.textContent = t('dc.reasonRequired'); reason.focus(); return; }
        run(submit, 'refuse', { reason: reason.value.trim() });
      },
    }, reason, err, h('div.row', submit, h('button.small.ghost', { type: 'button', onclick: () => formSlot.replaceChildren() }, t('common.cancel')))));
    reason.focus();
  };
  if (mayDecide) {
    const confirm = h('button.primary.small', { type: 'button', 'data-action': 'confirm', onclick: () => run(confirm, 'confirm') }, t('dc.confirm'));
    actions.append(confirm, h('button.small', { type: 'button', 'data-action': 'refuse', onclick: openRefuse }, t('dc.refuse')));
  } else if (waiting && mine) {
    actions.append(h('span.muted.small', t('dc.waitingForOther')), h('button.small.ghost', { type: 'button', 'data-action': 'withdraw', onclick: openRefuse }, t('dc.withdraw')));
  }

  const who = (x) => `${x.name ?? x.by} (${label('role', x.role)})`;
  const inputText = Object.entries(p.input ?? {}).filter(([k, v]) => k !== 'orderId' && v !== null && typeof v !== 'object')
    .map(([k, v]) => `${INPUT_LABEL[k] ? t(INPUT_LABEL[k]) : k}: ${STAFF_FIELDS.includes(k) ? staffName(ref, v) : k === 'dueAt' ? fmtDateTime(v) : v}`).join('；');
  return h(`article.confirmation-card.state-${p.state}`, { 'data-confirmation-id': p.id, 'data-state': p.state },
    h('header',
      h('strong', operationLabel(p.operation)), ' ',
      badge(label('dc.state', p.state), STATE_BADGE[p.state] ?? ''), ' ',
      item !== undefined ? link(`/items/${encodeURIComponent(p.itemId)}`, item?.name ?? p.itemId) : null,
      h('span.muted.small', ` ${t('col.order')} ${p.input?.orderId ?? t('common.none')}`)),
    inputText ? h('p.small', inputText) : null,
    h('p.small.muted', t('dc.requestedBy', { who: who(p.requestedBy), t: fmtDateTime(p.requestedAt) }),
      waiting ? [' · ', h('span', { title: fmtDateTime(p.expiresAt) }, t('dc.expiresIn', { t: fmtRelative(p.expiresAt) }))]
        : p.state === 'expired' ? ` · ${t('dc.expiredAt', { t: fmtDateTime(p.expiresAt) })}` : null),
    p.decidedBy ? h('p.small', t(p.state === 'confirmed' ? 'dc.confirmedBy' : 'dc.refusedBy', { who: who(p.decidedBy), t: fmtDateTime(p.decidedAt) }),
      p.decidedBy.via === 'desk_badge' ? ` · ${t('dc.viaBadge')}` : '', p.reason ? ` · ${p.reason}` : '') : null,
    p.attempts?.length ? h('p.small.warn-text', { 'data-testid': 'confirmation-attempts' }, t('dc.attempts', { n: p.attempts.length })) : null,
    actions, formSlot, msg);
}
