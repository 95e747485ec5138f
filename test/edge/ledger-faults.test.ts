// Faults in the custody ledger, made with raw SQL on a copy of a real ledger, each caught three
// ways: Custody.verify(), verifyLedger() on its own connection, and `npm run verify`
// (gateway/verify.ts in a child process) with its exit status.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Custody } from '../../edge/custody.ts';
import { verifyLedger, type VerifyFault } from '../../edge/ledger/verify.ts';
import { checkpointMac, eventFromRow, hashEvent, type Chain, type EventRow } from '../../edge/ledger/event.ts';
import { DB_FILE } from '../../edge/store/db.ts';
import { fixtureSite, fixtureSiteInput, intake, openHarness, tempDir, TestClock } from '../helpers/custody-site.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
let base: string;
let key: Buffer;
let siteId: string;
let headAt9: { seq: number; hash: string; at: string; mac: string };
let total: number;
let restrictedTotal: number;
const dirs: string[] = [];

beforeAll(async () => {
  const h = await openHarness();
  base = h.dir;
  key = h.key;
  siteId = h.site.site.id;
  intake(h.ctx, { count: 3 });
  headAt9 = h.custody.db.prepare(`SELECT seq, hash, at, mac FROM ledger_heads WHERE chain = 'main'`).get() as typeof headAt9;
  expect(headAt9.seq).toBe(9);
  intake(h.ctx, { count: 1 });
  intake(h.ctx, { count: 1, restricted: true });
  total = h.ctx.ledger.headNow.seq;
  restrictedTotal = h.ctx.ledger.headOf('restricted').seq;
  // The restricted zone's item went to its own chain: the main chain does not count it.
  expect(total).toBe(12);
  expect(restrictedTotal).toBe(3);
  await h.close();
});

afterAll(() => {
  for (const d of [base, ...dirs]) fs.rmSync(d, { recursive: true, force: true });
});

/** A copy of the good ledger folder, tampered with by `fn` on a raw connection. */
function tampered(fn: (db: Database.Database) => void): string {
  const dir = tempDir('ledger-fault-');
  dirs.push(dir);
  fs.cpSync(base, dir, { recursive: true });
  const db = new Database(path.join(dir, DB_FILE));
  try { fn(db); } finally { db.close(); }
  return dir;
}

const dropTriggers = (db: Database.Database) => db.exec('DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;');
const rows = (db: Database.Database, chain: Chain = 'main') => db.prepare('SELECT * FROM events WHERE chain = ? ORDER BY seq').all(chain) as EventRow[];

function runVerifyCommand(dir: string): Promise<{ code: number | null; out: string }> {
  const siteFile = path.join(dir, 'site.json');
  fs.writeFileSync(siteFile, JSON.stringify(fixtureSiteInput(dir)));
  const env: NodeJS.ProcessEnv = { ...process.env, GATEWAY_CONFIG: siteFile, TEST_SITE_KEY: key.toString('hex') };
  delete env.GATEWAY_DATA_DIR;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'gateway/verify.ts'], { cwd: ROOT, env });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

/** The three checks agree on the fault, the chain and the first bad seq. */
async function expectCaught(dir: string, fault: VerifyFault, firstBadSeq: number | null, chain: Chain = 'main') {
  const db = new Database(path.join(dir, DB_FILE), { readonly: true });
  const direct = verifyLedger(db, siteId, key, dir);
  db.close();
  expect(direct.ok).toBe(false);
  expect(direct[chain], direct[chain].message).toMatchObject({ ok: false, fault, firstBadSeq });

  const custody = new Custody({ site: fixtureSite(dir), dataDir: dir, siteKey: key, clock: new TestClock() });
  try {
    expect(custody.verify()[chain]).toMatchObject({ ok: false, fault, firstBadSeq });
  } finally {
    custody.close();
  }

  const cmd = await runVerifyCommand(dir);
  expect(cmd.code, cmd.out).toBe(1);
  expect(cmd.out).toContain('FAULT');
  expect(cmd.out).toContain(`first bad seq: ${firstBadSeq ?? '(the head itself)'}`);
  expect(cmd.out).toContain(`fault: ${fault}`);
  expect(cmd.out).toMatch(new RegExp(`FAULT  ${chain} chain`));
  return direct[chain];
}

