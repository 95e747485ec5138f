// 13. The platform sync (edge/sync): a backlog drained to the simulated city platform
// (firmware-sim/platform, its own implementation of the contract, on loopback), and what a drain at
// the shipped bound does to the gate's close→alarm latency.
//
// - Backlog drain: BENCH_SYNC_EVENTS custody events appended before the sync starts (the outage's
//   backlog; their generation is timed apart and not counted), then drained with the rate bound
//   lifted (drainEventsPerSecond 10,000,000). Figure: events/s from `sync.start()` to the outbox's
//   backlog at 0 (read from the outbox every 10 ms, not over HTTP). Raw limit: the platform's own
//   ingest (`measureRawIngest`: the same storing code, no HTTP, no JSON) alone, in the same run, on a
//   fresh file, over as many events (at least 200,000), in slices of 200,000 built apart. At the
//   end the platform's chain report must say verified, with the local head's seq and hash.
// - Close→alarm during a bounded drain: crossings of stored items that no order covers (an
//   `unauthorized_movement`, decided at once), each due at a planned moment (the portal closing its
//   track); the latency is from that moment to the alarm on ctx.bus, committed, so that a timer held
//   back by the drain's work counts. Once with the sync idle (no backlog), once while
//   BENCH_SYNC_BACKLOG events drain at the shipped bound (5,000 events/s) and shipped intervals.
//   There the platform runs in a process of its own (firmware-sim/platform/main.ts): on a site it is
//   another machine, and in-process its ingest would stop the gateway's event loop too.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { measureRawIngest } from '../../firmware-sim/platform/raw-ingest.ts';
import type { CrossingObservation } from '../../edge/observations.ts';
import { intake, tempDir, TestClock, type Harness } from '../helpers/custody-site.ts';
import { appendEvents, chainReport, KEY_ID, openGateway, SECRET, SITE, startSim, type SyncTuning } from '../sync/fixture.ts';
import { sizes } from './config.ts';
import { Recorder, fmt, percentiles, type Figure } from './report.ts';

export const name = 'sync';
export const description = `platform sync: a ${sizes.syncEvents.toLocaleString('en-US')}-event backlog drained to the simulated platform vs its raw ingest; close→alarm p99 idle and during a bounded drain`;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RAW_SLICE = 200_000;
/** As shipped (platformSchema's defaults): the bounded drain and the intervals around it. */
const SHIPPED: SyncTuning = { drainEventsPerSecond: 5_000, pollIntervalMs: 30_000, timeoutMs: 20_000, retryBaseMs: 1_000, retryMaxMs: 60_000 };
const CROSSING_GAP_MS = 100;

