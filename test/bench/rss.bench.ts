// 10. The gateway's memory with the demo running: `npm start`'s process (the demo site, its store,
// the embedded broker, the API, the device links to the simulated readers, shelves, desk, scales
// and environment monitors, which run in processes of their own and are not counted), its RSS after
// it has run for a while. The raw limit: a bare Node process with fastify listening and
// better-sqlite3 open, the least any gateway of this stack costs. Aim: under 300 MB.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { QUICK } from './config.ts';
import { Recorder, type Figure } from './report.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUN_MS = Number(process.env.BENCH_RSS_SECONDS ?? (QUICK ? 20 : 60)) * 1000;
export const name = 'rss';
export const description = `the gateway's RSS with the demo's devices connected, after ${RUN_MS / 1000} s`;

const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

function startAndWait(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${ready}" within 120 s`)), 120_000);
    readline.createInterface({ input: child.stdout! }).on('line', (l) => { if (ready.test(l)) { clearTimeout(timer); resolve(child); } });
    child.stderr!.resume();
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`exited with ${code}`)); });
  });
}

export async function run(): Promise<Figure[]> {
  const rec = new Recorder(name);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-rss-'));
  const gw = await startAndWait(['--import', 'tsx', 'gateway/main.ts'], {
    ...process.env, GATEWAY_DATA_DIR: dir, GATEWAY_HTTP_PORT: '0', GATEWAY_MQTT_PORT: '0', LOG_LEVEL: 'warn',
  }, /"dashboards":"http|dashboards\s+http/);
  const bare = await startAndWait(['-e', `
    const Fastify = require('fastify'); const Database = require('better-sqlite3');
    const db = new Database(${JSON.stringify(path.join(dir, 'bare.sqlite'))}); db.exec('CREATE TABLE IF NOT EXISTS t (x)');
    const app = Fastify(); app.get('/', async () => ({ ok: true }));
    app.listen({ port: 0, host: '127.0.0.1' }).then(() => console.log('bare listening'));
  `], process.env, /bare listening/);
  try {
    const samples: number[] = [];
    for (let t = 0; t < RUN_MS; t += 5000) {
      await new Promise((r) => setTimeout(r, 5000));
      samples.push(rssOf(gw.pid!));
    }
    const peak = Math.max(...samples);
    const last = samples[samples.length - 1]!;
    rec.log(`RSS every 5 s: ${samples.map((s) => (s / 1e6).toFixed(0)).join(' ')} MB`);
    return [rec.add({
      name: `the gateway's RSS with the demo running (${RUN_MS / 1000} s)`, value: last / 1e6, unit: 'MB', better: 'lower',
      raw: { name: 'a bare fastify + better-sqlite3 process', value: rssOf(bare.pid!) / 1e6 },
      aim: { on: 'value', op: '<', target: 300, label: 'under 300 MB' },
      note: `peak ${(peak / 1e6).toFixed(0)} MB; the simulated devices run in their own processes, not counted`,
    })];
  } finally {
    gw.kill('SIGINT');
    bare.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 3000));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
