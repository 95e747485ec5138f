// 8. Closing a cycle count (盘点) over a zone of 100,000 stored items on 1,000 locations, every
// location read once by its shelf antenna during the count (a few items left out, a few read on the
// wrong shelf): the close builds every line, its canonical JSON, its SHA-256, and records the
// count_closed custody event. The raw limit: the SQL that only reads the zone's expected items.
// Aim: under 2 s. RSS before and after, since the report of 100,000 lines is held whole.
import { randomBytes } from 'node:crypto';
import { Custody } from '../../edge/custody.ts';
import { parseSite } from '../../gateway/config.ts';
import { fixtureSiteInput, principal, tempDir } from '../helpers/custody-site.ts';
import { QUICK } from './config.ts';
import { Recorder, type Figure } from './report.ts';

const ITEMS = Number(process.env.BENCH_COUNT_ITEMS ?? (QUICK ? 20_000 : 100_000));
const LOCATIONS = Number(process.env.BENCH_COUNT_LOCATIONS ?? (QUICK ? 200 : 1_000));
export const name = 'counts';
export const description = `closing a cycle count over a zone of ${ITEMS.toLocaleString('en-US')} stored items on ${LOCATIONS.toLocaleString('en-US')} locations`;

const epcOf = (i: number) => `3034257BF7194E41${i.toString(16).toUpperCase().padStart(8, '0')}`;
const mb = () => process.memoryUsage().rss / 1e6;

export async function run(): Promise<Figure[]> {
  const rec = new Recorder(name);
  const dir = tempDir('custody-bench-counts-');
  const input = fixtureSiteInput(dir);
  const locations = Array.from({ length: LOCATIONS }, (_, i) => `CT-${String(i + 1).padStart(4, '0')}`);
  input.locations = [...input.locations!.filter((l) => l.zoneId !== 'general'), ...locations.map((id, i) => ({ id, zoneId: 'general', name: `货架 ${Math.floor(i / 8) + 1}-${(i % 8) + 1}` }))];
  input.serialPorts = [{ id: 'bus-1', path: '/dev/ttyUSB9' }];
  const readers = Array.from({ length: Math.ceil(LOCATIONS / 8) }, (_, r) => `shelf-${r + 1}`);
  input.devices = [...input.devices!, ...readers.map((id, r) => ({
    id, kind: 'shelf_reader' as const, protocol: 'r2000' as const, port: 'bus-1', address: r + 1,
    antennas: locations.slice(r * 8, r * 8 + 8).map((locationId, a) => ({ port: a + 1, locationId })),
  }))];
  const site = parseSite(input);
  const key = randomBytes(32);
  const first = new Custody({ site, dataDir: dir, siteKey: key });
  const byLocation: string[][] = locations.map(() => []);
  {
    const db = first.db;
    const now = new Date().toISOString();
    db.prepare(`INSERT INTO cases (id, number, agency_id, title, opened_at) VALUES ('CS-C', '泰公(刑)字[2026]2号', 'psb-taishan', NULL, ?)`).run(now);
    const insert = db.prepare(`INSERT INTO items (id, epc, name, category_id, quantity, unit, case_id, agency_id, zone_id, location_id, state, restricted, created_at, updated_at)
      VALUES (?, ?, ?, 'electronics', 1, '件', 'CS-C', 'psb-taishan', 'general', ?, 'stored', 0, ?, ?)`);
    db.transaction(() => {
      for (let i = 0; i < ITEMS; i++) {
        insert.run(`IT-C${i}`, epcOf(i), `物品 ${i}`, locations[i % LOCATIONS], now, now);
        byLocation[i % LOCATIONS]!.push(epcOf(i));
      }
    })();
    first.close();
  }
  // Reopened, the shelves know the items as at any start.
  const custody = new Custody({ site, dataDir: dir, siteKey: key });
  try {
    const db = custody.db;
    for (const deviceId of readers) custody.observe({ type: 'device', deviceId, state: 'online', reason: 'reads', at: Date.now(), accepted: 1, rejected: {}, readsPerSecond: 0 });
    const sup = principal('supervisor');
    const count = custody.counts.open(sup, { zoneId: 'general' });
    // Every location read once; one item in a thousand left out (missing), one in a thousand read a shelf over (misplaced).
    for (let l = 0; l < LOCATIONS; l++) {
      const epcs = byLocation[l]!.filter((_, k) => k % 1000 !== 7 && k % 1000 !== 3);
      const next = byLocation[(l + 1) % LOCATIONS]!.filter((_, k) => k % 1000 === 3);
      custody.observe({ type: 'shelf', deviceId: readers[Math.floor(l / 8)]!, locationId: locations[l]!, epcs: [...epcs, ...next], at: Date.now() });
    }
    custody.counts.tick();
    const rssBefore = mb();
    const t = performance.now();
    const closed = custody.counts.close(sup, count.id);
    const closeMs = performance.now() - t;
    const rssAfter = mb();
    const t2 = performance.now();
    const rows = db.prepare(`SELECT i.id, i.epc, i.name, c.number, i.state, i.location_id, i.weight_grams, i.restricted FROM items i JOIN cases c ON c.id = i.case_id
      WHERE i.location_id IN (SELECT value FROM json_each(?)) AND i.state IN ('stored', 'out')`).raw().all(JSON.stringify(locations)).length;
    const rawMs = performance.now() - t2;
    const size = (db.prepare('SELECT length(report) AS n FROM counts WHERE id = ?').get(count.id) as { n: number }).n;
    rec.log(`report of ${closed.report!.lines.length.toLocaleString('en-US')} lines (${JSON.stringify(closed.totals)}), ${(size / 1e6).toFixed(1)} MB of canonical JSON; ` +
      `the zone's ${rows.toLocaleString('en-US')} expected items read in ${rawMs.toFixed(0)} ms; RSS ${rssBefore.toFixed(0)} MB before the close, ${rssAfter.toFixed(0)} MB after`);
    return [rec.add({
      name: `close a count over ${ITEMS.toLocaleString('en-US')} stored items`, value: closeMs, unit: 'ms', better: 'lower',
      raw: { name: 'the SQL reading the zone\'s expected items', value: rawMs },
      aim: { on: 'value', op: '<', target: 2000, label: 'under 2 s' },
      note: `RSS ${rssBefore.toFixed(0)} → ${rssAfter.toFixed(0)} MB across the close`,
    })];
  } finally {
    custody.close();
  }
}