/** The gateway's clock on the wall: the signed requests carry its time, and a drain may outlast the platform's 300 s of skew. */
class WallClock extends TestClock {
  constructor() { super(Date.now()); }
  override now() { return Date.now(); }
  override iso(offsetMs = 0) { return new Date(Date.now() + offsetMs).toISOString(); }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits for `cond`, polled every `everyMs`; throws after `ms`. */
async function until(cond: () => boolean, ms: number, what: string, everyMs = 10): Promise<void> {
  const deadline = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s`);
    await sleep(everyMs);
  }
}
const rm = (d: string) => fs.rmSync(d, { recursive: true, force: true });

/** The platform's raw ingest over `n` events on one fresh file, in slices (each built apart, untimed). */
function rawIngest(n: number): { events: number; seconds: number } {
  const dir = tempDir('custody-bench-sync-raw-');
  try {
    let seconds = 0;
    for (let done = 0; done < n; done += RAW_SLICE) {
      seconds += measureRawIngest({ events: Math.min(RAW_SLICE, n - done), batch: 1000, dbFile: path.join(dir, 'platform.db'), siteId: SITE }).seconds;
    }
    return { events: n, seconds };
  } finally {
    rm(dir);
  }
}

async function drain(rec: Recorder, n: number): Promise<Figure[]> {
  // The raw limit in two halves, one before the drain and one after (each on a fresh file), so that
  // whatever else the machine does during the run falls on both sides alike.
  const rawN = Math.max(n, RAW_SLICE);
  const rawBefore = rawIngest(Math.ceil(rawN / 2));
  const simDir = tempDir('custody-bench-sync-sim-');
  const platform = await startSim(simDir);
  const h = await openGateway(platform.url, { harness: { clock: new WallClock() } });
  let rate: number;
  try {
    let t = performance.now();
    appendEvents(h.ctx, n);
    const head = h.ctx.ledger.headOf('main');
    rec.log(`${n.toLocaleString('en-US')} events appended in ${((performance.now() - t) / 1000).toFixed(1)} s (not counted); local head seq ${head.seq}`);
    const outbox = h.custody.sync!.runners[0]!.outbox;
    const backlog = outbox.backlog().events;
    t = performance.now();
    h.custody.sync!.start();
    let lastCheckAt = performance.now();
    let lastCheck = backlog;
    while (outbox.backlog().events > 0) {
      await sleep(10);
      if (performance.now() - lastCheckAt > 30_000) {
        const now = outbox.backlog().events;
        if (now === lastCheck) throw new Error(`the drain is stuck at a backlog of ${now}: ${JSON.stringify(h.custody.sync!.status().destinations[0])}`);
        lastCheck = now;
        lastCheckAt = performance.now();
      }
    }
    const ms = performance.now() - t;
    rate = (backlog / ms) * 1000;
    rec.log(`backlog of ${backlog.toLocaleString('en-US')} drained in ${(ms / 1000).toFixed(1)} s (${Math.ceil(backlog / 1000)} batches of at most 1,000)`);
    h.custody.sync!.stop();
    t = performance.now();
    const report = await chainReport(platform);
    const good = report.verified && report.events === head.seq && report.head.seq === head.seq && report.head.hash === head.hash;
    rec.log(`platform chain report (${((performance.now() - t) / 1000).toFixed(1)} s): verified ${report.verified}, events ${report.events}, head ${report.head.seq} ` +
      `${report.head.hash.slice(0, 12)}…; local head ${head.seq} ${head.hash.slice(0, 12)}… → ${good ? 'the same chain, every event once' : 'WRONG'}`);
    if (!good) throw new Error(`the platform's chain is not the local one: ${JSON.stringify(report)} vs ${JSON.stringify(head)}`);
  } finally {
    await h.close().catch(() => {});
    await platform.close().catch(() => {});
    rm(simDir);
    rm(h.dir);
  }
  const rawAfter = rawIngest(rawN - rawBefore.events);
  const raw = { eventsPerSecond: rawN / (rawBefore.seconds + rawAfter.seconds) };
  rec.log(`raw ingest: ${rawN.toLocaleString('en-US')} events alone, half before the drain (${fmt(rawBefore.events / rawBefore.seconds)} events/s) and half after ` +
    `(${fmt(rawAfter.events / rawAfter.seconds)} events/s), each on a fresh file in slices of at most ${RAW_SLICE.toLocaleString('en-US')}: ${fmt(raw.eventsPerSecond)} events/s`);
  return [rec.add({
    name: `backlog drain, ${n.toLocaleString('en-US')} events, rate bound lifted`, value: rate, unit: 'events/s', better: 'higher',
    raw: { name: 'the platform\'s ingest alone (no HTTP)', value: raw.eventsPerSecond },
    aim: { on: 'ratio', op: '>=', target: 0.5, label: 'ratio >= 0.5' },
    note: 'platform in the same process: one event loop for both sides',
  }), rec.add({ name: 'backlog drain (the same run), absolute', value: rate, unit: 'events/s', better: 'higher',
    aim: { on: 'value', op: '>=', target: 20_000, label: '>= 20,000 events/s' } })];
}

