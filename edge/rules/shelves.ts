// The shelves as the edge sees them: what each shelf reader's inventory round of one antenna saw
// (one `shelf` observation with every EPC of the complete round), and what each load cell weighs.
// The rules are modules of their own in shelf/ (facts in, a verdict out); this holds their state.
//
// Everything a round touches is in memory, so that 1,000 antennas reporting every second over
// 100,000 stored items cost map lookups, not queries: each item (by id and EPC), each location's
// expected items (stored there), who watches it and since when. It is built from the store at
// start and kept up to date from the bus: custody events (putaway, move, retrieve, …), device
// changes and resolved alarms. An ordinary sighting writes nothing: an item's last sighting is
// written to its row at most once a minute by the periodic check (and on close); a putaway's
// confirmation is written when it happens (once per putaway); only alarms go to the store at once.
// Nothing here appends to the ledger: a sighting is not a change of custody.
import type { CustodyContext } from '../context.ts';
import type { ShelfObservation } from '../observations.ts';
import type { DeviceRegistry } from './devices.ts';
import type { Alarm } from '../alarms/alarm.ts';
import { annotateAlarm, autoResolve, raiseAlarm, type RaiseAlarm } from '../alarms/alarm.ts';
import type { Principal } from '../auth/principal.ts';
import { effectiveState, type OrderRow } from '../orders/order.ts';
import type { ItemApi, ItemState } from '../items/item.ts';
import type { Device } from '../site/schema.ts';
import { prepared } from '../store/db.ts';
import { retiredEpc } from '../items/retired.ts';
import { iso, type ShelfItem } from './shelf/context.ts';
import { removalDue, seenAgain, unexpectedRemoval, removalCause, type CrossingSince } from './shelf/removal.ts';
import { misplaced, misplacedCause } from './shelf/misplaced.ts';
import { shelfUnknownCause, shelfUnknownTag } from './shelf/unknown-tag.ts';
import { expectedGrams, missingGrams, weightCause, weightRemoval } from './shelf/weight.ts';
import type { Cell, Place, Tracked } from './shelf/state.ts';
import { locationView, type LocationView, type ShelfLocation, type ShelfZone } from './shelf/view.ts';

export { SHELF_ITEM_STATUSES, type ShelfCounts, type ShelfItemStatus, type ShelfItemView, type ShelfLocation, type ShelfWeight, type ShelfZone } from './shelf/view.ts';

/** An item's last sighting reaches its row at most this often. */
export const LAST_SEEN_WRITE_MS = 60_000;
/** The orders under which a stored item leaves its shelf: while one is active, its absence is expected. */
const MOVING_ORDERS = ['retrieve', 'move', 'dispose'] as const;
const OWNER = 'shelves';

interface ItemRowLite {
  id: string; epc: string | null; name: string; state: ItemState; location_id: string | null; zone_id: string | null; restricted: number;
  agency_id: string; weight_grams: number | null; last_seen_at: string | null; last_seen_location_id: string | null;
  confirmed_at: string | null; confirmed_location_id: string | null;
}
const ITEM_COLUMNS = `id, epc, name, state, location_id, zone_id, restricted, agency_id, weight_grams, last_seen_at, last_seen_location_id,
  confirmed_at, confirmed_location_id`;

export interface ShelfRefusal { reason: 'unknown_device' | 'unknown_location' | 'invalid'; detail: string }

export class ShelfWatch {
  private readonly byId = new Map<string, Tracked>();
  private readonly byEpc = new Map<string, Tracked>();
  private readonly places = new Map<string, Place>();
  /** The locations each shelf reader's antennas and each load cell watch. */
  private readonly watching = new Map<string, { kind: Device['kind']; locations: Set<string> }>();
  /** Since when each watching device has been online, while it is. */
  private readonly onlineSince = new Map<string, number>();
  private readonly offline = new Set<string>();
  private readonly badges: Set<string>;
  /** EPCs no item carries with an open shelf `unknown_tag`, and the locations it names. */
  private readonly unknownOpen = new Map<string, Set<string>>();
  /** Items whose last sighting is newer than their row's. */
  private readonly dirty = new Set<Tracked>();
  readonly graceMs: number;
  readonly misplacedGraceMs: number;

