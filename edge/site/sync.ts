// Mirrors the site file's reference data into the store at every start, so that foreign keys
// hold and queries can join. The site file is the authority; rows it no longer has are kept
// only where history still points at them.
import type { Db } from '../store/db.ts';
import type { Site } from './schema.ts';

export function syncSite(db: Db, site: Site): void {
  const restricted = new Set(site.zones.filter((z) => z.kind === 'restricted').map((z) => z.id));
  db.transaction(() => {
    const zone = db.prepare(`INSERT INTO zones (id, name, name_en, kind, restricted, limits) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, kind = excluded.kind,
      restricted = excluded.restricted, limits = excluded.limits`);
    for (const z of site.zones) zone.run(z.id, z.name, z.nameEn ?? null, z.kind, restricted.has(z.id) ? 1 : 0, JSON.stringify(z.limits));
    const loc = db.prepare(`INSERT INTO locations (id, zone_id, name, kind) VALUES (?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET zone_id = excluded.zone_id, name = excluded.name, kind = excluded.kind`);
    for (const l of site.locations) loc.run(l.id, l.zoneId, l.name, l.kind);
    const gate = db.prepare(`INSERT INTO gates (id, name, name_en, inner_zone, outer_zone, restricted) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, inner_zone = excluded.inner_zone,
      outer_zone = excluded.outer_zone, restricted = excluded.restricted`);
    for (const g of site.gates) {
      gate.run(g.id, g.name, g.nameEn ?? null, g.innerZone, g.outerZone, restricted.has(g.innerZone) || restricted.has(g.outerZone) ? 1 : 0);
    }
    const agency = db.prepare(`INSERT INTO agencies (id, name, name_en, kind) VALUES (?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, kind = excluded.kind`);
    for (const a of site.agencies) agency.run(a.id, a.name, a.nameEn ?? null, a.kind);
    const category = db.prepare(`INSERT INTO categories (id, name, name_en, dual_control, retention_days) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, dual_control = excluded.dual_control,
      retention_days = excluded.retention_days`);
    for (const c of site.categories) category.run(c.id, c.name, c.nameEn ?? null, c.dualControl ? 1 : 0, c.retentionDays ?? null);
    // Staff come from the site file or from the platform (edge/sync/inbox.ts); each source owns its
    // rows. The site file's badges are cleared first so that a badge moved between two of its people
    // does not collide; the platform's rows keep theirs across restarts and site-file changes, unless
    // the site file now gives that badge, or that id, to one of its own: at start the site file decides.
    db.prepare(`UPDATE staff SET badge_epc = NULL WHERE source = 'site'`).run();
    const takeBadge = db.prepare(`UPDATE staff SET badge_epc = NULL WHERE badge_epc = ? AND source = 'platform'`);
    const staff = db.prepare(`INSERT INTO staff (id, name, agency_id, roles, badge_epc, clearances, source, active) VALUES (?, ?, ?, ?, ?, ?, 'site', 1)
      ON CONFLICT(id) DO UPDATE SET name = excluded.name, agency_id = excluded.agency_id, roles = excluded.roles,
      badge_epc = excluded.badge_epc, clearances = excluded.clearances, source = 'site', active = 1`);
    for (const s of site.staff) {
      if (s.badgeEpc) takeBadge.run(s.badgeEpc);
      staff.run(s.id, s.name, s.agencyId, JSON.stringify(s.roles), s.badgeEpc ?? null, JSON.stringify(s.clearances));
    }
    // Users are exactly the site file's: a user removed there loses API access at once.
    db.prepare('DELETE FROM users').run();
    const user = db.prepare('INSERT INTO users (id, name, role, agency_id, staff_id, token_sha256) VALUES (?, ?, ?, ?, ?, ?)');
    for (const u of site.users) user.run(u.id, u.name, u.role, u.agencyId ?? null, u.staffId ?? null, u.tokenSha256);
  })();
}