/** The simulated platform as a process of its own; resolves once it listens. */
async function platformProcess(dir: string): Promise<{ url: string; child: ChildProcess }> {
  const seed = path.join(dir, 'seed.json');
  fs.writeFileSync(seed, JSON.stringify({ sites: [{ id: SITE, keyId: KEY_ID, secret: SECRET }] }));
  const child = spawn(process.execPath, ['--import', 'tsx', 'firmware-sim/platform/main.ts', '--seed', seed, '--db', path.join(dir, 'platform.db'), '--port', '0', '--exit-with-parent'],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] }); // stdin held open: --exit-with-parent exits when it ends
  child.stderr!.resume();
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the platform process did not listen within 60 s')), 60_000);
    readline.createInterface({ input: child.stdout! }).on('line', (l) => {
      const m = /listening on (http\S+)/.exec(l);
      if (m) { clearTimeout(timer); resolve(m[1]!); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`the platform process exited (${code})`)); });
  });
  return { url, child };
}

interface LatencyRun { samples: number[]; inCall: number[]; loopP99: number; loopMax: number; backlogBefore: number; backlogAfter: number; duringDrain: number; sent: number; seconds: number }

/**
 * `crossings` stored items cross the gate with no order, one every ~100 ms (± 50), each due at a
 * planned moment; `backlog` events wait in the outbox first (0: the sync idle).
 */
async function closeToAlarm(crossings: number, backlog: number): Promise<LatencyRun> {
  const simDir = tempDir('custody-bench-sync-simp-');
  const { url, child } = await platformProcess(simDir);
  const h: Harness = await openGateway(url, { tuning: SHIPPED, harness: { clock: new WallClock() } });
  try {
    const { ids } = intake(h.ctx, { count: crossings });
    const epcOf = h.ctx.db.prepare('SELECT epc FROM items WHERE id = ?');
    const epcs = ids.map((id) => (epcOf.get(id) as { epc: string }).epc);
    const outbox = h.custody.sync!.runners[0]!.outbox;
    // The backlog is there before the gateway starts (appending it blocks the loop for seconds:
    // with the sync running, the platform would close its idle pooled sockets meanwhile).
    if (backlog) appendEvents(h.ctx, backlog);
    h.custody.start(); // the gate's tick, the checks, and the sync, as the gateway runs them
    if (backlog) {
      // Into the drain's steady state: its first batches are on their way.
      await until(() => h.custody.sync!.runners[0]!.sent >= 2000, 30_000, 'the drain started', 5);
    } else {
      // What intake wrote goes up first: the idle run starts with nothing to send.
      await until(() => outbox.backlog().events === 0, 30_000, 'the intake\'s events sent', 20);
    }
    const sent0 = h.custody.sync!.runners[0]!.sent;
    const backlogBefore = outbox.backlog().events;
    const due = new Map<string, number>();
    const called = new Map<string, number>();
    const samples: number[] = [];
    const inCall: number[] = [];
    let duringDrain = 0;
    h.ctx.bus.on('alarm', 'bench', (a) => {
      if (a.kind !== 'unauthorized_movement' || !a.epc) return;
      const d = due.get(a.epc);
      const c = called.get(a.epc);
      if (d === undefined || c === undefined) return;
      const now = performance.now();
      samples.push(now - d);
      inCall.push(now - c);
      due.delete(a.epc);
    });
    // A diagnostic: how long the event loop was held (the drain's batches run on it too).
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const started = performance.now();
    let at = started + CROSSING_GAP_MS;
    for (const epc of epcs) {
      at += CROSSING_GAP_MS / 2 + Math.random() * CROSSING_GAP_MS;
      const dueAt = at;
      await new Promise<void>((resolve) => setTimeout(() => {
        const wall = Date.now();
        const c: CrossingObservation = { type: 'crossing', gateId: 'gate-main', epc, direction: 'out', confidence: 0.95,
          firstSeen: wall - 1200, lastSeen: wall - 200, readCount: 24 };
        due.set(epc, dueAt);
        if (backlog && outbox.backlog().events > 0) duringDrain++;
        called.set(epc, performance.now());
        h.custody.observe([c]);
        resolve();
      }, Math.max(0, dueAt - performance.now())));
    }
    await sleep(200);
    loop.disable();
    h.ctx.bus.off('bench');
    return { samples, inCall, loopP99: loop.percentile(99) / 1e6, loopMax: loop.max / 1e6, backlogBefore, backlogAfter: outbox.backlog().events, duringDrain,
      sent: h.custody.sync!.runners[0]!.sent - sent0, seconds: (performance.now() - started) / 1000 };
  } finally {
    await h.close().catch(() => {});
    child.kill('SIGTERM');
    await new Promise((r) => { if (child.exitCode !== null) r(null); else child.once('exit', r); });
    rm(simDir);
    rm(h.dir);
  }
}