  private readonly itemById;
  private readonly writeSeen;
  private readonly writeConfirmed;
  private readonly movingOrders;
  private readonly crossingsOf;

  constructor(private readonly ctx: CustodyContext, devices: DeviceRegistry) {
    const db = ctx.db;
    this.graceMs = ctx.site.rules.shelfGraceSeconds * 1000;
    this.misplacedGraceMs = ctx.site.rules.misplacedGraceSeconds * 1000;
    this.itemById = db.prepare(`SELECT ${ITEM_COLUMNS} FROM items WHERE id = ?`);
    this.writeSeen = db.prepare('UPDATE items SET last_seen_at = ?, last_seen_location_id = ? WHERE id = ?');
    this.writeConfirmed = db.prepare('UPDATE items SET confirmed_at = ?, confirmed_location_id = ? WHERE id = ?');
    this.movingOrders = db.prepare(`SELECT o.state, o.valid_from, o.valid_until FROM order_items oi JOIN orders o ON o.id = oi.order_id
      WHERE oi.item_id = ? AND oi.done_seq IS NULL AND o.kind IN (${MOVING_ORDERS.map((k) => `'${k}'`).join(', ')}) AND o.state IN ('open', 'active')`);
    this.crossingsOf = db.prepare(`SELECT id, gate_id, direction, decision, first_seen FROM crossings
      WHERE item_id = ? AND first_seen >= ? ORDER BY first_seen DESC LIMIT 20`);
    this.badges = new Set(ctx.site.staff.flatMap((s) => (s.badgeEpc ? [s.badgeEpc] : [])));

    for (const l of ctx.site.locations) {
      this.places.set(l.id, {
        id: l.id, name: l.name, kind: l.kind, zoneId: l.zoneId, restricted: ctx.isRestrictedZone(l.zoneId),
        watchers: [], expected: new Set(), seenHere: new Set(), lastRoundAt: null, changedAt: 0, cell: null,
      });
    }
    for (const d of ctx.site.devices) {
      if (d.kind === 'shelf_reader') {
        const locations = new Set(d.antennas.map((a) => a.locationId));
        this.watching.set(d.id, { kind: d.kind, locations });
        for (const l of locations) this.places.get(l)?.watchers.push(d.id);
      } else if (d.kind === 'load_cell' && d.locationId) {
        this.watching.set(d.id, { kind: d.kind, locations: new Set([d.locationId]) });
        const place = this.places.get(d.locationId);
        // One load cell per location: the location's whole expected weight is on it.
        if (place && !place.cell) {
          place.cell = { deviceId: d.id, tareGrams: d.tareGrams ?? 0, toleranceGrams: d.toleranceGrams ?? 0, measured: null, at: null, shortSince: null, alarmOpen: false, quietFrom: 0 };
        }
      }
    }
    for (const s of devices.list()) if (s.state === 'offline' && this.watching.has(s.id)) this.offline.add(s.id);

    for (const r of db.prepare(`SELECT ${ITEM_COLUMNS} FROM items`).iterate() as IterableIterator<ItemRowLite>) this.track(r, 0);
    this.loadLiveAlarms();

    ctx.bus.on('event', OWNER, (e) => { if (e.itemId) this.itemChanged(e.itemId, Date.parse(e.at)); });
    ctx.bus.on('device', OWNER, (s) => this.deviceChanged(s.id, s.state));
    ctx.bus.on('alarm', OWNER, (a) => this.alarmChanged(a));
  }

  /** Stops listening and writes every sighting not yet written. */
  close(): void {
    this.ctx.bus.off(OWNER);
    this.flush(this.ctx.clock.now(), true);
  }

