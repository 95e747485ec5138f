// 1. Ledger append rate with synchronous=FULL, batched as the gateway batches it (N appends per
// Ledger.transaction, one commit and one WAL fsync per transaction), against plain batched INSERTs
// of rows of the same size into a table of the same shape, with the same pragmas, in the same run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { openStore } from '../../edge/store/db.ts';
import { Ledger, type NewEvent } from '../../edge/ledger/ledger.ts';
import { canonicalEvent, chainOf, hashEvent, GENESIS_HASH, type CustodyEvent } from '../../edge/ledger/event.ts';
import { sizes } from './config.ts';
import { Recorder, median, type Figure } from './report.ts';
import { BENCH_SITE_ID, BENCH_SITE_KEY } from './site.ts';

export const name = 'ledger';
export const description = `Ledger.transaction appends (synchronous=FULL), batch 1 and 100, vs raw batched INSERTs`;

/** Events like the ones a custody transition appends: a move between two locations; one in eight in
 *  the restricted zone, so that both chains grow as on a real site. */
function makeEvents(n: number): NewEvent[] {
  const out: NewEvent[] = [];
  const t0 = Date.UTC(2025, 0, 1);
  for (let i = 0; i < n; i++) {
    const loc = `GEN-A-${String((i % 80) + 1).padStart(3, '0')}`;
    out.push({
      at: new Date(t0 + i * 1000).toISOString(),
      kind: 'moved',
      itemId: `IT-${(Math.imul(i + 1, 0x9e3779b1) >>> 0).toString(16).padStart(8, '0')}-0000`,
      orderId: `OR-MOV-${Math.floor(i / 400)}`,
      actors: { by: 'u-operator', role: 'operator' },
      from: { state: 'stored', zoneId: 'Z-GEN-A', locationId: loc, agencyId: 'A-PSB-1' },
      to: { state: 'stored', zoneId: 'Z-GEN-A', locationId: `GEN-A-${String(((i + 1) % 80) + 1).padStart(3, '0')}`, agencyId: 'A-PSB-1' },
      details: {},
      restricted: i % 8 === 7,
    });
  }
  return out;
}

type RawRow = [string, number, string, string, string, string | null, string | null, string, string | null, string | null, string, number, string, string];

/** The same events as stored rows (what Ledger.append would write), with random hashes. */
function rawRows(events: NewEvent[]): RawRow[] {
  const seqs = { main: 0, restricted: 0 };
  return events.map((e) => [chainOf(e.restricted), ++seqs[chainOf(e.restricted)], randomUUID(), e.at!, e.kind, e.itemId, e.orderId, JSON.stringify(e.actors),
    e.from === null ? null : JSON.stringify(e.from), e.to === null ? null : JSON.stringify(e.to), JSON.stringify(e.details),
    e.restricted ? 1 : 0, randomBytes(32).toString('hex'), randomBytes(32).toString('hex')]);
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'custody-bench-ledger-'));

