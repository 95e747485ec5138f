// Recomputes the whole chain from the stored columns. Trusts nothing it reads: not the triggers
// (they can be dropped), not the head row (it can be rewritten), only the site key it is given.
import fs from 'node:fs';
import path from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import type { Db } from '../store/db.ts';
import { checkpointMac, eventFromRow, GENESIS_HASH, hashEvent, type EventRow } from './event.ts';
import { HEAD_FILE } from './ledger.ts';

export type VerifyFault =
  | 'seq_gap' | 'prev_hash_mismatch' | 'hash_mismatch' | 'unreadable_event'
  | 'head_missing' | 'head_mismatch' | 'head_signature_invalid'
  | 'checkpoint_file_ahead' | 'checkpoint_file_mismatch' | 'checkpoint_file_signature_invalid' | 'checkpoint_file_unreadable';

export interface VerifyReport {
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

const sameHex = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

export function verifyLedger(db: Db, siteId: string, key: Buffer, dataDir: string | null): VerifyReport {
  const started = performance.now();
  const done = (r: Omit<VerifyReport, 'durationMs' | 'checkpointFile'> & { checkpointFile?: VerifyReport['checkpointFile'] }): VerifyReport =>
    ({ checkpointFile: 'not_checked', ...r, durationMs: Math.round(performance.now() - started) });
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  const fault = (seq: number, f: VerifyFault, message: string) =>
    done({ ok: false, events: expectedSeq - 1, head: { seq: expectedSeq - 1, hash: prevHash }, firstBadSeq: seq, fault: f, message });

  // Iterate in rowid order, not trusting seq to be unique or dense: an insertion or a reordering shows as a gap or a broken link.
  const rows = db.prepare('SELECT * FROM events ORDER BY seq').iterate() as IterableIterator<EventRow>;
  const hashesAt = new Map<number, string>();
  for (const row of rows) {
    if (row.seq !== expectedSeq) return fault(expectedSeq, 'seq_gap', `seq ${expectedSeq} is missing (next stored is ${row.seq})`);
    if (row.prev_hash !== prevHash) return fault(row.seq, 'prev_hash_mismatch', `seq ${row.seq} does not link to seq ${row.seq - 1}`);
    let recomputed: string;
    try {
      recomputed = hashEvent(eventFromRow(row));
    } catch {
      return fault(row.seq, 'unreadable_event', `seq ${row.seq} has a column that is not valid JSON`);
    }
    if (!sameHex(recomputed, row.hash)) return fault(row.seq, 'hash_mismatch', `seq ${row.seq} was changed after it was written`);
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

  const signed = db.prepare('SELECT seq, hash, mac FROM ledger_head WHERE id = 1').get() as { seq: number; hash: string; mac: string } | undefined;
  if (!signed) {
    if (count === 0) return ok('the ledger is empty', 'not_checked');
    return bad('head_missing', 'the signed head of the ledger is missing');
  }
  if (!sameHex(checkpointMac(key, siteId, signed.seq, signed.hash), signed.mac)) {
    return bad('head_signature_invalid', 'the signed head was not signed with this site\'s key: the ledger may have been rewritten');
  }
  if (signed.seq !== count || signed.hash !== prevHash) {
    // Past the end: the first missing seq. Short of it: the first unsigned seq, when the chain still
    // passes through the signed head; when it does not, history up to the head was rewritten and
    // the head alone cannot say where.
    const first = signed.seq > count ? count + 1 : hashAt(db, signed.seq, hashesAt) === signed.hash ? signed.seq + 1 : null;
    return bad('head_mismatch', signed.seq === count
      ? `the chain ends at seq ${count} with another hash than the signed head: the ledger was rewritten`
      : `the signed head is at seq ${signed.seq} but the chain ends at seq ${count}`, first);
  }

  if (!dataDir) return ok(`${count} events, chain and signed head intact`, 'not_checked');
  const file = path.join(dataDir, HEAD_FILE);
  if (!fs.existsSync(file)) return ok(`${count} events, chain and signed head intact (no checkpoint file to compare)`, 'absent');
  let cp: { siteId: string; seq: number; hash: string; mac: string };
  try {
    cp = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return bad('checkpoint_file_unreadable', `${file} is not readable JSON`);
  }
  if (typeof cp.mac !== 'string' || !sameHex(checkpointMac(key, siteId, cp.seq, cp.hash), cp.mac)) {
    return bad('checkpoint_file_signature_invalid', `${file} is not signed with this site's key`);
  }
  if (cp.seq > count) {
    return bad('checkpoint_file_ahead', `the checkpoint file says seq ${cp.seq} existed; the ledger ends at ${count}: its tail was cut off`, count + 1);
  }
  const atSeq = cp.seq === count ? prevHash : hashAt(db, cp.seq, hashesAt);
  if (atSeq !== cp.hash) return bad('checkpoint_file_mismatch', `seq ${cp.seq} differs from the checkpointed one`, cp.seq);
  return ok(`${count} events, chain, signed head and checkpoint file intact`, 'matched');
}

function hashAt(db: Db, seq: number, cache: Map<number, string>): string | undefined {
  return cache.get(seq) ?? (db.prepare('SELECT hash FROM events WHERE seq = ?').get(seq) as { hash: string } | undefined)?.hash;
}