  /**
   * One inventory round of one antenna, or one load cell's reading. Null when taken; a refusal for a
   * device or location the site does not have (or a device that does not watch that location).
   */
  observe(o: ShelfObservation): ShelfRefusal | null {
    const dev = this.watching.get(o.deviceId);
    if (!dev) return { reason: 'unknown_device', detail: `no shelf reader or load cell ${o.deviceId}` };
    const place = this.places.get(o.locationId);
    if (!place) return { reason: 'unknown_location', detail: `no location ${o.locationId}` };
    if (!dev.locations.has(place.id)) return { reason: 'unknown_location', detail: `${o.deviceId} watches no location ${place.id}` };
    if (o.epcs === undefined && o.weightGrams === undefined) return { reason: 'invalid', detail: 'a shelf observation carries epcs or weightGrams' };
    if (o.epcs !== undefined && dev.kind !== 'shelf_reader') return { reason: 'invalid', detail: `${o.deviceId} is a ${dev.kind}: it reports no EPCs` };
    if (o.weightGrams !== undefined && dev.kind !== 'load_cell') return { reason: 'invalid', detail: `${o.deviceId} is a ${dev.kind}: it weighs nothing` };
    const work: (() => void)[] = [];
    const now = this.ctx.clock.now();
    if (o.epcs !== undefined) this.round(place, o.deviceId, o.epcs, o.at, now, work);
    if (o.weightGrams !== undefined) this.weighed(place, o.weightGrams, o.at, now, work);
    this.commit(work);
    return null;
  }

  /** The periodic check: removals and weights past their grace, and the sightings due to be written. */
  tick(): void {
    const now = this.ctx.clock.now();
    const work: (() => void)[] = [];
    for (const place of this.places.values()) {
      this.checkRemovals(place, now, work);
      this.checkWeight(place, now, work);
    }
    this.commit(work);
    this.flush(now, false);
  }

  /**
   * Writes the last sightings due (each item at most once a minute; all of them on close), at most
   * `limit` rows: the gateway flushes a slice every few seconds, so that 100,000 items seen every
   * second cost a short transaction now and then rather than one long one a minute. The dirty set
   * keeps the order in which items were last written, so the longest waiting come first.
   */
  flush(now: number, all: boolean, limit = Infinity): number {
    const due: Tracked[] = [];
    for (const t of this.dirty) {
      if (due.length >= limit) break;
      if (all || t.flushedAt === null || now - t.flushedAt >= LAST_SEEN_WRITE_MS) due.push(t);
    }
    if (!due.length) return 0;
    this.ctx.db.transaction(() => { for (const t of due) this.writeSeen.run(iso(t.lastSeenAt), t.lastSeenLocationId, t.id); })();
    for (const t of due) {
      t.flushedAt = now;
      this.dirty.delete(t);
    }
    return due.length;
  }

  /** Alarms and confirmations of one observation or check, in one transaction; memory follows only once it has committed. */
  private commit(work: (() => void)[]): void {
    if (work.length) this.ctx.transaction(() => { for (const w of work) w(); });
  }

  private round(place: Place, deviceId: string, epcs: string[], at: number, now: number, work: (() => void)[]): void {
    place.lastRoundAt = Math.max(place.lastRoundAt ?? 0, at);
    for (const epc of new Set(epcs)) {
      const t = this.byEpc.get(epc);
      if (!t) {
        if (!this.badges.has(epc)) this.unknown(epc, place, deviceId, at, work);
        continue;
      }
      // A round older than the item's last sighting (a reader's late report) says nothing new of where it is.
      if (t.lastSeenAt !== null && at < t.lastSeenAt) continue;
      this.sight(t, place, at);
      if (t.state !== 'stored' || !t.locationId) continue;
      if (t.locationId === place.id) this.home(t, place, at, work);
      else this.away(t, place, at, work);
    }
    this.checkRemovals(place, now, work);
  }

