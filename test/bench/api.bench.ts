// 2. The API over a big store: GET /api/v1/items?epc=… under a fixed concurrency next to a bare
// fastify route answering a similar JSON (same client, same concurrency, same duration, same
// run), the zone summary, and the server's RSS after the load.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sizes } from './config.ts';
import { ensureDataset, sampleEpcs } from './dataset.ts';
import { getJson, mergeLoads, runLoad, type LoadResult } from './http-load.ts';
import { Recorder, fmt, type Figure } from './report.ts';
import { tokenFor } from './site.ts';
import type { ServerCommand, ServerMessage } from './api-server.ts';
import { diagnosePerRequestSql } from './diagnose.ts';

export const name = 'api';
export const description = `GET /items?epc= and /zones over ${sizes.items.toLocaleString('en-US')} items / ${sizes.events.toLocaleString('en-US')} events, vs a bare fastify route`;

class Server {
  private waiting: ((m: ServerMessage) => void)[] = [];
  constructor(readonly child: ChildProcess) {
    child.on('message', (m: ServerMessage) => this.waiting.shift()?.(m));
  }
  next(): Promise<ServerMessage> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the API server process exited (${code})`));
      this.child.once('exit', onExit);
      this.waiting.push((m) => { this.child.off('exit', onExit); resolve(m); });
    });
  }
  async ask(cmd: ServerCommand): Promise<ServerMessage> {
    const reply = this.next();
    this.child.send(cmd);
    return reply;
  }
}

const MB = 1024 * 1024;

export async function run(): Promise<Figure[]> {
  const rec = new Recorder(name);
  const ds = ensureDataset(sizes.items, sizes.events, (m) => rec.log(m));

  const child = fork(fileURLToPath(new URL('./api-server.ts', import.meta.url)), [], {
    env: { ...process.env, BENCH_DATA_DIR: ds.dir },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const server = new Server(child);
  try {
    const ready = await server.next();
    if (ready.type !== 'ready') throw new Error(`the API server did not start: ${ready.type === 'error' ? ready.message : ready.type}`);
    rec.log(`API up in ${ready.openMs.toFixed(0)} ms (Custody open + buildApi), RSS ${(ready.rssAfterOpen / MB).toFixed(0)} MB`);

    const epcs = sampleEpcs(ds.dir, 10_000);
    let k = 0;
    const auth = { Authorization: `Bearer ${tokenFor('operator')}` };
    const itemPath = () => `/api/v1/items?epc=${epcs[k++ % epcs.length]}`;
    const barePath = () => `/bare?epc=${epcs[k++ % epcs.length]}`;

    // Sanity: the real route finds the item, and the token works.
    const probe = await getJson(ready.apiPort, `/api/v1/items?epc=${epcs[0]}`, auth);
    const found = (probe.body as { data?: { epc: string }[] }).data;
    if (probe.status !== 200 || found?.length !== 1 || found[0].epc !== epcs[0]) {
      throw new Error(`GET /api/v1/items?epc=${epcs[0]} answered ${probe.status} ${JSON.stringify(probe.body).slice(0, 300)}`);
    }
    const bareProbe = await getJson(ready.barePort, barePath());
    rec.log(`answer sizes: real ${JSON.stringify(probe.body).length} B, bare ${JSON.stringify(bareProbe.body).length} B`);

    const measure = async (port: number, path: () => string, headers: Record<string, string>, ms: number) => {
      const before = await server.ask({ cmd: 'stats' });
      const r = await runLoad({ port, path, headers, concurrency: sizes.concurrency, durationMs: ms });
      const after = await server.ask({ cmd: 'stats' });
      if (r.non2xx) throw new Error(`${port}${path()}: ${r.non2xx} answers were not 2xx, first: ${r.firstNon2xx}`);
      const cpuMs = before.type === 'stats' && after.type === 'stats' ? after.cpuMs - before.cpuMs : NaN;
      return { r, cpuMs };
    };
    const describe = (label: string, r: LoadResult, cpuMs: number) => rec.log(`${label}: ${r.requests} requests in ${(r.durationMs / 1000).toFixed(1)} s, ` +
      `${fmt(r.rps)} req/s, p50 ${r.latency.p50.toFixed(2)} ms, p99 ${r.latency.p99.toFixed(2)} ms, max ${r.latency.max.toFixed(1)} ms; ` +
      `server CPU ${((cpuMs / r.durationMs) * 100).toFixed(0)}% of a core, client CPU ${(r.clientCpu * 100).toFixed(0)}%`);

    await measure(ready.barePort, barePath, {}, sizes.warmupMs);
    await measure(ready.apiPort, itemPath, auth, sizes.warmupMs);
    // Bare and real take turns in slices (the order alternating), so that whatever else the
    // machine does falls on both alike.
    const slices = Math.max(1, Math.round(sizes.loadMs / 2_000));
    const bareRuns: LoadResult[] = [];
    const realRuns: LoadResult[] = [];
    let bareCpu = 0;
    let realCpu = 0;
    for (let s = 0; s < slices; s++) {
      for (const which of s % 2 ? ['real', 'bare'] : ['bare', 'real']) {
        if (which === 'bare') {
          const m = await measure(ready.barePort, barePath, {}, sizes.loadMs / slices);
          bareRuns.push(m.r);
          bareCpu += m.cpuMs;
        } else {
          const m = await measure(ready.apiPort, itemPath, auth, sizes.loadMs / slices);
          realRuns.push(m.r);
          realCpu += m.cpuMs;
        }
      }
    }
    const bareAll = mergeLoads(bareRuns);
    const realAll = mergeLoads(realRuns);
    describe(`bare fastify (${slices} slices)`, bareAll, bareCpu);
    describe(`items?epc (${slices} slices)`, realAll, realCpu);
    rec.log(`items?epc req/s per slice: ${realRuns.map((r) => r.rps.toFixed(0)).join(' ')}; bare: ${bareRuns.map((r) => r.rps.toFixed(0)).join(' ')}`);
    const bare = { ...bareAll, serverCpu: bareCpu / bareAll.durationMs };
    const real = { ...realAll, serverCpu: realCpu / realAll.durationMs };

    const c = sizes.concurrency;
    rec.add({ name: `items?epc throughput (c=${c})`, value: real.rps, unit: 'req/s', better: 'higher',
      raw: { name: 'bare fastify', value: bare.rps }, aim: { on: 'ratio', op: '>=', target: 1 / 3, label: 'ratio >= 0.33' },
      note: `server CPU ${(real.serverCpu * 100).toFixed(0)}% vs ${(bare.serverCpu * 100).toFixed(0)}% of a core` });
    rec.add({ name: `items?epc p50 (c=${c})`, value: real.latency.p50, unit: 'ms', better: 'lower', raw: { name: 'bare fastify', value: bare.latency.p50 } });
    rec.add({ name: `items?epc p99 (c=${c})`, value: real.latency.p99, unit: 'ms', better: 'lower', raw: { name: 'bare fastify', value: bare.latency.p99 },
      aim: { on: 'value', op: '<', target: 5, label: 'p99 < 5 ms' } });

    // One request at a time: the service time without queueing (at c=16, Little's law makes the
    // mean latency concurrency / throughput, whatever the route does).
    const bareSeq = await runLoad({ port: ready.barePort, path: barePath, concurrency: 1, requests: sizes.seqRequests });
    const realSeq = await runLoad({ port: ready.apiPort, path: itemPath, headers: auth, concurrency: 1, requests: sizes.seqRequests });
    if (realSeq.non2xx) throw new Error(`items?epc sequential: ${realSeq.firstNon2xx}`);
    rec.add({ name: 'items?epc p50 (c=1)', value: realSeq.latency.p50, unit: 'ms', better: 'lower', raw: { name: 'bare fastify', value: bareSeq.latency.p50 } });
    rec.add({ name: 'items?epc p99 (c=1)', value: realSeq.latency.p99, unit: 'ms', better: 'lower', raw: { name: 'bare fastify', value: bareSeq.latency.p99 },
      aim: { on: 'value', op: '<', target: 5, label: 'p99 < 5 ms' }, note: `${realSeq.requests} sequential requests, ${fmt(realSeq.rps)} req/s` });

    // The zone summary, one request at a time, as a dashboard asks for it.
    const zoneRuns = async (role: 'operator' | 'discipline') => runLoad({ port: ready.apiPort, path: () => '/api/v1/zones',
      headers: { Authorization: `Bearer ${tokenFor(role)}` }, concurrency: 1, requests: sizes.zoneRequests });
    for (const role of ['operator', 'discipline'] as const) {
      const z = await zoneRuns(role);
      if (z.non2xx) throw new Error(`GET /api/v1/zones (${role}): ${z.firstNon2xx}`);
      rec.add({ name: `zones summary p50 (${role})`, value: z.latency.p50, unit: 'ms', better: 'lower',
        raw: { name: 'bare fastify, sequential', value: bareSeq.latency.p50 }, aim: { on: 'value', op: '<', target: 50, label: '< 50 ms' },
        note: `p99 ${z.latency.p99.toFixed(2)} ms, max ${z.latency.max.toFixed(2)} ms over ${z.requests} requests` });
    }

    const stats = await server.ask({ cmd: 'stats' });
    if (stats.type !== 'stats') throw new Error('no stats from the API server');
    rec.add({ name: 'API process RSS after the load', value: stats.rss / MB, unit: 'MB', better: 'lower',
      raw: { name: 'same process before opening the store', value: ready.rssBeforeOpen / MB },
      aim: { on: 'value', op: '<', target: 300, label: '< 300 MB' }, note: `V8 heap used ${(stats.heapUsed / MB).toFixed(0)} MB` });

    // What the route spends per request on SQL compilation (read-only connection, same store).
    for (const f of diagnosePerRequestSql(ds.dir, epcs)) rec.add(f);
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ cmd: 'close' } satisfies ServerCommand);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) child.kill();
    }
  }
  return rec.figures;
}
