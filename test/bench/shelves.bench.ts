// 7. Shelf reads into the edge: 100,000 stored items on 1,000 locations, each watched by one antenna
// of 125 eight-port shelf readers; every location's round (its 100 EPCs) is one `shelf` observation
// through `custody.observe()`, as the pipeline sends it, zod check included. The raw limit: the same
// reads updating a plain in-memory map (EPC → last seen, location), which is all a sighting must
// cost. Then the periodic flush that writes each item's last sighting to its row (at most once a
// minute per item), next to the same UPDATEs as plain statements in one transaction.
import { randomBytes } from 'node:crypto';
import { Custody } from '../../edge/custody.ts';
import { parseSite } from '../../gateway/config.ts';
import { fixtureSiteInput, tempDir } from '../helpers/custody-site.ts';
import { QUICK } from './config.ts';
import { Recorder, median, type Figure } from './report.ts';

const ITEMS = Number(process.env.BENCH_SHELF_ITEMS ?? (QUICK ? 20_000 : 100_000));
const ANTENNAS = Number(process.env.BENCH_SHELF_ANTENNAS ?? (QUICK ? 200 : 1_000));
const PASSES = 3;
export const name = 'shelves';
export const description = `${ITEMS.toLocaleString('en-US')} stored items watched by ${ANTENNAS.toLocaleString('en-US')} shelf antennas: rounds into custody.observe() vs a plain map, and the sightings' flush`;

const epcOf = (i: number) => `3034257BF7194E40${i.toString(16).toUpperCase().padStart(8, '0')}`;

/** A store with ITEMS items stored over ANTENNAS locations, each location one antenna of a shelf reader. */
function prepare(): { custody: Custody; byLocation: string[][]; locations: string[]; readers: string[] } {
  const dir = tempDir('custody-bench-shelves-');
  const input = fixtureSiteInput(dir);
  const locations = Array.from({ length: ANTENNAS }, (_, i) => `SH-${String(i + 1).padStart(4, '0')}`);
  input.locations = [...input.locations!, ...locations.map((id, i) => ({ id, zoneId: 'general', name: `货架 ${Math.floor(i / 8) + 1}-${(i % 8) + 1}` }))];
  input.serialPorts = [{ id: 'bus-1', path: '/dev/ttyUSB9' }];
  const readers = Array.from({ length: Math.ceil(ANTENNAS / 8) }, (_, r) => `shelf-${r + 1}`);
  input.devices = [...input.devices!, ...readers.map((id, r) => ({
    id, kind: 'shelf_reader' as const, protocol: 'r2000' as const, port: 'bus-1', address: r + 1,
    antennas: locations.slice(r * 8, r * 8 + 8).map((locationId, a) => ({ port: a + 1, locationId })),
  }))];
  const site = parseSite(input);
  const first = new Custody({ site, dataDir: dir, siteKey: randomBytes(32) });
  const db = first.db;
  const now = new Date().toISOString();
  const byLocation: string[][] = locations.map(() => []);
  db.prepare(`INSERT INTO cases (id, number, agency_id, title, opened_at) VALUES ('CS-B', '泰公(刑)字[2026]1号', 'psb-taishan', NULL, ?)`).run(now);
  const insert = db.prepare(`INSERT INTO items (id, epc, name, category_id, quantity, unit, case_id, agency_id, zone_id, location_id, state, restricted, created_at, updated_at)
    VALUES (?, ?, ?, ?, 1, '件', 'CS-B', 'psb-taishan', 'general', ?, 'stored', 0, ?, ?)`);
  const category = (db.prepare('SELECT id FROM categories ORDER BY id LIMIT 1').get() as { id: string }).id;
  db.transaction(() => {
    for (let i = 0; i < ITEMS; i++) {
      const loc = i % ANTENNAS;
      insert.run(`IT-B${i}`, epcOf(i), `物品 ${i}`, category, locations[loc], now, now);
      byLocation[loc]!.push(epcOf(i));
    }
  })();
  first.close();
  // Reopened, the shelves' state is built from the store as at any start.
  const custody = new Custody({ site, dataDir: dir, siteKey: randomBytes(32) });
  return { custody, byLocation, locations, readers };
}