  private sight(t: Tracked, place: Place, at: number): void {
    if (t.lastSeenLocationId !== place.id) {
      if (t.lastSeenLocationId) this.places.get(t.lastSeenLocationId)?.seenHere.delete(t);
      place.seenHere.add(t);
    }
    t.lastSeenAt = at;
    t.lastSeenLocationId = place.id;
    this.dirty.add(t);
  }

  /** Seen at its own location: its putaway is confirmed, a misplacement ends, an open removal alarm hears of it. */
  private home(t: Tracked, place: Place, at: number, work: (() => void)[]): void {
    t.awaySince = null;
    if (t.confirmedLocationId !== place.id && at > t.arrivedAt) {
      work.push(() => {
        this.writeConfirmed.run(iso(at), place.id, t.id);
        this.ctx.afterCommit(() => { t.confirmedAt = iso(at); t.confirmedLocationId = place.id; });
      });
    }
    if (t.misplacedAt !== null) {
      work.push(() => {
        autoResolve(this.ctx, misplacedCause(t.id), `物品已回到 ${place.name}`);
        this.ctx.afterCommit(() => { t.misplacedAt = null; });
      });
    }
    if (t.removalOpen && !t.seenAgainNoted) {
      const again = seenAgain(place, at);
      work.push(() => {
        annotateAlarm(this.ctx, removalCause(t.id), again.details, again.message);
        this.ctx.afterCommit(() => { t.seenAgainNoted = true; });
      });
    }
  }

  private away(t: Tracked, place: Place, at: number, work: (() => void)[]): void {
    t.awaySince ??= at;
    if (t.misplacedAt === place.id) return;
    const belongs = this.places.get(t.locationId!);
    if (!belongs) return;
    const alarm = misplaced({ item: shelfItem(t), belongs, seenAt: place, since: t.awaySince, at, graceMs: this.misplacedGraceMs });
    if (alarm) this.raise(work, alarm, () => { t.misplacedAt = place.id; });
  }

  private unknown(epc: string, place: Place, deviceId: string, at: number, work: (() => void)[]): void {
    if (this.unknownOpen.get(epc)?.has(place.id)) return;
    // Looked up only for an EPC with no open alarm here: a stray tag read every second costs one query, once.
    this.raise(work, shelfUnknownTag(epc, place, deviceId, at, retiredEpc(this.ctx.db, epc)), () => {
      const named = this.unknownOpen.get(epc) ?? new Set<string>();
      named.add(place.id);
      this.unknownOpen.set(epc, named);
    });
  }

  private raise(work: (() => void)[], alarm: RaiseAlarm, then: () => void): void {
    work.push(() => {
      raiseAlarm(this.ctx, alarm);
      this.ctx.afterCommit(then);
    });
  }

  /** Since when a reader has watched the location without a break; null while none is online. */
  private watchedSince(place: Place): number | null {
    let since: number | null = null;
    for (const d of place.watchers) {
      const s = this.onlineSince.get(d);
      if (s !== undefined && (since === null || s < since)) since = s;
    }
    return since;
  }

  private checkRemovals(place: Place, now: number, work: (() => void)[]): void {
    const since = this.watchedSince(place);
    if (since === null) return;
    for (const t of place.expected) {
      if (t.removalOpen) continue;
      const clockFrom = Math.max(t.lastSeenAt ?? 0, t.arrivedAt, since, t.quietFrom);
      // Absence is told by completed rounds that left the item out, never by silence: a reader that
      // stopped answering (still online until its heartbeat runs out) proves nothing is gone.
      if (!removalDue({ now: place.lastRoundAt ?? 0, clockFrom, graceMs: this.graceMs })) continue;
      if (this.covered(t.id, now)) continue;
      const facts = {
        item: shelfItem(t), place, now, graceMs: this.graceMs, clockFrom, lastSeenAt: t.lastSeenAt,
        lastSeenLocationId: t.lastSeenLocationId, watchedBy: place.watchers.filter((d) => this.onlineSince.has(d)),
      };
      const alarm = unexpectedRemoval(facts, false, this.crossingsSince(t));
      if (alarm) this.raise(work, alarm, () => { t.removalOpen = true; t.seenAgainNoted = false; });
    }
  }