describe('a good ledger', () => {
  it('verifies: Custody.verify, verifyLedger and `npm run verify` (exit 0)', async () => {
    const dir = tampered(() => {});
    const db = new Database(path.join(dir, DB_FILE), { readonly: true });
    expect(verifyLedger(db, siteId, key, dir)).toMatchObject({
      ok: true,
      main: { ok: true, events: total, fault: null, firstBadSeq: null, checkpointFile: 'matched' },
      restricted: { ok: true, events: restrictedTotal, fault: null, checkpointFile: 'matched' },
      split: { state: 'none' },
    });
    db.close();
    const custody = new Custody({ site: fixtureSite(dir), dataDir: dir, siteKey: key });
    expect(custody.verify()).toMatchObject({ ok: true, main: { events: total }, restricted: { events: restrictedTotal } });
    custody.close();
    const cmd = await runVerifyCommand(dir);
    expect(cmd.code, cmd.out).toBe(0);
    expect(cmd.out).toMatch(/^OK /);
    // The wrong key is a fault, not a pass.
    const wrong = new Database(path.join(dir, DB_FILE), { readonly: true });
    expect(verifyLedger(wrong, siteId, randomBytes(32), dir)).toMatchObject({
      ok: false, main: { fault: 'head_signature_invalid' }, restricted: { fault: 'head_signature_invalid' } });
    wrong.close();
  });

  it('the triggers refuse UPDATE and DELETE on events', () => {
    tampered((db) => {
      expect(() => db.prepare(`UPDATE events SET details = '{}' WHERE chain = 'main' AND seq = 1`).run()).toThrow(/append-only/);
      expect(() => db.prepare(`DELETE FROM events WHERE chain = 'main' AND seq = 1`).run()).toThrow(/append-only/);
    });
  });
});

