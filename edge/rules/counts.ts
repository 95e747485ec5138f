// Cycle counts (盘点). A supervisor (the commission in the restricted zone) opens a count of a zone or
// of some locations; while it is open, every shelf reader's round there and every handheld's read
// (a location's own tag, then the items on it) is a sighting of the count; closing it compares them
// with what the ledger says should be there (count/report.ts) and records the report as one custody
// event carrying the SHA-256 of its canonical JSON, so that the report can be shown later to be the
// one made then. Sightings live in memory and reach the store in small writes on the periodic check
// (a count outlives a restart with what it had read up to the last one); a shelf round costs map
// updates only.
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { CustodyContext } from '../context.ts';
import type { HandheldObservation, ShelfObservation } from '../observations.ts';
import { requireAllowed, seesRestricted, sha256Hex, type Principal } from '../auth/principal.ts';
import { fail } from '../errors.ts';
import { prepared } from '../store/db.ts';
import type { ShelfWatch } from './shelves.ts';
import { countLines, countTotals, type CountFacts, type CountItem, type CountLine, type CountVia, type CountWeight, type Sighting } from './count/report.ts';
import { countToApi, type CountApi, type CountProgress, type CountReport, type CountRow, type CountState, type openCountInput } from './count/view.ts';
import { countReportCsv } from './count/csv.ts';
import { canonicalReportJson } from './count/canonical.ts';

export { COUNT_CLASSES } from './count/report.ts';
export { countApi, countReportApi, listCountsQuery, openCountInput, COUNT_STATES, type CountApi } from './count/view.ts';

/** A handheld's last location tag stands for the items it reads after it for this long. */
const HANDHELD_PLACE_MS = 10 * 60_000;

interface OpenCount {
  row: CountRow;
  openedAt: number;
  scope: Set<string>;
  sightings: Map<string, Sighting>;
  covered: Map<string, { at: number; via: CountVia }>;
  /** What the store does not have yet. */
  dirtySightings: Set<string>;
  dirtyPlaces: Set<string>;
}

export interface CountRefusal { reason: 'unknown_device' | 'unknown_location' | 'no_rule'; detail: string }

const ITEM_COLUMNS = 'i.id, i.epc, i.name, c.number AS case_number, i.state, i.location_id, i.weight_grams, i.restricted';
type ItemTuple = [string, string | null, string, string, string, string | null, number | null, number];
const fromTuple = ([id, epc, name, caseNumber, state, locationId, weightGrams, restricted]: ItemTuple): CountItem => ({
  id, epc, name, caseNumber, state, locationId, weightGrams, restricted: restricted === 1,
});

export class Counts {
  private readonly running = new Map<string, OpenCount>();
  private readonly handhelds = new Set<string>();
  /** Each handheld's last location tag, and when. */
  private readonly handheldAt = new Map<string, { locationId: string; at: number }>();
  private readonly locationByTag = new Map<string, string>();
  private readonly locationTags: Set<string>;

  constructor(private readonly ctx: CustodyContext, private readonly shelves: ShelfWatch) {
    for (const d of ctx.site.devices) if (d.kind === 'handheld') this.handhelds.add(d.id);
    for (const l of ctx.site.locations) if (l.tagEpc) this.locationByTag.set(l.tagEpc, l.id);
    this.locationTags = new Set(this.locationByTag.keys());
    this.load();
  }

  /** The counts left open when the gateway stopped, with what they had read. */
  private load(): void {
    const db = this.ctx.db;
    for (const row of prepared(db, `SELECT * FROM counts WHERE state = 'open'`).all() as CountRow[]) {
      const c = this.track(row);
      for (const s of prepared(db, 'SELECT epc, location_id, via, device_id, seen_at FROM count_sightings WHERE count_id = ?').all(row.id) as
        { epc: string; location_id: string; via: CountVia; device_id: string; seen_at: string }[]) {
        c.sightings.set(s.epc, { locationId: s.location_id, at: Date.parse(s.seen_at), via: s.via, deviceId: s.device_id });
      }
      for (const p of prepared(db, 'SELECT location_id, covered_at, via FROM count_places WHERE count_id = ?').all(row.id) as
        { location_id: string; covered_at: string; via: CountVia }[]) {
        c.covered.set(p.location_id, { at: Date.parse(p.covered_at), via: p.via });
      }
    }
  }

