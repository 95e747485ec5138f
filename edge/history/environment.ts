// The environment's history in a SQLite file of its own beside the store (environment.sqlite), so
// that a sensor's values never wait on the ledger's writer nor fill the ledger's disk. Raw values
// are kept 48 hours; one-minute min/avg/max 400 days. Values are buffered and written once a second
// in one transaction, each minute's aggregate folded in memory first; retention and the size cap
// delete in small slices on the periodic check, so that neither ever holds the file long.
// synchronous=NORMAL: a power cut may lose the last second of readings, never the ledger's custody.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export const HISTORY_FILE = 'environment.sqlite';
export const RAW_KEEP_MS = 48 * 3_600_000;
export const MINUTE_KEEP_MS = 400 * 86_400_000;
const MINUTE = 60_000;
/** Rows one retention slice deletes at most. */
const SLICE = 5_000;

export const RESOLUTIONS = ['raw', '1m', '1h', '1d'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];
const STEP: Record<Exclude<Resolution, 'raw'>, number> = { '1m': MINUTE, '1h': 3_600_000, '1d': 86_400_000 };


interface Fold { zone: string; metric: string; minute: number; min: number; max: number; sum: number; n: number }

export class EnvironmentHistory {
  readonly db: Database.Database;
  private raw: { zone: string; metric: string; at: number; value: number }[] = [];
  private readonly insertRaw;
  private readonly upsertMinute;
  private readonly maxBytes: number;