export async function run(): Promise<Figure[]> {
  const rec = new Recorder(name);
  const figures: Figure[] = [];
  figures.push(...await drain(rec, sizes.syncEvents));

  const n = sizes.syncCrossings;
  rec.log(`close→alarm: ${n} crossings of stored items with no order, one every ${CROSSING_GAP_MS} ms ± ${CROSSING_GAP_MS / 2}; sync as shipped ` +
    `(drain bound ${SHIPPED.drainEventsPerSecond} events/s), platform in a process of its own`);
  const idle = await closeToAlarm(n, 0);
  const busy = await closeToAlarm(n, sizes.syncBacklog);
  const li = percentiles(idle.samples);
  const lb = percentiles(busy.samples);
  const ci = percentiles(idle.inCall);
  const cb = percentiles(busy.inCall);
  rec.log(`idle: ${idle.samples.length} of ${n} alarms; observe()→alarm p99 ${fmt(ci.p99)} ms; event-loop delay p99 ${fmt(idle.loopP99)} ms, max ${fmt(idle.loopMax)} ms; ${idle.sent} events sent meanwhile`);
  rec.log(`draining: ${busy.samples.length} of ${n} alarms; observe()→alarm p99 ${fmt(cb.p99)} ms; event-loop delay p99 ${fmt(busy.loopP99)} ms, max ${fmt(busy.loopMax)} ms; backlog ${busy.backlogBefore.toLocaleString('en-US')} → ` +
    `${busy.backlogAfter.toLocaleString('en-US')}, ${busy.sent.toLocaleString('en-US')} events sent in ${busy.seconds.toFixed(1)} s ` +
    `(${fmt(busy.sent / busy.seconds)} events/s); ${busy.duringDrain} of ${n} crossings while the backlog was not yet 0`);
  if (busy.duringDrain < n) rec.log(`NOTE: the backlog ran out before the last ${n - busy.duringDrain} crossings: raise BENCH_SYNC_BACKLOG`);
  figures.push(rec.add({ name: 'close→alarm p99, sync idle', value: li.p99, unit: 'ms', better: 'lower',
    aim: { on: 'value', op: '<', target: 50, label: 'p99 < 50 ms' },
    note: `p50 ${fmt(li.p50)} ms, max ${fmt(li.max)} ms over ${idle.samples.length}; from the crossing's due moment to the alarm on the bus` }));
  figures.push(rec.add({ name: `close→alarm p99, draining ${sizes.syncBacklog.toLocaleString('en-US')} at the shipped bound`, value: lb.p99, unit: 'ms', better: 'lower',
    raw: { name: 'the same, sync idle', value: li.p99 }, aim: { on: 'value', op: '<', target: 50, label: 'p99 < 50 ms' },
    note: `p50 ${fmt(lb.p50)} ms, max ${fmt(lb.max)} ms over ${busy.samples.length}` }));
  return figures;
}