  private track(row: CountRow): OpenCount {
    const c: OpenCount = {
      row, openedAt: Date.parse(row.opened_at), scope: new Set(JSON.parse(row.location_ids) as string[]),
      sightings: new Map(), covered: new Map(), dirtySightings: new Set(), dirtyPlaces: new Set(),
    };
    this.running.set(row.id, c);
    return c;
  }

  open(p: Principal, input: z.infer<typeof openCountInput>): CountApi {
    const ctx = this.ctx;
    const locations = this.scopeOf(p, input);
    const restricted = ctx.isRestrictedZone(locations[0]!.zoneId);
    requireAllowed(p, 'count', restricted);
    const ids = new Set(locations.map((l) => l.id));
    for (const other of this.running.values()) {
      const shared = [...other.scope].find((l) => ids.has(l));
      // The other count is named only to whoever may see it.
      if (shared) fail('COUNT_OVERLAPS', `A count already open covers location ${shared}`, { locationId: shared, ...(other.row.restricted === (restricted ? 1 : 0) ? { countId: other.row.id } : {}) });
    }
    const row: CountRow = {
      id: `CT-${randomUUID()}`, zone_id: input.zoneId ?? null, location_ids: JSON.stringify(locations.map((l) => l.id)), restricted: restricted ? 1 : 0,
      note: input.note ?? null, state: 'open', opened_at: ctx.nowIso(), opened_by: p.userId, opened_by_name: p.name, opened_role: p.role,
      closed_at: null, closed_by: null, closed_by_name: null, report: null, report_sha256: null, event_chain: null, event_seq: null,
    };
    prepared(ctx.db, `INSERT INTO counts (id, zone_id, location_ids, restricted, note, state, opened_at, opened_by, opened_by_name, opened_role)
      VALUES (@id, @zone_id, @location_ids, @restricted, @note, @state, @opened_at, @opened_by, @opened_by_name, @opened_role)`).run(row);
    const c = this.track(row);
    return countToApi(row, { progress: this.progress(c) });
  }

  /** The locations a request names, each visible to the principal; a zone's or the list's, never both chains at once. */
  private scopeOf(p: Principal, input: z.infer<typeof openCountInput>) {
    const ctx = this.ctx;
    if (input.zoneId !== undefined) {
      const zone = ctx.zones.get(input.zoneId);
      if (!zone || (ctx.isRestrictedZone(zone.id) && !seesRestricted(p))) fail('ZONE_NOT_FOUND', `No zone ${input.zoneId}`, { zoneId: input.zoneId });
      const locations = ctx.site.locations.filter((l) => l.zoneId === zone.id);
      if (!locations.length) fail('COUNT_EMPTY_SCOPE', `Zone ${zone.id} has no locations to count`, { zoneId: zone.id });
      return locations;
    }
    const byId = new Map(ctx.site.locations.map((l) => [l.id, l]));
    const locations = [...new Set(input.locationIds!)].map((id) => {
      const l = byId.get(id);
      if (!l || (ctx.isRestrictedZone(l.zoneId) && !seesRestricted(p))) fail('LOCATION_NOT_FOUND', `No location ${id}`, { locationId: id });
      return l;
    });
    if (new Set(locations.map((l) => ctx.isRestrictedZone(l.zoneId))).size > 1) {
      fail('COUNT_MIXED_SCOPE', 'A count covers the restricted zone\'s locations or none of them: the two chains are counted apart');
    }
    return locations;
  }

