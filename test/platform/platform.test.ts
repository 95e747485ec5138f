// The simulated city platform against contract.md, through a real server on an ephemeral port and a
// real SQLite file. The client here signs and verifies with node:crypto alone, written from the
// contract, not from firmware-sim/platform/signing.ts: a shared mistake would otherwise pass.
import { createHash, createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import canonicalizeCjs from 'canonicalize';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureRawIngest } from '../../firmware-sim/platform/raw-ingest.ts';
import { parseSeed, type Seed } from '../../firmware-sim/platform/seed.ts';
import { startPlatform, type Platform } from '../../firmware-sim/platform/server.ts';

const canonicalize = canonicalizeCjs as unknown as (x: unknown) => string | undefined;
const ZERO = '0'.repeat(64);
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const hmac = (secret: string, s: string) => createHmac('sha256', secret).update(s).digest('hex');

const SECRET1 = 'secret-of-site-one';
const SECRET2 = 'secret-of-site-two';
const SECRETS: Record<string, string> = { k1: SECRET1, k2: SECRET2 };

const seed: Seed = parseSeed({
  sites: [
    {
      id: 'S1', keyId: 'k1', secret: SECRET1,
      staff: [{ id: 'p1', name: 'Wang Li', agencyId: 'A1', roles: ['keeper'], badgeEpc: 'E200001', clearances: ['Z1'] }],
      orders: [{ id: 'o1', kind: 'retrieve', itemIds: ['i1'], approvedBy: 'chief', validFrom: '2026-01-01T00:00:00Z', validUntil: '2027-01-01T00:00:00Z', gates: ['G1'], direction: 'out', escorts: ['p1'] }],
      items: [{ orderId: 'o2', items: [{ id: 'n1', name: 'phone', categoryId: 'electronics', quantity: 1, unit: 'pcs', caseNumber: 'C-1' }] }],
    },
    { id: 'S2', keyId: 'k2', secretEnv: 'PLATFORM_TEST_SECRET_S2' },
  ],
});
process.env.PLATFORM_TEST_SECRET_S2 = SECRET2;

// ---------- the test's own chain builder and signing client ----------
type Ev = Record<string, unknown> & { seq: number; hash: string; prevHash: string };
function chainOf(n: number, from = { seq: 0, hash: ZERO }, tweak = ''): Ev[] {
  const out: Ev[] = [];
  let prev = from.hash;
  for (let seq = from.seq + 1; seq <= from.seq + n; seq++) {
    const e = {
      seq, id: `e${seq}${tweak}`, at: new Date(Date.UTC(2026, 0, 1) + seq * 60_000).toISOString(), kind: 'stored',
      itemId: `i${seq % 7}`, orderId: null, actors: { by: 'gateway', role: 'system' },
      from: null, to: { state: 'stored', zoneId: 'Z1', locationId: null, agencyId: 'A1' },
      details: { n: seq, 名称: '手机' }, restricted: false, prevHash: prev,
    };
    const hash = sha(prev + canonicalize(e));
    out.push({ ...e, hash });
    prev = hash;
  }
  return out;
}

interface Res { status: number; headers: http.IncomingHttpHeaders; raw: Buffer; json: any; verified: boolean | 'unsigned' }

function replyVerifies(keyId: string, status: number, pathWithQuery: string, headers: http.IncomingHttpHeaders, raw: Buffer): boolean | 'unsigned' {
  const h = headers.authorization;
  if (!h) return 'unsigned';
  const m = /^HMAC-SHA256\s+keyId\s*=\s*([^,\s]+)\s*,\s*ts\s*=\s*(\d+)\s*,\s*sig\s*=\s*([0-9a-f]{64})$/.exec(h);
  if (!m || m[1] !== keyId) return false;
  const ts = Number(m[2]);
  if (Math.abs(Date.now() / 1000 - ts) > 300) return false;
  return hmac(SECRETS[keyId], `${status}\n${pathWithQuery}\n${ts}\n${sha(raw)}`) === m[3];
}

