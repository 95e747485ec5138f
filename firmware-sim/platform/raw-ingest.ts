// The platform's raw ingest rate, for the gateway's benchmark: N valid chained events built apart
// (not timed), then stored through `ingest` in batches of 1000, each its own transaction, on a real
// SQLite file with synchronous=FULL, exactly as the HTTP endpoint stores them, minus HTTP and JSON.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { computeHash, GENESIS_HASH, type ChainName, type WireEvent } from './chain.ts';
import { ingest, openStore } from './store.ts';

/** `n` events continuing (seq, hash), each a plausible custody event with its hash recomputed. */
export function buildEvents(n: number, opts: { chain?: ChainName; afterSeq?: number; afterHash?: string; startMs?: number } = {}): WireEvent[] {
  const restricted = opts.chain === 'restricted';
  const events: WireEvent[] = [];
  let prevHash = opts.afterHash ?? GENESIS_HASH;
  const first = (opts.afterSeq ?? 0) + 1;
  const t0 = opts.startMs ?? Date.UTC(2026, 0, 1);
  for (let seq = first; seq < first + n; seq++) {
    const snapshot = (zone: string) => ({ state: 'stored', zoneId: zone, locationId: `${zone}-L${seq % 40}`, agencyId: 'AG-01' });
    const e = {
      seq,
      id: `ev-${seq.toString().padStart(8, '0')}`,
      at: new Date(t0 + seq * 1000).toISOString(),
      kind: 'moved',
      itemId: `item-${seq % 5000}`,
      orderId: `ord-${seq % 97}`,
      actors: { by: 'gateway', role: 'system', staff: ['p-01', 'p-02'] },
      from: snapshot('Z1'),
      to: snapshot('Z2'),
      details: { gateId: 'G1', direction: 'in', note: '' },
      restricted,
      prevHash,
    };
    const hash = computeHash(e);
    events.push({ ...e, hash, ...(restricted ? { chain: 'restricted' } : {}) });
    prevHash = hash;
  }
  return events;
}

export interface RawIngestResult { events: number; batches: number; seconds: number; eventsPerSecond: number }

/**
 * Build `n` events and time their ingest. `dbFile` defaults to a fresh file in a temp folder, removed
 * afterwards; `siteId`/`chain` name where they go (the site is created when missing).
 */
export function measureRawIngest(opts: { events: number; batch?: number; dbFile?: string; siteId?: string; chain?: ChainName } = { events: 10_000 }): RawIngestResult {
  const batch = opts.batch ?? 1000;
  const siteId = opts.siteId ?? 'BENCH';
  const chain = opts.chain ?? 'main';
  const dir = opts.dbFile ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'platform-ingest-'));
  const store = openStore(opts.dbFile ?? path.join(dir as string, 'platform.db'));
  try {
    store.ensureSite(siteId);
    const head = store.head(siteId, chain);
    const events = buildEvents(opts.events, { chain, afterSeq: head.seq, afterHash: head.hash });
    const t0 = process.hrtime.bigint();
    let batches = 0;
    for (let i = 0; i < events.length; i += batch) {
      ingest(store, siteId, chain, events.slice(i, i + batch));
      batches++;
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return { events: events.length, batches, seconds, eventsPerSecond: events.length / seconds };
  } finally {
    store.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}
