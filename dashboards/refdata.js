// Reference data (zones, agencies, categories, staff, gates) fetched once per sign-in and used to
// turn ids into names. What the role may not see is simply absent (the API filters it).
import { api, apiAll, apiOptional } from './api.js';
import { nameOf, t } from './i18n.js';

let cache = null;

export function resetRefData() { cache = null; }

export async function refData() {
  if (cache) return cache;
  const [zones, agencies, categories, staff, gates] = await Promise.all([
    api('/zones').then((r) => r.data),
    api('/agencies').then((r) => r.data),
    api('/categories').then((r) => r.data),
    apiAll('/staff', {}, 2000).catch(() => []),
    apiOptional('/gates', {}, null).then((r) => (r ? r.data ?? r : null)).catch(() => null),
  ]);
  const byId = (list) => new Map((list ?? []).map((x) => [x.id, x]));
  cache = { zones, agencies, categories, staff, gates, zone: byId(zones), agency: byId(agencies), category: byId(categories), staffById: byId(staff), gate: byId(gates) };
  return cache;
}

/** Names for ids, falling back to the id itself. */
export const zoneName = (r, id) => (id ? (r.zone.has(id) ? nameOf(r.zone.get(id)) : id === 'outside' ? t('zone.outside') : id) : t('common.none'));
export const agencyName = (r, id) => (id ? (r.agency.has(id) ? nameOf(r.agency.get(id)) : id) : t('common.none'));
export const categoryName = (r, id) => (id ? (r.category.has(id) ? nameOf(r.category.get(id)) : id) : t('common.none'));
export const staffName = (r, id) => (id ? r.staffById.get(id)?.name ?? id : t('common.none'));
export const gateName = (r, id) => (id ? (r.gate.has(id) ? nameOf(r.gate.get(id)) : id) : t('common.none'));
