// The places, agencies, cases and people of the site, filtered like everything else: the
// restricted zone and what is in it exist for the discipline role only.
import { z } from 'zod';
import type { Custody } from '../../custody.ts';
import type { ApiApp } from '../app.ts';
import { itemVisibilitySql, seesRestricted, type Principal } from '../../auth/principal.ts';
import { fail } from '../../errors.ts';
import { ITEM_STATES, type ItemState } from '../../items/item.ts';
import { AGENCY_KINDS, LOCATION_KINDS, ROLES, STORAGE_ZONE_KINDS, ZONE_KINDS, type Role } from '../../site/schema.ts';
import { storageWarnings } from '../../rules/storage.ts';
import { decodeCursor, page, pageQuery, Where } from '../pagination.ts';
import { prepared } from '../../store/db.ts';
import { errors, pageApi } from '../schemas.ts';
import { compiledSerializer } from '../serialize.ts';
import { caseApi, retentionInput, setCaseRetention } from '../../cases/retention.ts';

const idParam = z.object({ id: z.string().max(100) });

// Rows as the queries below select them (already named as the API names them where the SQL can).
interface LocationRow { id: string; zoneId: string; name: string; kind: (typeof LOCATION_KINDS)[number] }
interface AgencyRow { id: string; name: string; nameEn: string | null; kind: (typeof AGENCY_KINDS)[number] }
interface CategoryRow { id: string; name: string; nameEn: string | null; dual_control: number }
interface StaffRow { id: string; name: string; agency_id: string; roles: string; badge_epc: string | null; clearances: string }
interface CaseRow {
  id: string; number: string; agencyId: string; title: string | null; openedAt: string; items: number;
  retainUntil: string | null; retainSetBy: string | null; retainSetAt: string | null; retainNote: string | null;
}

