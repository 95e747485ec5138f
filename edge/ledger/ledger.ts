// Appending to the custody ledger. Every append happens inside the caller's transaction, the one
// that changes the item's state, and the signed head of each chain it touched is rewritten before
// that transaction commits: the ledger, the state and the checkpoints can never disagree after a
// power cut.
//
// The ledger has two chains (event.ts): an event goes to `restricted` when it concerns the
// discipline commission's zone, to `main` otherwise. Each has its own seq, genesis, signed head and
// head file, so that nothing other roles can read moves when only the commission's zone changes.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../store/db.ts';
import { chainOf, CHAINS, checkpointMac, GENESIS_HASH, hashEvent, type Chain, type CustodyEvent, type HashedEvent } from './event.ts';
import { CustodyBus } from '../bus.ts';
import { stderrLog } from '../log.ts';

export type NewEvent = Omit<CustodyEvent, 'seq' | 'id' | 'prevHash' | 'at'> & { at?: string };

/** The head file of each chain, beside the database (the main chain's keeps its old name). */
export const HEAD_FILES: Record<Chain, string> = { main: 'ledger-head.json', restricted: 'ledger-head-restricted.json' };
export const HEAD_FILE = HEAD_FILES.main;

export interface Head { seq: number; hash: string }
type Heads = Record<Chain, Head>;

export class Ledger {
  private heads: Heads;
  private pending: Heads | null = null;
  private touched = new Set<Chain>();
  private readonly insert;
  private readonly writeHead;

  constructor(private readonly db: Db, private readonly siteId: string, private readonly key: Buffer,
    private readonly dataDir: string | null, private readonly now: () => number = Date.now,
    /** Where committed events are announced (`event`); the custody context shares it. */
    readonly bus: CustodyBus = new CustodyBus(stderrLog)) {
    const headOf = db.prepare('SELECT seq, hash FROM events WHERE chain = ? ORDER BY seq DESC LIMIT 1');
    this.heads = Object.fromEntries(CHAINS.map((c) => [c, (headOf.get(c) as Head | undefined) ?? { seq: 0, hash: GENESIS_HASH }])) as Heads;
    this.insert = db.prepare(`INSERT INTO events
      (chain, seq, id, at, kind, item_id, order_id, actors, from_state, to_state, details, restricted, prev_hash, hash)
      VALUES (@chain, @seq, @id, @at, @kind, @itemId, @orderId, @actors, @from, @to, @details, @restricted, @prevHash, @hash)`);
    this.writeHead = db.prepare(`INSERT INTO ledger_heads (chain, seq, hash, at, mac) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, at = excluded.at, mac = excluded.mac`);
    this.inSavepoint = db.transaction((fn: (tx: LedgerTx) => unknown) => fn(this.txView));
  }

  /** The main chain's head: what anyone may know of the ledger's length. */
  get headNow(): Head { return this.headOf('main'); }

  headOf(chain: Chain): Head { return { ...(this.pending ?? this.heads)[chain] }; }

  /**
   * Runs `fn` in one transaction; events appended inside it and the state changes commit together.
   * Nested calls join the outer transaction.
   */
  transaction<T>(fn: (tx: LedgerTx) => T): T {
    if (this.pending) return fn(this.txView);
    const appended: HashedEvent[] = [];
    this.collect = appended;
    this.pending = { main: { ...this.heads.main }, restricted: { ...this.heads.restricted } };
    this.touched = new Set();
    try {
      const result = this.db.transaction(() => {
        const r = fn(this.txView);
        for (const chain of this.touched) this.sign(chain);
        return r;
      })();
      if (appended.length) {
        this.heads = this.pending;
        for (const chain of this.touched) this.mirrorHead(chain);
      }
      // Listeners hear an event once its transaction has committed, never before.
      for (const e of appended) this.bus.emit('event', e);
      return result;
    } finally {
      this.pending = null;
      this.collect = null;
    }
  }

  /**
   * Runs `fn` in a savepoint of the current transaction (a transaction of its own when there is
   * none): if it throws, its rows and its events are undone and the chain heads are as before it,
   * while what the transaction did before it stays. Several decisions then share one commit and
   * one that fails takes only itself back.
   */
  savepoint<T>(fn: (tx: LedgerTx) => T): T {
    if (!this.pending || !this.collect) return this.transaction(fn);
    const heads = { main: { ...this.pending.main }, restricted: { ...this.pending.restricted } };
    const touched = new Set(this.touched);
    const appended = this.collect.length;
    try {
      return this.inSavepoint(fn) as T;
    } catch (e) {
      this.pending = heads;
      this.touched = touched;
      this.collect.length = appended;
      throw e;
    }
  }

