// Bad input over HTTP: every refusal is a 4xx with a code from the one table, never a 500, and
// leaves the store and the ledger as they were.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../../edge/errors.ts';
import { intake, issue, openHarness, storeFingerprint, tokenOf, type Harness } from '../helpers/custody-site.ts';

let h: Harness;
let stored: string;
let received: string;
let putOrder: string;
let before: ReturnType<typeof storeFingerprint>;

beforeAll(async () => {
  h = await openHarness();
  stored = intake(h.ctx, { count: 2 }).ids[0];
  received = intake(h.ctx, { to: null }).ids[0];
  putOrder = issue(h.ctx, { kind: 'putaway', itemIds: [received] }).id;
  before = storeFingerprint(h.custody);
});
afterAll(async () => {
  // Nothing any test in this file sent changed the store or the ledger.
  expect(storeFingerprint(h.custody)).toEqual(before);
  expect(h.custody.db.prepare('SELECT count(*) AS n FROM items').get()).toEqual({ n: 3 });
  expect(h.custody.verify().ok).toBe(true);
  await h.close();
});

const auth = { authorization: `Bearer ${tokenOf('operator')}` };
function expectRefused(r: { status: number; body: any; text: string }, status: number, code?: keyof typeof ERRORS) {
  expect(r.status, r.text).toBe(status);
  expect(r.status).toBeLessThan(500);
  expect(typeof r.body?.code, r.text).toBe('string');
  expect(Object.keys(ERRORS)).toContain(r.body.code);
  if (code) expect(r.body.code).toBe(code);
  expect(typeof r.body.message).toBe('string');
}