  close(p: Principal, id: string): CountApi {
    const ctx = this.ctx;
    const c = this.running.get(id);
    const stored = c?.row ?? this.loadVisible(p, id);
    if (!this.visible(p, stored)) fail('COUNT_NOT_FOUND', `No count ${id}`, { countId: id });
    requireAllowed(p, 'count', stored.restricted === 1);
    if (!c) fail('COUNT_CLOSED', `Count ${id} is already closed`, { countId: id });
    const closedAt = ctx.nowIso();
    const lines = countLines(this.facts(c));
    const report: CountReport = {
      countId: c.row.id, siteId: ctx.site.site.id, scope: { zoneId: c.row.zone_id, locationIds: [...c.scope] }, restricted: c.row.restricted === 1,
      note: c.row.note, openedAt: c.row.opened_at, openedBy: { by: c.row.opened_by, name: c.row.opened_by_name }, closedAt,
      closedBy: { by: p.userId, name: p.name },
      locations: [...c.scope].map((l) => { const v = c.covered.get(l); return { locationId: l, coveredAt: v ? new Date(v.at).toISOString() : null, via: v?.via ?? null }; }),
      totals: countTotals(lines), lines,
    };
    const json = canonicalReportJson(report);
    const sha = sha256Hex(json);
    const event = ctx.transaction((tx) => {
      this.persist(c);
      const event = tx.append({
        at: closedAt, kind: 'count_closed', itemId: null, orderId: null, actors: { by: p.userId, name: p.name, role: p.role }, from: null, to: null,
        details: { countId: c.row.id, scope: report.scope, openedAt: c.row.opened_at, totals: report.totals, reportSha256: sha },
        restricted: c.row.restricted === 1,
      });
      const done = prepared(ctx.db, `UPDATE counts SET state = 'closed', closed_at = ?, closed_by = ?, closed_by_name = ?, report = ?, report_sha256 = ?,
        event_chain = ?, event_seq = ? WHERE id = ? AND state = 'open'`).run(closedAt, p.userId, p.name, json, sha, event.chain, event.seq, c.row.id).changes;
      if (!done) fail('COUNT_CLOSED', `Count ${id} is already closed`, { countId: id });
      ctx.afterCommit(() => this.running.delete(c.row.id));
      return event;
    });
    // The report just made, not parsed back from its 27 MB of JSON for a zone of 100,000 items.
    return countToApi({ ...c.row, state: 'closed', closed_at: closedAt, closed_by: p.userId, closed_by_name: p.name, report_sha256: sha,
      event_chain: event.chain, event_seq: event.seq }, { report });
  }

  get(p: Principal, id: string): CountApi {
    const c = this.running.get(id);
    if (c) {
      if (!this.visible(p, c.row)) fail('COUNT_NOT_FOUND', `No count ${id}`, { countId: id });
      return countToApi(c.row, { progress: this.progress(c) });
    }
    const r = this.loadVisible(p, id);
    return countToApi(r, { report: r.report ? (JSON.parse(r.report) as CountReport) : null });
  }

  /** Newest first; the restricted zone's for the discipline role only. */
  list(p: Principal, q: { state?: CountState; limit: number }): CountApi[] {
    if (!readsCounts(p)) return [];
    const rows = prepared(this.ctx.db, `SELECT id, zone_id, location_ids, restricted, note, state, opened_at, opened_by, opened_by_name, opened_role,
      closed_at, closed_by, closed_by_name, NULL AS report, report_sha256, event_chain, event_seq, json_extract(report, '$.totals') AS totals
      FROM counts WHERE restricted = ? AND (? IS NULL OR state = ?) ORDER BY opened_at DESC, rowid DESC LIMIT ?`)
      .all(seesRestricted(p) ? 1 : 0, q.state ?? null, q.state ?? null, q.limit) as (CountRow & { totals: string | null })[];
    return rows.map((r) => ({ ...countToApi(r), totals: r.totals ? JSON.parse(r.totals) : null }));
  }

  /** The stored report, byte for byte what its SHA-256 covers, and its rendering as CSV. */
  reportJson(p: Principal, id: string): string {
    const r = this.loadVisible(p, id);
    if (!r.report) fail('COUNT_OPEN', `Count ${id} is still open: its report is made when it closes`, { countId: id });
    return r.report;
  }

  reportCsv(p: Principal, id: string): string {
    const r = this.loadVisible(p, id);
    if (!r.report || !r.report_sha256) fail('COUNT_OPEN', `Count ${id} is still open: its report is made when it closes`, { countId: id });
    const names = new Map(this.ctx.site.locations.map((l) => [l.id, l.name]));
    return countReportCsv(JSON.parse(r.report) as CountReport, (l) => names.get(l) ?? l, r.report_sha256, this.ctx.site.site.timezone);
  }

  // --- what the readers saw ---

