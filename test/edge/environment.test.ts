// The environment rules and history through a real Custody and its HTTP API, on a moved clock: a
// monitor's values as `env` observations; a breach opens `environment` only after its delay, becomes
// critical after its second span, stays one alarm while the value hovers on the line, and resolves
// itself once back inside the hysteresis band for the delay; smoke and water at once; a door open
// outside working hours; impossible values refused; the history's series, point cap, retention and
// the monthly 温湿度 log; a custody event that changes zone carries both zones' readings.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SiteInput } from '../../edge/site/schema.ts';
import { HISTORY_FILE, RAW_KEEP_MS } from '../../edge/history/environment.ts';
import { intake, issue, openHarness, principal, TestClock, T0, type Harness, type HarnessOptions } from '../helpers/custody-site.ts';
import { putaway } from '../../edge/lifecycle/putaway.ts';

const SEC = 1000;
const MIN = 60 * SEC;

function withMonitors(input: SiteInput): void {
  input.serialPorts = [{ id: 'com9', path: '/dev/ttyUSB9' }];
  const env = { delaySeconds: 300, criticalAfterSeconds: 1800, workingHours: { days: [1, 2, 3, 4, 5], from: '08:00', to: '18:00' } };
  input.zones = input.zones!.map((z) => (z.id === 'general' || z.id === 'restricted'
    ? { ...z, limits: { temperature: { min: 10, max: 28, hysteresis: 1 }, humidity: { min: 30, max: 65, hysteresis: 2 } }, environment: env }
    : z));
  input.devices = [
    ...input.devices!,
    { id: 'th-gn', kind: 'env_monitor', name: '一般物品库温湿度', protocol: 'modbus', port: 'com9', address: 3, profile: 'xy-md02', zoneId: 'general' },
    { id: 'th-rs', kind: 'env_monitor', protocol: 'modbus', port: 'com9', address: 4, profile: 'xy-md02', zoneId: 'restricted' },
  ];
}

let h: Harness;
afterEach(async () => { await h?.close(); });
const open = (o: HarnessOptions = {}) => openHarness({ clock: new TestClock(), site: withMonitors, ...o });
const env = (metric: string, value: number, zoneId = 'general', deviceId = zoneId === 'restricted' ? 'th-rs' : 'th-gn') =>
  h.custody.observe({ type: 'env', deviceId, zoneId, metric, value, at: h.clock.now() });
const alarms = () => (h.custody.db.prepare(`SELECT * FROM alarms WHERE kind = 'environment' ORDER BY opened_at`).all() as
  { id: string; severity: string; state: string; zone_id: string; message: string; details: string; occurrences: number; resolved_by: string | null; resolve_note: string | null; restricted: number }[])
  .map((a) => ({ ...a, details: JSON.parse(a.details) as Record<string, any> }));
/** `value` every 30 s for `forMs`, the rules ticking as the gateway's periodic check does. */
const hold = (metric: string, value: number | ((i: number) => number), forMs: number) => {
  for (let i = 0, t = 0; t < forMs; i++, t += 30 * SEC) {
    h.clock.advance(30 * SEC);
    expect(env(metric, typeof value === 'function' ? value(i) : value)).toEqual({ ok: true });
    h.custody.tick();
  }
};

