// Opening the store: pragmas that make every committed custody change survive a power cut,
// forward-only migrations, and the one-gateway-per-data-folder lock.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { MIGRATIONS } from './migrations.ts';

export type Db = Database.Database;

export const DB_FILE = 'gateway.db';
const LOCK_FILE = 'gateway.lock';

export class StoreLockedError extends Error {
  constructor(readonly dataDir: string, readonly pid: number) {
    super(`Another gateway (pid ${pid}) is already running on the data folder ${dataDir}. ` +
      'Stop it first, or give this one another data folder (dataDir in the site file). ' +
      '`npm run verify` can still read the ledger while it runs.');
  }
}

export interface OpenOptions {
  /** Read-only, without the lock: for `npm run verify` beside a running gateway. */
  readonly?: boolean;
}

export function openStore(dataDir: string, opts: OpenOptions = {}): Db {
  const file = path.join(dataDir, DB_FILE);
  if (opts.readonly) {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('query_only = ON');
    return db;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  takeLock(dataDir);
  const db = new Database(file);
  // WAL lets verify and the API read while custody writes go on; FULL syncs the WAL on every
  // commit, so that a custody event the API confirmed survives a power cut.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  const close = db.close.bind(db);
  db.close = () => {
    const r = close();
    releaseLock(dataDir);
    return r;
  };
  return db;
}

export function migrate(db: Db): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`The database is at schema version ${current}, newer than this gateway knows (${MIGRATIONS.length}). ` +
      'Run the newer gateway: migrations only go forward.');
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return MIGRATIONS.length;
}

function takeLock(dataDir: string): void {
  const lock = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(fs.readFileSync(lock, 'utf8').trim());
      if (pid && pid !== process.pid && isAlive(pid)) throw new StoreLockedError(dataDir, pid);
      if (pid === process.pid) throw new StoreLockedError(dataDir, pid);
      // The holder died without cleaning up (a power cut): the lock is stale.
      fs.rmSync(lock, { force: true });
    }
  }
  throw new Error(`Could not take the lock ${lock}`);
}

function releaseLock(dataDir: string): void {
  const lock = path.join(dataDir, LOCK_FILE);
  try {
    if (Number(fs.readFileSync(lock, 'utf8').trim()) === process.pid) fs.rmSync(lock, { force: true });
  } catch { /* already gone */ }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A statement compiled once per database and kept: the gate, alarm and stream paths run the same
 * few statements for every crossing and every event, and compiling one costs about as much as
 * running it. Only for fixed SQL text (a query built with a variable-length IN list would fill the
 * cache; it is bounded all the same). Never for a statement that is iterated while another call
 * might run it, nor switched to pluck/raw mode.
 */
const statementCaches = new WeakMap<Db, Map<string, Database.Statement>>();
const MAX_CACHED_STATEMENTS = 512;

export function prepared(db: Db, sql: string): Database.Statement {
  let cache = statementCaches.get(db);
  if (!cache) statementCaches.set(db, (cache = new Map()));
  let s = cache.get(sql);
  if (!s) {
    if (cache.size >= MAX_CACHED_STATEMENTS) cache.clear();
    s = db.prepare(sql);
    cache.set(sql, s);
  }
  return s;
}