  private weighed(place: Place, grams: number, at: number, now: number, work: (() => void)[]): void {
    const cell = place.cell;
    if (!cell || (cell.at !== null && at < cell.at)) return;
    cell.measured = grams;
    cell.at = at;
    this.checkWeight(place, now, work);
  }

  private expectedWeight(place: Place, cell: Cell): number {
    return expectedGrams(cell.tareGrams, [...place.expected].map((t) => t.weightGrams));
  }

  private checkWeight(place: Place, now: number, work: (() => void)[]): void {
    const cell = place.cell;
    if (!cell || cell.measured === null || cell.at === null) return;
    // An offline cell's last reading is no evidence; a reading that arrives is (the cell is reporting).
    if (this.offline.has(cell.deviceId) || cell.at < place.changedAt) { cell.shortSince = null; return; }
    const expected = this.expectedWeight(place, cell);
    if (missingGrams(cell.measured, expected, cell.toleranceGrams) === 0) { cell.shortSince = null; return; }
    cell.shortSince ??= cell.at;
    if (cell.alarmOpen) return;
    const clockFrom = Math.max(cell.shortSince, this.onlineSince.get(cell.deviceId) ?? 0, cell.quietFrom);
    if (now - clockFrom <= this.graceMs) return;
    const covered = [...place.expected].some((t) => this.covered(t.id, now));
    const alarm = weightRemoval({
      place, deviceId: cell.deviceId, measuredGrams: cell.measured, expectedGrams: expected, toleranceGrams: cell.toleranceGrams,
      clockFrom, now, graceMs: this.graceMs,
    }, covered);
    if (alarm) this.raise(work, alarm, () => { cell.alarmOpen = true; });
  }

  /** An active order under which the item may leave its shelf (retrieve, move, dispose) and is not yet done. */
  private covered(itemId: string, now: number): boolean {
    return (this.movingOrders.all(itemId) as Pick<OrderRow, 'state' | 'valid_from' | 'valid_until'>[]).some((o) => effectiveState(o, now) === 'active');
  }

  /** The item's gate crossings since it was last seen (or arrived), oldest first. */
  private crossingsSince(t: Tracked): CrossingSince[] {
    const from = iso(t.lastSeenAt ?? t.arrivedAt)!;
    const rows = this.crossingsOf.all(t.id, from) as { id: string; gate_id: string; direction: CrossingSince['direction']; decision: string; first_seen: string }[];
    return rows.reverse().map((r) => ({ crossingId: r.id, gateId: r.gate_id, direction: r.direction, decision: r.decision, firstSeen: r.first_seen }));
  }

  // --- keeping the memory in step ---

  private track(r: ItemRowLite, at: number): Tracked {
    const t: Tracked = {
      id: r.id, epc: r.epc, name: r.name, state: r.state, locationId: r.location_id, zoneId: r.zone_id, restricted: r.restricted === 1,
      agencyId: r.agency_id, weightGrams: r.weight_grams, arrivedAt: at,
      lastSeenAt: r.last_seen_at ? Date.parse(r.last_seen_at) : null, lastSeenLocationId: r.last_seen_location_id, flushedAt: null,
      confirmedAt: r.confirmed_at, confirmedLocationId: r.confirmed_location_id,
      awaySince: null, misplacedAt: null, removalOpen: false, seenAgainNoted: false, quietFrom: 0,
    };
    this.byId.set(t.id, t);
    if (t.epc !== null) this.byEpc.set(t.epc, t);
    if (t.state === 'stored' && t.locationId) this.places.get(t.locationId)?.expected.add(t);
    if (t.lastSeenLocationId) this.places.get(t.lastSeenLocationId)?.seenHere.add(t);
    return t;
  }

