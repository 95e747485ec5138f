// 3. verifyLedger over the whole generated ledger (through Custody.verify, as `npm run verify`
// would), against the raw limit of reading the same rows and hashing the same bytes.
import { createHash } from 'node:crypto';
import { Custody } from '../../edge/custody.ts';
import type { EventRow } from '../../edge/ledger/event.ts';
import { sizes } from './config.ts';
import { ensureDataset } from './dataset.ts';
import { Recorder, type Figure } from './report.ts';
import { BENCH_SITE_KEY, benchSite } from './site.ts';

export const name = 'verify';
export const description = `verifyLedger over ${sizes.events.toLocaleString('en-US')} events vs reading and SHA-256 of the same rows`;

export async function run(): Promise<Figure[]> {
  const rec = new Recorder(name);
  const ds = ensureDataset(sizes.items, sizes.events, (m) => rec.log(m));
  const t = performance.now();
  const custody = new Custody({ site: benchSite(ds.dir), dataDir: ds.dir, siteKey: BENCH_SITE_KEY });
  rec.log(`Custody opened in ${(performance.now() - t).toFixed(0)} ms`);
  try {
    // Raw first: it also brings the file into the page cache for both.
    const r0 = performance.now();
    let n = 0;
    let bytes = 0;
    for (const row of custody.db.prepare('SELECT * FROM events ORDER BY chain, seq').iterate() as IterableIterator<EventRow>) {
      const s = row.prev_hash + row.id + row.at + row.kind + (row.item_id ?? '') + (row.order_id ?? '') + row.actors +
        (row.from_state ?? '') + (row.to_state ?? '') + row.details;
      bytes += s.length;
      createHash('sha256').update(s).digest('hex');
      n++;
    }
    const rawRate = (n / (performance.now() - r0)) * 1000;
    rec.log(`raw: ${n.toLocaleString('en-US')} rows read and hashed (${(bytes / n).toFixed(0)} chars each) at ${rawRate.toFixed(0)} rows/s`);

    const both = custody.verify();
    for (const c of [both.main, both.restricted]) if (!c.ok) throw new Error(`verify failed on the generated ledger: ${c.chain}: ${c.fault}: ${c.message}`);
    // One figure for the whole ledger: both chains, as `npm run verify` reads them.
    const report = { events: both.main.events + both.restricted.events, durationMs: both.main.durationMs + both.restricted.durationMs,
      message: `main: ${both.main.message}; restricted: ${both.restricted.message}` };
    if (report.events !== sizes.events) throw new Error(`verify saw ${report.events} events, the store has ${sizes.events}`);
    const rate = (report.events / report.durationMs) * 1000;
    rec.add({ name: 'verifyLedger, whole ledger', value: rate, unit: 'events/s', better: 'higher',
      raw: { name: 'read rows + SHA-256 of same bytes', value: rawRate },
      note: `${report.events.toLocaleString('en-US')} events in ${(report.durationMs / 1000).toFixed(1)} s, ${report.message}` });
  } finally {
    custody.close();
  }
  return rec.figures;
}