describe('bodies', () => {
  it('malformed JSON → 400 MALFORMED_JSON', async () => {
    for (const body of ['{"orderId": "x",', '{orderId: x}', 'null x', '"unterminated']) {
      const r = await h.raw('POST', `/items/${received}/putaway`, { body, headers: { ...auth, 'content-type': 'application/json' } });
      expectRefused(r, 400, 'MALFORMED_JSON');
    }
  });

  it('prototype pollution attempts and deep nesting → 4xx, never 500', async () => {
    const bodies = [
      `{"__proto__": {"admin": true}, "orderId": "${putOrder}", "locationId": "GN-01"}`,
      `{"constructor": {"prototype": {"admin": true}}, "orderId": "${putOrder}", "locationId": "GN-01"}`,
      '['.repeat(5000) + ']'.repeat(5000),
      `{"orderId": "${putOrder}", "locationId": "GN-01", "orderId": 7}`,
    ];
    for (const body of bodies) {
      const r = await h.raw('POST', `/items/${received}/putaway`, { body, headers: { ...auth, 'content-type': 'application/json' } });
      expectRefused(r, 400);
    }
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('an empty JSON body → 400', async () => {
    const r = await h.raw('POST', `/items/${received}/putaway`, { body: '', headers: { ...auth, 'content-type': 'application/json' } });
    expectRefused(r, 400);
  });

  it('wrong types → 400 VALIDATION_FAILED with the path', async () => {
    const cases: [string, unknown][] = [
      [`/items/${received}/putaway`, { orderId: 42, locationId: 'GN-01' }],
      [`/items/${received}/putaway`, { orderId: putOrder, locationId: ['GN-01'] }],
      [`/items/${received}/putaway`, [putOrder]],
      [`/items/${received}/putaway`, 'GN-01'],
      [`/items/${stored}/retrieve`, { orderId: putOrder, takenBy: 'x', condition: 'y', dueAt: 'tomorrow' }],
      [`/items/${stored}/dispose`, { orderId: putOrder, method: 'burned', decisionRef: 'x', decidedBy: 'y' }],
      ['/items/announce', { orderId: putOrder, items: [{ epc: 'XYZ', name: 'a', categoryId: 'c', caseNumber: 'n' }] }],
      ['/items/announce', { orderId: putOrder, items: [{ epc: '3034', name: 'a', categoryId: 'c', caseNumber: 'n', quantity: -1 }] }],
      ['/items/announce', { orderId: putOrder, items: [] }],
      ['/orders', { kind: 'teleport', approvedBy: 'x', validFrom: h.clock.iso(), validUntil: h.clock.iso(1) }],
    ];
    for (const [path, body] of cases) {
      const r = await h.call('supervisor', 'POST', path, body);
      expectRefused(r, 400, 'VALIDATION_FAILED');
    }
  });

  it('missing required fields → 400', async () => {
    expectRefused(await h.call('operator', 'POST', `/items/${received}/putaway`, { orderId: putOrder }), 400, 'VALIDATION_FAILED');
    expectRefused(await h.call('operator', 'POST', `/items/${received}/reject`, { orderId: putOrder }), 400, 'VALIDATION_FAILED');
    expectRefused(await h.call('operator', 'POST', `/items/${received}/putaway`, {}), 400, 'VALIDATION_FAILED');
  });

  it('unknown fields in bodies → 400', async () => {
    const r = await h.call('operator', 'POST', `/items/${received}/putaway`, { orderId: putOrder, locationId: 'GN-01', state: 'disposed' });
    expectRefused(r, 400, 'VALIDATION_FAILED');
    expect(JSON.stringify(r.body.details)).toContain('state');
    expectRefused(await h.call('operator', 'POST', '/items/announce', { orderId: putOrder, items: [{ epc: '30340000', name: 'a', categoryId: 'c', caseNumber: 'n', restricted: false }] }), 400);
    expectRefused(await h.call('supervisor', 'POST', '/orders', { kind: 'move', approvedBy: 'x', validFrom: h.clock.iso(), validUntil: h.clock.iso(1000), emergency: false }), 400);
    expectRefused(await h.call('supervisor', 'POST', '/alarms/x/acknowledge', { note: 'n', by: 'someone' }), 400);
  });

  it('a JSON body over 1 MiB → 413 BODY_TOO_LARGE', async () => {
    const r = await h.call('operator', 'POST', `/items/${received}/reject`, { orderId: putOrder, reason: 'x'.repeat(1024 * 1024 + 10) });
    expectRefused(r, 413, 'BODY_TOO_LARGE');
    const announceBig = await h.call('operator', 'POST', '/items/announce', {
      orderId: putOrder,
      items: Array.from({ length: 900 }, (_, i) => ({ epc: '3034' + String(i).padStart(20, '0'), name: 'n'.repeat(1200), categoryId: 'electronics', caseNumber: 'c' })),
    });
    expectRefused(announceBig, 413, 'BODY_TOO_LARGE');
  });

  it('a photo over 10 MiB → 413; a photo of another type → 415; an empty one → 400', async () => {
    const big = Buffer.alloc(10 * 1024 * 1024 + 1, 0x42);
    expectRefused(await h.raw('POST', `/items/${stored}/photos`, { body: big, headers: { ...auth, 'content-type': 'image/png' } }), 413, 'BODY_TOO_LARGE');
    expectRefused(await h.raw('POST', `/items/${stored}/photos`, { body: Buffer.from('GIF89a'), headers: { ...auth, 'content-type': 'image/gif' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectRefused(await h.raw('POST', `/items/${stored}/photos`, { body: JSON.stringify({ a: 1 }), headers: { ...auth, 'content-type': 'application/json' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectRefused(await h.raw('POST', `/items/${stored}/photos`, { body: Buffer.alloc(0), headers: { ...auth, 'content-type': 'image/png' } }), 400);
    expectRefused(await h.raw('POST', '/items/NO-SUCH/photos', { body: Buffer.from('png'), headers: { ...auth, 'content-type': 'image/png' } }), 404, 'ITEM_NOT_FOUND');
  });

  it('a body that is not JSON at all on a JSON route → 415', async () => {
    expectRefused(await h.raw('POST', `/items/${received}/putaway`, { body: 'orderId=x', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectRefused(await h.raw('POST', `/items/${received}/putaway`, { body: Buffer.from([0x89, 0x50]), headers: { ...auth, 'content-type': 'image/png' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('ids, filters and paging', () => {
  it('unknown ids → 404 with the specific code', async () => {
    expectRefused(await h.call('operator', 'GET', '/items/NOPE'), 404, 'ITEM_NOT_FOUND');
    expectRefused(await h.call('operator', 'GET', '/items/NOPE/events'), 404, 'ITEM_NOT_FOUND');
    expectRefused(await h.call('operator', 'GET', '/orders/NOPE'), 404, 'ORDER_NOT_FOUND');
    expectRefused(await h.call('operator', 'GET', '/alarms/NOPE'), 404, 'ALARM_NOT_FOUND');
    expectRefused(await h.call('operator', 'POST', '/alarms/NOPE/acknowledge', { note: 'n' }), 404, 'ALARM_NOT_FOUND');
    expectRefused(await h.call('supervisor', 'POST', '/orders/NOPE/cancel', { reason: 'r' }), 404, 'ORDER_NOT_FOUND');
    expectRefused(await h.call('operator', 'GET', '/zones/NOPE'), 404, 'NOT_FOUND');
    expectRefused(await h.call('operator', 'GET', '/locations/NOPE'), 404, 'LOCATION_NOT_FOUND');
    expectRefused(await h.call('operator', 'GET', '/no/such/route'), 404, 'NOT_FOUND');
    expectRefused(await h.call('supervisor', 'POST', '/orders', { kind: 'move', itemIds: ['NOPE'], approvedBy: 'x', validFrom: h.clock.iso(), validUntil: h.clock.iso(1000) }), 404, 'ITEM_NOT_FOUND');
    expectRefused(await h.call('operator', 'GET', `/items/${'x'.repeat(65)}`), 400, 'VALIDATION_FAILED');
  });

  const SQLISH = [`' OR 1=1 --`, `x'; DROP TABLE items;--`, `%`, `_`, `\\`, `"; DELETE FROM events; --`, `1) OR (1=1`, `' UNION SELECT * FROM users --`];

  it('SQL-like strings in filters → 200 with nothing, or a 4xx; never 500; nothing dropped', async () => {
    const routes = ['/items?q=', '/items?zone=', '/items?case=', '/items?agency=', '/items?category=', '/items?location=', '/items?epc=',
      '/cases?q=', '/cases?agency=', '/orders?item=', '/alarms?item=', '/alarms?gate=', '/locations?zone=', '/events?kind='];
    for (const route of routes) {
      for (const s of SQLISH) {
        const r = await h.call('operator', 'GET', route + encodeURIComponent(s));
        expect(r.status, `${route}${s}: ${r.text}`).toBeLessThan(500);
        if (r.status === 200) expect(r.body.data, `${route}${s}`).toEqual([]);
        else expectRefused(r, r.status);
      }
    }
    for (const s of SQLISH) {
      const r = await h.call('operator', 'GET', `/items/${encodeURIComponent(s)}`);
      expectRefused(r, 404, 'ITEM_NOT_FOUND');
      expectRefused(await h.call('operator', 'GET', `/items?state=${encodeURIComponent(s)}`), 400, 'VALIDATION_FAILED');
      expectRefused(await h.call('operator', 'POST', `/items/${received}/putaway`, { orderId: s, locationId: s }), 404);
    }
    expect((await h.call('operator', 'GET', '/items')).body.data).toHaveLength(3);
    expect(h.custody.db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE name IN ('items', 'events', 'users')`).get()).toEqual({ n: 3 });
  });

  it('a percent sign searches for a percent sign, not everything', async () => {
    expect((await h.call('operator', 'GET', '/items?q=%25')).body.data).toEqual([]);
    expect((await h.call('operator', 'GET', '/items?q=_')).body.data).toEqual([]);
    expect((await h.call('operator', 'GET', `/items?q=${encodeURIComponent('华为')}`)).body.data).toHaveLength(3);
  });

  it('limit above 500, zero, negative or not a number → 400', async () => {
    for (const route of ['/items', '/events', '/orders', '/alarms', '/cases', '/locations', '/staff', `/items/${stored}/events`]) {
      for (const limit of ['501', '0', '-1', 'abc', '1.5']) {
        expectRefused(await h.call('auditor', 'GET', `${route}?limit=${limit}`), 400, 'VALIDATION_FAILED');
      }
      expect((await h.call('auditor', 'GET', `${route}?limit=500`)).status).toBe(200);
    }
  });

  it('a cursor this API did not give out → 400 BAD_CURSOR', async () => {
    const bad = ['!!!', 'not-base64-json', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('[1,2,3]').toString('base64url'), Buffer.from('[null]').toString('base64url')];
    for (const route of ['/items', '/events', '/orders', '/alarms', '/cases', '/locations', '/staff', `/items/${stored}/events`]) {
      for (const c of bad) expectRefused(await h.call('auditor', 'GET', `${route}?cursor=${encodeURIComponent(c)}`), 400, 'BAD_CURSOR');
    }
  });

  it('a cursor that was given out pages through without repeats', async () => {
    const first = await h.call('auditor', 'GET', '/items?limit=2');
    expect(first.body.data).toHaveLength(2);
    const second = await h.call('auditor', 'GET', `/items?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.data).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    expect(new Set([...first.body.data, ...second.body.data].map((i: any) => i.id)).size).toBe(3);
  });

  it('unknown query parameters → 400', async () => {
    expectRefused(await h.call('operator', 'GET', '/items?sort=name'), 400, 'VALIDATION_FAILED');
    expectRefused(await h.call('operator', 'GET', '/events?item=x'), 400, 'VALIDATION_FAILED');
  });
});

describe('authentication', () => {
  it('no token, a wrong token, a malformed header → 401 UNAUTHENTICATED on every route', async () => {
    const headers: (Record<string, string> | undefined)[] = [
      undefined, { authorization: 'Bearer wrong-token' }, { authorization: `Basic ${Buffer.from('u:p').toString('base64')}` },
      { authorization: `Bearer ${tokenOf('operator')} extra` }, { authorization: 'Bearer ' }, { authorization: `bearer${tokenOf('operator')}` },
      { authorization: `Bearer ${'x'.repeat(600)}` },
    ];
    for (const hd of headers) {
      for (const [method, path, body] of [['GET', '/items'], ['GET', `/items/${stored}`], ['GET', '/ledger/verify'], ['POST', `/items/${received}/putaway`, { orderId: putOrder, locationId: 'GN-01' }]] as [string, string, unknown?][]) {
        const r = await h.raw(method, path, { body: body ? JSON.stringify(body) : undefined, headers: { ...(hd ?? {}), ...(body ? { 'content-type': 'application/json' } : {}) } });
        expectRefused(r, 401, 'UNAUTHENTICATED');
      }
    }
  });

  it('a bad token is refused before the body is looked at', async () => {
    const r = await h.raw('POST', `/items/${received}/putaway`, { body: '{broken', headers: { authorization: 'Bearer nope', 'content-type': 'application/json' } });
    expect(r.status).toBe(401);
  });

  it('/api/health needs no token', async () => {
    const r = await fetch(`${h.url}/api/health`);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ status: 'ok', site: 'test-center' });
  });
});