/** The DDL of the events table as the migrations create it (table, indexes, triggers). */
function eventsDdl(): string[] {
  const dir = tmp();
  const db = openStore(dir);
  try {
    return (db.prepare(`SELECT sql FROM sqlite_master WHERE tbl_name = 'events' AND sql IS NOT NULL ORDER BY type = 'table' DESC`).all() as { sql: string }[])
      .map((r) => r.sql);
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface Runner { run(from: number, to: number): void; close(): void }

function rawRunner(ddl: string[], rows: RawRow[], batch: number): Runner {
  const dir = tmp();
  const db = new Database(path.join(dir, 'raw.db'));
  // The pragmas openStore sets.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  for (const s of ddl) db.exec(s);
  const ins = db.prepare(`INSERT INTO events (chain, seq, id, at, kind, item_id, order_id, actors, from_state, to_state, details, restricted, prev_hash, hash)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const tx = db.transaction((from: number, to: number) => { for (let i = from; i < to; i++) ins.run(...rows[i]); });
  return {
    run(from, to) { for (let i = from; i < to; i += batch) tx(i, Math.min(to, i + batch)); },
    close() { db.close(); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}

function ledgerRunner(events: NewEvent[], batch: number, headFile: boolean): Runner {
  const dir = tmp();
  const db = openStore(dir);
  const ledger = new Ledger(db, BENCH_SITE_ID, BENCH_SITE_KEY, headFile ? dir : null);
  return {
    run(from, to) {
      for (let i = from; i < to; i += batch) {
        const end = Math.min(to, i + batch);
        ledger.transaction((tx) => { for (let k = i; k < end; k++) tx.append(events[k]); });
      }
    },
    close() {
      const seq = ledger.headNow.seq + ledger.headOf('restricted').seq;
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
      if (seq !== events.length) throw new Error(`ledger head at ${seq}, expected ${events.length}`);
    },
  };
}

/**
 * Raw, ledger and ledger-without-head-file take turns over `slices` slices of the events (the
 * order rotating), so that whatever else the machine does falls on all three alike.
 */
function interleaved(ddl: string[], events: NewEvent[], rows: RawRow[], batch: number, slices: number) {
  const runners = [rawRunner(ddl, rows, batch), ledgerRunner(events, batch, true), ledgerRunner(events, batch, false)];
  const ms = [0, 0, 0];
  const ratios: number[] = [];
  try {
    for (let s = 0; s < slices; s++) {
      const from = Math.floor((events.length * s) / slices);
      const to = Math.floor((events.length * (s + 1)) / slices);
      const took = [0, 0, 0];
      for (let j = 0; j < 3; j++) {
        const r = (s + j) % 3;
        const t = performance.now();
        runners[r].run(from, to);
        took[r] = performance.now() - t;
        ms[r] += took[r];
      }
      ratios.push(took[0] / took[1]);
    }
  } finally {
    for (const r of runners) r.close();
  }
  const rate = (m: number) => (events.length / m) * 1000;
  return { raw: rate(ms[0]), ledger: rate(ms[1]), noFile: rate(ms[2]), sliceRatios: ratios };
}

/** hashEvent alone (canonical JSON + SHA-256) against SHA-256 of the same bytes. */
function hashRates(events: NewEvent[]): { hashEvent: number; sha256: number } {
  const full: CustodyEvent[] = events.map((e, i) => ({ ...e, at: e.at!, seq: i + 1, id: randomUUID(), prevHash: GENESIS_HASH }));
  const texts = full.map((e) => e.prevHash + canonicalEvent(e));
  let t = performance.now();
  for (const e of full) hashEvent(e);
  const h = (full.length / (performance.now() - t)) * 1000;
  t = performance.now();
  for (const s of texts) createHash('sha256').update(s).digest('hex');
  return { hashEvent: h, sha256: (texts.length / (performance.now() - t)) * 1000 };
}

export async function run(): Promise<Figure[]> {
  const rec = new Recorder(name);
  const ddl = eventsDdl();
  const plan = [
    { batch: 1, n: sizes.appendBatch1 },
    { batch: 100, n: sizes.appendBatch100 },
  ];
  for (const { batch, n } of plan) {
    const events = makeEvents(n);
    const rows = rawRows(events);
    // Warm up the code paths and the file system once, unmeasured.
    const w = Math.min(n, 100 * batch);
    interleaved(ddl, events.slice(0, w), rows.slice(0, w), batch, 1);
    const r = interleaved(ddl, events, rows, batch, sizes.appendSlices);
    const spread = [...r.sliceRatios].sort((a, b) => a - b);
    rec.log(`batch ${batch}: raw ${r.raw.toFixed(0)} rows/s, ledger ${r.ledger.toFixed(0)} events/s, without head file ${r.noFile.toFixed(0)} events/s; ` +
      `ledger/raw per slice from ${spread[0].toFixed(2)} to ${spread[spread.length - 1].toFixed(2)}, median ${median(spread).toFixed(2)}`);
    rec.add({ name: `append, ${batch} per transaction`, value: r.ledger, unit: 'events/s', better: 'higher',
      raw: { name: `plain INSERT, ${batch} per tx`, value: r.raw }, aim: { on: 'ratio', op: '>=', target: 0.5, label: 'ratio >= 0.5' },
      note: `${n.toLocaleString('en-US')} events in ${sizes.appendSlices} interleaved slices; median slice ratio ${median(spread).toFixed(2)}` });
    rec.add({ name: `diag: append, ${batch} per tx, no head file`, value: r.noFile, unit: 'events/s', better: 'higher',
      raw: { name: `plain INSERT, ${batch} per tx`, value: r.raw }, note: 'Ledger with dataDir null: no ledger-head.json rewrite per commit' });
  }
  const h = hashRates(makeEvents(Math.min(50_000, sizes.appendBatch100)));
  rec.add({ name: 'diag: hashEvent (canonicalize + SHA-256)', value: h.hashEvent, unit: 'events/s', better: 'higher',
    raw: { name: 'SHA-256 of the same bytes', value: h.sha256 } });
  return rec.figures;
}