  /** A shelf reader's complete round of one antenna: every open count covering the location hears it. */
  shelfRound(o: ShelfObservation): void {
    if (o.epcs === undefined) return;
    for (const c of this.running.values()) {
      if (!c.scope.has(o.locationId) || o.at < c.openedAt) continue;
      this.cover(c, o.locationId, o.at, 'shelf');
      for (const epc of o.epcs) this.sight(c, epc, { locationId: o.locationId, at: o.at, via: 'shelf', deviceId: o.deviceId });
    }
  }

  /**
   * A handheld's reads in the order it made them: a location's tag says where the items read after it
   * are. Null when taken; a refusal (counted and logged by the edge) for reads it could not place.
   */
  handheld(o: HandheldObservation): CountRefusal | null {
    if (!this.handhelds.has(o.deviceId)) return { reason: 'unknown_device', detail: `no handheld ${o.deviceId}` };
    let place = this.handheldAt.get(o.deviceId);
    if (place && o.at - place.at > HANDHELD_PLACE_MS) place = undefined;
    let unplaced = 0;
    let uncounted: string | null = null;
    for (const epc of o.epcs) {
      const tagged = this.locationByTag.get(epc);
      if (tagged) {
        place = { locationId: tagged, at: o.at };
        this.handheldAt.set(o.deviceId, place);
        for (const c of this.countsAt(tagged, o.at)) this.cover(c, tagged, o.at, 'handheld');
        continue;
      }
      if (!place) { unplaced++; continue; }
      const counts = this.countsAt(place.locationId, o.at);
      if (!counts.length) uncounted = place.locationId;
      for (const c of counts) this.sight(c, epc, { locationId: place.locationId, at: o.at, via: 'handheld', deviceId: o.deviceId });
    }
    if (unplaced) return { reason: 'unknown_location', detail: `${unplaced} read(s) before any location tag: read the location's own tag first` };
    if (uncounted) return { reason: 'no_rule', detail: `no count is open at location ${uncounted}` };
    return null;
  }

  private countsAt(locationId: string, at: number): OpenCount[] {
    return [...this.running.values()].filter((c) => c.scope.has(locationId) && at >= c.openedAt);
  }

  private cover(c: OpenCount, locationId: string, at: number, via: CountVia): void {
    if (c.covered.has(locationId)) return;
    c.covered.set(locationId, { at, via });
    c.dirtyPlaces.add(locationId);
  }

  private sight(c: OpenCount, epc: string, s: Sighting): void {
    const was = c.sightings.get(epc);
    if (was && was.at > s.at) return;
    c.sightings.set(epc, s);
    // Written again only when the place changes: the same shelf reading the same tag every second costs nothing.
    if (!was || was.locationId !== s.locationId) c.dirtySightings.add(epc);
  }

  /** The periodic check: what the open counts read since the last one reaches the store. */
  tick(): void {
    if (![...this.running.values()].some((c) => c.dirtySightings.size || c.dirtyPlaces.size)) return;
    this.ctx.db.transaction(() => { for (const c of this.running.values()) this.persist(c); })();
  }

  private persist(c: OpenCount): void {
    const db = this.ctx.db;
    const sight = prepared(db, `INSERT INTO count_sightings (count_id, epc, location_id, via, device_id, seen_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT DO UPDATE SET location_id = excluded.location_id, via = excluded.via, device_id = excluded.device_id, seen_at = excluded.seen_at`);
    for (const epc of c.dirtySightings) {
      const s = c.sightings.get(epc)!;
      sight.run(c.row.id, epc, s.locationId, s.via, s.deviceId, new Date(s.at).toISOString());
    }
    const cover = prepared(db, 'INSERT OR IGNORE INTO count_places (count_id, location_id, covered_at, via) VALUES (?, ?, ?, ?)');
    for (const l of c.dirtyPlaces) {
      const v = c.covered.get(l)!;
      cover.run(c.row.id, l, new Date(v.at).toISOString(), v.via);
    }
    c.dirtySightings.clear();
    c.dirtyPlaces.clear();
  }

  // --- the verdict ---

