// The places, agencies, cases and people of the site, filtered like everything else: the
// restricted zone and what is in it exist for the discipline role only.
import { z } from 'zod';
import type { Custody } from '../../custody.ts';
import type { ApiApp } from '../app.ts';
import { itemVisibilitySql, seesRestricted, type Principal } from '../../auth/principal.ts';
import { fail } from '../../errors.ts';
import { ITEM_STATES } from '../../items/item.ts';
import { storageWarnings } from '../../rules/storage.ts';
import { decodeCursor, page, pageQuery, Where } from '../pagination.ts';
import { prepared } from '../../store/db.ts';

const idParam = z.object({ id: z.string().max(100) });

// Rows as the queries below select them (already named as the API names them where the SQL can).
interface LocationRow { id: string; zoneId: string; name: string; kind: string }
interface AgencyRow { id: string; name: string; nameEn: string | null; kind: string }
interface CategoryRow { id: string; name: string; nameEn: string | null; dual_control: number }
interface StaffRow { id: string; name: string; agency_id: string; roles: string; badge_epc: string | null; clearances: string }
interface CaseRow { id: string; number: string; agencyId: string; title: string | null; openedAt: string; items: number }

export function referenceRoutes(app: ApiApp, custody: Custody): void {
  const db = custody.db;
  const ctx = custody.ctx;
  const zoneVisible = (p: Principal, zoneId: string) => !ctx.isRestrictedZone(zoneId) || seesRestricted(p);

  /** Counts per state from the maintained counters, limited to what the principal may see. */
  const countsFor = (p: Principal) => {
    const w = new Where();
    if (p.role === 'agency') w.add('agency_id = ?', p.agencyId);
    if (p.role === 'discipline') w.add(`(zone_id IN (SELECT id FROM zones WHERE restricted = 1) OR agency_id = ?)`, p.agencyId);
    const rows = prepared(db, `SELECT zone_id, state, sum(n) AS n FROM item_counts ${w.sql} GROUP BY zone_id, state`).all(...w.params) as { zone_id: string; state: string; n: number }[];
    const byZone = new Map<string, Record<string, number>>();
    for (const r of rows) {
      if (!r.n) continue;
      const c = byZone.get(r.zone_id) ?? Object.fromEntries(ITEM_STATES.map((s) => [s, 0]));
      c[r.state] = r.n;
      byZone.set(r.zone_id, c);
    }
    return (zoneId: string) => byZone.get(zoneId) ?? Object.fromEntries(ITEM_STATES.map((s) => [s, 0]));
  };

  // Locations come from the site file and change only with it: count them once.
  const locationsPerZone = new Map((prepared(db, 'SELECT zone_id, count(*) AS n FROM locations GROUP BY zone_id').all() as { zone_id: string; n: number }[])
    .map((r) => [r.zone_id, r.n]));
  const zoneToApi = (z: (typeof ctx.site.zones)[number], counts: Record<string, number>) => ({
    id: z.id, name: z.name, nameEn: z.nameEn ?? null, kind: z.kind, limits: z.limits, counts,
    locations: locationsPerZone.get(z.id) ?? 0,
  });

  app.get('/zones', { schema: { tags: ['places'] } }, async (req) => {
    const counts = countsFor(req.principal);
    return { data: ctx.site.zones.filter((z) => zoneVisible(req.principal, z.id)).map((z) => zoneToApi(z, counts(z.id))), nextCursor: null };
  });

  app.get('/zones/:id', { schema: { params: idParam, tags: ['places'] } }, async (req) => {
    const z = ctx.zones.get(req.params.id);
    if (!z || !zoneVisible(req.principal, z.id)) fail('NOT_FOUND', `No zone ${req.params.id}`);
    return zoneToApi(z, countsFor(req.principal)(z.id));
  });

  const locationQuery = z.object({ zone: z.string().max(64).optional(), ...pageQuery }).strict();
  app.get('/locations', { schema: { querystring: locationQuery, tags: ['places'] } }, async (req) => {
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

  app.get('/locations/:id', { schema: { params: idParam, tags: ['places'] } }, async (req) => {
    const l = prepared(db, 'SELECT l.id, l.zone_id AS zoneId, l.name, l.kind FROM locations l WHERE l.id = ?').get(req.params.id) as LocationRow | undefined;
    if (!l || !zoneVisible(req.principal, l.zoneId)) fail('LOCATION_NOT_FOUND', `No location ${req.params.id}`);
    return l;
  });

  app.get('/agencies', { schema: { tags: ['people'] } }, async () => ({
    data: prepared(db, 'SELECT id, name, name_en AS nameEn, kind FROM agencies ORDER BY id').all() as AgencyRow[], nextCursor: null,
  }));

  app.get('/categories', { schema: { tags: ['items'] } }, async () => ({
    data: (prepared(db, 'SELECT id, name, name_en AS nameEn, dual_control FROM categories ORDER BY id').all() as CategoryRow[])
      .map(({ dual_control, ...c }) => ({
        ...c, dualControl: dual_control === 1,
        storageKinds: ctx.site.categories.find((x) => x.id === c.id)?.storageKinds ?? null,
      })),
    nextCursor: null,
  }));

  app.get('/storage-warnings', {
    schema: {
      tags: ['items'],
      description: '分类存放: items kept now in a zone their category\'s storage rules do not allow (a store from before the rules, ' +
        'or rules changed in the site file), for a supervisor to move. Filtered like the items themselves.',
    },
  }, async (req) => ({ data: storageWarnings(ctx, req.principal), nextCursor: null }));

  app.get('/staff', { schema: { querystring: z.object(pageQuery).strict(), tags: ['people'] } }, async (req) => {
    const p: Principal = req.principal;
    const after = decodeCursor(req.query.cursor, 1);
    const rows = prepared(db, 'SELECT * FROM staff WHERE id > ? ORDER BY id LIMIT ?').all(after ? after[0] : '', req.query.limit + 1) as StaffRow[];
    const pg = page(rows, req.query.limit, (r) => [r.id]);
    return {
      data: pg.data.map((s) => ({
        id: s.id, name: s.name, agencyId: s.agency_id, roles: JSON.parse(s.roles) as string[],
        hasBadge: s.badge_epc !== null,
        // A badge EPC is enough to clone a badge: only the administrator who issues them sees it.
        ...(p.role === 'admin' ? { badgeEpc: s.badge_epc } : {}),
        clearances: (JSON.parse(s.clearances) as string[]).filter((z) => zoneVisible(p, z)),
      })),
      nextCursor: pg.nextCursor,
    };
  });

  const caseQuery = z.object({ agency: z.string().max(64).optional(), q: z.string().max(100).optional(), ...pageQuery }).strict();
  app.get('/cases', { schema: { querystring: caseQuery, tags: ['items'] } }, async (req) => {
    const q = req.query;
    const vis = itemVisibilitySql(req.principal);
    const w = new Where().add(`EXISTS (SELECT 1 FROM items i WHERE i.case_id = c.id AND ${vis.sql})`, ...vis.params);
    if (q.agency) w.add('c.agency_id = ?', q.agency);
    if (q.q) w.add(`c.number LIKE ? ESCAPE '\\'`, `%${q.q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`);
    const after = decodeCursor(q.cursor, 1);
    if (after) w.add('c.id > ?', after[0]);
    const rows = prepared(db, `SELECT c.id, c.number, c.agency_id AS agencyId, c.title, c.opened_at AS openedAt,
        (SELECT count(*) FROM items i WHERE i.case_id = c.id AND ${vis.sql}) AS items
      FROM cases c ${w.sql} ORDER BY c.id LIMIT ?`).all(...vis.params, ...w.params, q.limit + 1) as CaseRow[];
    return page(rows, q.limit, (r) => [r.id]);
  });
}