  /** One wrapper for every savepoint: better-sqlite3 makes a nested call of it a SAVEPOINT. */
  private readonly inSavepoint: (fn: (tx: LedgerTx) => unknown) => unknown;

  private collect: HashedEvent[] | null = null;
  /**
   * What the edge adds to an event's details before it is hashed (the zones' environment readings
   * when an item changes zone); set once by the custody core.
   */
  annotate: ((e: NewEvent) => NewEvent['details']) | null = null;
  private readonly txView: LedgerTx = { append: (e) => this.append(e) };

  private append(input: NewEvent): HashedEvent {
    if (!this.pending || !this.collect) throw new Error('append outside a ledger transaction');
    const chain = chainOf(input.restricted);
    const head = this.pending[chain];
    const event: CustodyEvent = {
      seq: head.seq + 1,
      id: randomUUID(),
      at: input.at ?? new Date(this.now()).toISOString(),
      kind: input.kind,
      itemId: input.itemId,
      orderId: input.orderId,
      actors: input.actors,
      from: input.from,
      to: input.to,
      details: this.annotate ? this.annotate(input) : input.details,
      restricted: input.restricted,
      prevHash: head.hash,
    };
    const hashed: HashedEvent = { ...event, chain, hash: hashEvent(event) };
    this.insert.run({
      ...hashed,
      actors: JSON.stringify(hashed.actors),
      from: hashed.from === null ? null : JSON.stringify(hashed.from),
      to: hashed.to === null ? null : JSON.stringify(hashed.to),
      details: JSON.stringify(hashed.details),
      restricted: hashed.restricted ? 1 : 0,
    });
    this.pending[chain] = { seq: hashed.seq, hash: hashed.hash };
    this.touched.add(chain);
    this.collect.push(hashed);
    return hashed;
  }

  private sign(chain: Chain): void {
    const { seq, hash } = this.pending![chain];
    this.writeHead.run(chain, seq, hash, new Date(this.now()).toISOString(), checkpointMac(this.key, this.siteId, seq, hash, chain));
  }

  /**
   * A copy of each chain's signed head outside the database: cutting the tail off the database (and
   * its head row with it) leaves this file pointing past the end, which verify reports.
   * Written atomically (rename) after commit, at most every MIRROR_INTERVAL_MS and at close: a
   * rename costs about as much as the commit's own fsync, so writing it per commit would halve
   * single-event throughput. It may lag the database by that interval, never lead it.
   */
  private mirrorTimer: NodeJS.Timeout | null = null;
  private lastMirror = 0;
  private dirty = new Set<Chain>();
  /** Failed writes of a head file, for the field engineer: the database is fine, the tail check weaker. */
  mirrorFailures = 0;

  private mirrorHead(chain: Chain): void {
    this.dirty.add(chain);
    if (!this.dataDir || this.mirrorTimer) return;
    const wait = this.lastMirror + MIRROR_INTERVAL_MS - Date.now();
    if (wait <= 0) return this.writeMirror();
    this.mirrorTimer = setTimeout(() => this.writeMirror(), wait);
    this.mirrorTimer.unref();
  }

  /**
   * Writes the head files now if this process committed since the last write (at close, so that a
   * clean stop leaves them exact). Never from what was merely read: opening a truncated database must
   * not rewrite the file that proves the truncation.
   */
  flushMirror(): void {
    if (this.dataDir && this.dirty.size) this.writeMirror();
  }

  private writeMirror(): void {
    if (this.mirrorTimer) clearTimeout(this.mirrorTimer);
    this.mirrorTimer = null;
    this.lastMirror = Date.now();
    const chains = [...this.dirty];
    this.dirty.clear();
    for (const chain of chains) {
      const { seq, hash } = this.heads[chain];
      if (seq === 0) continue;
      const file = path.join(this.dataDir!, HEAD_FILES[chain]);
      const body = JSON.stringify({ siteId: this.siteId, chain, seq, hash, mac: checkpointMac(this.key, this.siteId, seq, hash, chain) });
      try {
        fs.writeFileSync(file + '.tmp', body);
        fs.renameSync(file + '.tmp', file);
      } catch (err) {
        // The database is already committed; a missing mirror only weakens the tail check until the next write.
        this.mirrorFailures++;
        this.bus.log.warn({ err, chain, seq, file, failures: this.mirrorFailures }, 'writing the ledger head mirror failed; the database is committed, the check for a cut-off tail is weaker until the next write');
      }
    }
  }
}

const MIRROR_INTERVAL_MS = 500;

export interface LedgerTx {
  append(e: NewEvent): HashedEvent;
}
