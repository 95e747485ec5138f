// Appending to the custody ledger. Every append happens inside the caller's transaction, the one
// that changes the item's state, and the signed head is rewritten before that transaction commits:
// the ledger, the state and the checkpoint can never disagree after a power cut.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../store/db.ts';
import { checkpointMac, GENESIS_HASH, hashEvent, type CustodyEvent, type HashedEvent } from './event.ts';

export type NewEvent = Omit<CustodyEvent, 'seq' | 'id' | 'prevHash' | 'at'> & { at?: string };

export const HEAD_FILE = 'ledger-head.json';

export interface Head { seq: number; hash: string }

export class Ledger {
  private head: Head;
  private pending: Head | null = null;
  private listeners: ((e: HashedEvent) => void)[] = [];
  private readonly insert;
  private readonly writeHead;

  constructor(private readonly db: Db, private readonly siteId: string, private readonly key: Buffer,
    private readonly dataDir: string | null, private readonly now: () => number = Date.now) {
    const row = db.prepare('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1').get() as Head | undefined;
    this.head = row ?? { seq: 0, hash: GENESIS_HASH };
    this.insert = db.prepare(`INSERT INTO events
      (seq, id, at, kind, item_id, order_id, actors, from_state, to_state, details, restricted, prev_hash, hash)
      VALUES (@seq, @id, @at, @kind, @itemId, @orderId, @actors, @from, @to, @details, @restricted, @prevHash, @hash)`);
    this.writeHead = db.prepare(`INSERT INTO ledger_head (id, seq, hash, at, mac) VALUES (1, ?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, at = excluded.at, mac = excluded.mac`);
  }

  get headNow(): Head { return { ...(this.pending ?? this.head) }; }

  /** Listeners hear an event once its transaction has committed, never before. */
  onCommitted(fn: (e: HashedEvent) => void): () => void {
    this.listeners.push(fn);
    return () => { this.listeners = this.listeners.filter((l) => l !== fn); };
  }

  /**
   * Runs `fn` in one transaction; events appended inside it and the state changes commit together.
   * Nested calls join the outer transaction.
   */
  transaction<T>(fn: (tx: LedgerTx) => T): T {
    if (this.pending) return fn(this.txView);
    const appended: HashedEvent[] = [];
    this.collect = appended;
    this.pending = { ...this.head };
    try {
      const result = this.db.transaction(() => {
        const r = fn(this.txView);
        if (appended.length) this.sign();
        return r;
      })();
      if (appended.length) {
        this.head = this.pending;
        this.mirrorHead();
      }
      for (const e of appended) for (const l of this.listeners) l(e);
      return result;
    } finally {
      this.pending = null;
      this.collect = null;
    }
  }

  private collect: HashedEvent[] | null = null;
  private readonly txView: LedgerTx = { append: (e) => this.append(e) };

  private append(input: NewEvent): HashedEvent {
    if (!this.pending || !this.collect) throw new Error('append outside a ledger transaction');
    const event: CustodyEvent = {
      seq: this.pending.seq + 1,
      id: randomUUID(),
      at: input.at ?? new Date(this.now()).toISOString(),
      kind: input.kind,
      itemId: input.itemId,
      orderId: input.orderId,
      actors: input.actors,
      from: input.from,
      to: input.to,
      details: input.details,
      restricted: input.restricted,
      prevHash: this.pending.hash,
    };
    const hashed: HashedEvent = { ...event, hash: hashEvent(event) };
    this.insert.run({
      ...hashed,
      actors: JSON.stringify(hashed.actors),
      from: hashed.from === null ? null : JSON.stringify(hashed.from),
      to: hashed.to === null ? null : JSON.stringify(hashed.to),
      details: JSON.stringify(hashed.details),
      restricted: hashed.restricted ? 1 : 0,
    });
    this.pending = { seq: hashed.seq, hash: hashed.hash };
    this.collect.push(hashed);
    return hashed;
  }

  private sign(): void {
    const { seq, hash } = this.pending!;
    this.writeHead.run(seq, hash, new Date(this.now()).toISOString(), checkpointMac(this.key, this.siteId, seq, hash));
  }

  /**
   * A copy of the signed head outside the database: cutting the tail off the database (and its
   * head row with it) leaves this file pointing past the end, which verify reports.
   * Written atomically (rename) after commit, at most every MIRROR_INTERVAL_MS and at close: a
   * rename costs about as much as the commit's own fsync, so writing it per commit would halve
   * single-event throughput. It may lag the database by that interval, never lead it.
   */
  private mirrorTimer: NodeJS.Timeout | null = null;
  private lastMirror = 0;
  private mirrorDirty = false;

  private mirrorHead(): void {
    this.mirrorDirty = true;
    if (!this.dataDir || this.mirrorTimer) return;
    const wait = this.lastMirror + MIRROR_INTERVAL_MS - Date.now();
    if (wait <= 0) return this.writeMirror();
    this.mirrorTimer = setTimeout(() => this.writeMirror(), wait);
    this.mirrorTimer.unref();
  }

  /**
   * Writes the head file now if this process committed since the last write (at close, so that a
   * clean stop leaves it exact). Never from what was merely read: opening a truncated database must
   * not rewrite the file that proves the truncation.
   */
  flushMirror(): void {
    if (this.dataDir && this.mirrorDirty) this.writeMirror();
  }

  private writeMirror(): void {
    if (this.mirrorTimer) clearTimeout(this.mirrorTimer);
    this.mirrorTimer = null;
    this.lastMirror = Date.now();
    this.mirrorDirty = false;
    const { seq, hash } = this.head;
    if (seq === 0) return;
    const file = path.join(this.dataDir!, HEAD_FILE);
    const body = JSON.stringify({ siteId: this.siteId, seq, hash, mac: checkpointMac(this.key, this.siteId, seq, hash) });
    try {
      fs.writeFileSync(file + '.tmp', body);
      fs.renameSync(file + '.tmp', file);
    } catch {
      // The database is already committed; a missing mirror only weakens the tail check until the next write.
    }
  }
}

const MIRROR_INTERVAL_MS = 500;

export interface LedgerTx {
  append(e: NewEvent): HashedEvent;
}