const limit = z.object({ min: z.number().nullable().describe('null: no lower limit'), max: z.number().nullable().describe('null: no upper limit'), hysteresis: z.number() });
const zoneApi = z.object({
  id: z.string(), name: z.string(), nameEn: z.string().nullable(), kind: z.enum(ZONE_KINDS),
  limits: z.record(z.string(), limit).describe('the zone\'s environment limits, by metric: a breach is below min or above max, and ends back inside by hysteresis'),
  counts: z.record(z.enum(ITEM_STATES), z.number().int()).describe('items in the zone by state, those the role may see'),
  locations: z.number().int(),
});
const locationApi = z.object({ id: z.string(), zoneId: z.string(), name: z.string(), kind: z.enum(LOCATION_KINDS) });
const locationListed = locationApi.extend({ items: z.number().int().describe('items stored or out from here, those the role may see') });
const agencyApi = z.object({ id: z.string(), name: z.string(), nameEn: z.string().nullable(), kind: z.enum(AGENCY_KINDS) });
const categoryApi = z.object({
  id: z.string(), name: z.string(), nameEn: z.string().nullable(),
  dualControl: z.boolean().describe('every movement needs two people (双人)'),
  storageKinds: z.array(z.enum(STORAGE_ZONE_KINDS)).nullable().describe('分类存放: the zone kinds it may be stored in; null, any'),
});
const storageWarningApi = z.object({
  itemId: z.string(), itemName: z.string(), categoryId: z.string(), zoneId: z.string(), zoneKind: z.string(), locationId: z.string().nullable(),
  allowedKinds: z.array(z.string()).readonly().describe('the zone kinds its category may be stored in'),
});
const staffApi = z.object({
  id: z.string(), name: z.string(), agencyId: z.string(), roles: z.array(z.enum(ROLES)), hasBadge: z.boolean(),
  badgeEpc: z.string().nullable().optional().describe('the badge\'s EPC, for the admin role only'),
  clearances: z.array(z.string()).describe('the zones the person may enter, those the role may see'),
});
export function referenceRoutes(app: ApiApp, custody: Custody): void {
  const db = custody.db;
  const ctx = custody.ctx;
  const zoneVisible = (p: Principal, zoneId: string) => !ctx.isRestrictedZone(zoneId) || seesRestricted(p);

  /** Counts per state from the maintained counters, limited to what the principal may see. */
  const countsFor = (p: Principal) => {
    const w = new Where();
    if (p.role === 'agency') w.add('agency_id = ?', p.agencyId);
    if (p.role === 'discipline') w.add(`(zone_id IN (SELECT id FROM zones WHERE restricted = 1) OR agency_id = ?)`, p.agencyId);
    const rows = prepared(db, `SELECT zone_id, state, sum(n) AS n FROM item_counts ${w.sql} GROUP BY zone_id, state`).all(...w.params) as { zone_id: string; state: ItemState; n: number }[];
    const none = () => Object.fromEntries(ITEM_STATES.map((s) => [s, 0])) as Record<ItemState, number>;
    const byZone = new Map<string, Record<ItemState, number>>();
    for (const r of rows) {
      if (!r.n) continue;
      const c = byZone.get(r.zone_id) ?? none();
      c[r.state] = r.n;
      byZone.set(r.zone_id, c);
    }
    return (zoneId: string) => byZone.get(zoneId) ?? none();
  };

  // Locations come from the site file and change only with it: count them once.
  const locationsPerZone = new Map((prepared(db, 'SELECT zone_id, count(*) AS n FROM locations GROUP BY zone_id').all() as { zone_id: string; n: number }[])
    .map((r) => [r.zone_id, r.n]));
  const zoneToApi = (zone: (typeof ctx.site.zones)[number], counts: Record<ItemState, number>): z.infer<typeof zoneApi> => ({
    id: zone.id, name: zone.name, nameEn: zone.nameEn ?? null, kind: zone.kind, counts,
    limits: Object.fromEntries(Object.entries(zone.limits).map(([m, l]) => [m, { min: l.min ?? null, max: l.max ?? null, hysteresis: l.hysteresis }])),
    locations: locationsPerZone.get(zone.id) ?? 0,
  });

  app.get('/zones', {
    // Every dashboard asks for it: compiled, not zod-checked (serialize.ts).
    serializerCompiler: compiledSerializer,
    schema: { tags: ['places'], response: { 200: pageApi(zoneApi), ...errors() }, description: 'The zones of the center the role may see, with their item counts by state.' },
  }, async (req) => {
    const counts = countsFor(req.principal);
    return { data: ctx.site.zones.filter((z) => zoneVisible(req.principal, z.id)).map((z) => zoneToApi(z, counts(z.id))), nextCursor: null };
  });

  app.get('/zones/:id', {
    schema: { params: idParam, tags: ['places'], response: { 200: zoneApi, ...errors(400, 404) }, description: 'One zone with its item counts by state.' },
  }, async (req) => {
    const z = ctx.zones.get(req.params.id);
    if (!z || !zoneVisible(req.principal, z.id)) fail('NOT_FOUND', `No zone ${req.params.id}`);
    return zoneToApi(z, countsFor(req.principal)(z.id));
  });

  const locationQuery = z.object({ zone: z.string().max(64).optional(), ...pageQuery }).strict();
  app.get('/locations', {
    schema: {
      querystring: locationQuery, tags: ['places'], response: { 200: pageApi(locationListed), ...errors(400) },
      description: 'Locations (shelves, slots, cabinets, bays), by id, with how many items each holds.',
    },
  }, async (req) => {
    const q = req.query;
    const w = new Where();
    if (!seesRestricted(req.principal)) w.add('z.restricted = 0');
    if (q.zone) w.add('l.zone_id = ?', q.zone);
    const after = decodeCursor(q.cursor, 1);
    if (after) w.add('l.id > ?', after[0]);
    const vis = itemVisibilitySql(req.principal);
    const rows = prepared(db, `SELECT l.id, l.zone_id AS zoneId, l.name, l.kind,
        (SELECT count(*) FROM items i WHERE i.location_id = l.id AND i.state IN ('stored', 'out') AND ${vis.sql}) AS items
      FROM locations l JOIN zones z ON z.id = l.zone_id ${w.sql} ORDER BY l.id LIMIT ?`).all(...vis.params, ...w.params, q.limit + 1) as (LocationRow & { items: number })[];
    return page(rows, q.limit, (r) => [r.id]);
  });

  app.get('/locations/:id', {
    schema: { params: idParam, tags: ['places'], response: { 200: locationApi, ...errors(400, 404) }, description: 'One location and the zone it is in.' },
  }, async (req) => {
    const l = prepared(db, 'SELECT l.id, l.zone_id AS zoneId, l.name, l.kind FROM locations l WHERE l.id = ?').get(req.params.id) as LocationRow | undefined;
    if (!l || !zoneVisible(req.principal, l.zoneId)) fail('LOCATION_NOT_FOUND', `No location ${req.params.id}`);
    return l;
  });

  app.get('/agencies', {
    schema: { tags: ['people'], response: { 200: pageApi(agencyApi), ...errors() }, description: 'The agencies: the operator and the handling units (police, procuratorate, court, discipline commission).' },
  }, async () => ({
    data: prepared(db, 'SELECT id, name, name_en AS nameEn, kind FROM agencies ORDER BY id').all() as AgencyRow[], nextCursor: null,
  }));

  app.get('/categories', {
    schema: { tags: ['items'], response: { 200: pageApi(categoryApi), ...errors() }, description: 'The item categories, which of them need two people (双人) and where each may be stored (分类存放).' },
  }, async () => ({
    data: (prepared(db, 'SELECT id, name, name_en AS nameEn, dual_control FROM categories ORDER BY id').all() as CategoryRow[])
      .map(({ dual_control, ...c }) => ({
        ...c, dualControl: dual_control === 1,
        storageKinds: ctx.site.categories.find((x) => x.id === c.id)?.storageKinds ?? null,
      })),
    nextCursor: null,
  }));

  app.get('/storage-warnings', {
    schema: {
      tags: ['items'], response: { 200: pageApi(storageWarningApi), ...errors() },
      description: '分类存放: items kept now in a zone their category\'s storage rules do not allow (a store from before the rules, ' +
        'or rules changed in the site file), for a supervisor to move. Filtered like the items themselves.',
    },
  }, async (req) => ({ data: storageWarnings(ctx, req.principal), nextCursor: null }));

  app.get('/staff', {
    schema: {
      querystring: z.object(pageQuery).strict(), tags: ['people'], response: { 200: pageApi(staffApi), ...errors(400) },
      description: 'The staff, by id: their agency, roles, whether they carry a badge and the zones they are cleared for.',
    },
  }, async (req) => {
    const p: Principal = req.principal;
    const after = decodeCursor(req.query.cursor, 1);
    const rows = prepared(db, 'SELECT * FROM staff WHERE id > ? ORDER BY id LIMIT ?').all(after ? after[0] : '', req.query.limit + 1) as StaffRow[];
    const pg = page(rows, req.query.limit, (r) => [r.id]);
    return {
      data: pg.data.map((s) => ({
        id: s.id, name: s.name, agencyId: s.agency_id, roles: JSON.parse(s.roles) as Role[],
        hasBadge: s.badge_epc !== null,
        // A badge EPC is enough to clone a badge: only the administrator who issues them sees it.
        ...(p.role === 'admin' ? { badgeEpc: s.badge_epc } : {}),
        clearances: (JSON.parse(s.clearances) as string[]).filter((z) => zoneVisible(p, z)),
      })),
      nextCursor: pg.nextCursor,
    };
  });

  const caseQuery = z.object({ agency: z.string().max(64).optional(), q: z.string().max(100).optional(), ...pageQuery }).strict();
  app.get('/cases', {
    schema: {
      querystring: caseQuery, tags: ['items'], response: { 200: pageApi(caseApi), ...errors(400) },
      description: 'The cases with items the role may see, by id, filtered by handling unit or case number.',
    },
  }, async (req) => {
    const q = req.query;
    const vis = itemVisibilitySql(req.principal);
    const w = new Where().add(`EXISTS (SELECT 1 FROM items i WHERE i.case_id = c.id AND ${vis.sql})`, ...vis.params);
    if (q.agency) w.add('c.agency_id = ?', q.agency);
    if (q.q) w.add(`c.number LIKE ? ESCAPE '\\'`, `%${q.q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`);
    const after = decodeCursor(q.cursor, 1);
    if (after) w.add('c.id > ?', after[0]);
    const rows = prepared(db, `SELECT c.id, c.number, c.agency_id AS agencyId, c.title, c.opened_at AS openedAt,
        c.retain_until AS retainUntil, c.retain_set_by AS retainSetBy, c.retain_set_at AS retainSetAt, c.retain_note AS retainNote,
        (SELECT count(*) FROM items i WHERE i.case_id = c.id AND ${vis.sql}) AS items
      FROM cases c ${w.sql} ORDER BY c.id LIMIT ?`).all(...vis.params, ...w.params, q.limit + 1) as CaseRow[];
    return page(rows, q.limit, (r) => [r.id]);
  });

  app.put('/cases/:id/retention', {
    schema: {
      params: idParam, body: retentionInput, tags: ['items'], response: { 200: caseApi, ...errors(400, 403, 404, 413, 415) },
      description: 'Sets (or clears, with null) the date until which the case\'s items may be kept (保管期限): past it, each of its stored ' +
        'items raises one retention_exceeded warning; while it is set it overrides the categories\' retention periods. A supervisor ' +
        'sets it; the discipline role for cases with items in its zone only; a case the role cannot see answers 404. ' +
        'The city platform may set it too (through the sync inbox, the same core function).',
    },
  }, async (req) => setCaseRetention(ctx, req.principal, req.params.id, req.body.retainUntil, req.body.note));
}
