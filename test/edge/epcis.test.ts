// GET /events.epcis: the custody ledger as an EPCIS 2.0 document, checked against GS1's own JSON
// schema, paged as EPCIS's REST binding pages, and visible exactly as GET /events.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { announce } from '../../edge/lifecycle/announce.ts';
import { receive } from '../../edge/lifecycle/receive.ts';
import { putaway } from '../../edge/lifecycle/putaway.ts';
import { move } from '../../edge/lifecycle/move.ts';
import { retrieve } from '../../edge/lifecycle/retrieve.ts';
import { returnItem } from '../../edge/lifecycle/return.ts';
import { dispose } from '../../edge/lifecycle/dispose.ts';
import { GENESIS_HASH, hashEvent, type CustodyEvent } from '../../edge/ledger/event.ts';
import { epcAt, epcUrn, timeZoneOffset, toObjectEvent } from '../../edge/epcis/event.ts';
import { KIND_MAPPINGS, mappingOf } from '../../edge/epcis/vocabulary.ts';
import { EPCIS_CONTEXT, epcisDocument } from '../../edge/epcis/document.ts';
import { DAY, intake, issue, openHarness, principal, tokenOf, type Harness, type UserKey } from '../helpers/custody-site.ts';

// The package is CommonJS (`module.exports = fn`).
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(fs.readFileSync(new URL('../fixtures/epcis/EPCIS-JSON-Schema.json', import.meta.url), 'utf8')));

// TDS 1.13's own SGTIN-96 example, and a tag whose header is no GS1 scheme (a chip maker's TID-like EPC).
const SGTIN_HEX = '3074257BF7194E4000001A85';
const SGTIN_URI = 'urn:epc:id:sgtin:0614141.812345.6789';
const RAW_HEX = 'E280116060000209A1B2C3D4';
const CASE_TS = 'A3709020000002025030777';

let h: Harness;
const ids = { sgtin: 'EP-SGTIN', raw: 'EP-RAW', burnt: 'EP-BURNT' };
let daiyue = '';
let restricted = '';

beforeAll(async () => {
  h = await openHarness();
  const ctx = h.ctx;
  const op = principal('operator');
  // Three of 泰山分局's items brought in by hand, with the EPCs the test needs.
  const tin = issue(ctx, { kind: 'transfer_in', agencyId: 'psb-taishan', zoneId: 'intake' });
  announce(ctx, op, {
    orderId: tin.id,
    items: [
      { id: ids.sgtin, epc: SGTIN_HEX, name: '华为手机', categoryId: 'electronics', caseNumber: CASE_TS },
      { id: ids.raw, epc: RAW_HEX, name: '笔记本电脑', categoryId: 'electronics', caseNumber: CASE_TS },
      { id: ids.burnt, epc: '3034000000000000000000AA', name: '文书资料', categoryId: 'documents', caseNumber: CASE_TS },
    ],
  });
  h.clock.advance(60_000);
  for (const id of Object.values(ids)) receive(ctx, op, id, { orderId: tin.id, condition: '封装完好' });
  h.clock.advance(60_000);
  const put = issue(ctx, { kind: 'putaway', itemIds: Object.values(ids) });
  for (const id of Object.values(ids)) putaway(ctx, op, id, { orderId: put.id, locationId: 'GN-01' });
  h.clock.advance(60_000);
  move(ctx, op, ids.raw, { orderId: issue(ctx, { kind: 'move', itemIds: [ids.raw] }).id, locationId: 'GN-02' });
  // Checked out and back.
  const out = issue(ctx, { kind: 'retrieve', itemIds: [ids.sgtin], purpose: '司法鉴定', dueAt: h.clock.iso(DAY) });
  retrieve(ctx, op, ids.sgtin, { orderId: out.id, takenBy: 'op-02', condition: '完好' });
  h.clock.advance(3_600_000);
  returnItem(ctx, op, ids.sgtin, { orderId: out.id, condition: '完好', returnedBy: 'op-02' });
  // Destroyed by decision of the court.
  const burn = issue(ctx, { kind: 'dispose', itemIds: [ids.burnt], disposal: { method: 'destroyed', decisionRef: '(2025)鲁09刑初7号', decidedBy: '市中级人民法院' } });
  dispose(ctx, op, ids.burnt, { orderId: burn.id });
  // Another police unit's item and the commission's.
  daiyue = intake(ctx, { agency: 'psb-daiyue', to: 'GN-02' }).ids[0];
  restricted = intake(ctx, { restricted: true }).ids[0];
});
afterAll(async () => { await h?.close(); });