  constructor(dataDir: string, opts: { maxMb: number }) {
    fs.mkdirSync(dataDir, { recursive: true });
    this.db = new Database(path.join(dataDir, HISTORY_FILE));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS raw (zone_id TEXT NOT NULL, metric TEXT NOT NULL, at INTEGER NOT NULL, value REAL NOT NULL) STRICT;
      CREATE INDEX IF NOT EXISTS raw_series ON raw(zone_id, metric, at);
      CREATE INDEX IF NOT EXISTS raw_at ON raw(at);
      CREATE TABLE IF NOT EXISTS minute (zone_id TEXT NOT NULL, metric TEXT NOT NULL, minute INTEGER NOT NULL,
        min REAL NOT NULL, max REAL NOT NULL, sum REAL NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (zone_id, metric, minute)) STRICT, WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS minute_at ON minute(minute);`);
    this.insertRaw = this.db.prepare('INSERT INTO raw (zone_id, metric, at, value) VALUES (?, ?, ?, ?)');
    this.upsertMinute = this.db.prepare(`INSERT INTO minute (zone_id, metric, minute, min, max, sum, n) VALUES (@zone, @metric, @minute, @min, @max, @sum, @n)
      ON CONFLICT DO UPDATE SET min = min(min, excluded.min), max = max(max, excluded.max), sum = sum + excluded.sum, n = n + excluded.n`);
    this.maxBytes = opts.maxMb * 1024 * 1024;
  }

  /** One value, written with the next flush. */
  add(zone: string, metric: string, at: number, value: number): void {
    this.raw.push({ zone, metric, at, value });
  }

  /** Writes the buffered values and their minutes in one transaction; returns how many. */
  flush(): number {
    if (!this.raw.length) return 0;
    const batch = this.raw;
    this.raw = [];
    const folds = new Map<string, Fold>();
    for (const v of batch) {
      const minute = Math.floor(v.at / MINUTE) * MINUTE;
      const k = `${v.zone}\u0000${v.metric}\u0000${minute}`;
      const f = folds.get(k);
      if (f) { f.min = Math.min(f.min, v.value); f.max = Math.max(f.max, v.value); f.sum += v.value; f.n++; } else folds.set(k, { zone: v.zone, metric: v.metric, minute, min: v.value, max: v.value, sum: v.value, n: 1 });
    }
    this.db.transaction(() => {
      for (const v of batch) this.insertRaw.run(v.zone, v.metric, v.at, v.value);
      for (const f of folds.values()) this.upsertMinute.run(f);
    })();
    return batch.length;
  }

  /**
   * One slice of upkeep: raw values past 48 hours, minutes past 400 days, and, over the size cap, the
   * oldest raw values (then the oldest minutes) until the file is under it. Returns the rows deleted.
   */
  maintain(now: number): number {
    let n = this.db.prepare('DELETE FROM raw WHERE rowid IN (SELECT rowid FROM raw WHERE at < ? ORDER BY at LIMIT ?)').run(now - RAW_KEEP_MS, SLICE).changes;
    n += this.db.prepare('DELETE FROM minute WHERE (zone_id, metric, minute) IN (SELECT zone_id, metric, minute FROM minute WHERE minute < ? ORDER BY minute LIMIT ?)')
      .run(now - MINUTE_KEEP_MS, SLICE).changes;
    if (this.usedBytes() > this.maxBytes) {
      const r = this.db.prepare('DELETE FROM raw WHERE rowid IN (SELECT rowid FROM raw ORDER BY at LIMIT ?)').run(SLICE).changes;
      n += r || this.db.prepare('DELETE FROM minute WHERE (zone_id, metric, minute) IN (SELECT zone_id, metric, minute FROM minute ORDER BY minute LIMIT ?)').run(SLICE).changes;
    }
    return n;
  }

  /** Pages in use (freed pages are reused before the file grows). */
  usedBytes(): number {
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * (this.db.pragma('page_size', { simple: true }) as number);
  }

  /** How many points a series would have at a resolution (raw: the rows there are). */
  countPoints(zone: string, metric: string, from: number, to: number, resolution: Resolution): number {
    if (resolution === 'raw') return (this.db.prepare('SELECT count(*) AS n FROM raw WHERE zone_id = ? AND metric = ? AND at >= ? AND at < ?').get(zone, metric, from, to) as { n: number }).n;
    if (resolution === '1m') return (this.db.prepare('SELECT count(*) AS n FROM minute WHERE zone_id = ? AND metric = ? AND minute >= ? AND minute < ?').get(zone, metric, from, to) as { n: number }).n;
    return Math.ceil((to - from) / STEP[resolution]);
  }

  /**
   * A series' points [t, min, avg, max] (a raw value has all three equal) as JSON, written by SQLite's JSON functions: 30 days of minutes are 43,200
   * points a metric, and building them as JavaScript arrays costs twice as long as this. Values are
   * rounded to 4 decimals (far below any sensor's resolution), so that SQLite's number format and
   * JavaScript's agree on every digit.
   */
  seriesJson(zone: string, metric: string, from: number, to: number, resolution: Resolution): string {
    // A whole number as an integer: SQLite writes the REAL 22 as 22.0, JavaScript as 22.
    const num = (x: string) => `iif(round(${x}, 4) = cast(round(${x}, 4) AS INTEGER), cast(round(${x}, 4) AS INTEGER), round(${x}, 4))`;
    const point = (t: string, min: string, avg: string, max: string) => `json_group_array(json_array(${t}, ${num(min)}, ${num(avg)}, ${num(max)}))`;
    if (resolution === 'raw') {
      return this.db.prepare(`SELECT ${point('at', 'value', 'value', 'value')} FROM (SELECT at, value FROM raw WHERE zone_id = ? AND metric = ? AND at >= ? AND at < ? ORDER BY at)`)
        .pluck().get(zone, metric, from, to) as string;
    }
    if (resolution === '1m') {
      return this.db.prepare(`SELECT ${point('minute', 'min', 'sum / n', 'max')} FROM (SELECT * FROM minute WHERE zone_id = ? AND metric = ? AND minute >= ? AND minute < ? ORDER BY minute)`)
        .pluck().get(zone, metric, from, to) as string;
    }
    // The step written into the SQL, from the fixed table above: bound, it would be a REAL and divide without flooring.
    const step = STEP[resolution];
    return this.db.prepare(`SELECT ${point('t', 'lo', 'mean', 'hi')} FROM (SELECT (minute / ${step}) * ${step} AS t, min(min) AS lo, sum(sum) / sum(n) AS mean,
      max(max) AS hi FROM minute WHERE zone_id = ? AND metric = ? AND minute >= ? AND minute < ? GROUP BY minute / ${step} ORDER BY t)`)
      .pluck().get(zone, metric, from, to) as string;
  }

  /** The one-minute average at each instant asked (null where the minute has no value): the 温湿度 log's 09:00 and 15:00 readings. */
  at(zone: string, metric: string, instants: number[]): (number | null)[] {
    const q = this.db.prepare('SELECT sum / n AS v FROM minute WHERE zone_id = ? AND metric = ? AND minute = ?');
    return instants.map((t) => (q.get(zone, metric, Math.floor(t / MINUTE) * MINUTE) as { v: number } | undefined)?.v ?? null);
  }

  /** Per zone and metric, min/avg/max and the count of minutes over [from, to): what goes up to the platform. */
  summaries(from: number, to: number): { zone: string; metric: string; min: number; avg: number; max: number; count: number }[] {
    return this.db.prepare(`SELECT zone_id AS zone, metric, min(min) AS min, sum(sum) / sum(n) AS avg, max(max) AS max, count(*) AS count
      FROM minute WHERE minute >= ? AND minute < ? GROUP BY zone_id, metric ORDER BY zone_id, metric`).all(from, to) as
      { zone: string; metric: string; min: number; avg: number; max: number; count: number }[];
  }

  /** The last value of each zone's metrics, newest first, for the readings held in memory at start. */
  latest(sinceMs: number): { zone: string; metric: string; at: number; value: number }[] {
    return this.db.prepare(`SELECT zone_id AS zone, metric, max(at) AS at, value FROM raw WHERE at >= ? GROUP BY zone_id, metric`).all(sinceMs) as
      { zone: string; metric: string; at: number; value: number }[];
  }

  close(): void {
    try { this.flush(); } finally { this.db.close(); }
  }
}