let base = '';
function call(method: string, pathWithQuery: string, body?: unknown, o: { keyId?: string; secret?: string; ts?: number; header?: string | null; rawBody?: Buffer; timeoutMs?: number } = {}): Promise<Res> {
  const keyId = o.keyId ?? 'k1';
  const raw = o.rawBody ?? (body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body)));
  const ts = o.ts ?? Math.floor(Date.now() / 1000);
  const secret = o.secret ?? SECRETS[keyId] ?? 'none';
  const auth = o.header === null ? undefined : o.header ?? `HMAC-SHA256 keyId=${keyId}, ts=${ts}, sig=${hmac(secret, `${method}\n${pathWithQuery}\n${ts}\n${sha(raw)}`)}`;
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path: pathWithQuery, agent: false, headers: { ...(auth ? { authorization: auth } : {}), 'content-type': 'application/json', 'content-length': raw.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const b = Buffer.concat(chunks);
        let json: unknown;
        try { json = JSON.parse(b.toString('utf8')); } catch { json = undefined; }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, raw: b, json, verified: replyVerifies(keyId, res.statusCode ?? 0, pathWithQuery, res.headers, b) });
      });
    });
    if (o.timeoutMs) req.setTimeout(o.timeoutMs, () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end(raw);
  });
}
async function adminCall(method: string, p: string, body?: unknown): Promise<{ status: number; json: any }> {
  const r = await fetch(`${base}${p}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, json: await r.json() };
}
const post = (chain: string, events: unknown[], site = 'S1', o = {}) => call('POST', `/v1/sites/${site}/chains/${chain}/custody-events`, { events }, o);
const head = async (chain: string, site = 'S1') => (await call('GET', `/v1/sites/${site}/chains/${chain}/head`)).json as { seq: number; hash: string; source: string };

let dir = '';
let platform: Platform;
const dbFile = () => path.join(dir, 'platform.db');
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'platform-test-'));
  platform = await startPlatform({ dbFile: dbFile(), seed });
  base = platform.url;
});
afterAll(async () => {
  await platform.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('custody events', () => {
  const chain = chainOf(60);

  it('accepts a chain of 50 events built from the hash formula, and the head is its last', async () => {
    expect(await head('main')).toEqual({ seq: 0, hash: ZERO, source: 'none' });
    const r = await post('main', chain.slice(0, 50));
    expect(r.status).toBe(200);
    expect(r.verified).toBe(true);
    expect(r.json).toEqual({ ackedThrough: 50, hash: chain[49].hash });
    expect(await head('main')).toEqual({ seq: 50, hash: chain[49].hash, source: 'events' });
  });

  it('acknowledges a resend again, whole or overlapping the head', async () => {
    expect((await post('main', chain.slice(0, 50))).json).toEqual({ ackedThrough: 50, hash: chain[49].hash });
    const r = await post('main', chain.slice(40, 55).map((e) => ({ ...e, chain: 'main' })));
    expect(r.json).toEqual({ ackedThrough: 55, hash: chain[54].hash });
  });

  it('answers a gap with 409 SEQUENCE_GAP and the expected seq', async () => {
    const r = await post('main', chain.slice(57, 60));
    expect(r.status).toBe(409);
    expect(r.verified).toBe(true);
    expect(r.json.error).toMatchObject({ code: 'SEQUENCE_GAP', expectedSeq: 56 });
  });

  it('refuses a fork, a bad prevHash and a bad hash with 422, storing nothing of the batch', async () => {
    const before = await head('main');
    // A fork: seq 10 with other content (its own hash recomputes).
    const other = chainOf(10, { seq: 0, hash: ZERO }, 'x')[9];
    let r = await post('main', [other]);
    expect(r.status).toBe(422);
    expect(r.json.error).toMatchObject({ code: 'CHAIN_BROKEN', seq: 10, reason: 'fork' });
    // Good 56..58, then 59 linked to the wrong hash: nothing of 56..58 may stay.
    const bad = chain.slice(55, 59).map((e) => ({ ...e }));
    const relinked = { ...bad[3], prevHash: 'a'.repeat(64) };
    relinked.hash = sha(relinked.prevHash + canonicalize((({ hash: _h, ...rest }) => rest)(relinked)));
    bad[3] = relinked;
    r = await post('main', bad);
    expect(r.json.error).toMatchObject({ code: 'CHAIN_BROKEN', seq: 59, reason: 'bad_prev_hash' });
    expect(await head('main')).toEqual(before);
    // A hash that does not recompute.
    const tampered = chain.slice(55, 57).map((e) => ({ ...e }));
    tampered[1] = { ...tampered[1], details: { n: 'changed' } };
    r = await post('main', tampered);
    expect(r.status).toBe(422);
    expect(r.json.error).toMatchObject({ code: 'CHAIN_BROKEN', seq: 57, reason: 'bad_hash' });
    expect(await head('main')).toEqual(before);
    const report = await adminCall('GET', '/admin/sites/S1/chains/main');
    expect(report.json).toMatchObject({ head: { seq: 55 }, source: 'events', events: 55, verified: true });
    expect(report.json.refusals).toMatchObject({ fork: 1, bad_prev_hash: 1, bad_hash: 1, SEQUENCE_GAP: 1 });
  });

  it('validates batches: schema errors name the path, a chain field must match, over 1000 events is 413', async () => {
    let r = await post('main', [{ ...chain[55], seq: 'x' }]);
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 'VALIDATION_FAILED', path: 'events.0.seq' });
    r = await post('main', [{ ...chain[55], chain: 'restricted' }]);
    expect(r.json.error).toMatchObject({ code: 'VALIDATION_FAILED', path: 'events.0.chain' });
    r = await post('main', []);
    expect(r.status).toBe(400);
    r = await post('main', [chain[55], chain[57]]);
    expect(r.json.error).toMatchObject({ code: 'VALIDATION_FAILED', path: 'events.1.seq' });
    r = await post('main', chainOf(1001));
    expect(r.status).toBe(413);
    expect(r.json.error.code).toBe('TOO_LARGE');
    r = await call('POST', '/v1/sites/S1/chains/main/custody-events', undefined, { rawBody: Buffer.alloc(1024 * 1024 + 70 * 1024, 0x20) });
    expect(r.status).toBe(413);
    expect(r.verified).toBe(true);
    r = await post('other', chain.slice(0, 1));
    expect(r.status).toBe(404);
    expect(r.json.error.code).toBe('NOT_FOUND');
  });
});

describe('anchors', () => {
  it('takes a restricted head: idempotent, never lower, never another hash at the same seq; a chain with content refuses them', async () => {
    const c = chainOf(9);
    const put = (seq: number, hash: string) => call('PUT', '/v1/sites/S1/chains/restricted/anchor', { seq, hash, at: '2026-03-01T00:00:00Z' });
    let r = await put(5, c[4].hash);
    expect(r.status).toBe(200);
    expect(r.verified).toBe(true);
    expect(r.json).toEqual({ seq: 5, hash: c[4].hash });
    expect(await head('restricted')).toEqual({ seq: 5, hash: c[4].hash, source: 'anchor' });
    expect((await put(5, c[4].hash)).status).toBe(200);
    r = await put(5, c[5].hash);
    expect(r.status).toBe(422);
    expect(r.json.error).toMatchObject({ code: 'CHAIN_BROKEN', seq: 5 });
    expect((await put(4, c[3].hash)).status).toBe(422);
    expect((await put(9, c[8].hash)).json).toEqual({ seq: 9, hash: c[8].hash });
    expect((await head('restricted')).seq).toBe(9);
    r = await call('PUT', '/v1/sites/S1/chains/main/anchor', { seq: 60, hash: ZERO, at: '2026-03-01T00:00:00Z' });
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('CONFLICT');
    const report = await adminCall('GET', '/admin/sites/S1/chains/restricted');
    expect(report.json).toMatchObject({ head: { seq: 9 }, source: 'anchor', events: 0, verified: true });
    expect(report.json.anchors.map((a: { seq: number }) => a.seq)).toEqual([5, 9]);
    expect((await call('PUT', '/v1/sites/S2/chains/restricted/anchor', { seq: 0, hash: c[0].hash, at: '2026-03-01T00:00:00Z' }, { keyId: 'k2' })).status).toBe(400);
  });

  it('content sent later to an anchored chain must agree with its anchors; then the chain takes no more anchors', async () => {
    const c = chainOf(9);
    const other = chainOf(9, { seq: 0, hash: ZERO }, 'y');
    let r = await post('restricted', other.slice(0, 6));
    expect(r.status).toBe(422);
    expect(r.json.error).toMatchObject({ code: 'CHAIN_BROKEN', seq: 5, reason: 'anchor_mismatch' });
    expect(await head('restricted')).toMatchObject({ seq: 9, source: 'anchor' });
    r = await post('restricted', c);
    expect(r.json).toEqual({ ackedThrough: 9, hash: c[8].hash });
    expect(await head('restricted')).toEqual({ seq: 9, hash: c[8].hash, source: 'events' });
    r = await call('PUT', '/v1/sites/S1/chains/restricted/anchor', { seq: 9, hash: c[8].hash, at: '2026-03-01T00:00:00Z' });
    expect(r.json.error.code).toBe('CONFLICT');
  });
});

describe('signatures', () => {
  it('refuses a bad, a stale, an unknown and a missing signature with 401 and its reason code; signed when the key is known', async () => {
    let r = await call('GET', '/v1/sites/S1/chains/main/head', undefined, { secret: 'wrong' });
    expect(r.status).toBe(401);
    expect(r.json.error.code).toBe('BAD_SIGNATURE');
    expect(r.verified).toBe(true);
    r = await call('GET', '/v1/sites/S1/chains/main/head', undefined, { ts: Math.floor(Date.now() / 1000) - 400 });
    expect(r.status).toBe(401);
    expect(r.json.error).toMatchObject({ code: 'CLOCK_SKEW' });
    expect(r.json.error.skewSeconds).toBeGreaterThanOrEqual(399);
    expect(Date.parse(r.json.error.serverTime)).toBeGreaterThan(0);
    expect(r.verified).toBe(true);
    r = await call('GET', '/v1/sites/S1/chains/main/head', undefined, { ts: Math.floor(Date.now() / 1000) + 400 });
    expect(r.json.error.code).toBe('CLOCK_SKEW');
    r = await call('GET', '/v1/sites/S1/chains/main/head', undefined, { keyId: 'nobody' });
    expect(r.status).toBe(401);
    expect(r.json.error.code).toBe('UNKNOWN_KEY');
    expect(r.verified).toBe('unsigned');
    r = await call('GET', '/v1/sites/S1/chains/main/head', undefined, { header: null });
    expect(r.json.error.code).toBe('BAD_SIGNATURE');
    // The signature covers the body bytes: the same JSON re-spaced does not verify.
    const ts = Math.floor(Date.now() / 1000);
    const signedFor = Buffer.from('{"events":[]}');
    const sig = hmac(SECRET1, `POST\n/v1/sites/S1/chains/main/custody-events\n${ts}\n${sha(signedFor)}`);
    r = await call('POST', '/v1/sites/S1/chains/main/custody-events', undefined, { rawBody: Buffer.from('{ "events": [] }'), header: `HMAC-SHA256 keyId=k1, ts=${ts}, sig=${sig}` });
    expect(r.json.error.code).toBe('BAD_SIGNATURE');
  });

  it('tolerates spaces in the header; the query is part of what is signed', async () => {
    const ts = Math.floor(Date.now() / 1000);
    const p = '/v1/sites/S1/changes?cursor=&limit=2';
    const sig = hmac(SECRET1, `GET\n${p}\n${ts}\n${sha('')}`);
    let r = await call('GET', p, undefined, { header: `HMAC-SHA256   keyId = k1 ,ts=${ts} ,  sig= ${sig}` });
    expect(r.status).toBe(200);
    expect(r.verified).toBe(true);
    r = await call('GET', '/v1/sites/S1/changes?cursor=&limit=3', undefined, { header: `HMAC-SHA256 keyId=k1, ts=${ts}, sig=${sig}` });
    expect(r.json.error.code).toBe('BAD_SIGNATURE');
  });

  it('a key answers for its own site only: 403 FORBIDDEN for another, 404 UNKNOWN_SITE for none', async () => {
    let r = await call('GET', '/v1/sites/S2/chains/main/head');
    expect(r.status).toBe(403);
    expect(r.json.error.code).toBe('FORBIDDEN');
    expect(r.verified).toBe(true);
    r = await call('GET', '/v1/sites/S9/chains/main/head');
    expect(r.status).toBe(404);
    expect(r.json.error.code).toBe('UNKNOWN_SITE');
    r = await call('GET', '/v1/sites/S2/chains/main/head', undefined, { keyId: 'k2' });
    expect(r.json).toEqual({ seq: 0, hash: ZERO, source: 'none' });
    expect(r.verified).toBe(true);
    r = await call('GET', '/v1/nothing/here');
    expect(r.status).toBe(404);
    expect(r.verified).toBe(true);
  });
});

describe('changes feed', () => {
  it('starts with the seed (staff, orders, items), pages by cursor, and a cursor answers the same twice', async () => {
    let r = await call('GET', '/v1/sites/S1/changes');
    expect(r.status).toBe(200);
    expect(r.verified).toBe(true);
    expect(r.json).toMatchObject({ cursor: '3', more: false });
    expect(r.json.staff).toEqual([{ id: 'p1', name: 'Wang Li', agencyId: 'A1', roles: ['keeper'], badgeEpc: 'E200001', clearances: ['Z1'], active: true }]);
    expect(r.json.orders[0]).toMatchObject({ id: 'o1', kind: 'retrieve', active: true });
    expect(r.json.items).toEqual([{ orderId: 'o2', id: 'n1', name: 'phone', categoryId: 'electronics', quantity: 1, unit: 'pcs', caseNumber: 'C-1', active: true }]);

    expect((await adminCall('POST', '/admin/sites/S1/orders', { id: 'o3', kind: 'move', itemIds: ['i2'] })).status).toBe(201);
    expect((await adminCall('POST', '/admin/sites/S1/staff', { id: 'p2', name: 'Li Na', agencyId: 'A1', roles: ['escort'], clearances: [] })).status).toBe(201);
    expect((await adminCall('POST', '/admin/sites/S1/items', { orderId: 'o4', items: [{ id: 'n2', name: 'knife', categoryId: 'weapon', quantity: 1, unit: 'pcs', caseNumber: 'C-2' }] })).status).toBe(201);
    expect((await adminCall('POST', '/admin/sites/S1/orders/o1/cancel', { reason: 'withdrawn by the agency' })).status).toBe(200);
    expect((await adminCall('DELETE', '/admin/sites/S1/staff/p1')).status).toBe(200);
    expect((await adminCall('POST', '/admin/sites/S1/orders/nope/cancel', { reason: 'x' })).status).toBe(404);

    const seen: any[] = [];
    let cursor = '3';
    for (;;) {
      r = await call('GET', `/v1/sites/S1/changes?cursor=${cursor}&limit=2`);
      const again = await call('GET', `/v1/sites/S1/changes?cursor=${cursor}&limit=2`);
      expect(again.json).toEqual(r.json);
      seen.push(r.json);
      cursor = r.json.cursor;
      if (!r.json.more) break;
    }
    expect(seen.map((p) => p.cursor)).toEqual(['5', '7', '8']);
    const all = { orders: seen.flatMap((p) => p.orders), staff: seen.flatMap((p) => p.staff), items: seen.flatMap((p) => p.items) };
    expect(all.orders).toEqual([{ id: 'o3', kind: 'move', itemIds: ['i2'], active: true }, { id: 'o1', active: false, reason: 'withdrawn by the agency' }]);
    expect(all.staff.map((p: any) => [p.id, p.active])).toEqual([['p2', true], ['p1', false]]);
    expect(all.staff[1]).toMatchObject({ badgeEpc: 'E200001' });
    expect(all.items).toEqual([{ orderId: 'o4', id: 'n2', name: 'knife', categoryId: 'weapon', quantity: 1, unit: 'pcs', caseNumber: 'C-2', active: true }]);
    r = await call('GET', '/v1/sites/S1/changes?cursor=8');
    expect(r.json).toEqual({ cursor: '8', more: false, orders: [], staff: [], items: [] });
    r = await call('GET', '/v1/sites/S1/changes?cursor=99');
    expect(r.json.error).toMatchObject({ code: 'VALIDATION_FAILED', path: 'cursor' });
    r = await call('GET', '/v1/sites/S1/changes?limit=0');
    expect(r.json.error).toMatchObject({ code: 'VALIDATION_FAILED', path: 'limit' });
    r = await call('GET', '/v1/sites/S2/changes', undefined, { keyId: 'k2' });
    expect(r.json).toEqual({ cursor: '0', more: false, orders: [], staff: [], items: [] });
  });
});

describe('alarms, inventory, environment', () => {
  const alarm = (id: string, version: number, state = 'open') => ({ id, version, kind: 'door_forced', severity: 'critical', state, openedAt: '2026-03-01T00:00:00Z', updatedAt: '2026-03-01T00:00:00Z', message: '门禁被强行打开', zoneId: 'Z1' });

  it('stores alarms per id, ignoring a version not newer than the stored one', async () => {
    let r = await call('POST', '/v1/sites/S1/alarms', { alarms: [alarm('a1', 1), alarm('a2', 1)] });
    expect(r.json).toEqual({ accepted: 2, ignored: 0 });
    expect(r.verified).toBe(true);
    r = await call('POST', '/v1/sites/S1/alarms', { alarms: [alarm('a1', 1), alarm('a1', 2, 'resolved'), alarm('a2', 0)] });
    expect(r.json).toEqual({ accepted: 1, ignored: 2 });
    const stored = await adminCall('GET', '/admin/sites/S1/alarms');
    expect(stored.json.alarms).toEqual([alarm('a1', 2, 'resolved'), alarm('a2', 1)]);
    r = await call('POST', '/v1/sites/S1/alarms', { alarms: [{ id: 'a3' }] });
    expect(r.json.error).toMatchObject({ code: 'VALIDATION_FAILED', path: 'alarms.0.version' });
  });

  it('replaces the inventory snapshot and keeps environment summaries idempotent by zone, metric and interval', async () => {
    const item = (id: string) => ({ id, epc: null, state: 'stored', zoneId: 'Z1', locationId: null, agencyId: 'A1', caseNumber: 'C-1' });
    expect((await call('PUT', '/v1/sites/S1/inventory', { at: '2026-03-01T00:00:00Z', items: [item('i1'), item('i2')] })).json).toEqual({ at: '2026-03-01T00:00:00Z', count: 2, complete: true });
    expect((await call('PUT', '/v1/sites/S1/inventory', { at: '2026-03-01T01:00:00Z', items: [item('i3')] })).json).toEqual({ at: '2026-03-01T01:00:00Z', count: 1, complete: true });
    // In parts: held back until the last one, then the snapshot is replaced whole.
    expect((await call('PUT', '/v1/sites/S1/inventory', { at: '2026-03-01T02:00:00Z', part: 1, parts: 2, items: [item('i5')] })).json).toEqual({ at: '2026-03-01T02:00:00Z', count: 1, complete: false });
    expect((await call('PUT', '/v1/sites/S1/inventory', { at: '2026-03-01T02:00:00Z', part: 0, parts: 2, items: [item('i4')] })).json).toEqual({ at: '2026-03-01T02:00:00Z', count: 2, complete: true });
    expect((await call('PUT', '/v1/sites/S1/inventory', { at: '2026-03-01T03:00:00Z', part: 2, parts: 2, items: [] })).status).toBe(400);
    const inv = await adminCall('GET', '/admin/sites/S1/inventory');
    expect(inv.json).toMatchObject({ at: '2026-03-01T02:00:00Z', count: 2, items: [item('i4'), item('i5')] });
    const s = (from: string, avg: number) => ({ zoneId: 'Z1', metric: 'temperature', unit: '°C', from, to: `${from.slice(0, 14)}59:59Z`, min: avg - 1, avg, max: avg + 1, count: 60 });
    expect((await call('POST', '/v1/sites/S1/environment', { summaries: [s('2026-03-01T00:00:00Z', 20), s('2026-03-01T01:00:00Z', 21)] })).json).toEqual({ accepted: 2 });
    expect((await call('POST', '/v1/sites/S1/environment', { summaries: [s('2026-03-01T01:00:00Z', 21)] })).json).toEqual({ accepted: 1 });
    const env = await adminCall('GET', '/admin/sites/S1/environment');
    expect(env.json.summaries).toHaveLength(2);
  });
});

describe('faults', () => {
  const headPath = '/v1/sites/S2/chains/main/head';
  const k2 = { keyId: 'k2' };
  const post2 = (events: unknown[]) => post('main', events, 'S2', k2);
  const c2 = chainOf(6);

  it('status_500: a signed 500 without processing', async () => {
    await adminCall('POST', '/admin/faults', { kind: 'status_500', pathPrefix: '/v1/sites/S2/chains' });
    const r = await post2(c2.slice(0, 1));
    expect(r.status).toBe(500);
    expect(r.json.error.code).toBe('INTERNAL');
    expect(r.verified).toBe(true);
    expect((await call('GET', headPath, undefined, k2)).json.seq).toBe(0);
  });

  it('cut_after_commit: the client loses the answer, the batch is committed', async () => {
    platform.faults.add({ kind: 'cut_after_commit' });
    await expect(post2(c2.slice(0, 2))).rejects.toThrow();
    expect((await call('GET', headPath, undefined, k2)).json).toMatchObject({ seq: 2, hash: c2[1].hash });
    expect((await post2(c2.slice(0, 2))).json).toEqual({ ackedThrough: 2, hash: c2[1].hash });
  });

  it('timeout: no answer until the fault is cleared, and nothing processed', async () => {
    await adminCall('POST', '/admin/faults', { kind: 'timeout', times: 0 });
    const pending = post2(c2.slice(2, 3)).then(() => 'answered', () => 'socket closed');
    const early = await Promise.race([pending, new Promise((r) => setTimeout(() => r('still waiting'), 500))]);
    expect(early).toBe('still waiting');
    await adminCall('DELETE', '/admin/faults');
    expect(await pending).toBe('socket closed');
    expect((await call('GET', headPath, undefined, k2)).json.seq).toBe(2);
  });

  it('slow: answers after delayMs', async () => {
    platform.faults.add({ kind: 'slow', delayMs: 400 });
    const t0 = Date.now();
    const r = await call('GET', headPath, undefined, k2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(380);
    expect(r.verified).toBe(true);
  });

  it('html and garbage: a 200 that is not the platform, unsigned, not processed', async () => {
    platform.faults.add({ kind: 'html', times: 1 });
    let r = await post2(c2.slice(2, 3));
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/html/);
    expect(r.verified).toBe('unsigned');
    platform.faults.add({ kind: 'garbage', times: 1 });
    r = await post2(c2.slice(2, 3));
    expect(r.status).toBe(200);
    expect(r.verified).toBe('unsigned');
    expect(r.raw.length).toBeGreaterThan(0);
    expect((await call('GET', headPath, undefined, k2)).json.seq).toBe(2);
  });

  it('bad_signature and skew: the right reply that does not verify', async () => {
    platform.faults.add({ kind: 'bad_signature' });
    let r = await post2(c2.slice(2, 3));
    expect(r.json).toEqual({ ackedThrough: 3, hash: c2[2].hash });
    expect(r.verified).toBe(false);
    platform.faults.add({ kind: 'skew' });
    r = await call('GET', headPath, undefined, k2);
    expect(r.verified).toBe(false);
    const ts = Number(/ts=(\d+)/.exec(String(r.headers.authorization))?.[1]);
    expect(ts - Date.now() / 1000).toBeGreaterThan(590);
    // The reply is otherwise correctly signed: with its own ts it verifies.
    const sig = /sig=([0-9a-f]+)/.exec(String(r.headers.authorization))?.[1];
    expect(hmac(SECRET2, `200\n${headPath}\n${ts}\n${sha(r.raw)}`)).toBe(sig);
  });

  it('duplicate_changes: the page repeats the previous one (from the start, itself), the cursor moves as usual', async () => {
    for (const id of ['d1', 'd2', 'd3', 'd4']) await adminCall('POST', '/admin/sites/S2/orders', { id });
    platform.faults.add({ kind: 'duplicate_changes' });
    const first = await call('GET', '/v1/sites/S2/changes?limit=2', undefined, k2);
    expect(first.json.orders.map((o: any) => o.id)).toEqual(['d1', 'd2', 'd1', 'd2']);
    expect(first.json).toMatchObject({ cursor: '2', more: true });
    platform.faults.add({ kind: 'duplicate_changes' });
    const second = await call('GET', `/v1/sites/S2/changes?cursor=${first.json.cursor}&limit=2`, undefined, k2);
    expect(second.json.orders.map((o: any) => o.id)).toEqual(['d1', 'd2', 'd3', 'd4']);
    expect(second.json.cursor).toBe('4');
    expect(second.verified).toBe(true);
    const stats = await adminCall('GET', '/admin/stats');
    expect(stats.json.requests['GET /v1/sites/{siteId}/changes']).toBeGreaterThan(0);
    expect(stats.json.refusals.INTERNAL).toBeGreaterThanOrEqual(1);
  });

  it('refuses an unknown fault kind on the admin API', async () => {
    expect((await adminCall('POST', '/admin/faults', { kind: 'meteor' })).status).toBe(400);
  });
});

describe('robustness', () => {
  it('100 random bodies, signed or not, are refused and never crash the server', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)), fc.json().map((j) => Buffer.from(j)), fc.jsonValue().map((v) => Buffer.from(JSON.stringify({ events: [v] })))),
        fc.constantFrom('/v1/sites/S1/chains/main/custody-events', '/v1/sites/S1/alarms', '/v1/sites/S1/environment', '/v1/sites/S1/chains/restricted/anchor', '/v1/sites/S1/inventory'),
        fc.boolean(),
        async (raw, p, signed) => {
          const method = p.endsWith('anchor') || p.endsWith('inventory') ? 'PUT' : 'POST';
          const r = await call(method, p, undefined, signed ? { rawBody: raw } : { rawBody: raw, secret: 'wrong' });
          expect(r.status).toBeGreaterThanOrEqual(400);
          expect(r.status).toBeLessThan(500);
          expect(r.verified).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
    expect((await head('main')).seq).toBe(55);
  });
});

describe('restart', () => {
  it('a platform restarted on the same file keeps the heads, the feed and does not reseed', async () => {
    const before = { main: await head('main'), restricted: await head('restricted') };
    const changes = (await call('GET', '/v1/sites/S1/changes?limit=1000')).json;
    await platform.close();
    platform = await startPlatform({ dbFile: dbFile(), seed });
    base = platform.url;
    expect(await head('main')).toEqual(before.main);
    expect(await head('restricted')).toEqual(before.restricted);
    expect((await call('GET', '/v1/sites/S1/changes?limit=1000')).json).toEqual(changes);
  });
});

describe('raw ingest', () => {
  it('builds valid chained events and measures their ingest rate', () => {
    const r = measureRawIngest({ events: 2500, chain: 'restricted' });
    expect(r).toMatchObject({ events: 2500, batches: 3 });
    expect(r.eventsPerSecond).toBeGreaterThan(0);
  });
});