  private loadLiveAlarms(): void {
    const rows = prepared(this.ctx.db, `SELECT cause_key, item_id, location_id, epc, details, opened_at FROM alarms
      WHERE state <> 'resolved' AND kind IN ('unexpected_removal', 'misplaced', 'unknown_tag')`).all() as
      { cause_key: string; item_id: string | null; location_id: string | null; epc: string | null; details: string; opened_at: string }[];
    for (const a of rows) {
      const t = a.item_id ? this.byId.get(a.item_id) : undefined;
      if (t && a.cause_key === removalCause(t.id)) {
        t.removalOpen = true;
        t.seenAgainNoted = 'seenAgainAt' in (JSON.parse(a.details) as object);
      } else if (t && a.cause_key === misplacedCause(t.id)) {
        t.misplacedAt = a.location_id;
        t.awaySince = Date.parse(a.opened_at);
      } else if (a.location_id && a.cause_key === weightCause(a.location_id)) {
        const cell = this.places.get(a.location_id)?.cell;
        if (cell) cell.alarmOpen = true;
      } else if (a.epc && a.cause_key === shelfUnknownCause(a.epc)) {
        const d = JSON.parse(a.details) as { locations?: string[] };
        this.unknownOpen.set(a.epc, new Set(d.locations ?? (a.location_id ? [a.location_id] : [])));
      }
    }
  }

  /** A custody event about an item committed: its row is the truth; where it is expected follows. */
  private itemChanged(id: string, at: number): void {
    const r = this.itemById.get(id) as ItemRowLite | undefined;
    if (!r) return;
    const t = this.byId.get(id);
    if (!t) {
      this.track(r, at);
      return;
    }
    const before = t.state === 'stored' ? t.locationId : null;
    const after = r.state === 'stored' ? r.location_id : null;
    // A tag bound at the intake desk, or replaced (换签): the old EPC is no longer this item's.
    if (t.epc !== r.epc) {
      if (t.epc !== null && this.byEpc.get(t.epc) === t) this.byEpc.delete(t.epc);
      if (r.epc !== null) this.byEpc.set(r.epc, t);
    }
    Object.assign(t, {
      epc: r.epc, name: r.name, state: r.state, locationId: r.location_id, zoneId: r.zone_id, restricted: r.restricted === 1,
      agencyId: r.agency_id, weightGrams: r.weight_grams, confirmedAt: r.confirmed_at, confirmedLocationId: r.confirmed_location_id,
    });
    if (before !== after) {
      const left = before ? this.places.get(before) : undefined;
      const came = after ? this.places.get(after) : undefined;
      left?.expected.delete(t);
      came?.expected.add(t);
      for (const p of [left, came]) if (p) p.changedAt = Math.max(p.changedAt, at);
      t.arrivedAt = at;
      t.awaySince = null;
    }
    // A misplacement ends when the item leaves the shelves under an order, or is moved to where it was seen.
    const seenAt = t.misplacedAt;
    if (seenAt !== null && (r.state !== 'stored' || after === seenAt)) {
      const note = r.state !== 'stored' ? `物品已${r.state === 'out' ? '调用' : '离开货架'}（${r.state}）` : `物品已移库至所在位置 ${this.places.get(seenAt)?.name ?? seenAt}`;
      this.ctx.afterCommit(() => this.ctx.transaction(() => {
        autoResolve(this.ctx, misplacedCause(t.id), note);
        this.ctx.afterCommit(() => { t.misplacedAt = null; });
      }));
    }
  }

  private deviceChanged(deviceId: string, state: 'online' | 'offline' | 'unknown'): void {
    if (!this.watching.has(deviceId)) return;
    if (state === 'online') {
      this.offline.delete(deviceId);
      if (!this.onlineSince.has(deviceId)) this.onlineSince.set(deviceId, this.ctx.clock.now());
    } else {
      this.onlineSince.delete(deviceId);
      if (state === 'offline') this.offline.add(deviceId);
    }
  }

