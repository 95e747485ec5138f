// The generated store behind the API and verify benchmarks: `items` items and `events` custody
// events, written into a store that openStore created (real schema, migrations and triggers) and
// syncSite filled (real reference data). Items are spread over the zones, agencies, categories and
// states; every item's events tell a consistent story (announced → received → putaway → moves,
// check-outs and returns → its final state), and the events form a valid hash chain computed with
// hashEvent (one chain for the restricted zone's items, one for the rest), under signed heads and
// checkpoint files signed with checkpointMac, so verify passes.
//
// Generation is fast on purpose: synchronous=OFF and a large page cache on this connection, the
// secondary indexes of items and events dropped during the bulk insert and re-created from their
// own SQL afterwards, big transactions. Hashing 5M events is the slow part (~60-90 s), so the result
// is cached in os.tmpdir() under a name keyed by the sizes, the site and the schema version, and
// reused by the next run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { openStore } from '../../edge/store/db.ts';
import { EVENT_MOVEMENTS_FILL, MIGRATIONS } from '../../edge/store/migrations.ts';
import { syncSite } from '../../edge/site/sync.ts';
import { HEAD_FILES } from '../../edge/ledger/ledger.ts';
import { chainOf, CHAINS, checkpointMac, GENESIS_HASH, hashEvent, type Actors, type Chain, type CustodyEvent, type CustodySnapshot } from '../../edge/ledger/event.ts';
import { AGENCIES, BENCH_SITE_ID, BENCH_SITE_KEY, benchSite, CATEGORIES, siteDigest } from './site.ts';
import { seededRandom } from '../../gateway/demo/random.ts';

const GENERATOR_VERSION = 2;
const MARKER = 'bench-dataset.json';

export interface DatasetInfo {
  dir: string;
  items: number;
  events: number;
  cases: number;
  generatedMs: number;
  createdAt: string;
  reused: boolean;
  dbBytes: number;
}

export function datasetDir(items: number, events: number): string {
  return path.join(os.tmpdir(), `custody-bench-g${GENERATOR_VERSION}-m${MIGRATIONS.length}-${siteDigest()}-${items}i-${events}e`);
}

export function ensureDataset(items: number, events: number, log: (msg: string) => void): DatasetInfo {
  const dir = datasetDir(items, events);
  const marker = path.join(dir, MARKER);
  if (fs.existsSync(marker)) {
    const info = JSON.parse(fs.readFileSync(marker, 'utf8')) as DatasetInfo;
    log(`reusing the cached store ${dir} (${items.toLocaleString('en-US')} items, ${events.toLocaleString('en-US')} events, ` +
      `generated ${info.createdAt} in ${(info.generatedMs / 1000).toFixed(1)} s; delete the folder to regenerate)`);
    return { ...info, dir, reused: true };
  }
  fs.rmSync(dir, { recursive: true, force: true });
  log(`generating ${items.toLocaleString('en-US')} items and ${events.toLocaleString('en-US')} events into ${dir} …`);
  const started = performance.now();
  const cases = generate(dir, items, events, log);
  const generatedMs = Math.round(performance.now() - started);
  const dbBytes = fs.readdirSync(dir).filter((f) => f.startsWith('gateway.db')).reduce((s, f) => s + fs.statSync(path.join(dir, f)).size, 0);
  const info: DatasetInfo = { dir, items, events, cases, generatedMs, createdAt: new Date().toISOString(), reused: false, dbBytes };
  fs.writeFileSync(marker, JSON.stringify(info, null, 2));
  log(`generated in ${(generatedMs / 1000).toFixed(1)} s (${(dbBytes / 1e6).toFixed(0)} MB)`);
  return info;
}

// ---- the plan of every item ---------------------------------------------------------------

/** Seeded: the same sizes always give the same store (but for event UUIDs). */
const mulberry32 = seededRandom;

const FINAL = ['announced', 'withdrawn', 'received', 'rejected', 'stored', 'out', 'disposed'] as const;
type Final = (typeof FINAL)[number];
/** Cumulative shares of the final states. */
const FINAL_SHARE: [Final, number][] = [
  ['announced', 0.03], ['withdrawn', 0.05], ['received', 0.07], ['rejected', 0.09], ['disposed', 0.17], ['out', 0.23], ['stored', 1],
];
const BASE_STEPS: Record<Final, number> = { announced: 1, withdrawn: 2, received: 2, rejected: 3, stored: 3, out: 4, disposed: 4 };
const TAKES_EXTRAS = new Set<Final>(['stored', 'out', 'disposed']);

