// The restricted zone's own chain: a store made before the split (one chain holding the zone's
// events) keeps verifying, is split once with an event in both chains naming the other's head, and
// each chain then grows and is checked on its own (its seq, signed head and head file).
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Custody } from '../../edge/custody.ts';
import { MIGRATIONS } from '../../edge/store/migrations.ts';
import { DB_FILE } from '../../edge/store/db.ts';
import { HEAD_FILES } from '../../edge/ledger/ledger.ts';
import { verifyLedger } from '../../edge/ledger/verify.ts';
import { checkpointMac, GENESIS_HASH, hashEvent, type CustodyEvent } from '../../edge/ledger/event.ts';
import { fixtureSite, intake, tempDir, TestClock } from '../helpers/custody-site.ts';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

const key = randomBytes(32);
const SITE = 'test-center';

/**
 * A data folder exactly as the gateway wrote it before the chains were split: schema version 2, one
 * chain whose events 3 and 4 are the restricted zone's, its signed head row and head file.
 */
function storeBeforeTheSplit(): { dir: string; head: { seq: number; hash: string } } {
  const dir = tempDir('chains-old-');
  dirs.push(dir);
  const db = new Database(path.join(dir, DB_FILE));
  db.pragma('journal_mode = WAL');
  for (const [v, sql] of MIGRATIONS.slice(0, 2).entries()) {
    db.exec(sql);
    db.pragma(`user_version = ${v + 1}`);
  }
  let prevHash = GENESIS_HASH;
  const insert = db.prepare(`INSERT INTO events (seq, id, at, kind, item_id, order_id, actors, from_state, to_state, details, restricted, prev_hash, hash)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const restrictedSeqs = new Set([3, 4]);
  for (let seq = 1; seq <= 6; seq++) {
    const e: CustodyEvent = {
      seq, id: randomUUID(), at: new Date(Date.UTC(2024, 5, 1, 8, seq)).toISOString(), kind: 'announced', itemId: `OLD-${seq}`,
      orderId: 'OR-OLD', actors: { by: 'u-operator', role: 'operator' }, from: null,
      to: { state: 'announced', zoneId: null, locationId: null, agencyId: restrictedSeqs.has(seq) ? 'ccdi' : 'psb-taishan' },
      details: {}, restricted: restrictedSeqs.has(seq), prevHash,
    };
    const hash = hashEvent(e);
    insert.run(seq, e.id, e.at, e.kind, e.itemId, e.orderId, JSON.stringify(e.actors), null, JSON.stringify(e.to), '{}', e.restricted ? 1 : 0, prevHash, hash);
    prevHash = hash;
  }
  // The head as the old gateway signed it: the MAC over site, seq and hash (the main chain's form today).
  const mac = checkpointMac(key, SITE, 6, prevHash);
  db.prepare('INSERT INTO ledger_head (id, seq, hash, at, mac) VALUES (1, 6, ?, ?, ?)').run(prevHash, '2024-06-01T08:06:00.000Z', mac);
  db.close();
  fs.writeFileSync(path.join(dir, 'ledger-head.json'), JSON.stringify({ siteId: SITE, seq: 6, hash: prevHash, mac }));
  return { dir, head: { seq: 6, hash: prevHash } };
}

const open = (dir: string) => new Custody({ site: fixtureSite(dir), dataDir: dir, siteKey: key, clock: new TestClock() });

describe('a store made before the restricted zone had its own chain', () => {
  it('is split once on start, with an event in each chain naming the other\'s head, and both chains verify', () => {
    const { dir, head } = storeBeforeTheSplit();
    const c = open(dir);
    try {
      const split = c.db.prepare(`SELECT chain, seq, details FROM events WHERE kind = 'chain_split' ORDER BY chain`).all() as { chain: string; seq: number; details: string }[];
      const restrictedFirst = c.db.prepare(`SELECT hash FROM events WHERE chain = 'restricted' AND seq = 1`).get() as { hash: string };
      expect(split.map((s) => [s.chain, s.seq])).toEqual([['main', 7], ['restricted', 1]]);
      expect(JSON.parse(split[1].details).mainHead).toEqual(head);
      expect(JSON.parse(split[0].details).restrictedHead).toEqual({ seq: 1, hash: restrictedFirst.hash });
      // No history was rewritten: the six old events are where they were, hashes unchanged.
      expect((c.db.prepare(`SELECT hash FROM events WHERE chain = 'main' AND seq = 6`).get() as { hash: string }).hash).toBe(head.hash);
      expect(c.verify()).toMatchObject({
        ok: true, split: { state: 'matched', main: { seq: 7 }, restricted: { seq: 1 } },
        main: { ok: true, events: 7 }, restricted: { ok: true, events: 1 },
      });

      // From now on each chain grows on its own.
      intake(c.ctx, { count: 1 });
      intake(c.ctx, { count: 1, restricted: true });
      expect(c.ctx.ledger.headNow.seq).toBe(10);
      expect(c.ctx.ledger.headOf('restricted').seq).toBe(4);
      expect(c.db.prepare(`SELECT count(*) AS n FROM events WHERE chain = 'main' AND seq > 7 AND restricted = 1`).get()).toEqual({ n: 0 });
    } finally {
      c.close();
    }
    // A second start does not split again.
    const again = open(dir);
    try {
      expect(again.db.prepare(`SELECT count(*) AS n FROM events WHERE kind = 'chain_split'`).get()).toEqual({ n: 2 });
      expect(again.verify()).toMatchObject({ ok: true, main: { events: 10, checkpointFile: 'matched' }, restricted: { events: 4, checkpointFile: 'matched' } });
    } finally {
      again.close();
    }
  });

  it('a split recorded in one chain only is a fault', () => {
    const { dir } = storeBeforeTheSplit();
    open(dir).close();
    const db = new Database(path.join(dir, DB_FILE));
    db.exec('DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;');
    db.prepare(`DELETE FROM events WHERE chain = 'restricted' AND kind = 'chain_split'`).run();
    const r = verifyLedger(db, SITE, key, dir);
    db.close();
    expect(r.ok).toBe(false);
    expect(r.split.state).toBe('broken');
    // Taking the restricted chain's only event also leaves its signed head pointing past its end.
    expect(r.restricted).toMatchObject({ ok: false, fault: 'head_mismatch', firstBadSeq: 1 });
  });

  it('an event of the zone appended to the main chain after the split is a wrong_chain fault, even correctly hashed and signed', () => {
    const { dir } = storeBeforeTheSplit();
    const c = open(dir);
    c.close();
    const db = new Database(path.join(dir, DB_FILE));
    const last = db.prepare(`SELECT seq, hash FROM events WHERE chain = 'main' ORDER BY seq DESC LIMIT 1`).get() as { seq: number; hash: string };
    const e: CustodyEvent = { seq: last.seq + 1, id: randomUUID(), at: '2025-03-03T08:00:00.000Z', kind: 'moved', itemId: 'OLD-3', orderId: null,
      actors: { by: 'u-discipline', role: 'discipline' }, from: null, to: null, details: {}, restricted: true, prevHash: last.hash };
    const hash = hashEvent(e);
    db.prepare(`INSERT INTO events (chain, seq, id, at, kind, item_id, order_id, actors, from_state, to_state, details, restricted, prev_hash, hash)
      VALUES ('main', ?, ?, ?, 'moved', 'OLD-3', NULL, ?, NULL, NULL, '{}', 1, ?, ?)`).run(e.seq, e.id, e.at, JSON.stringify(e.actors), e.prevHash, hash);
    db.prepare(`UPDATE ledger_heads SET seq = ?, hash = ?, mac = ? WHERE chain = 'main'`).run(e.seq, hash, checkpointMac(key, SITE, e.seq, hash));
    const r = verifyLedger(db, SITE, key, null);
    db.close();
    expect(r.main).toMatchObject({ ok: false, fault: 'wrong_chain', firstBadSeq: e.seq });
  });
});

describe('each chain is checked on its own', () => {
  it('a cut-off tail of the restricted chain is caught by its own head file, and the main chain stays intact', () => {
    const dir = tempDir('chains-new-');
    dirs.push(dir);
    const c = open(dir);
    intake(c.ctx, { count: 2 });
    intake(c.ctx, { count: 2, restricted: true });
    const heads = { main: c.ctx.ledger.headNow, restricted: c.ctx.ledger.headOf('restricted') };
    expect(heads.restricted.seq).toBe(6);
    expect(c.verify().split.state).toBe('none');
    c.close();
    const file = JSON.parse(fs.readFileSync(path.join(dir, HEAD_FILES.restricted), 'utf8'));
    expect(file).toMatchObject({ chain: 'restricted', seq: 6, hash: heads.restricted.hash });

    const db = new Database(path.join(dir, DB_FILE));
    db.exec('DROP TRIGGER events_no_delete;');
    db.prepare(`DELETE FROM events WHERE chain = 'restricted' AND seq > 3`).run();
    const at3 = db.prepare(`SELECT hash FROM events WHERE chain = 'restricted' AND seq = 3`).get() as { hash: string };
    db.prepare(`UPDATE ledger_heads SET seq = 3, hash = ?, mac = ? WHERE chain = 'restricted'`).run(at3.hash, checkpointMac(key, SITE, 3, at3.hash, 'restricted'));
    const r = verifyLedger(db, SITE, key, dir);
    db.close();
    expect(r.main).toMatchObject({ ok: true, events: heads.main.seq });
    expect(r.restricted).toMatchObject({ ok: false, fault: 'checkpoint_file_ahead', firstBadSeq: 4 });
  });

  it('a head signed for one chain does not pass for the other', () => {
    const dir = tempDir('chains-mac-');
    dirs.push(dir);
    const c = open(dir);
    intake(c.ctx, { count: 1, restricted: true });
    c.close();
    const db = new Database(path.join(dir, DB_FILE));
    const h = db.prepare(`SELECT seq, hash FROM ledger_heads WHERE chain = 'restricted'`).get() as { seq: number; hash: string };
    db.prepare(`UPDATE ledger_heads SET mac = ? WHERE chain = 'restricted'`).run(checkpointMac(key, SITE, h.seq, h.hash, 'main'));
    const r = verifyLedger(db, SITE, key, null);
    db.close();
    expect(r.restricted).toMatchObject({ ok: false, fault: 'head_signature_invalid' });
  });
});
