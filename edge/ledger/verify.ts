// Recomputes every chain from the stored columns. Trusts nothing it reads: not the triggers (they
// can be dropped), not the head rows (they can be rewritten), only the site key it is given.
import fs from 'node:fs';
import path from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import type { Db } from '../store/db.ts';
import { checkpointMac, eventFromRow, GENESIS_HASH, hashEvent, type Chain, type EventRow } from './event.ts';
import { HEAD_FILES } from './ledger.ts';
import { SPLIT_KIND } from './split.ts';

export const VERIFY_FAULTS = [
  'seq_gap', 'prev_hash_mismatch', 'hash_mismatch', 'unreadable_event', 'wrong_chain',
  'head_missing', 'head_mismatch', 'head_signature_invalid',
  'checkpoint_file_ahead', 'checkpoint_file_mismatch', 'checkpoint_file_signature_invalid', 'checkpoint_file_unreadable',
  'split_mismatch',
] as const;
export type VerifyFault = (typeof VERIFY_FAULTS)[number];

export interface VerifyReport {
  chain: Chain;
  ok: boolean;
  events: number;
  head: { seq: number; hash: string };
  /** The first seq at which the chain is wrong, when the fault is in the chain itself. */
  firstBadSeq: number | null;
  fault: VerifyFault | null;
  message: string;
  checkpointFile: 'matched' | 'absent' | 'not_checked';
  durationMs: number;
}

/** Both chains, and the split between them on a store made before the restricted zone had its own. */
export interface LedgerReport {
  ok: boolean;
  main: VerifyReport;
  restricted: VerifyReport;
  split: SplitReport;
}

export interface SplitReport {
  /** `none`: the store never held the zone's events in its main chain; `pending`: the gateway has not yet split it. */
  state: 'none' | 'pending' | 'matched' | 'broken';
  main: { seq: number; hash: string } | null;
  restricted: { seq: number; hash: string } | null;
  message: string;
}

const sameHex = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

export function verifyLedger(db: Db, siteId: string, key: Buffer, dataDir: string | null): LedgerReport {
  const main = verifyChain(db, 'main', siteId, key, dataDir);
  const restricted = verifyChain(db, 'restricted', siteId, key, dataDir);
  const split = verifySplit(db);
  return { ok: main.ok && restricted.ok && split.state !== 'broken', main, restricted, split };
}

/**
 * One chain: seq dense from 1, each event linked to the one before and hashing to its stored hash,
 * in the right chain, ending at the signed head and at (or past) the head file.
 */
