// `npm run bench [-- name…]`: runs the benchmarks in sequence (all of them, or those whose name
// contains one of the arguments), each printing its figures and their ratio to the raw limit it
// measured in the same run, then one table of everything. No assertion on time: the aims are
// printed as met or not. BENCH_QUICK=1 picks small sizes (see config.ts for every variable).
import fs from 'node:fs';
import os from 'node:os';
import { QUICK, sizes } from './config.ts';
import { printTable, type Figure } from './report.ts';
import * as ledger from './ledger.bench.ts';
import * as api from './api.bench.ts';
import * as verify from './verify.bench.ts';
import * as portal from './portal.bench.ts';
import * as storm from './storm.bench.ts';
import * as codecs from './codecs.bench.ts';
import * as shelves from './shelves.bench.ts';
import * as counts from './counts.bench.ts';
import * as environment from './environment.bench.ts';
import * as rss from './rss.bench.ts';
import * as opcua from './opcua.bench.ts';
import * as envchart from './envchart.bench.ts';
import * as sync from './sync.bench.ts';
import * as statistics from './statistics.bench.ts';

interface Bench { name: string; description: string; run(): Promise<Figure[]> }
const BENCHES: Bench[] = [ledger, api, verify, portal, storm, codecs, shelves, counts, environment, rss, opcua, envchart, sync, statistics];

async function main() {
  const filters = process.argv.slice(2).filter((a) => a !== '--');
  const chosen = BENCHES.filter((b) => !filters.length || filters.some((f) => b.name.includes(f)));
  if (!chosen.length) {
    console.error(`No benchmark matches ${filters.join(', ')}; there are: ${BENCHES.map((b) => b.name).join(', ')}`);
    process.exit(2);
  }
  console.log(`custody gateway benchmarks, ${QUICK ? 'QUICK sizes (BENCH_QUICK=1)' : 'full sizes'}; node ${process.version}, ` +
    `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? '?'}, tmp ${os.tmpdir()}`);
  console.log(`sizes: ${JSON.stringify(sizes)}`);
  // Other work on the machine moves every figure: say how busy it was.
  const load = () => {
    let psi = '';
    try {
      const m = /some avg10=([\d.]+) avg60=([\d.]+)/.exec(fs.readFileSync('/proc/pressure/cpu', 'utf8'));
      if (m) psi = `, CPU pressure (share of time some task waited for a CPU) ${m[1]}% over 10 s, ${m[2]}% over 60 s`;
    } catch { /* not Linux, or no PSI */ }
    return `${os.loadavg().map((x) => x.toFixed(2)).join(' ')}${psi}`;
  };
  console.log(`load average at start: ${load()}`);
  const figures: Figure[] = [];
  const failed: string[] = [];
  const started = performance.now();
  for (const b of chosen) {
    console.log(`\n== ${b.name}: ${b.description}`);
    console.log(`  (load average ${load()})`);
    const t = performance.now();
    try {
      figures.push(...(await b.run()));
    } catch (e) {
      failed.push(b.name);
      console.error(`  ${b.name} FAILED: ${(e as Error).stack ?? e}`);
    }
    console.log(`  (${((performance.now() - t) / 1000).toFixed(1)} s)`);
  }
  console.log(`\n== all figures (ratio = share of the raw limit reached; ${((performance.now() - started) / 1000).toFixed(0)} s in all)`);
  printTable(figures);
  console.log(`load average at the end: ${load()} (on ${os.cpus().length} cores; figures from a busy machine are noisy)`);
  if (failed.length) {
    console.error(`\nbenchmarks that could not run: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