  /** What the ledger says should be in scope now, and what the readers saw there since the count opened. */
  private facts(c: OpenCount): CountFacts {
    const db = this.ctx.db;
    const scope = [...c.scope];
    // Rows as arrays: a zone of 100,000 items reads in half the time it takes as objects.
    const expected = (prepared(db, `SELECT ${ITEM_COLUMNS} FROM items i JOIN cases c ON c.id = i.case_id
      WHERE i.location_id IN (SELECT value FROM json_each(?)) AND i.state IN ('stored', 'out')`).raw().all(JSON.stringify(scope)) as ItemTuple[]).map(fromTuple);
    const elsewhere = new Map<string, Sighting>();
    // Read by a shelf outside the count's scope while it was open: misplaced there, not missing.
    for (const item of expected) {
      if (item.epc === null || item.state !== 'stored' || c.sightings.has(item.epc)) continue;
      const s = this.shelves.lastSighting(item.id);
      if (s && s.at >= c.openedAt && !c.scope.has(s.locationId)) elsewhere.set(item.epc, { ...s, via: 'shelf', deviceId: '' });
    }
    const expectedEpcs = new Set(expected.flatMap((i) => (i.epc ? [i.epc] : [])));
    const strays = [...c.sightings.keys()].filter((e) => !expectedEpcs.has(e));
    const others = new Map<string, CountItem>();
    const ignored = new Set<string>();
    const itemByEpc = prepared(db, `SELECT ${ITEM_COLUMNS} FROM items i JOIN cases c ON c.id = i.case_id WHERE i.epc = ?`).raw();
    const isBadge = prepared(db, 'SELECT 1 FROM staff WHERE badge_epc = ?');
    for (const epc of strays) {
      // A badge or a location's own tag on a shelf is not a stray: staff and shelves carry them.
      if (this.locationTags.has(epc) || isBadge.get(epc)) { ignored.add(epc); continue; }
      const r = itemByEpc.get(epc) as ItemTuple | undefined;
      if (r) others.set(epc, fromTuple(r));
    }
    const weights = new Map<string, CountWeight>();
    for (const l of scope) {
      const w = this.shelves.weighing(l);
      if (w && w.at >= c.openedAt) weights.set(l, w);
    }
    return { scope: c.scope, restricted: c.row.restricted === 1, expected, sightings: c.sightings, elsewhere, ignored, covered: new Set(c.covered.keys()), others, weights };
  }

  private progress(c: OpenCount): CountProgress {
    const lines = countLines(this.facts(c));
    const names = new Map(this.ctx.site.locations.map((l) => [l.id, l.name]));
    const per = new Map([...c.scope].map((l) => [l, { expected: 0, found: 0 }]));
    let expected = 0;
    let found = 0;
    for (const l of lines) {
      if (l.class === 'checked_out' || !l.expectedLocationId || !per.has(l.expectedLocationId)) continue;
      const p = per.get(l.expectedLocationId)!;
      p.expected++;
      expected++;
      if (inPlace(l)) { p.found++; found++; }
    }
    const t = countTotals(lines);
    return {
      expected, found, misplaced: t.misplaced, unexpected: t.unexpected,
      locations: [...per].map(([locationId, v]) => ({ locationId, name: names.get(locationId) ?? locationId, covered: c.covered.has(locationId), ...v })),
    };
  }

  // --- who may see what ---

  private visible(p: Principal, r: Pick<CountRow, 'restricted'>): boolean {
    return readsCounts(p) && (r.restricted === 1) === seesRestricted(p);
  }

  private loadVisible(p: Principal, id: string): CountRow {
    const r = prepared(this.ctx.db, 'SELECT * FROM counts WHERE id = ?').get(id) as CountRow | undefined;
    if (!r || !this.visible(p, r)) fail('COUNT_NOT_FOUND', `No count ${id}`, { countId: id });
    return r;
  }
}

/** A count lists every agency's items of its locations: not for one agency's eyes, nor the administrator's. */
const readsCounts = (p: Principal) => p.role !== 'agency' && p.role !== 'admin';

/** Read at its own location (found, or found on a cabinet that weighs wrong). */
const inPlace = (l: CountLine) => (l.class === 'found' || l.class === 'weight_mismatch') && l.seenLocationId !== null && l.seenLocationId === l.expectedLocationId;