describe('limits, delay and hysteresis', () => {
  it('a breach shorter than the delay raises nothing; longer, a warning; longer again, critical; back inside the band for the delay, resolved by itself', async () => {
    h = await open();
    hold('temperature', 22, 2 * MIN);
    hold('temperature', 29.5, 4 * MIN);
    hold('temperature', 22, 2 * MIN);
    expect(alarms()).toEqual([]);

    hold('temperature', 30.2, 6 * MIN);
    const [a] = alarms();
    expect(a).toMatchObject({ severity: 'warning', state: 'open', zone_id: 'general', restricted: 0 });
    expect(a!.details).toMatchObject({ metric: 'temperature', unit: '°C', worst: 30.2, limit: { min: 10, max: 28, hysteresis: 1 } });
    expect(a!.message).toMatch(/一般物品库温度 30\.2 °C 高于上限 28 °C（已持续 5 分钟）/);

    hold('temperature', 31, 30 * MIN);
    expect(alarms()).toHaveLength(1);
    expect(alarms()[0]).toMatchObject({ severity: 'critical', state: 'open' });
    expect(alarms()[0]!.details.escalatedAt).toBeDefined();

    // Back under the limit but inside the hysteresis band (27.5 > 28 - 1): still the same breach.
    hold('temperature', 27.5, 10 * MIN);
    expect(alarms()[0]!.state).toBe('open');
    hold('temperature', 24, 4 * MIN);
    expect(alarms()[0]!.state).toBe('open');
    hold('temperature', 24, 2 * MIN);
    expect(alarms()[0]).toMatchObject({ state: 'resolved', resolved_by: 'gateway' });
    expect(alarms()[0]!.resolve_note).toMatch(/温度已回到限值内（24 °C）/);
  });

  it('a value hovering on the line for an hour is one alarm, not fifty', async () => {
    h = await open();
    hold('humidity', (i) => (i % 2 ? 66 : 64.5), 60 * MIN);
    const all = alarms();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ state: 'open', severity: 'critical' });
    expect(all[0]!.details).toMatchObject({ metric: 'humidity', worst: 66 });
  });

  it('smoke and water open a critical alarm at once, and resolve once clear for the delay', async () => {
    h = await open();
    expect(env('smoke', 0)).toEqual({ ok: true });
    h.clock.advance(SEC);
    expect(env('smoke', 1)).toEqual({ ok: true });
    expect(env('water', 1, 'restricted')).toEqual({ ok: true });
    const [smoke, water] = alarms();
    expect(smoke).toMatchObject({ severity: 'critical', state: 'open', message: '一般物品库烟感报警：检测到烟雾' });
    expect(water).toMatchObject({ severity: 'critical', restricted: 1, message: '纪委监委专区水浸报警：检测到漏水' });
    // The restricted zone's alarm is the commission's alone.
    expect((await h.call('supervisor', 'GET', `/alarms/${water!.id}`)).status).toBe(404);
    hold('smoke', 0, 6 * MIN);
    expect(alarms().find((a) => a.id === smoke!.id)!.state).toBe('resolved');
  });

  it('a door open during working hours is nothing; still open at closing time, an alarm', async () => {
    h = await open();
    // T0 is Monday 3 March 2025, 16:00 in Shanghai.
    expect(env('door', 1)).toEqual({ ok: true });
    h.clock.advance(60 * MIN);
    h.custody.tick();
    expect(alarms()).toEqual([]);
    h.clock.advance(61 * MIN);
    h.custody.tick();
    expect(alarms()).toEqual([expect.objectContaining({ severity: 'critical', state: 'open', message: '一般物品库的门在非工作时间打开' })]);
    hold('door', 0, 6 * MIN);
    expect(alarms()[0]!.state).toBe('resolved');
  });
});

describe('what is no reading', () => {
  it('NaN, impossible temperatures and humidities, a half-open switch, an unknown zone or device: refused with a reason, nothing kept', async () => {
    h = await open();
    expect(env('temperature', Number.NaN)).toMatchObject({ ok: false, reason: 'invalid' });
    expect(env('temperature', -500)).toMatchObject({ ok: false, reason: 'invalid', detail: expect.stringContaining('impossible') });
    expect(env('humidity', 140)).toMatchObject({ ok: false, reason: 'invalid' });
    expect(env('smoke', 0.5)).toMatchObject({ ok: false, reason: 'invalid' });
    expect(env('temperature', 20, 'no-such-zone', 'th-gn')).toMatchObject({ ok: false, reason: 'unknown_location' });
    expect(env('temperature', 20, 'general', 'rd-main')).toMatchObject({ ok: false, reason: 'unknown_device' });
    expect((await h.call('supervisor', 'GET', '/environment')).body.zones.find((z: any) => z.id === 'general').readings).toEqual([]);
    expect((await h.call('supervisor', 'GET', '/zones/general/environment?resolution=raw')).body.series.every((s: any) => s.points.length === 0)).toBe(true);
    expect(h.custody.refused.get('env:invalid')).toBe(4);
  });
});