export async function run(): Promise<Figure[]> {
  const rec = new Recorder(name);
  const t0 = performance.now();
  const { custody, byLocation, locations, readers } = prepare();
  rec.log(`store of ${ITEMS.toLocaleString('en-US')} stored items on ${ANTENNAS.toLocaleString('en-US')} locations built and reopened in ${((performance.now() - t0) / 1000).toFixed(1)} s; RSS ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
  try {
    const at = () => custody.ctx.clock.now();
    for (const deviceId of readers) {
      custody.observe({ type: 'device', deviceId, state: 'online', reason: 'reads', at: at(), accepted: 1, rejected: {}, readsPerSecond: 0 });
    }
    const rounds = locations.map((locationId, i) => ({ type: 'shelf' as const, deviceId: readers[Math.floor(i / 8)]!, locationId, epcs: byLocation[i]!, at: 0 }));
    const edgeMs: number[] = [];
    const mapMs: number[] = [];
    const seen = new Map<string, { at: number; locationId: string }>();
    let refused = 0;
    for (let pass = 0; pass <= PASSES; pass++) {
      // Pass 0 warms up both (and confirms every putaway, which writes once per item).
      let t = performance.now();
      for (const r of rounds) { r.at = at(); if (!custody.observe(r).ok) refused++; }
      if (pass) edgeMs.push(performance.now() - t);
      t = performance.now();
      for (const r of rounds) for (const epc of r.epcs) {
        const s = seen.get(epc);
        if (s) { s.at = r.at; s.locationId = r.locationId; } else seen.set(epc, { at: r.at, locationId: r.locationId });
      }
      if (pass) mapMs.push(performance.now() - t);
    }
    if (refused) throw new Error(`${refused} rounds refused`);
    const rate = (ms: number[]) => (ITEMS / median(ms)) * 1000;
    rec.log(`per pass of ${ITEMS.toLocaleString('en-US')} reads in ${rounds.length.toLocaleString('en-US')} rounds: edge ${edgeMs.map((x) => x.toFixed(0)).join('/')} ms, map ${mapMs.map((x) => x.toFixed(1)).join('/')} ms; RSS ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
    const figures = [rec.add({
      name: `shelf reads into the edge (${ANTENNAS.toLocaleString('en-US')} antennas, ${ITEMS.toLocaleString('en-US')} items)`, value: rate(edgeMs), unit: 'reads/s', better: 'higher',
      raw: { name: 'the same reads into a plain Map', value: rate(mapMs) },
      note: `median of ${PASSES} passes; 1,000 antennas each reading its shelf every 2 s make ${(ITEMS / 2).toLocaleString('en-US')} reads/s`,
    })];
    // Every item was seen since its row was last written: the flush writes them all.
    const t = performance.now();
    const written = custody.shelves.flush(at() + 120_000, true);
    const flushMs = performance.now() - t;
    const db = custody.db;
    const update = db.prepare('UPDATE items SET last_seen_at = ?, last_seen_location_id = ? WHERE id = ?');
    const t2 = performance.now();
    db.transaction(() => { for (let i = 0; i < ITEMS; i++) update.run(new Date().toISOString(), locations[i % ANTENNAS], `IT-B${i}`); })();
    const rawMs = performance.now() - t2;
    figures.push(rec.add({
      name: 'flush of the last sightings to the items\' rows', value: (written / flushMs) * 1000, unit: 'rows/s', better: 'higher',
      raw: { name: 'the same UPDATEs in one transaction', value: (ITEMS / rawMs) * 1000 },
      note: `${written.toLocaleString('en-US')} rows in ${flushMs.toFixed(0)} ms (shipped: in slices of 10,000 rows every 5 s)`,
    }));
    return figures;
  } finally {
    custody.close();
  }
}