/** Category → the zones its items are stored in. */
const CATEGORY_ZONES: Record<string, string[]> = {
  'C-DOC': ['Z-GEN-A', 'Z-GEN-B'], 'C-PHONE': ['Z-GEN-A', 'Z-GEN-B', 'Z-DISP'], 'C-CASH': ['Z-VAL'], 'C-JEWEL': ['Z-VAL'],
  'C-ARM': ['Z-ARM'], 'C-CHEM': ['Z-HAZ'], 'C-BIO': ['Z-COLD'], 'C-VEH': ['Z-VEH'], 'C-MISC': ['Z-GEN-A', 'Z-GEN-B'],
};
const CATEGORY_SHARE: [string, number][] = [
  ['C-DOC', 0.22], ['C-PHONE', 0.44], ['C-CASH', 0.52], ['C-JEWEL', 0.58], ['C-ARM', 0.61], ['C-CHEM', 0.64], ['C-BIO', 0.70],
  ['C-VEH', 0.74], ['C-MISC', 1],
];
const CATEGORY_NAMES: Record<string, string[]> = {
  'C-DOC': ['账本', '合同', '银行流水单'], 'C-PHONE': ['手机', '笔记本电脑', '移动硬盘', 'U盘'], 'C-CASH': ['现金人民币', '外币现钞'],
  'C-JEWEL': ['金条', '金项链', '手表'], 'C-ARM': ['仿制手枪', '子弹', '管制刀具'], 'C-CHEM': ['汽油', '易燃液体'],
  'C-BIO': ['血样', '毛发检材'], 'C-VEH': ['小型轿车', '电动自行车'], 'C-MISC': ['背包', '衣物', '工具箱'],
};
/** Agencies that hand in cases (not the center itself); A-DISC's cases are the restricted zone's. */
const CASE_AGENCY_SHARE: [string, number][] = [
  ['A-PSB-1', 0.30], ['A-PSB-2', 0.50], ['A-PSB-3', 0.65], ['A-PSB-4', 0.80], ['A-PROC', 0.88], ['A-COURT', 0.95], ['A-DISC', 1],
];
const ITEMS_PER_CASE = 8;

const pick = <T>(table: [T, number][], r: number): T => table.find(([, c]) => r < c)![0];

interface SiteIndex { locationsByZone: Map<string, string[]> }

function siteIndex(): SiteIndex {
  const site = benchSite();
  const locationsByZone = new Map<string, string[]>();
  for (const l of site.locations) locationsByZone.set(l.zoneId, [...(locationsByZone.get(l.zoneId) ?? []), l.id]);
  return { locationsByZone };
}

/** SGTIN-96 in hex: header 0x30, filter 1, partition 5 (7-digit company prefix), item reference, serial. */
function sgtin96(itemRef: number, serial: number): string {
  const v = (0x30n << 88n) | (1n << 85n) | (5n << 82n) | (6901234n << 58n) | (BigInt(itemRef) << 38n) | BigInt(serial);
  return v.toString(16).toUpperCase().padStart(24, '0');
}

const itemId = (i: number) => `IT-${(Math.imul(i + 1, 0x9e3779b1) >>> 0).toString(16).padStart(8, '0')}-${(i >>> 16).toString(16).padStart(4, '0')}`;
const caseId = (k: number) => `CS-${(Math.imul(k + 1, 0x85ebca6b) >>> 0).toString(16).padStart(8, '0')}-${(k >>> 16).toString(16).padStart(4, '0')}`;

// ---- generation ---------------------------------------------------------------------------

