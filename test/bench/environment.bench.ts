// 9. The environment's history: values ingested through custody.observe() (schema, rule, history
// buffer, and the once-a-second flush into environment.sqlite), next to raw batched SQLite inserts
// of the same rows into a table of the same shape; then a 30-day one-minute query of one zone
// through the API (GET /zones/{id}/environment, auth, zod, JSON), next to the bare SELECT of the
// same rows. Aims: 10,000 values/s; the query under 100 ms.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Custody } from '../../edge/custody.ts';
import { buildApi } from '../../edge/api/server.ts';
import { parseSite } from '../../gateway/config.ts';
import { fixtureSiteInput, tempDir, tokenOf } from '../helpers/custody-site.ts';
import { QUICK } from './config.ts';
import { Recorder, median, type Figure } from './report.ts';

const VALUES = Number(process.env.BENCH_ENV_VALUES ?? (QUICK ? 50_000 : 200_000));
const ZONES = 20;
export const name = 'environment';
export const description = `${VALUES.toLocaleString('en-US')} environment values into the history, and a 30-day one-minute series through the API`;

export async function run(): Promise<Figure[]> {
  const rec = new Recorder(name);
  const dir = tempDir('custody-bench-env-');
  const input = fixtureSiteInput(dir);
  input.zones = [...input.zones!, ...Array.from({ length: ZONES }, (_, i) => ({ id: `Z${i}`, name: `库房 ${i + 1}`, kind: 'general' as const, limits: { temperature: { min: 10, max: 28, hysteresis: 1 }, humidity: { min: 30, max: 65, hysteresis: 2 } } }))];
  input.serialPorts = [{ id: 'bus-1', path: '/dev/ttyUSB9' }];
  input.devices = [...input.devices!, ...Array.from({ length: ZONES }, (_, i) => ({ id: `th-${i}`, kind: 'env_monitor' as const, protocol: 'modbus' as const, port: 'bus-1', address: i + 1, profile: 'xy-md02', zoneId: `Z${i}` }))];
  const custody = new Custody({ site: parseSite(input), dataDir: dir, siteKey: randomBytes(32) });
  const figures: Figure[] = [];
  try {
    // Values inside their limits (no alarm: what a normal day costs), 1,000 to a flush as a busy second would be.
    const t0 = Date.now() - 3_600_000;
    let t = performance.now();
    for (let i = 0; i < VALUES; i++) {
      const z = i % ZONES;
      const r = custody.observe({ type: 'env', deviceId: `th-${z}`, zoneId: `Z${z}`, metric: i % 2 ? 'humidity' : 'temperature', value: 20 + (i % 7) * 0.5, at: t0 + i });
      if (!r.ok) throw new Error(`refused: ${r.detail}`);
      if (i % 1000 === 999) custody.history.flush();
    }
    custody.history.flush();
    const edgeMs = performance.now() - t;
    const raw = new Database(path.join(dir, 'raw.sqlite'));
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.exec('CREATE TABLE raw (zone_id TEXT NOT NULL, metric TEXT NOT NULL, at INTEGER NOT NULL, value REAL NOT NULL) STRICT; CREATE INDEX raw_series ON raw(zone_id, metric, at); CREATE INDEX raw_at ON raw(at);');
    const ins = raw.prepare('INSERT INTO raw VALUES (?, ?, ?, ?)');
    t = performance.now();
    for (let b = 0; b < VALUES; b += 1000) {
      raw.transaction(() => { for (let i = b; i < Math.min(VALUES, b + 1000); i++) ins.run(`Z${i % ZONES}`, i % 2 ? 'humidity' : 'temperature', t0 + i, 20 + (i % 7) * 0.5); })();
    }
    const rawMs = performance.now() - t;
    raw.close();
    figures.push(rec.add({
      name: 'environment values into the history', value: (VALUES / edgeMs) * 1000, unit: 'values/s', better: 'higher',
      raw: { name: 'raw batched SQLite inserts of the same rows', value: (VALUES / rawMs) * 1000 },
      aim: { on: 'value', op: '>=', target: 10_000, label: '10,000 values/s' },
      note: `${VALUES.toLocaleString('en-US')} values over ${ZONES} zones, flushed 1,000 at a time`,
    }));

    // 30 days of minutes for one zone, two metrics, written straight into the history's minute table.
    const db = custody.history.db;
    const end = Math.floor(Date.now() / 60_000) * 60_000;
    const start = end - 30 * 86_400_000;
    const put = db.prepare('INSERT OR REPLACE INTO minute (zone_id, metric, minute, min, max, sum, n) VALUES (?, ?, ?, ?, ?, ?, ?)');
    db.transaction(() => {
      for (let m = start; m < end; m += 60_000) {
        const v = 20 + Math.sin(m / 3_600_000) * 3;
        put.run('general', 'temperature', m, v - 0.2, v + 0.2, v * 6, 6);
        put.run('general', 'humidity', m, 45, 47, 46 * 6, 6);
      }
    })();
    const app = await buildApi(custody, { logger: false });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const url = `${base}/api/v1/zones/general/environment?resolution=1m&from=${new Date(start).toISOString()}&to=${new Date(end).toISOString()}`;
    const headers = { authorization: `Bearer ${tokenOf('supervisor')}` };
    const apiMs: number[] = [];
    let points = 0;
    for (let i = 0; i < 12; i++) {
      const s = performance.now();
      const res = await fetch(url, { headers });
      const body = await res.json() as { series: { points: unknown[] }[]; resolution: string };
      if (body.resolution !== '1m') throw new Error(`served ${body.resolution}`);
      points = body.series.reduce((n, x) => n + x.points.length, 0);
      if (i >= 2) apiMs.push(performance.now() - s);
    }
    const bare = db.prepare('SELECT minute, min, sum / n, max FROM minute WHERE zone_id = ? AND metric = ? AND minute >= ? AND minute < ? ORDER BY minute').raw();
    const bareMs: number[] = [];
    for (let i = 0; i < 12; i++) {
      const s = performance.now();
      bare.all('general', 'temperature', start, end);
      bare.all('general', 'humidity', start, end);
      if (i >= 2) bareMs.push(performance.now() - s);
    }
    await app.close();
    figures.push(rec.add({
      name: 'a 30-day one-minute series of one zone through the API', value: median(apiMs), unit: 'ms', better: 'lower',
      raw: { name: 'the bare SELECT of the same rows', value: median(bareMs) },
      aim: { on: 'value', op: '<', target: 100, label: 'under 100 ms' },
      note: `${points.toLocaleString('en-US')} points (2 metrics), median of 10`,
    }));
    return figures;
  } finally {
    custody.close();
  }
}