describe('history', () => {
  it('serves raw values and one-minute aggregates, coarser past the point cap, in its own file, and only the zones the role may see', async () => {
    h = await open();
    const start = h.clock.now();
    for (let i = 0; i < 120; i++) {
      h.clock.advance(30 * SEC);
      env('temperature', 20 + (i % 4));
    }
    h.custody.history.flush();
    expect(fs.existsSync(path.join(h.dir, HISTORY_FILE))).toBe(true);
    const q = (s: string, u: 'supervisor' | 'discipline' = 'supervisor') => h.call(u, 'GET', `/zones/general/environment?${s}`);
    const from = new Date(start).toISOString();
    const to = new Date(h.clock.now() + SEC).toISOString();
    const raw = (await q(`from=${from}&to=${to}&resolution=raw&metric=temperature`)).body;
    expect(raw).toMatchObject({ zoneId: 'general', resolution: 'raw', requested: 'raw' });
    expect(raw.series).toHaveLength(1);
    expect(raw.series[0]).toMatchObject({ metric: 'temperature', unit: '°C', limit: { min: 10, max: 28 } });
    expect(raw.series[0].points).toHaveLength(120);
    expect(raw.series[0].points[0]).toEqual([start + 30 * SEC, 20, 20, 20]);
    const minutes = (await q(`from=${from}&to=${to}&resolution=1m&metric=temperature`)).body.series[0].points as number[][];
    expect(minutes).toHaveLength(61);
    expect(minutes.every(([, min, avg, max]) => min! <= avg! && avg! <= max!)).toBe(true);
    const hourly = (await q(`from=${from}&to=${to}&resolution=1h&metric=temperature`)).body.series[0].points as number[][];
    expect(hourly.length).toBeGreaterThanOrEqual(1);
    expect(hourly[0]![1]).toBe(20);
    expect(hourly[0]![3]).toBe(23);
    expect((await q('resolution=raw', 'supervisor')).status).toBe(200);
    expect((await h.call('supervisor', 'GET', '/zones/restricted/environment')).status).toBe(404);
    expect((await h.call('discipline', 'GET', '/zones/restricted/environment')).status).toBe(200);
    expect((await h.call('supervisor', 'GET', '/environment')).body.zones.map((z: any) => z.id)).not.toContain('restricted');
    expect((await q(`from=${to}&to=${from}`)).status).toBe(400);

    // Past the cap, the next resolution: 60,000 raw values in one day are served as minutes.
    for (let i = 0; i < 60_000; i++) h.custody.history.add('general', 'humidity', start + i * 1000, 40 + (i % 10));
    const later = new Date(start + 60_001 * 1000).toISOString();
    const capped = (await q(`from=${from}&to=${later}&metric=humidity&resolution=raw`)).body;
    expect(capped).toMatchObject({ requested: 'raw', resolution: '1m', pointCap: 50_000 });
    expect(capped.series[0].points.length).toBeLessThanOrEqual(1_001);
  });

  it('keeps raw values 48 hours and minutes after that, deleting in slices', async () => {
    h = await open();
    const start = h.clock.now();
    for (let i = 0; i < 10; i++) h.custody.history.add('general', 'temperature', start + i * MIN, 21);
    h.custody.history.flush();
    h.clock.advance(RAW_KEEP_MS + 30 * MIN);
    h.custody.tick();
    const db = h.custody.history.db;
    expect(db.prepare('SELECT count(*) AS n FROM raw').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM minute').get()).toEqual({ n: 10 });
  });

  it('writes the monthly 温湿度 log: 09:00 and 15:00 each day, and every excursion with its alarm', async () => {
    h = await open();
    // Tuesday 4 March 2025, 09:00 and 15:00 in Shanghai are 01:00 and 07:00 UTC.
    h.clock.t = Date.parse('2025-03-04T01:00:10Z');
    env('temperature', 21.4); env('humidity', 48);
    h.clock.t = Date.parse('2025-03-04T07:00:10Z');
    env('temperature', 23.1); env('humidity', 52);
    h.clock.advance(MIN);
    hold('temperature', 30, 6 * MIN);
    const res = await fetch(`${h.url}/api/v1/zones/general/environment.csv?month=2025-03`, { headers: { authorization: 'Bearer tok-auditor-xxxxxxxx' } });
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('温湿度记录,一般物品库,2025年3月');
    expect(lines).toContain('2025年3月4日,21.4,48,23.1,52');
    expect(lines).toContain('2025年3月5日,,,,');
    expect(lines.filter((l) => /^2025年3月\d+日,/.test(l))).toHaveLength(31);
    expect(text).toMatch(/2025年3月4日 15:0\d,未结束,温度,30,警告,一般物品库温度 30 °C 高于上限 28 °C/);
    expect((await h.call('supervisor', 'GET', '/zones/general/environment.csv?month=2025-13')).status).toBe(400);
    expect((await h.call('supervisor', 'GET', '/zones/restricted/environment.csv?month=2025-03')).status).toBe(404);
  });
});

describe('conditions in the chain of custody', () => {
  it('an item put away into a zone records the zone\'s last readings in its custody event', async () => {
    h = await open();
    env('temperature', 21.5);
    env('humidity', 47);
    const { ids: [id] } = intake(h.ctx, { to: null });
    putaway(h.ctx, principal('operator'), id!, { orderId: issue(h.ctx, { kind: 'putaway', itemIds: [id!] }).id, locationId: 'GN-01' });
    const e = h.custody.db.prepare(`SELECT details FROM events WHERE item_id = ? AND kind = 'putaway'`).get(id) as { details: string };
    expect(JSON.parse(e.details).conditions).toEqual({
      general: [
        { metric: 'temperature', value: 21.5, unit: '°C', at: new Date(T0).toISOString(), deviceId: 'th-gn' },
        { metric: 'humidity', value: 47, unit: '%RH', at: new Date(T0).toISOString(), deviceId: 'th-gn' },
      ],
    });
    expect(h.custody.verify().ok).toBe(true);
  });

  it('a breach live at a restart goes on, and resolves when the value comes back', async () => {
    h = await open();
    hold('temperature', 35, 6 * MIN);
    expect(alarms()).toHaveLength(1);
    const { dir, key, clock } = h;
    await h.close();
    h = await open({ dir, key, clock });
    hold('temperature', 22, 6 * MIN);
    expect(alarms()).toEqual([expect.objectContaining({ state: 'resolved' })]);
  });
});