function generate(dir: string, nItems: number, nEvents: number, log: (msg: string) => void): number {
  const site = benchSite(dir);
  const { locationsByZone } = siteIndex();
  const rand = mulberry32(0xC0FFEE ^ nItems ^ (nEvents << 3));
  const nCases = Math.ceil(nItems / ITEMS_PER_CASE);

  // Pass 1: each case's agency; each item's final state, category, zone and location.
  const caseAgency = new Uint8Array(nCases);
  const agencyIds = AGENCIES.map((a) => a.id);
  for (let k = 0; k < nCases; k++) caseAgency[k] = agencyIds.indexOf(pick(CASE_AGENCY_SHARE, rand()));
  const discIndex = agencyIds.indexOf('A-DISC');
  const categoryIds = CATEGORIES.map((c) => c.id);
  const zoneIds = site.zones.map((z) => z.id);
  const finalOf = new Uint8Array(nItems);
  const categoryOf = new Uint8Array(nItems);
  const zoneOf = new Uint8Array(nItems);
  const locOf = new Uint16Array(nItems);
  let base = 0;
  let eligible = 0;
  for (let i = 0; i < nItems; i++) {
    const f = pick(FINAL_SHARE, rand());
    finalOf[i] = FINAL.indexOf(f);
    const cat = pick(CATEGORY_SHARE, rand());
    categoryOf[i] = categoryIds.indexOf(cat);
    const restricted = caseAgency[Math.floor(i / ITEMS_PER_CASE)] === discIndex;
    const zones = restricted ? ['Z-RES'] : CATEGORY_ZONES[cat];
    const zone = zones[Math.floor(rand() * zones.length)];
    zoneOf[i] = zoneIds.indexOf(zone);
    locOf[i] = Math.floor(rand() * locationsByZone.get(zone)!.length);
    base += BASE_STEPS[f];
    if (TAKES_EXTRAS.has(f)) eligible++;
  }
  const extra = nEvents - base;
  if (extra < 0) {
    throw new Error(`${nEvents} events are too few for ${nItems} items: their plain histories alone take ${base}. ` +
      `Give BENCH_EVENTS at least ${base} (about ${(base / nItems).toFixed(2)}× BENCH_ITEMS).`);
  }

  const db = openStore(dir);
  try {
    syncSite(db, site);
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -1000000');
    db.pragma('temp_store = MEMORY');
    // Secondary indexes are re-created from their own SQL after the bulk insert (a sort instead of
    // millions of random B-tree inserts). UNIQUE constraints and triggers stay in place.
    const indexes = db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('items', 'events') AND sql IS NOT NULL`)
      .all() as { name: string; sql: string }[];
    for (const ix of indexes) db.exec(`DROP INDEX ${ix.name}`);

    const t0 = Date.UTC(2023, 0, 1);
    const span = 2 * 365 * 86_400_000;
    const stepMs = Math.max(1, Math.floor(span / nEvents));
    const iso = (seq: number) => new Date(t0 + seq * stepMs).toISOString();

    // Cases.
    const insCase = db.prepare('INSERT INTO cases (id, number, agency_id, title, opened_at) VALUES (?, ?, ?, ?, ?)');
    db.transaction(() => {
      for (let k = 0; k < nCases; k++) {
        const a = agencyIds[caseAgency[k]];
        insCase.run(caseId(k), `(2023)${a.slice(2)}字第${String(k + 1).padStart(7, '0')}号`, a, `案件 ${k + 1}`,
          iso(Math.floor((k * ITEMS_PER_CASE * nEvents) / nItems) + 1));
      }
    })();

    const insItem = db.prepare(`INSERT INTO items (id, epc, name, description, category_id, quantity, unit, case_id, agency_id,
      zone_id, location_id, state, restricted, due_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const insEvent = db.prepare(`INSERT INTO events (chain, seq, id, at, kind, item_id, order_id, actors, from_state, to_state, details,
      restricted, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);

    // `seq` counts every event (it spaces the times); each chain has its own seq and links, as Ledger.append writes them.
    let seq = 0;
    const heads: Record<Chain, { seq: number; hash: string }> = { main: { seq: 0, hash: GENESIS_HASH }, restricted: { seq: 0, hash: GENESIS_HASH } };
    let eligibleSeen = 0;
    const CHUNK = 500;
    const started = performance.now();
    let nextReport = 500_000;
    db.exec('BEGIN');
    for (let c0 = 0; c0 < nItems; c0 += CHUNK) {
      const c1 = Math.min(nItems, c0 + CHUNK);
      // The steps of each item of the chunk, then emitted round-robin so that histories interleave.
      const plans: ItemPlan[] = [];
      for (let i = c0; i < c1; i++) {
        const f = FINAL[finalOf[i]];
        let extras = 0;
        if (TAKES_EXTRAS.has(f)) {
          extras = Math.floor((extra * (eligibleSeen + 1)) / eligible) - Math.floor((extra * eligibleSeen) / eligible);
          eligibleSeen++;
        }
        plans.push(planItem(i, f, extras, {
          agencyId: agencyIds[caseAgency[Math.floor(i / ITEMS_PER_CASE)]],
          restricted: caseAgency[Math.floor(i / ITEMS_PER_CASE)] === discIndex,
          categoryId: categoryIds[categoryOf[i]],
          zoneId: zoneIds[zoneOf[i]],
          locations: locationsByZone.get(zoneIds[zoneOf[i]])!,
          loc: locOf[i],
          caseNumber: `(2023)${agencyIds[caseAgency[Math.floor(i / ITEMS_PER_CASE)]].slice(2)}字第${String(Math.floor(i / ITEMS_PER_CASE) + 1).padStart(7, '0')}号`,
        }));
      }
      const longest = Math.max(...plans.map((p) => p.steps.length));
      for (let s = 0; s < longest; s++) {
        for (const p of plans) {
          if (s >= p.steps.length) continue;
          seq++;
          const at = iso(seq);
          const step = p.next(at);
          const chain = chainOf(p.restricted);
          const head = heads[chain];
          const e: CustodyEvent = {
            seq: head.seq + 1, id: randomUUID(), at, kind: step.kind, itemId: p.id, orderId: `OR-${step.kind.slice(0, 3).toUpperCase()}-${Math.floor(seq / 400)}`,
            actors: step.actors, from: step.from, to: step.to, details: step.details, restricted: p.restricted, prevHash: head.hash,
          };
          const hash = hashEvent(e);
          insEvent.run(chain, e.seq, e.id, at, e.kind, e.itemId, e.orderId, JSON.stringify(e.actors), e.from === null ? null : JSON.stringify(e.from),
            e.to === null ? null : JSON.stringify(e.to), JSON.stringify(e.details), e.restricted ? 1 : 0, head.hash, hash);
          heads[chain] = { seq: e.seq, hash };
          if (s === 0) p.createdAt = at;
          p.updatedAt = at;
        }
      }
      for (const p of plans) {
        const to = p.snapshot!;
        insItem.run(p.id, p.epc, p.name, null, p.categoryId, p.quantity, p.unit, caseId(Math.floor(p.index / ITEMS_PER_CASE)), to.agencyId,
          to.zoneId, to.locationId, to.state, p.restricted ? 1 : 0, to.state === 'out' ? p.dueAt : null, p.createdAt, p.updatedAt);
      }
      if (seq >= nextReport) {
        db.exec('COMMIT');
        db.exec('BEGIN');
        const s = (performance.now() - started) / 1000;
        log(`  ${seq.toLocaleString('en-US')} events, ${(seq / s).toFixed(0)} events/s`);
        nextReport += 500_000;
      }
    }
    db.exec('COMMIT');
    if (seq !== nEvents) throw new Error(`generated ${seq} events, meant ${nEvents}`);
    log(`  ${seq.toLocaleString('en-US')} events hashed and written in ${((performance.now() - started) / 1000).toFixed(1)} s; re-creating ${indexes.length} indexes …`);
    const ti = performance.now();
    for (const ix of indexes) db.exec(ix.sql);
    log(`  indexes in ${((performance.now() - ti) / 1000).toFixed(1)} s`);
    // The statistics' movement rows took their category from items not yet written: fill them again from the ledger.
    const tm = performance.now();
    db.exec(EVENT_MOVEMENTS_FILL);
    log(`  movement rows for the statistics in ${((performance.now() - tm) / 1000).toFixed(1)} s`);

    // The signed heads, as Ledger.sign and Ledger.mirrorHead write them.
    for (const chain of CHAINS) {
      const { seq: head, hash } = heads[chain];
      const mac = checkpointMac(BENCH_SITE_KEY, BENCH_SITE_ID, head, hash, chain);
      db.prepare('INSERT INTO ledger_heads (chain, seq, hash, at, mac) VALUES (?, ?, ?, ?, ?)').run(chain, head, hash, iso(seq), mac);
      fs.writeFileSync(path.join(dir, HEAD_FILES[chain]), JSON.stringify({ siteId: BENCH_SITE_ID, chain, seq: head, hash, mac }));
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  return nCases;
}

interface Step { kind: string; actors: Actors; from: CustodySnapshot | null; to: CustodySnapshot; details: Record<string, unknown> }

interface ItemPlan {
  index: number;
  id: string;
  epc: string;
  name: string;
  categoryId: string;
  quantity: number;
  unit: string;
  restricted: boolean;
  steps: string[];
  snapshot: CustodySnapshot | null;
  dueAt: string | null;
  createdAt: string;
  updatedAt: string;
  next(at: string): Step;
}

interface PlanInput {
  agencyId: string; restricted: boolean; categoryId: string; zoneId: string; locations: string[]; loc: number; caseNumber: string;
}

function planItem(i: number, final: Final, extras: number, inp: PlanInput): ItemPlan {
  // Steps: the plain history of the final state, with the extras (a move when odd, then
  // check-out/return pairs) after putaway.
  const steps: string[] = ['announced'];
  if (final === 'withdrawn') steps.push('withdrawn');
  if (final !== 'announced' && final !== 'withdrawn') steps.push('received');
  if (final === 'rejected') steps.push('rejected');
  if (TAKES_EXTRAS.has(final)) {
    steps.push('putaway');
    if (extras % 2) steps.push('moved');
    for (let k = 0; k < extras >> 1; k++) steps.push('retrieved', 'returned');
    if (final === 'out') steps.push('retrieved');
    if (final === 'disposed') steps.push('disposed');
  }
  const names = CATEGORY_NAMES[inp.categoryId];
  const actors: Actors = inp.restricted ? { by: 'u-discipline', role: 'discipline' } : { by: 'u-operator', role: 'operator' };
  let stepNo = 0;
  let loc = inp.loc;
  const plan: ItemPlan = {
    index: i,
    id: itemId(i),
    epc: sgtin96(100_000 + CATEGORIES.findIndex((c) => c.id === inp.categoryId) * 1000 + (i % 997), i),
    name: `${names[i % names.length]} ${i + 1}`,
    categoryId: inp.categoryId,
    quantity: inp.categoryId === 'C-CASH' ? 10_000 + (i % 90_000) : 1,
    unit: inp.categoryId === 'C-CASH' ? '元' : '件',
    restricted: inp.restricted,
    steps,
    snapshot: null,
    dueAt: null,
    createdAt: '',
    updatedAt: '',
    next(at: string): Step {
      const kind = steps[stepNo++];
      const from = plan.snapshot;
      const cur = from ?? { state: 'announced', zoneId: null, locationId: null, agencyId: inp.agencyId };
      let to: CustodySnapshot;
      let details: Record<string, unknown> = {};
      let stepActors = actors;
      switch (kind) {
        case 'announced':
          to = { state: 'announced', zoneId: null, locationId: null, agencyId: inp.agencyId };
          details = { epc: plan.epc, name: plan.name, categoryId: plan.categoryId, quantity: plan.quantity, unit: plan.unit, caseNumber: inp.caseNumber };
          break;
        case 'withdrawn': to = { ...cur, state: 'withdrawn' }; details = { reason: '移交单位撤回' }; break;
        case 'received': to = { ...cur, state: 'received', zoneId: 'Z-INTAKE', locationId: null }; details = { condition: '外包装完好' }; break;
        case 'rejected': to = { ...cur, state: 'rejected', locationId: null }; details = { reason: '手续不全' }; break;
        case 'putaway': to = { ...cur, state: 'stored', zoneId: inp.zoneId, locationId: inp.locations[loc] }; break;
        case 'moved':
          loc = (loc + 1) % inp.locations.length;
          to = { ...cur, locationId: inp.locations[loc] };
          break;
        case 'retrieved': {
          const dueAt = new Date(Date.parse(at) + 30 * 86_400_000).toISOString();
          plan.dueAt = dueAt;
          to = { ...cur, state: 'out' };
          details = { purpose: '开庭举证', takenBy: 'S-OP-2', approvedBy: 'S-SUP-1', dueAt, condition: '完好' };
          stepActors = { ...actors, staff: ['S-OP-2'] };
          break;
        }
        case 'returned': to = { ...cur, state: 'stored' }; details = { condition: '完好', conditionDiffers: false }; break;
        case 'disposed': to = { ...cur, state: 'disposed', locationId: null }; details = { method: 'destroyed', approvedBy: 'S-SUP-1' }; break;
        default: throw new Error(`unknown step ${kind}`);
      }
      plan.snapshot = to;
      return { kind, actors: stepActors, from, to, details };
    },
  };
  return plan;
}

/** Random EPCs of existing items an operator may see (not restricted), read from a read-only connection. */
export function sampleEpcs(dir: string, n: number): string[] {
  const db = openStore(dir, { readonly: true });
  try {
    const max = (db.prepare('SELECT max(rowid) AS m FROM items').get() as { m: number }).m;
    const byRowid = db.prepare('SELECT epc, restricted FROM items WHERE rowid = ?');
    const rand = mulberry32(42);
    const out: string[] = [];
    for (let tries = 0; out.length < n && tries < n * 10; tries++) {
      const r = byRowid.get(1 + Math.floor(rand() * max)) as { epc: string; restricted: number } | undefined;
      if (r && !r.restricted) out.push(r.epc);
    }
    return out;
  } finally {
    db.close();
  }
}