export function verifyChain(db: Db, chain: Chain, siteId: string, key: Buffer, dataDir: string | null): VerifyReport {
  const started = performance.now();
  const done = (r: Omit<VerifyReport, 'durationMs' | 'checkpointFile' | 'chain'> & { checkpointFile?: VerifyReport['checkpointFile'] }): VerifyReport =>
    ({ chain, checkpointFile: 'not_checked', ...r, durationMs: Math.round(performance.now() - started) });
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let splitSeen = false;
  const fault = (seq: number, f: VerifyFault, message: string) =>
    done({ ok: false, events: expectedSeq - 1, head: { seq: expectedSeq - 1, hash: prevHash }, firstBadSeq: seq, fault: f, message });

  const rows = db.prepare('SELECT * FROM events WHERE chain = ? ORDER BY seq').iterate(chain) as IterableIterator<EventRow>;
  const hashesAt = new Map<number, string>();
  for (const row of rows) {
    if (row.seq !== expectedSeq) return fault(expectedSeq, 'seq_gap', `${chain} seq ${expectedSeq} is missing (next stored is ${row.seq})`);
    if (row.prev_hash !== prevHash) return fault(row.seq, 'prev_hash_mismatch', `${chain} seq ${row.seq} does not link to seq ${row.seq - 1}`);
    let recomputed: string;
    try {
      recomputed = hashEvent(eventFromRow(row));
    } catch {
      return fault(row.seq, 'unreadable_event', `${chain} seq ${row.seq} has a column that is not valid JSON`);
    }
    if (!sameHex(recomputed, row.hash)) return fault(row.seq, 'hash_mismatch', `${chain} seq ${row.seq} was changed after it was written`);
    // The restricted chain holds only the zone's events; the main chain held them only before the split.
    if (chain === 'restricted' ? row.restricted !== 1 : row.restricted === 1 && splitSeen) {
      return fault(row.seq, 'wrong_chain', `${chain} seq ${row.seq} belongs to the ${chain === 'main' ? 'restricted' : 'main'} chain`);
    }
    if (row.kind === SPLIT_KIND) splitSeen = true;
    prevHash = row.hash;
    if (row.seq % 4096 === 0) hashesAt.set(row.seq, row.hash);
    expectedSeq++;
  }
  const count = expectedSeq - 1;
  const head = { seq: count, hash: prevHash };
  const ok = (message: string, checkpointFile: VerifyReport['checkpointFile']) =>
    done({ ok: true, events: count, head, firstBadSeq: null, fault: null, message, checkpointFile });
  const bad = (f: VerifyFault, message: string, firstBadSeq: number | null = null) =>
    done({ ok: false, events: count, head, firstBadSeq, fault: f, message });

  const signed = db.prepare('SELECT seq, hash, mac FROM ledger_heads WHERE chain = ?').get(chain) as { seq: number; hash: string; mac: string } | undefined;
  if (!signed) {
    if (count === 0) return ok(`the ${chain} chain is empty`, 'not_checked');
    return bad('head_missing', `the signed head of the ${chain} chain is missing`);
  }
  if (!sameHex(checkpointMac(key, siteId, signed.seq, signed.hash, chain), signed.mac)) {
    return bad('head_signature_invalid', `the signed head of the ${chain} chain was not signed with this site's key: the ledger may have been rewritten`);
  }
  if (signed.seq !== count || signed.hash !== prevHash) {
    // Past the end: the first missing seq. Short of it: the first unsigned seq, when the chain still
    // passes through the signed head; when it does not, history up to the head was rewritten and
    // the head alone cannot say where.
    const first = signed.seq > count ? count + 1 : hashAt(db, chain, signed.seq, hashesAt) === signed.hash ? signed.seq + 1 : null;
    return bad('head_mismatch', signed.seq === count
      ? `the ${chain} chain ends at seq ${count} with another hash than the signed head: the ledger was rewritten`
      : `the signed head of the ${chain} chain is at seq ${signed.seq} but the chain ends at seq ${count}`, first);
  }

  if (!dataDir) return ok(`${count} events, chain and signed head intact`, 'not_checked');
  const file = path.join(dataDir, HEAD_FILES[chain]);
  if (!fs.existsSync(file)) return ok(`${count} events, chain and signed head intact (no checkpoint file to compare)`, 'absent');
  let cp: { siteId: string; seq: number; hash: string; mac: string };
  try {
    cp = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return bad('checkpoint_file_unreadable', `${file} is not readable JSON`);
  }
  if (typeof cp.mac !== 'string' || !sameHex(checkpointMac(key, siteId, cp.seq, cp.hash, chain), cp.mac)) {
    return bad('checkpoint_file_signature_invalid', `${file} is not signed with this site's key`);
  }
  if (cp.seq > count) {
    return bad('checkpoint_file_ahead', `the checkpoint file says ${chain} seq ${cp.seq} existed; the chain ends at ${count}: its tail was cut off`, count + 1);
  }
  const atSeq = cp.seq === count ? prevHash : hashAt(db, chain, cp.seq, hashesAt);
  if (atSeq !== cp.hash) return bad('checkpoint_file_mismatch', `${chain} seq ${cp.seq} differs from the checkpointed one`, cp.seq);
  return ok(`${count} events, chain, signed head and checkpoint file intact`, 'matched');
}

/** The two split events must exist together and name each other's head as it is stored. */
export function verifySplit(db: Db): SplitReport {
  const pending = db.prepare(`SELECT 1 FROM ledger_meta WHERE key = 'split_pending'`).get();
  const splitOf = (chain: Chain) => db.prepare(`SELECT * FROM events WHERE chain = ? AND kind = ? ORDER BY seq LIMIT 2`).all(chain, SPLIT_KIND) as EventRow[];
  const [m, ...mMore] = splitOf('main');
  const [r, ...rMore] = splitOf('restricted');
  const at = (e: EventRow | undefined) => (e ? { seq: e.seq, hash: e.hash } : null);
  const report = (state: SplitReport['state'], message: string): SplitReport => ({ state, main: at(m), restricted: at(r), message });
  if (!m && !r) return pending ? report('pending', 'the gateway will split the chains at its next start') : report('none', 'the chains were never one');
  if (!m || !r || mMore.length || rMore.length) return report('broken', 'the split is recorded in one chain only, or more than once');
  let named: { mainHead?: { seq: number; hash: string } };
  let namedBack: { restrictedHead?: { seq: number; hash: string } };
  try {
    named = JSON.parse(r.details);
    namedBack = JSON.parse(m.details);
  } catch {
    return report('broken', 'a split event is not readable');
  }
  const mainAt = named.mainHead && db.prepare(`SELECT hash FROM events WHERE chain = 'main' AND seq = ?`).get(named.mainHead.seq) as { hash: string } | undefined;
  const mainOk = !!named.mainHead && (named.mainHead.seq === 0 ? named.mainHead.hash === GENESIS_HASH : mainAt?.hash === named.mainHead.hash)
    && named.mainHead.seq === m.seq - 1;
  const restrictedOk = !!namedBack.restrictedHead && namedBack.restrictedHead.seq === r.seq && namedBack.restrictedHead.hash === r.hash;
  if (r.seq !== 1 || !mainOk || !restrictedOk) return report('broken', 'the split events do not name each other\'s heads');
  return report('matched', `split at main seq ${m.seq} and restricted seq ${r.seq}`);
}

function hashAt(db: Db, chain: Chain, seq: number, cache: Map<number, string>): string | undefined {
  return cache.get(seq) ?? (db.prepare('SELECT hash FROM events WHERE chain = ? AND seq = ?').get(chain, seq) as { hash: string } | undefined)?.hash;
}
