// One alarm, read-only: what it was, where, when it opened and ended, who acknowledged or resolved
// it and with which note. Where the Environment page's excursions link to; a live alarm is handled
// on the Operations page, which this links to.
import { api, apiOptional } from '../api.js';
import { h, clear } from '../dom.js';
import { t, label, fmtDateTime, fmtRelative, fmtNumber } from '../i18n.js';
import { panel, badge, sevBadge, errorBox, link } from '../ui.js';
import { zoneName, staffName } from '../refdata.js';
import { envAlarmText } from '../env-text.js';

export default async function alarmPage(root, { params, ref }) {
  let a;
  try {
    a = await api(`/alarms/${encodeURIComponent(params.id)}`);
  } catch (e) {
    clear(root, h('div.page-head', h('h1', t('alarmPage.title'))), e.status === 404 ? h('div.status.error', t('alarmPage.notFound')) : errorBox(e));
    return;
  }
  const devices = a.deviceId ? await apiOptional('/devices', {}, null).catch(() => null) : null;
  const device = devices?.data?.find((d) => d.id === a.deviceId);
  const d = a.details ?? {};
  // An environment alarm in the reader's language from its evidence; others keep the gateway's sentence.
  const what = a.kind === 'environment' && d.metric ? envAlarmText(a) : a.message;
  const field = (k, v) => (v === null || v === undefined || v === '' ? null : h('div.field', h('dt', k), h('dd', v)));
  const who = (id) => (id ? staffName(ref, id) : null);
  clear(root,
    h('div.page-head', h('h1', label('alarm', a.kind)), sevBadge(a.severity), badge(label('alarmState', a.state), a.state === 'resolved' ? 'ok' : 'danger')),
    a.zoneId && a.kind === 'environment' ? h('nav.crumbs', link('/environment', t('nav.environment')), ' › ', link(`/environment/${encodeURIComponent(a.zoneId)}`, zoneName(ref, a.zoneId))) : null,
    panel(t('alarmPage.title'), [
      h('dl.fields', { 'data-testid': 'alarm-fields' },
        field(t('col.message'), what),
        field(t('col.zone'), a.zoneId ? zoneName(ref, a.zoneId) : null),
        field(t('col.device'), a.deviceId ? device?.name ?? (device ? label('kind', device.kind) : a.deviceId) : null),
        field(t('alarmPage.opened'), t('alarmPage.when', { t: fmtDateTime(a.openedAt), rel: fmtRelative(a.openedAt) })),
        field(t('alarmPage.updated'), fmtDateTime(a.updatedAt)),
        field(t('alarmPage.occurrences'), a.occurrences > 1 ? t('ops.occurrences', { n: fmtNumber(a.occurrences) }) : null),
        field(t('alarmPage.acknowledged'), a.acknowledgedAt ? t('ops.ackedBy', { who: who(a.acknowledgedBy), t: fmtDateTime(a.acknowledgedAt), note: a.acknowledgeNote ?? '' }) : null),
        // The gateway resolves what resolves itself, with a note of its own in Chinese: said in the reader's words instead.
        field(t('alarmPage.resolved'), a.resolvedAt ? [fmtDateTime(a.resolvedAt), ' · ',
          a.resolvedBy === 'gateway' ? t('alarmPage.byGateway') : [who(a.resolvedBy), a.resolveNote ? ` · ${a.resolveNote}` : '']] : null)),
      a.state !== 'resolved' ? h('p', link('/operations', t('alarmPage.handle'))) : null,
    ], { testid: 'alarm' }));
}
