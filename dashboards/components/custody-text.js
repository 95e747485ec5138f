// A custody event in words, for the timelines and the prints: who (by name), where (zone and
// location by name), and its details with dates in the site's zone, staff by name and no EPC hex.
import { api } from '../api.js';
import { t, label, fmtDateTime, fmtNumber } from '../i18n.js';
import { zoneName, agencyName, categoryName, staffName } from '../refdata.js';

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const HEX_RE = /^[0-9A-Fa-f]{16,}$/;
const locationCache = new Map();

/** Location names for ids (GET /locations/{id}, once each); an id the role may not see stays unnamed. */
export async function locationNames(ids) {
  const todo = [...new Set(ids.filter((id) => id && !locationCache.has(id)))];
  await Promise.all(todo.map((id) => api(`/locations/${encodeURIComponent(id)}`).then((l) => locationCache.set(id, l.name)).catch(() => locationCache.set(id, null))));
  return locationCache;
}

/** The location ids an event list names, for locationNames(). */
export const locationIdsOf = (events) => events.flatMap((e) => [e.from?.locationId, e.to?.locationId]);

export const locationName = (id) => (id ? locationCache.get(id) ?? t('common.none') : t('common.none'));

/** A custody snapshot's place: zone · location, by name. */
export function placeText(ref, p) {
  if (!p) return t('common.none');
  return [p.zoneId ? zoneName(ref, p.zoneId) : null, p.locationId ? locationName(p.locationId) : null].filter(Boolean).join(' · ') || t('common.none');
}

/** Who did it, by name, with the second person of a two-person operation and the staff present. */
export function whoText(ref, e) {
  const a = e.actors ?? {};
  const second = a.second;
  const staff = (Array.isArray(a.staff) ? a.staff : a.staff ? [a.staff] : []).map((s) => staffName(ref, s));
  return [a.name ?? staffName(ref, a.by), a.role ? `(${label('role', a.role)})` : null,
    second ? `+ ${t('dc.second')} ${second.name ?? second.by} (${label('role', second.role)}${second.via === 'desk_badge' ? ` · ${t('dc.viaBadge')}` : ''})` : null,
    staff.length ? `· ${staff.join('、')}` : null].filter(Boolean).join(' ');
}

function detailValue(ref, k, v) {
  if (k === 'takenBy' || k === 'recipient') return staffName(ref, v);
  if (k === 'fromAgencyId' || k === 'toAgencyId') return agencyName(ref, v);
  if (k === 'categoryId') return categoryName(ref, v);
  if (k === 'method') return label('disposal', v);
  if (typeof v === 'number') return fmtNumber(v);
  if (typeof v === 'string' && ISO_RE.test(v)) return fmtDateTime(v);
  return String(v);
}

/** The event's details as "label: value" texts; EPCs, ids, hashes and nested objects are left to the ledger itself. */
export function detailTexts(ref, e) {
  return Object.entries(e.details ?? {})
    .filter(([k, v]) => v !== null && v !== undefined && typeof v !== 'object' && !/epc|sha256|contentType|size|Id$/i.test(k.replace(/^(from|to)AgencyId$/, 'agency'))
      && !(typeof v === 'string' && HEX_RE.test(v)))
    .map(([k, v]) => `${label('evd', k)}：${detailValue(ref, k, v)}`);
}

/** What changed: state, and the controlling agency when it moved (流转). */
export function changeText(ref, e) {
  const state = e.from?.state !== e.to?.state ? `${label('state', e.from?.state)} → ${label('state', e.to?.state)}` : label('state', e.to?.state);
  const agency = e.from?.agencyId && e.to?.agencyId && e.from.agencyId !== e.to.agencyId ? `${agencyName(ref, e.from.agencyId)} → ${agencyName(ref, e.to.agencyId)}` : null;
  return agency ? `${state} · ${agency}` : state;
}