const get = (u: UserKey, path: string) => h.call(u, 'GET', path);

/** Follows Link rel=next from the first page to the last; every page is checked against GS1's schema. */
async function walk(u: UserKey, query = '', between?: (page: number) => void) {
  const events: any[] = [];
  let next: string | null = `/api/v1/events.epcis${query}`;
  let pages = 0;
  while (next) {
    const res: Response = await fetch(new URL(next, h.url), { headers: { authorization: `Bearer ${tokenOf(u)}` } });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/ld\+json/);
    const doc = JSON.parse(text);
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    events.push(...doc.epcisBody.eventList);
    pages++;
    const link: string | null = res.headers.get('link');
    next = link ? /^<([^>]+)>; rel="next"$/.exec(link)![1] : null;
    between?.(pages);
    expect(pages).toBeLessThan(200);
  }
  return { events, pages };
}

/** The same role's GET /events, oldest first, chain by chain as the export orders them. */
async function ledgerEvents(u: UserKey): Promise<any[]> {
  const out: any[] = [];
  for (const chain of u === 'discipline' ? ['main', 'restricted'] : ['main']) {
    const r = await get(u, `/events?chain=${chain}&limit=500`);
    expect(r.status).toBe(200);
    out.push(...[...r.body.data].reverse());
  }
  return out;
}

const key = (e: any) => `${e['cpsc:chain']}:${e['cpsc:seq']}`;