  private alarmChanged(a: Alarm): void {
    if (a.state !== 'resolved') return;
    const now = this.ctx.clock.now();
    if (a.kind === 'unexpected_removal') {
      if (a.details.basis === 'weight' && a.locationId) {
        const cell = this.places.get(a.locationId)?.cell;
        if (cell) { cell.alarmOpen = false; cell.quietFrom = now; cell.shortSince = null; }
      } else if (a.itemId) {
        const t = this.byId.get(a.itemId);
        if (t) { t.removalOpen = false; t.quietFrom = now; }
      }
    } else if (a.kind === 'unknown_tag' && a.details.source === 'shelf' && a.epc) {
      this.unknownOpen.delete(a.epc);
    } else if (a.kind === 'misplaced' && a.itemId) {
      const t = this.byId.get(a.itemId);
      if (t) t.misplacedAt = null;
    }
  }

  // --- what a cycle count asks ---

  /** Where and when the shelves last read an item (in memory, ahead of its row); null if never. */
  lastSighting(itemId: string): { locationId: string; at: number } | null {
    const t = this.byId.get(itemId);
    return t && t.lastSeenAt !== null && t.lastSeenLocationId ? { locationId: t.lastSeenLocationId, at: t.lastSeenAt } : null;
  }

  /** A location's load cell: its last reading (while the cell is online) and what the location should weigh now. */
  weighing(locationId: string): { measuredGrams: number; at: number; expectedGrams: number; toleranceGrams: number } | null {
    const place = this.places.get(locationId);
    const cell = place?.cell;
    if (!place || !cell || cell.measured === null || cell.at === null || this.offline.has(cell.deviceId)) return null;
    return { measuredGrams: cell.measured, at: cell.at, expectedGrams: this.expectedWeight(place, cell), toleranceGrams: cell.toleranceGrams };
  }

  // --- what the API shows ---

  /** An item's sighting and confirmation as they are now (its row may be up to a minute behind). */
  overlay<T extends Pick<ItemApi, 'id' | 'lastSeenAt' | 'lastSeenLocationId' | 'confirmedAt' | 'confirmedLocationId'>>(item: T): T {
    const t = this.byId.get(item.id);
    if (!t) return item;
    return { ...item, lastSeenAt: iso(t.lastSeenAt), lastSeenLocationId: t.lastSeenLocationId, confirmedAt: t.confirmedAt, confirmedLocationId: t.confirmedLocationId };
  }

  /** Per zone the principal may see, its locations with their watch state and the items the principal may see. */
  zones(p: Principal): ShelfZone[] {
    const now = this.ctx.clock.now();
    const byZone = new Map<string, ShelfLocation[]>();
    for (const place of this.places.values()) {
      if (place.restricted && p.role !== 'discipline') continue;
      const list = byZone.get(place.zoneId) ?? [];
      list.push(this.locationView(place, p, now).location);
      byZone.set(place.zoneId, list);
    }
    return this.ctx.site.zones.filter((z) => byZone.has(z.id))
      .map((z) => ({ id: z.id, name: z.name, nameEn: z.nameEn ?? null, kind: z.kind, locations: byZone.get(z.id)! }));
  }

  /** One location and its items (stored there, and others' seen there); null for none the principal may see. */
  location(p: Principal, id: string): LocationView | null {
    const place = this.places.get(id);
    if (!place || (place.restricted && p.role !== 'discipline')) return null;
    return this.locationView(place, p, this.ctx.clock.now());
  }

  private locationView(place: Place, p: Principal, now: number): LocationView {
    return locationView(place, p, { now, graceMs: this.graceMs, watched: this.watchedSince(place) !== null, expectedGrams: (cell) => this.expectedWeight(place, cell) });
  }

}

const shelfItem = (t: Tracked): ShelfItem => ({ id: t.id, epc: t.epc, name: t.name, restricted: t.restricted, zoneId: t.zoneId, locationId: t.locationId });