describe('each fault is caught and named', () => {
  it('an edit (triggers dropped, a details column changed) → hash_mismatch at that seq', async () => {
    const dir = tampered((db) => {
      dropTriggers(db);
      db.prepare(`UPDATE events SET details = ? WHERE chain = 'main' AND seq = 5`).run(JSON.stringify({ condition: '封装破损' }));
    });
    const r = await expectCaught(dir, 'hash_mismatch', 5);
    expect(r.message).toContain('seq 5');
  });

  it('an edit of the actors column (who did it) → hash_mismatch', async () => {
    const dir = tampered((db) => {
      dropTriggers(db);
      db.prepare(`UPDATE events SET actors = ? WHERE chain = 'main' AND seq = 7`).run(JSON.stringify({ by: 'u-supervisor', role: 'supervisor' }));
    });
    await expectCaught(dir, 'hash_mismatch', 7);
  });

  it('a deletion in the middle → seq_gap at the missing seq', async () => {
    const dir = tampered((db) => {
      dropTriggers(db);
      db.prepare(`DELETE FROM events WHERE chain = 'main' AND seq = 6`).run();
    });
    await expectCaught(dir, 'seq_gap', 6);
  });

  it('an insertion in the middle (a well-formed event linked to seq 4, later rows shifted) → the chain breaks right after it', async () => {
    const dir = tampered((db) => {
      dropTriggers(db);
      const all = rows(db);
      for (const r of [...all].reverse()) if (r.seq >= 5) db.prepare(`UPDATE events SET seq = seq + 1 WHERE chain = 'main' AND seq = ?`).run(r.seq);
      const prev = all[3];
      const forged = { ...eventFromRow(all[4]), seq: 5, id: randomUUID(), kind: 'moved', prevHash: prev.hash };
      const hash = hashEvent(forged);
      db.prepare(`INSERT INTO events (chain, seq, id, at, kind, item_id, order_id, actors, from_state, to_state, details, restricted, prev_hash, hash)
        VALUES ('main', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(5, forged.id, forged.at, forged.kind, forged.itemId, forged.orderId,
        JSON.stringify(forged.actors), JSON.stringify(forged.from), JSON.stringify(forged.to), JSON.stringify(forged.details), 0, forged.prevHash, hash);
    });
    // The forged event itself links and hashes correctly; the event after it no longer links.
    const r = await expectCaught(dir, 'prev_hash_mismatch', 6);
    expect(r.message).toContain('seq 6');
  });

  it('an insertion at the end (a well-formed event after the signed head) → head_mismatch at the first unsigned seq', async () => {
    const dir = tampered((db) => {
      const all = rows(db);
      const last = all[all.length - 1];
      const forged = { ...eventFromRow(last), seq: last.seq + 1, id: randomUUID(), prevHash: last.hash };
      db.prepare(`INSERT INTO events (chain, seq, id, at, kind, item_id, order_id, actors, from_state, to_state, details, restricted, prev_hash, hash)
        VALUES ('main', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(forged.seq, forged.id, forged.at, forged.kind, forged.itemId, forged.orderId,
        last.actors, last.from_state, last.to_state, last.details, last.restricted, forged.prevHash, hashEvent(forged));
    });
    await expectCaught(dir, 'head_mismatch', total + 1);
  });

  it('a reordering (two rows swap content) → prev_hash_mismatch at the first of them', async () => {
    const dir = tampered((db) => {
      dropTriggers(db);
      const [a, b] = [rows(db)[7], rows(db)[8]];
      const cols = ['id', 'at', 'kind', 'item_id', 'order_id', 'actors', 'from_state', 'to_state', 'details', 'restricted', 'prev_hash', 'hash'] as const;
      const set = `UPDATE events SET ${cols.map((c) => `${c} = @${c}`).join(', ')} WHERE chain = 'main' AND seq = @seq`;
      db.prepare(`UPDATE events SET id = ? WHERE chain = 'main' AND seq = ?`).run('tmp', b.seq);
      db.prepare(set).run({ ...b, seq: a.seq });
      db.prepare(set).run({ ...a, seq: b.seq });
    });
    await expectCaught(dir, 'prev_hash_mismatch', 8);
  });

  it('a cut-off tail (last events deleted, head row set back to an earlier signed head) → checkpoint_file_ahead', async () => {
    const dir = tampered((db) => {
      dropTriggers(db);
      db.prepare(`DELETE FROM events WHERE chain = 'main' AND seq > ?`).run(headAt9.seq);
      db.prepare(`UPDATE ledger_heads SET seq = ?, hash = ?, at = ?, mac = ? WHERE chain = 'main'`).run(headAt9.seq, headAt9.hash, headAt9.at, headAt9.mac);
    });
    const r = await expectCaught(dir, 'checkpoint_file_ahead', headAt9.seq + 1);
    expect(r.events).toBe(headAt9.seq);
  });

  it('a cut-off tail with the head row left as it was → head_mismatch at the first missing seq', async () => {
    const dir = tampered((db) => {
      dropTriggers(db);
      db.prepare(`DELETE FROM events WHERE chain = 'main' AND seq > 10`).run();
    });
    await expectCaught(dir, 'head_mismatch', 11);
  });

  it('a whole history recomputed from scratch without the key (hashes right, head signed with another key) → head_signature_invalid', async () => {
    const dir = tampered((db) => {
      dropTriggers(db);
      let prev = '0'.repeat(64);
      for (const row of rows(db)) {
        const e = eventFromRow(row);
        if (e.seq === 3) e.details = { ...e.details, condition: '外包装缺失' };
        const rewritten = { ...e, prevHash: prev };
        const hash = hashEvent(rewritten);
        db.prepare(`UPDATE events SET details = ?, prev_hash = ?, hash = ? WHERE chain = 'main' AND seq = ?`).run(JSON.stringify(rewritten.details), prev, hash, e.seq);
        prev = hash;
      }
      const forger = randomBytes(32);
      db.prepare(`UPDATE ledger_heads SET seq = ?, hash = ?, mac = ? WHERE chain = 'main'`).run(total, prev, checkpointMac(forger, siteId, total, prev));
      // Only the chain and the head row: the checkpoint file is left as the gateway wrote it.
      const check = verifyLedger(db, siteId, forger, null);
      expect(check.main.ok).toBe(true); // self-consistent under the forger's own key
    });
    await expectCaught(dir, 'head_signature_invalid', null);
  });

  it('a history recomputed from scratch that keeps the old signed head → head_mismatch, no made-up seq', async () => {
    const dir = tampered((db) => {
      dropTriggers(db);
      let prev = '0'.repeat(64);
      for (const row of rows(db)) {
        const e = eventFromRow(row);
        if (e.seq === 3) e.details = { ...e.details, condition: '外包装缺失' };
        const hash = hashEvent({ ...e, prevHash: prev });
        db.prepare(`UPDATE events SET details = ?, prev_hash = ?, hash = ? WHERE chain = 'main' AND seq = ?`).run(JSON.stringify(e.details), prev, hash, e.seq);
        prev = hash;
      }
    });
    const r = await expectCaught(dir, 'head_mismatch', null);
    expect(r.message).toMatch(/rewritten/);
  });

  it('the head row deleted → head_missing', async () => {
    const dir = tampered((db) => { db.prepare(`DELETE FROM ledger_heads WHERE chain = 'main'`).run(); });
    await expectCaught(dir, 'head_missing', null);
  });
});