describe('the EPCIS 2.0 document', () => {
  it('validates against GS1\'s EPCIS 2.0 JSON schema, with the GS1 context and ours', async () => {
    const r = await get('supervisor', '/events.epcis');
    expect(r.status).toBe(200);
    expect(validate(r.body), JSON.stringify(validate.errors)).toBe(true);
    expect(r.body).toMatchObject({ type: 'EPCISDocument', schemaVersion: '2.0', '@context': [EPCIS_CONTEXT, { cpsc: 'urn:custody:epcis:' }] });
    expect(Date.parse(r.body.creationDate)).toBe(h.clock.t);
    // And it is the document the route declares (its zod schema, the OpenAPI document's), nothing dropped or added.
    const declared = (h.app.routeSchemas.get('GET /api/v1/events.epcis')!.response as Record<number, { content: Record<string, { schema: z.ZodType }> }>)[200];
    const parsed = declared.content['application/ld+json'].schema.parse(r.body);
    expect(parsed).toEqual(r.body);
    expect(r.text).toBe(JSON.stringify(parsed));
    // The schema bites: a business step that is neither CBV nor a URI, a missing time zone offset.
    const broken = structuredClone(r.body);
    broken.epcisBody.eventList[0].bizStep = 'stashing';
    delete broken.epcisBody.eventList[1].eventTimeZoneOffset;
    expect(validate(broken)).toBe(false);
    expect(validate.errors!.map((x) => x.instancePath)).toEqual(expect.arrayContaining(['/epcisBody/eventList/0/bizStep', '/epcisBody/eventList/1']));
    for (const e of r.body.epcisBody.eventList) {
      expect(e.type).toBe('ObjectEvent');
      expect(e.eventID).toBe(`urn:uuid:${e['cpsc:id']}`);
      // The fixture site keeps the default zone, Asia/Shanghai.
      expect(e.eventTimeZoneOffset).toBe('+08:00');
      expect(e.eventTime).toBe(e['cpsc:at']);
      expect(e.readPoint.id).toMatch(/^urn:custody:test-center(:|$)/);
    }
  });

  it('maps each kind to its CBV business step, disposition and action', async () => {
    const { events } = await walk('supervisor');
    const of = (item: string, kind: string) => events.find((e) => e['cpsc:itemId'] === item && e['cpsc:kind'] === kind);
    const expected: [string, string, string, string | undefined, string][] = [
      [ids.sgtin, 'announced', 'ADD', 'in_transit', 'urn:custody:epcis:bizstep:announced'],
      [ids.sgtin, 'received', 'OBSERVE', 'in_progress', 'receiving'],
      [ids.sgtin, 'putaway', 'OBSERVE', 'in_progress', 'storing'],
      [ids.raw, 'moved', 'OBSERVE', 'in_progress', 'storing'],
      [ids.sgtin, 'retrieved', 'OBSERVE', 'in_transit', 'departing'],
      [ids.sgtin, 'returned', 'OBSERVE', 'in_progress', 'arriving'],
      [ids.burnt, 'disposed', 'DELETE', 'destroyed', 'destroying'],
    ];
    for (const [item, kind, action, disposition, bizStep] of expected) {
      const e = of(item, kind);
      expect(e, `${item} ${kind}`).toBeDefined();
      expect({ action: e.action, disposition: e.disposition, bizStep: e.bizStep }, `${item} ${kind}`).toEqual({ action, disposition, bizStep });
    }
    // Where: the shelf after a putaway, none while out; the order as the business transaction.
    expect(of(ids.sgtin, 'putaway').bizLocation).toEqual({ id: 'urn:custody:test-center:location:GN-01' });
    expect(of(ids.raw, 'moved')).toMatchObject({ readPoint: { id: 'urn:custody:test-center:location:GN-02' }, bizLocation: { id: 'urn:custody:test-center:location:GN-02' } });
    expect(of(ids.sgtin, 'retrieved').bizLocation).toBeUndefined();
    expect(of(ids.burnt, 'disposed').bizLocation).toBeUndefined();
    expect(of(ids.sgtin, 'retrieved').bizTransactionList).toEqual([{ bizTransaction: `urn:custody:test-center:order:${of(ids.sgtin, 'retrieved')['cpsc:orderId']}` }]);
    // A disposal other than destruction leaves the EPC in play; a kind added later still maps.
    expect(mappingOf('disposed', { method: 'returned_to_owner' })).toEqual({ action: 'OBSERVE', bizStep: 'departing', disposition: 'disposed' });
    expect(mappingOf('something_new', {})).toEqual({ action: 'OBSERVE', bizStep: 'urn:custody:epcis:bizstep:something_new' });
    expect(mappingOf('constructor', {}).bizStep).toBe('urn:custody:epcis:bizstep:constructor');
    for (const k of ['announced', 'received', 'rejected', 'withdrawn', 'putaway', 'moved', 'retrieved', 'returned', 'circulated', 'disposed',
      'crossed', 'tag_bound', 'tag_replaced', 'photo_added', 'count_closed', 'chain_split']) expect(KIND_MAPPINGS, k).toHaveProperty(k);
  });

  it('keeps events without an item: a count at its zone, the chains\' split at the site, with no EPC', () => {
    const base = { seq: 7, id: '0b7c2f0e-3a1d-4a8e-9d55-1c7f7f1b2a10', at: '2025-03-03T08:00:00.000Z', itemId: null, orderId: null,
      actors: { by: 'u-supervisor', role: 'supervisor' }, from: null, to: null, restricted: false, prevHash: GENESIS_HASH, chain: 'main' as const, hash: 'ab'.repeat(32) };
    const count = toObjectEvent({ ...base, kind: 'count_closed', details: { countId: 'CNT-1', scope: { zoneId: 'general', locationIds: ['GN-01'] } } },
      { siteId: 'test-center', epc: null, offsetMs: 8 * 3_600_000 });
    expect(count).toMatchObject({ action: 'OBSERVE', bizStep: 'cycle_counting', epcList: [], readPoint: { id: 'urn:custody:test-center:zone:general' } });
    const split = toObjectEvent({ ...base, kind: 'chain_split', details: { restrictedHead: { seq: 1, hash: 'cd'.repeat(32) } } },
      { siteId: 'test-center', epc: null, offsetMs: 8 * 3_600_000 });
    expect(split).toMatchObject({ bizStep: 'urn:custody:epcis:bizstep:chain_split', epcList: [], readPoint: { id: 'urn:custody:test-center' } });
    expect(validate(epcisDocument([count, split], base.at)), JSON.stringify(validate.errors)).toBe(true);
  });

  it('names an SGTIN by its pure-identity URI and any other EPC as urn:epc:raw', async () => {
    const { events } = await walk('supervisor', `?item=${ids.sgtin}`);
    expect(events.length).toBe(5);
    for (const e of events) expect(e.epcList).toEqual([SGTIN_URI]);
    const raw = await walk('supervisor', `?item=${ids.raw}`);
    for (const e of raw.events) expect(e.epcList).toEqual([`urn:epc:raw:96.x${RAW_HEX}`]);
    expect(epcUrn('e2801160600002')).toBe('urn:epc:raw:56.xE2801160600002');
    expect(timeZoneOffset(-(5 * 60 + 30) * 60_000)).toBe('-05:30');
    // A re-tagged item's earlier events name the EPC it carried then.
    const retired = [{ epc: 'AAAA', at: '2025-03-03T10:00:00.000Z', chain: 'main', seq: 9 }];
    const ev = (at: string, seq: number) => ({ at, chain: 'main' as const, seq, kind: 'moved', details: {} });
    expect(epcAt(ev('2025-03-03T09:00:00.000Z', 5), 'BBBB', retired)).toBe('AAAA');
    expect(epcAt(ev('2025-03-03T11:00:00.000Z', 12), 'BBBB', retired)).toBe('BBBB');
    expect(epcAt({ ...ev('2025-03-03T10:00:00.000Z', 9), kind: 'tag_replaced', details: { epc: 'BBBB', retiredEpc: 'AAAA' } }, 'BBBB', retired)).toBe('BBBB');
  });

  it('carries the hashed fields under cpsc:, from which every hash recomputes and the chain links', async () => {
    const { events } = await walk('operator');
    expect(events.length).toBeGreaterThan(10);
    let prev = GENESIS_HASH;
    for (const e of events) {
      const rebuilt: CustodyEvent = {
        seq: e['cpsc:seq'], id: e['cpsc:id'], at: e['cpsc:at'], kind: e['cpsc:kind'], itemId: e['cpsc:itemId'], orderId: e['cpsc:orderId'],
        actors: e['cpsc:actors'], from: e['cpsc:from'], to: e['cpsc:to'], details: e['cpsc:details'], restricted: e['cpsc:restricted'], prevHash: e['cpsc:prevHash'],
      };
      expect(hashEvent(rebuilt), key(e)).toBe(e['cpsc:hash']);
      // The operator reads the whole main chain: each event names the one before it.
      expect(e['cpsc:prevHash'], key(e)).toBe(prev);
      prev = e['cpsc:hash'];
    }
  });
});

