// The platform's own SQLite file, many sites in one: each site's chains, anchors, alarms, inventory
// snapshot, environment summaries, the downward changes feed and a log of what was refused.
// WAL with synchronous=FULL: an acknowledgement once given must survive a crash of the platform,
// or the gateway (which forgets what was acknowledged) would hold a gap it can never fill.
import Database from 'better-sqlite3';
import { computeHash, GENESIS_HASH, type ChainName, type WireEvent } from './chain.ts';
import { PlatformError } from './errors.ts';

export type ChangeType = 'orders' | 'staff' | 'items';
export interface Head { seq: number; hash: string; source: 'events' | 'anchor' | 'none' }
export interface Anchor { seq: number; hash: string; at: string }
export interface ChangeRow { no: number; type: ChangeType; body: Record<string, unknown> }

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sites (id TEXT PRIMARY KEY, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
  site_id TEXT NOT NULL, chain TEXT NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL, hash TEXT NOT NULL, body TEXT NOT NULL,
  PRIMARY KEY (site_id, chain, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS anchors (
  site_id TEXT NOT NULL, chain TEXT NOT NULL, seq INTEGER NOT NULL, hash TEXT NOT NULL, at TEXT NOT NULL, received_at TEXT NOT NULL,
  PRIMARY KEY (site_id, chain, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alarms (
  site_id TEXT NOT NULL, id TEXT NOT NULL, version REAL NOT NULL, body TEXT NOT NULL, received_at TEXT NOT NULL,
  PRIMARY KEY (site_id, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS inventory (site_id TEXT PRIMARY KEY, at TEXT NOT NULL, count INTEGER NOT NULL, body TEXT NOT NULL, received_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS inventory_parts (site_id TEXT NOT NULL, at TEXT NOT NULL, part INTEGER NOT NULL, parts INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (site_id, at, part));
CREATE TABLE IF NOT EXISTS environment (
  site_id TEXT NOT NULL, zone_id TEXT NOT NULL, metric TEXT NOT NULL, from_at TEXT NOT NULL, to_at TEXT NOT NULL, body TEXT NOT NULL,
  PRIMARY KEY (site_id, zone_id, metric, from_at, to_at)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS changes (
  site_id TEXT NOT NULL, no INTEGER NOT NULL, type TEXT NOT NULL, entity_id TEXT NOT NULL, body TEXT NOT NULL,
  PRIMARY KEY (site_id, no)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entities (
  site_id TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,
  PRIMARY KEY (site_id, type, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS refusals (
  site_id TEXT NOT NULL, chain TEXT NOT NULL, code TEXT NOT NULL, reason TEXT NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY (site_id, chain, code, reason)) WITHOUT ROWID;
`;

export type PlatformStore = ReturnType<typeof openStore>;

export function openStore(file: string, now: () => number = Date.now) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  const iso = () => new Date(now()).toISOString();

  const q = {
    site: db.prepare<[string], { id: string }>('SELECT id FROM sites WHERE id = ?'),
    addSite: db.prepare('INSERT INTO sites (id, created_at) VALUES (?, ?)'),
    head: db.prepare<[string, string], { seq: number; hash: string }>('SELECT seq, hash FROM events WHERE site_id = ? AND chain = ? ORDER BY seq DESC LIMIT 1'),
    hashAt: db.prepare<[string, string, number], { hash: string }>('SELECT hash FROM events WHERE site_id = ? AND chain = ? AND seq = ?'),
    addEvent: db.prepare('INSERT INTO events (site_id, chain, seq, id, hash, body) VALUES (?, ?, ?, ?, ?, ?)'),
    eventCount: db.prepare<[string, string], { n: number }>('SELECT count(*) AS n FROM events WHERE site_id = ? AND chain = ?'),
    events: db.prepare<[string, string], { seq: number; hash: string; body: string }>('SELECT seq, hash, body FROM events WHERE site_id = ? AND chain = ? ORDER BY seq'),
    lastAnchor: db.prepare<[string, string], Anchor>('SELECT seq, hash, at FROM anchors WHERE site_id = ? AND chain = ? ORDER BY seq DESC LIMIT 1'),
    anchorAt: db.prepare<[string, string, number], { hash: string }>('SELECT hash FROM anchors WHERE site_id = ? AND chain = ? AND seq = ?'),
    anchors: db.prepare<[string, string], Anchor>('SELECT seq, hash, at FROM anchors WHERE site_id = ? AND chain = ? ORDER BY seq'),
    addAnchor: db.prepare('INSERT INTO anchors (site_id, chain, seq, hash, at, received_at) VALUES (?, ?, ?, ?, ?, ?)'),
    alarmVersion: db.prepare<[string, string], { version: number }>('SELECT version FROM alarms WHERE site_id = ? AND id = ?'),
    putAlarm: db.prepare('INSERT OR REPLACE INTO alarms (site_id, id, version, body, received_at) VALUES (?, ?, ?, ?, ?)'),
    alarms: db.prepare<[string], { body: string }>('SELECT body FROM alarms WHERE site_id = ? ORDER BY id'),
    putInventory: db.prepare('INSERT OR REPLACE INTO inventory (site_id, at, count, body, received_at) VALUES (?, ?, ?, ?, ?)'),
    inventory: db.prepare<[string], { at: string; count: number; body: string; received_at: string }>('SELECT at, count, body, received_at FROM inventory WHERE site_id = ?'),
    putEnv: db.prepare('INSERT OR REPLACE INTO environment (site_id, zone_id, metric, from_at, to_at, body) VALUES (?, ?, ?, ?, ?, ?)'),
    environment: db.prepare<[string], { body: string }>('SELECT body FROM environment WHERE site_id = ? ORDER BY zone_id, metric, from_at, to_at'),
    lastChange: db.prepare<[string], { no: number }>('SELECT no FROM changes WHERE site_id = ? ORDER BY no DESC LIMIT 1'),
    addChange: db.prepare('INSERT INTO changes (site_id, no, type, entity_id, body) VALUES (?, ?, ?, ?, ?)'),
    changesAfter: db.prepare<[string, number, number], { no: number; type: ChangeType; body: string }>('SELECT no, type, body FROM changes WHERE site_id = ? AND no > ? ORDER BY no LIMIT ?'),
    changesUpTo: db.prepare<[string, number, number], { no: number; type: ChangeType; body: string }>('SELECT no, type, body FROM changes WHERE site_id = ? AND no <= ? ORDER BY no DESC LIMIT ?'),
    entity: db.prepare<[string, string, string], { body: string }>('SELECT body FROM entities WHERE site_id = ? AND type = ? AND id = ?'),
    putEntity: db.prepare('INSERT OR REPLACE INTO entities (site_id, type, id, body) VALUES (?, ?, ?, ?)'),
    refuse: db.prepare('INSERT INTO refusals (site_id, chain, code, reason, count) VALUES (?, ?, ?, ?, 1) ON CONFLICT DO UPDATE SET count = count + 1'),
    refusals: db.prepare<[string, string], { code: string; reason: string; count: number }>('SELECT code, reason, count FROM refusals WHERE site_id = ? AND chain = ?'),
    refusalCodes: db.prepare<[], { code: string; n: number }>('SELECT code, sum(count) AS n FROM refusals GROUP BY code'),
  };

  const requireSite = (siteId: string) => {
    if (!q.site.get(siteId)) throw new PlatformError('UNKNOWN_SITE', `No site ${siteId}`);
  };

  const eventsHead = (siteId: string, chain: string) => q.head.get(siteId, chain) ?? { seq: 0, hash: GENESIS_HASH };

  /**
   * A batch of events for one chain, all or nothing. Per event: a seq the platform holds is
   * acknowledged again when its hash is the stored one (a resend after a lost acknowledgement) and
   * refused as a fork otherwise; the next seq must link to the head and recompute; beyond it, a gap.
   */
  const ingestTx = db.transaction((siteId: string, chain: string, events: readonly WireEvent[]) => {
    requireSite(siteId);
    let head = eventsHead(siteId, chain);
    const anchored = q.lastAnchor.get(siteId, chain) !== undefined;
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      if (i > 0 && e.seq !== events[i - 1].seq + 1) {
        throw new PlatformError('VALIDATION_FAILED', 'events must be in seq order and consecutive', { path: `events.${i}.seq` });
      }
      if (e.seq <= head.seq) {
        const stored = q.hashAt.get(siteId, chain, e.seq);
        if (stored?.hash !== e.hash) throw new PlatformError('CHAIN_BROKEN', `seq ${e.seq} is held with another hash`, { seq: e.seq, reason: 'fork' });
        continue;
      }
      if (e.seq > head.seq + 1) throw new PlatformError('SEQUENCE_GAP', `expected seq ${head.seq + 1}, got ${e.seq}`, { expectedSeq: head.seq + 1 });
      if (e.prevHash !== head.hash) throw new PlatformError('CHAIN_BROKEN', `seq ${e.seq} does not link to the head`, { seq: e.seq, reason: 'bad_prev_hash' });
      if (computeHash(e) !== e.hash) throw new PlatformError('CHAIN_BROKEN', `seq ${e.seq}: the hash does not recompute`, { seq: e.seq, reason: 'bad_hash' });
      if (anchored) {
        const a = q.anchorAt.get(siteId, chain, e.seq);
        if (a && a.hash !== e.hash) throw new PlatformError('CHAIN_BROKEN', `seq ${e.seq} differs from its anchor`, { seq: e.seq, reason: 'anchor_mismatch' });
      }
      q.addEvent.run(siteId, chain, e.seq, e.id, e.hash, JSON.stringify(e));
      head = { seq: e.seq, hash: e.hash };
    }
    return { ackedThrough: head.seq, hash: head.hash };
  });

  const anchorTx = db.transaction((siteId: string, chain: string, a: Anchor) => {
    requireSite(siteId);
    if (q.head.get(siteId, chain)) throw new PlatformError('CONFLICT', `chain ${chain} has received its content: it takes no anchors`);
    const last = q.lastAnchor.get(siteId, chain);
    if (last && (a.seq < last.seq || (a.seq === last.seq && a.hash !== last.hash))) {
      throw new PlatformError('CHAIN_BROKEN', `anchor ${a.seq} does not continue anchor ${last.seq}`, { seq: a.seq, reason: 'anchor_regress' });
    }
    if (!last || a.seq > last.seq) q.addAnchor.run(siteId, chain, a.seq, a.hash, a.at, iso());
    return { seq: a.seq, hash: a.hash };
  });

  const alarmsTx = db.transaction((siteId: string, alarms: readonly { id: string; version: number }[]) => {
    requireSite(siteId);
    let accepted = 0;
    let ignored = 0;
    for (const a of alarms) {
      const stored = q.alarmVersion.get(siteId, a.id);
      if (stored && a.version <= stored.version) { ignored++; continue; }
      q.putAlarm.run(siteId, a.id, a.version, JSON.stringify(a), iso());
      accepted++;
    }
    return { accepted, ignored };
  });

  const environmentTx = db.transaction((siteId: string, summaries: readonly { zoneId: string; metric: string; from: string; to: string }[]) => {
    requireSite(siteId);
    for (const s of summaries) q.putEnv.run(siteId, s.zoneId, s.metric, s.from, s.to, JSON.stringify(s));
    return { accepted: summaries.length };
  });

  const addChangeTx = db.transaction((siteId: string, type: ChangeType, entityId: string, body: Record<string, unknown>) => {
    requireSite(siteId);
    const no = (q.lastChange.get(siteId)?.no ?? 0) + 1;
    q.addChange.run(siteId, no, type, entityId, JSON.stringify(body));
    q.putEntity.run(siteId, type, entityId, JSON.stringify(body));
    return no;
  });

  const toRow = (r: { no: number; type: ChangeType; body: string }): ChangeRow => ({ no: r.no, type: r.type, body: JSON.parse(r.body) as Record<string, unknown> });

  return {
    db,
    file,
    hasSite: (siteId: string) => q.site.get(siteId) !== undefined,
    /** Creates the site when it is new; true then (the caller seeds its feed). */
    ensureSite: (siteId: string): boolean => {
      if (q.site.get(siteId)) return false;
      q.addSite.run(siteId, iso());
      return true;
    },
    ingest: (siteId: string, chain: string, events: readonly WireEvent[]): { ackedThrough: number; hash: string } => ingestTx(siteId, chain, events),
    anchor: (siteId: string, chain: string, a: Anchor): { seq: number; hash: string } => anchorTx(siteId, chain, a),
    head: (siteId: string, chain: string): Head => {
      requireSite(siteId);
      const h = q.head.get(siteId, chain);
      if (h) return { ...h, source: 'events' };
      const a = q.lastAnchor.get(siteId, chain);
      if (a) return { seq: a.seq, hash: a.hash, source: 'anchor' };
      return { seq: 0, hash: GENESIS_HASH, source: 'none' };
    },
    eventCount: (siteId: string, chain: string) => q.eventCount.get(siteId, chain)?.n ?? 0,
    anchors: (siteId: string, chain: ChainName | string) => q.anchors.all(siteId, chain),
    /** Re-verify the whole stored chain from genesis: every link and every hash. */
    verifyChain: (siteId: string, chain: string): { ok: true } | { ok: false; seq: number; reason: string } => {
      let prev = { seq: 0, hash: GENESIS_HASH };
      for (const row of q.events.iterate(siteId, chain)) {
        const e = JSON.parse(row.body) as WireEvent;
        if (row.seq !== prev.seq + 1 || e.seq !== row.seq) return { ok: false, seq: row.seq, reason: 'gap' };
        if (e.prevHash !== prev.hash) return { ok: false, seq: row.seq, reason: 'bad_prev_hash' };
        if (e.hash !== row.hash || computeHash(e) !== row.hash) return { ok: false, seq: row.seq, reason: 'bad_hash' };
        prev = { seq: row.seq, hash: row.hash };
      }
      return { ok: true };
    },
    putAlarms: (siteId: string, alarms: readonly { id: string; version: number }[]) => alarmsTx(siteId, alarms),
    alarms: (siteId: string) => q.alarms.all(siteId).map((r) => JSON.parse(r.body) as unknown),
    /** A snapshot comes in `parts` parts (bodies stay under the size limit); it replaces the last one once all of them are here. */
    putInventory: (siteId: string, at: string, items: readonly unknown[], part = 0, parts = 1) => {
      requireSite(siteId);
      return db.transaction(() => {
        if (parts === 1) {
          q.putInventory.run(siteId, at, items.length, JSON.stringify(items), iso());
          return { at, count: items.length, complete: true };
        }
        db.prepare('INSERT OR REPLACE INTO inventory_parts (site_id, at, part, parts, body) VALUES (?, ?, ?, ?, ?)').run(siteId, at, part, parts, JSON.stringify(items));
        const got = db.prepare('SELECT part, body FROM inventory_parts WHERE site_id = ? AND at = ? AND parts = ? ORDER BY part').all(siteId, at, parts) as { part: number; body: string }[];
        const received = got.reduce((n, r) => n + (JSON.parse(r.body) as unknown[]).length, 0);
        if (got.length < parts) return { at, count: received, complete: false };
        const all = got.flatMap((r) => JSON.parse(r.body) as unknown[]);
        q.putInventory.run(siteId, at, all.length, JSON.stringify(all), iso());
        db.prepare('DELETE FROM inventory_parts WHERE site_id = ?').run(siteId);
        return { at, count: all.length, complete: true };
      })();
    },
    inventory: (siteId: string) => {
      const r = q.inventory.get(siteId);
      return r ? { at: r.at, count: r.count, receivedAt: r.received_at, items: JSON.parse(r.body) as unknown[] } : null;
    },
    putEnvironment: (siteId: string, summaries: readonly { zoneId: string; metric: string; from: string; to: string }[]) => environmentTx(siteId, summaries),
    environment: (siteId: string) => q.environment.all(siteId).map((r) => JSON.parse(r.body) as unknown),
    addChange: (siteId: string, type: ChangeType, entityId: string, body: Record<string, unknown>): number => addChangeTx(siteId, type, entityId, body),
    entity: (siteId: string, type: ChangeType, id: string) => {
      const r = q.entity.get(siteId, type, id);
      return r ? (JSON.parse(r.body) as Record<string, unknown>) : undefined;
    },
    lastChange: (siteId: string) => q.lastChange.get(siteId)?.no ?? 0,
    /** Up to `limit` changes after change number `after`, and whether more follow. */
    changesAfter: (siteId: string, after: number, limit: number): { rows: ChangeRow[]; more: boolean } => {
      const rows = q.changesAfter.all(siteId, after, limit + 1).map(toRow);
      return { rows: rows.slice(0, limit), more: rows.length > limit };
    },
    /** The `limit` changes up to and including `upTo`, oldest first (the page before a cursor). */
    changesUpTo: (siteId: string, upTo: number, limit: number): ChangeRow[] => q.changesUpTo.all(siteId, upTo, limit).map(toRow).reverse(),
    logRefusal: (siteId: string, chain: string, code: string, reason: string) => { q.refuse.run(siteId, chain, code, reason); },
    refusals: (siteId: string, chain: string): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const r of q.refusals.all(siteId, chain)) { const k = r.reason || r.code; out[k] = (out[k] ?? 0) + r.count; }
      return out;
    },
    refusalsByCode: (): Record<string, number> => Object.fromEntries(q.refusalCodes.all().map((r) => [r.code, r.n])),
    close: () => db.close(),
  };
}

/** The platform's raw ingest, without HTTP: what the benchmark measures. */
export function ingest(store: PlatformStore, siteId: string, chain: string, events: readonly WireEvent[]) {
  return store.ingest(siteId, chain, events);
}
