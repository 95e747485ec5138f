// A full cycle count (盘点) of the demo's valuables vault, end to end: the demo gateway, its simulated
// R2000 shelf reader and Modbus load cells (firmware-sim/serial, over socat's pseudo-terminals or
// TCP), a count opened and closed through the API, and on the floor one thing of each kind a count
// must find: an item gone with no order (missing), one on the wrong shelf (misplaced), a tag that is
// no item (unexpected), a cash cabinet that weighs short (weight_mismatch), cabinets no reader
// watches (not_counted), an item checked out under a two-person order (checked_out).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { waitFor } from '../helpers/wait.ts';
import { Gateway } from '../../gateway/gateway.ts';
import { resolveSite } from '../../gateway/site.ts';
import { createLogger } from '../../gateway/log.ts';
import { startDemoSerial } from '../../gateway/demo/serial.ts';
import { DEMO_COMPANY_PREFIX } from '../../gateway/demo/site.ts';
import { encodeGiai96 } from '../../edge/epc/encode.ts';

const DAY = 86_400_000;

describe('a cycle count of the demo\'s valuables vault over the simulated serial devices', () => {
  let gw: Gateway;
  let url: string;
  let dir: string;
  let sim: ChildProcess | null = null;
  const call = async (method: string, p: string, token: string, body?: unknown) => {
    const r = await fetch(`${url}/api/v1${p}`, {
      method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as any };
  };
  const api = async (p: string) => (await call('GET', p, 'demo-supervisor')).body;
  const simSays = (cmd: Record<string, unknown>) => sim!.stdin!.write(`${JSON.stringify(cmd)}\n`);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-count-'));
    const resolved = await resolveSite([], { ...process.env, GATEWAY_DATA_DIR: dir });
    resolved.site.rules.checkIntervalSeconds = 1;
    gw = new Gateway({ resolved, logger: createLogger('warn'), httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, simulate: false });
    url = (await gw.start()).url;
    sim = startDemoSerial(gw.custody, createLogger('warn'));
    await waitFor(async () => {
      const d = (await api('/devices')).data as any[];
      return ['shelf-vl-1', 'scale-vl'].every((id) => d.find((x) => x.id === id)?.state === 'online');
    }, 30_000);
  }, 120_000);

  afterAll(async () => {
    sim?.kill('SIGTERM');
    await gw?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds one of each: missing, misplaced, unexpected, weight mismatch, not counted, checked out, and the rest found', async () => {
    const db = gw.custody.db;
    const storedAt = (l: string) => db.prepare(`SELECT id, epc FROM items WHERE state = 'stored' AND location_id = ? AND epc IS NOT NULL ORDER BY id`).all(l) as { id: string; epc: string }[];
    const [gone] = storedAt('VL-01-01');
    const [wandering] = storedAt('VL-01-02');
    const [leaving] = storedAt('VL-01-04');
    expect(gone && wandering && leaving, 'the demo stores items in the first cabinets of the vault').toBeTruthy();
    const cash = db.prepare(`SELECT count(*) AS n, sum(weight_grams) AS g FROM items WHERE state = 'stored' AND location_id = 'VL-02-01'`).get() as { n: number; g: number };
    expect(cash.n, 'cash weighed at its intake in the weighed cabinet').toBeGreaterThan(0);
    const expectedGrams = 5_000 + cash.g;
    await waitFor(async () => Math.abs((await api('/shelves/VL-02-01')).location.weight?.measuredGrams - expectedGrams) < 100, 15_000);

    // Checked out before the count, under a two-person order (cash and precious metals need two).
    const order = await call('POST', '/orders', 'demo-supervisor', {
      kind: 'retrieve', itemIds: [leaving!.id], approvedBy: 'sup-01', validFrom: new Date(Date.now() - 60_000).toISOString(),
      validUntil: new Date(Date.now() + DAY).toISOString(), gates: ['gate-valuables'], direction: 'out', escorts: ['op-01', 'op-02'],
      purpose: '法院庭审示证', dueAt: new Date(Date.now() + 2 * DAY).toISOString(),
    });
    expect(order.status, JSON.stringify(order.body)).toBe(201);
    const asked = await call('POST', `/items/${leaving!.id}/retrieve`, 'demo-operator', { orderId: order.body.id, takenBy: 'op-01', condition: '封装完好' });
    expect(asked.status, JSON.stringify(asked.body)).toBe(202);
    expect((await call('POST', `/confirmations/${asked.body.pending.id}/confirm`, 'demo-supervisor', {})).status).toBe(200);
    expect((await api(`/items/${leaving!.id}`)).state).toBe('out');

    // The floor changed before the count opens: a round of the old shelf read during the count would rightly find the item there.
    const stray = encodeGiai96(DEMO_COMPANY_PREFIX, 9_000_001n);
    simSays({ cmd: 'remove', device: 'shelf-vl-1', epc: gone!.epc });
    simSays({ cmd: 'move', device: 'shelf-vl-1', epc: wandering!.epc, toAntenna: 3 });
    simSays({ cmd: 'place', device: 'shelf-vl-1', epc: stray, antenna: 5 });
    simSays({ cmd: 'weight', device: 'scales', unit: 1, grams: expectedGrams - 600 });
    // The simulator takes its commands in order: the wanderer read on its new shelf says all of them are in.
    await waitFor(async () => (await api(`/items/${wandering!.id}`)).lastSeenLocationId === 'VL-01-03', 20_000);
    const opened = await call('POST', '/counts', 'demo-supervisor', { zoneId: 'valuables', note: '月末盘点' });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const id = opened.body.id as string;

    // Every watched cabinet read since the count opened, the wanderer seen on the wrong one, the cabinet weighed short.
    await waitFor(async () => {
      const p = (await api(`/counts/${id}`)).progress;
      return p.misplaced >= 1 && p.unexpected >= 1 && p.locations.filter((l: any) => l.locationId.startsWith('VL-01-') && l.covered).length === 8;
    }, 30_000);
    await waitFor(async () => Math.abs((await api('/shelves/VL-02-01')).location.weight?.measuredGrams - (expectedGrams - 600)) < 100, 15_000);
    const live = (await api(`/counts/${id}`)).progress;
    expect(live.locations.find((l: any) => l.locationId === 'VL-01-09')).toMatchObject({ covered: false });

    const closed = await call('POST', `/counts/${id}/close`, 'demo-supervisor', {});
    expect(closed.status, JSON.stringify(closed.body).slice(0, 500)).toBe(200);
    const lines = closed.body.report.lines as any[];
    const of = (itemId: string) => lines.find((l) => l.itemId === itemId);
    expect(of(gone!.id)).toMatchObject({ class: 'missing', expectedLocationId: 'VL-01-01', seenLocationId: null });
    expect(of(wandering!.id)).toMatchObject({ class: 'misplaced', expectedLocationId: 'VL-01-02', seenLocationId: 'VL-01-03', via: 'shelf' });
    expect(of(leaving!.id)).toMatchObject({ class: 'checked_out', expectedLocationId: 'VL-01-04' });
    expect(lines.find((l) => l.epc === stray)).toMatchObject({ class: 'unexpected', itemId: null, seenLocationId: 'VL-01-05' });
    const short = lines.filter((l) => l.class === 'weight_mismatch');
    expect(short.length).toBe(cash.n);
    expect(short[0]).toMatchObject({ expectedLocationId: 'VL-02-01', expectedGrams });
    expect(Math.abs(short[0].measuredGrams - (expectedGrams - 600))).toBeLessThan(100);
    const t = closed.body.totals;
    for (const k of ['found', 'missing', 'misplaced', 'unexpected', 'weight_mismatch', 'not_counted', 'checked_out']) expect(t[k], k).toBeGreaterThan(0);
    // Found: every other item on a watched cabinet; not counted: every item in a cabinet no reader watches.
    const watched = new Set(Array.from({ length: 8 }, (_, i) => `VL-01-0${i + 1}`));
    expect(lines.filter((l) => l.class === 'found').every((l) => watched.has(l.expectedLocationId) && l.seenLocationId === l.expectedLocationId)).toBe(true);
    expect(lines.filter((l) => l.class === 'not_counted').every((l) => !watched.has(l.expectedLocationId))).toBe(true);

    const events = (await api('/events?kind=count_closed')).data as any[];
    expect(events.find((e) => e.kind === 'count_closed')).toMatchObject({ details: { countId: id, reportSha256: closed.body.reportSha256 } });
    expect((await api('/ledger/verify')).ok).toBe(true);
  }, 120_000);
});