describe('paging and visibility', () => {
  it('pages by perPage=2 with Link rel=next to the end: every visible event once, in (chain, seq) order, as GET /events has them', async () => {
    for (const u of ['operator', 'supervisor', 'auditor', 'agency', 'agencyB', 'discipline'] as UserKey[]) {
      const { events, pages } = await walk(u, '?perPage=2');
      const expected = (await ledgerEvents(u)).map((e) => `${e.chain}:${e.seq}`);
      expect(events.map(key), u).toEqual(expected);
      expect(new Set(events.map(key)).size).toBe(events.length);
      expect(pages, u).toBe(Math.max(1, Math.ceil(events.length / 2)));
    }
  });

  it('neither skips nor repeats while events are appended between pages: a walk is the ledger as of its first page', async () => {
    const before = (await walk('supervisor')).events.map(key);
    const head = h.ctx.ledger.headNow.seq;
    const during = await walk('supervisor', '?perPage=3', (page) => {
      if (page <= 3) intake(h.ctx, { agency: 'psb-taishan' });
    });
    const appended = h.ctx.ledger.headNow.seq - head;
    expect(appended).toBeGreaterThanOrEqual(9);
    expect(during.events.map(key)).toEqual(before);
    const after = (await walk('supervisor', '?perPage=1000')).events.map(key);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.length).toBe(before.length + appended);
  });

  it('operator and supervisor never see the restricted item or its chain; discipline does', async () => {
    for (const u of ['operator', 'supervisor', 'auditor', 'admin'] as UserKey[]) {
      const { events } = await walk(u, '?perPage=1000');
      expect(events.length).toBeGreaterThan(0);
      expect(events.filter((e) => e['cpsc:chain'] !== 'main' || e['cpsc:restricted'] || e['cpsc:itemId'] === restricted), u).toEqual([]);
      expect(JSON.stringify(events)).not.toContain('RS-01');
      expect((await get(u, `/events.epcis?item=${restricted}`)).status).toBe(404);
    }
    const d = await walk('discipline', '?perPage=1000');
    const mine = d.events.filter((e) => e['cpsc:itemId'] === restricted);
    expect(mine.map((e) => e['cpsc:kind'])).toEqual(['announced', 'received', 'putaway']);
    expect(mine.every((e) => e['cpsc:chain'] === 'restricted')).toBe(true);
    expect(mine[2].bizLocation).toEqual({ id: 'urn:custody:test-center:location:RS-01' });
    // In the main chain the commission reads only its own agency's items, as on GET /events.
    expect(d.events.filter((e) => e['cpsc:chain'] === 'main')).toEqual([]);
  });

  it('an agency sees only its own items\' events', async () => {
    const ts = await walk('agency', '?perPage=1000');
    expect(ts.events.length).toBeGreaterThan(0);
    const own = new Set(ts.events.map((e) => e['cpsc:itemId']));
    for (const id of Object.values(ids)) expect(own).toContain(id);
    expect(own).not.toContain(daiyue);
    expect(own).not.toContain(restricted);
    expect(ts.events.every((e) => e['cpsc:to']?.agencyId === 'psb-taishan' || e['cpsc:from']?.agencyId === 'psb-taishan')).toBe(true);
    const dy = await walk('agencyB', '?perPage=1000');
    expect([...new Set(dy.events.map((e) => e['cpsc:itemId']))]).toEqual([daiyue]);
    expect((await get('agencyB', `/events.epcis?item=${ids.sgtin}`)).status).toBe(404);
    expect((await get('agencyB', `/events.epcis?case=${encodeURIComponent(CASE_TS)}`)).body.code).toBe('CASE_NOT_FOUND');
  });

  it('filters by item, case and event time', async () => {
    const all = (await walk('supervisor', '?perPage=1000')).events;
    const byCase = (await walk('supervisor', `?case=${encodeURIComponent(CASE_TS)}&perPage=2`)).events;
    expect(byCase.map(key)).toEqual(all.filter((e) => Object.values(ids).includes(e['cpsc:itemId'])).map(key));
    const caseId = h.custody.db.prepare('SELECT case_id FROM items WHERE id = ?').get(ids.sgtin) as { case_id: string };
    expect((await walk('supervisor', `?case=${encodeURIComponent(caseId.case_id)}`)).events.map(key)).toEqual(byCase.map(key));
    const retrieved = all.find((e) => e['cpsc:kind'] === 'retrieved');
    const from = retrieved.eventTime;
    const to = new Date(Date.parse(from) + 3_600_000).toISOString();
    const window = (await walk('supervisor', `?from=${from}&to=${encodeURIComponent(to.replace('Z', '+00:00'))}`)).events;
    expect(window.map(key)).toEqual(all.filter((e) => e.eventTime >= from && e.eventTime < to).map(key));
    expect(window.map((e) => e['cpsc:kind'])).toContain('retrieved');
    expect(window.map((e) => e['cpsc:kind'])).not.toContain('returned');
    // An offset in the query means the same instant.
    const shanghai = new Date(Date.parse(from) + 8 * 3_600_000).toISOString().replace('Z', '+08:00');
    expect((await walk('supervisor', `?from=${encodeURIComponent(shanghai)}&to=${encodeURIComponent(to)}`)).events.map(key)).toEqual(window.map(key));
  });

  it('answers 400 with a clear error to a bad query', async () => {
    const bad = async (q: string, code = 'VALIDATION_FAILED') => {
      const r = await get('supervisor', `/events.epcis?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.code, q).toBe(code);
      expect(r.body.message.length, q).toBeGreaterThan(5);
      return r.body;
    };
    await bad('perPage=0');
    await bad('perPage=1001');
    await bad('perPage=two');
    await bad('from=yesterday');
    await bad('to=2025-13-45T00:00:00Z');
    await bad('from=2025-03-03');
    expect((await bad('from=2025-03-04T00:00:00Z&to=2025-03-03T00:00:00Z')).message).toMatch(/from is after to/);
    await bad('nextPageToken=garbage', 'BAD_CURSOR');
    await bad('limit=5');
    // A token carried over to another query, or to a role that reads other chains.
    const first = await fetch(new URL('/api/v1/events.epcis?perPage=1', h.url), { headers: { authorization: `Bearer ${tokenOf('discipline')}` } });
    const token = new URL(/^<([^>]+)>/.exec(first.headers.get('link')!)![1], h.url).searchParams.get('nextPageToken')!;
    await bad(`perPage=1&nextPageToken=${token}`, 'BAD_CURSOR');
    const r = await get('discipline', `/events.epcis?perPage=1&from=2025-01-01T00:00:00Z&nextPageToken=${token}`);
    expect(r.body.code).toBe('BAD_CURSOR');
    expect((await get('discipline', `/events.epcis?perPage=1&nextPageToken=${token}`)).status).toBe(200);
    expect((await h.call(null, 'GET', '/events.epcis')).status).toBe(401);
  });
});
