// GET /api/v1/stream over real HTTP against a real Custody: role filtering of alarms, custody
// events and crossings, Bearer and single-use tickets, heartbeats, replay after Last-Event-ID,
// and no listener left behind when a client goes away.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../edge/api/server.ts';
import type { StreamHub } from '../../edge/api/routes/stream.ts';
import { StreamTickets } from '../../edge/stream/tickets.ts';
import type { DecidedCrossing } from '../../edge/rules/crossings.ts';
import { acknowledgeAlarm } from '../../edge/alarms/alarm.ts';
import {
  TOKENS, appendEvent, bodyOf, busListenerCount, openCustody, openStream, raise, sleep, waitFor,
  type SseClient, type TestCustody,
} from './fixtures.ts';

/** A decided crossing as the gate decider announces it on the custody bus (only what the stream filters on). */
const crossings = {
  emit(c: Partial<DecidedCrossing> & Pick<DecidedCrossing, 'gateId' | 'restricted' | 'epc'>): void {
    tc.custody.ctx.bus.emit('crossing', c as DecidedCrossing);
  },
  get count(): number { return tc.custody.ctx.bus.listenerCount('crossing'); },
};

let tc: TestCustody;
let app: FastifyInstance;
let hub: StreamHub;
let base: string;
let clock = Date.now();
const tickets = new StreamTickets({ now: () => clock });
const open: SseClient[] = [];

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
async function stream(headers: Record<string, string> = {}, query = ''): Promise<SseClient> {
  const c = await openStream(`${base}/api/v1/stream${query}`, headers);
  open.push(c);
  return c;
}
async function ready(c: SseClient): Promise<SseClient> {
  expect(c.status).toBe(200);
  await c.next('ready');
  return c;
}
async function ticketFor(token: string): Promise<{ ticket: string; expiresAt: string }> {
  const r = await fetch(`${base}/api/v1/stream/ticket`, { method: 'POST', headers: bearer(token) });
  expect(r.status).toBe(200);
  expect(r.headers.get('cache-control')).toBe('no-store');
  return r.json() as Promise<{ ticket: string; expiresAt: string }>;
}

beforeAll(async () => {
  tc = openCustody();
  app = await buildApi(tc.custody, { logger: false, stream: { tickets, heartbeatMs: 100, retryMs: 2500 } });
  hub = app.streamHub;
  base = (await app.listen({ host: '127.0.0.1', port: 0 })).replace('localhost', '127.0.0.1');
});

afterEach(async () => {
  for (const c of open.splice(0)) c.close();
  await waitFor(() => hub.open === 0, 5_000, 'every stream to close');
});

afterAll(async () => {
  await app?.close();
  tc?.close();
});

describe('authentication', () => {
  it('refuses a stream without a Bearer header or ticket, and a bad token', async () => {
    const none = await stream();
    expect(none.status).toBe(401);
    expect((await bodyOf(none)).code).toBe('UNAUTHENTICATED');
    const bad = await stream(bearer('not-a-token'));
    expect(bad.status).toBe(401);
    const malformed = await stream({ authorization: 'Basic abc' });
    expect(malformed.status).toBe(401);
    expect(hub.open).toBe(0);
  });

  it('opens with a Bearer header and speaks SSE: retry first, then ready with an id', async () => {
    const c = await ready(await stream(bearer(TOKENS.operator)));
    expect(c.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(c.headers.get('cache-control')).toContain('no-cache');
    expect(c.raw.startsWith('retry: 2500\n\n')).toBe(true);
    const r = c.messages.find((m) => m.event === 'ready')!;
    expect(r.id).toMatch(/^\d+$/);
  });

  it('a ticket opens one stream, once; the second use is 401', async () => {
    const t = await ticketFor(TOKENS.operator);
    expect(t.ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(t.expiresAt) - clock).toBe(30_000);
    const first = await ready(await stream({}, `?ticket=${t.ticket}`));
    expect(first.status).toBe(200);
    const again = await stream({}, `?ticket=${t.ticket}`);
    expect(again.status).toBe(401);
    expect((await bodyOf(again)).code).toBe('UNAUTHENTICATED');
    expect(tickets.size).toBe(0);
  });

  it('an expired ticket is 401, and spent by the attempt', async () => {
    const t = await ticketFor(TOKENS.operator);
    clock += 30_001;
    const late = await stream({}, `?ticket=${t.ticket}`);
    expect(late.status).toBe(401);
    clock -= 30_001;
    const again = await stream({}, `?ticket=${t.ticket}`);
    expect(again.status).toBe(401);
  });

  it('a made-up ticket is 401; asking for a ticket needs the Bearer header', async () => {
    const c = await stream({}, `?ticket=${'A'.repeat(43)}`);
    expect(c.status).toBe(401);
    const r = await fetch(`${base}/api/v1/stream/ticket`, { method: 'POST' });
    expect(r.status).toBe(401);
    const tok = await stream({}, `?token=${TOKENS.operator}`);
    expect(tok.status).toBe(400); // a token in the URL is no way in
  });

  it('a ticket carries its principal: a discipline ticket sees the restricted zone', async () => {
    const t = await ticketFor(TOKENS.discipline);
    const c = await ready(await stream({}, `?ticket=${t.ticket}`));
    const a = raise(tc.custody, { restricted: true, gateId: null, zoneId: 'vault', itemId: 'IT-JW' });
    expect((await c.next('alarm', (x) => x.id === a.id)).restricted).toBe(true);
  });
});

describe('role filtering', () => {
  it('alarms: operator gets the ordinary one and never the restricted one; discipline gets the restricted one', async () => {
    const op = await ready(await stream(bearer(TOKENS.operator)));
    const jw = await ready(await stream(bearer(TOKENS.discipline)));
    const aud = await ready(await stream(bearer(TOKENS.auditor)));
    const secret = raise(tc.custody, { restricted: true, zoneId: 'vault', itemId: 'IT-JW', message: '专区越权' });
    const plain = raise(tc.custody, { restricted: false, zoneId: 'general', itemId: 'IT-POL' });
    const got = await op.next('alarm', (a) => a.id === plain.id);
    expect(got).toEqual(JSON.parse(JSON.stringify(plain)));
    await aud.next('alarm', (a) => a.id === plain.id);
    await jw.next('alarm', (a) => a.id === secret.id);
    // Same connection, in order: had the restricted one been sent, it would be here already.
    expect(op.all('alarm').map((a) => a.id)).not.toContain(secret.id);
    expect(aud.all('alarm').map((a) => a.id)).not.toContain(secret.id);
    expect(op.raw).not.toContain('专区越权');
    // Outside its zone the commission sees only its own agency's items: not a police item's alarm.
    const jwOwn = raise(tc.custody, { restricted: false, itemId: 'IT-JW' });
    await jw.next('alarm', (a) => a.id === jwOwn.id);
    expect(jw.all('alarm').map((a) => a.id)).not.toContain(plain.id);
  });

  it('alarms: every change is streamed (acknowledge too)', async () => {
    const op = await ready(await stream(bearer(TOKENS.operator)));
    const a = raise(tc.custody, { restricted: false, itemId: 'IT-POL' });
    await op.next('alarm', (x) => x.id === a.id && x.state === 'open');
    tc.custody.ctx.transaction(() => acknowledgeAlarm(tc.custody.ctx,
      { userId: 'u-op', name: 'op', role: 'operator', agencyId: 'op', staffId: null }, a.id, '已到场'));
    const ack = await op.next('alarm', (x) => x.id === a.id && x.state === 'acknowledged');
    expect(ack.acknowledgeNote).toBe('已到场');
  });

  it("alarms: an agency sees only its own items' alarms", async () => {
    const pol = await ready(await stream(bearer(TOKENS.agency)));
    const other = raise(tc.custody, { restricted: false, itemId: 'IT-POL2' });
    const noItem = raise(tc.custody, { restricted: false, kind: 'device_offline', gateId: null });
    const mine = raise(tc.custody, { restricted: false, itemId: 'IT-POL' });
    await pol.next('alarm', (a) => a.id === mine.id);
    const ids = pol.all('alarm').map((a) => a.id);
    expect(ids).not.toContain(other.id);
    expect(ids).not.toContain(noItem.id);
  });

  it('custody events: filtered like GET /events', async () => {
    const op = await ready(await stream(bearer(TOKENS.operator)));
    const pol = await ready(await stream(bearer(TOKENS.agency)));
    const jw = await ready(await stream(bearer(TOKENS.discipline)));
    const eJw = appendEvent(tc.custody, 'IT-JW', true);
    const ePol2 = appendEvent(tc.custody, 'IT-POL2', false);
    const ePol = appendEvent(tc.custody, 'IT-POL', false);
    const got = await op.next('event', (e) => e.seq === ePol.seq);
    expect(got).toEqual(JSON.parse(JSON.stringify(ePol)));
    expect(op.messages.find((m) => m.event === 'event' && JSON.parse(m.data).seq === ePol.seq)!.id).toBe(String(ePol.seq));
    expect(op.all('event').map((e) => e.seq)).toEqual([ePol2.seq, ePol.seq]);
    await pol.next('event', (e) => e.seq === ePol.seq);
    expect(pol.all('event').map((e) => e.seq)).toEqual([ePol.seq]);
    await jw.next('event', (e) => e.seq === eJw.seq);
    await sleep(50);
    expect(jw.all('event').map((e) => e.seq)).toEqual([eJw.seq]); // the commission's own items only
    // The restricted zone's events are in their own chain: other roles' ids count the main chain only,
    // and the commission's carry both (main.restricted).
    expect(op.messages.filter((m) => m.id).every((m) => /^\d+$/.test(m.id!))).toBe(true);
    expect(jw.messages.find((m) => m.event === 'event')!.id).toBe(`${jw.all('ready')[0].cursor}.${eJw.seq}`);
    expect(eJw.chain).toBe('restricted');
  });

  it('crossings: restricted gates only for discipline, agencies only their items', async () => {
    const op = await ready(await stream(bearer(TOKENS.operator)));
    const pol = await ready(await stream(bearer(TOKENS.agency)));
    const jw = await ready(await stream(bearer(TOKENS.discipline)));
    crossings.emit({ gateId: 'g-vault', restricted: true, itemAgencyId: 'jw', epc: 'X1' });
    crossings.emit({ gateId: 'g-main', restricted: false, itemAgencyId: 'pol2', epc: 'X2' });
    crossings.emit({ gateId: 'g-main', restricted: false, epc: 'BADGE' });
    crossings.emit({ gateId: 'g-main', restricted: false, itemAgencyId: 'pol', epc: 'X3' });
    await op.next('crossing', (c) => c.epc === 'X3');
    await pol.next('crossing', (c) => c.epc === 'X3');
    await jw.next('crossing', (c) => c.epc === 'X1');
    await sleep(50);
    expect(op.all('crossing').map((c) => c.epc)).toEqual(['X2', 'BADGE', 'X3']);
    expect(pol.all('crossing').map((c) => c.epc)).toEqual(['X3']);
    expect(jw.all('crossing').map((c) => c.epc)).toEqual(['X1']);
  });
});

describe('connection life', () => {
  it('sends heartbeat comments', async () => {
    const c = await ready(await stream(bearer(TOKENS.operator)));
    await waitFor(() => c.comments.filter((x) => x === 'ping').length >= 2, 3_000, 'two pings');
  });

  it('removes every listener when the client goes away', async () => {
    const before = busListenerCount(tc.custody);
    expect(before).toBe(0);
    const a = await ready(await stream(bearer(TOKENS.operator)));
    const b = await ready(await stream(bearer(TOKENS.discipline)));
    expect(busListenerCount(tc.custody)).toBe(6); // event, alarm and crossing per stream
    expect(crossings.count).toBe(2);
    expect(hub.open).toBe(2);
    a.close();
    b.close();
    await waitFor(() => busListenerCount(tc.custody) === 0, 5_000, 'the bus listeners to go');
    expect(crossings.count).toBe(0);
    expect(hub.open).toBe(0);
    // The bus still works for whoever listens next.
    const c = await ready(await stream(bearer(TOKENS.operator)));
    const al = raise(tc.custody, { restricted: false, itemId: 'IT-POL' });
    await c.next('alarm', (x) => x.id === al.id);
  });

  it('closes the stream of a user removed from the site', async () => {
    const db = tc.custody.db;
    db.prepare(`INSERT INTO users (id, name, role, agency_id, staff_id, token_sha256) VALUES ('u-tmp', 'tmp', 'operator', 'op', NULL, ?)`)
      .run('f'.repeat(64));
    const t = tickets.issue({ userId: 'u-tmp', name: 'tmp', role: 'operator', agencyId: 'op', staffId: null });
    const c = await ready(await stream({}, `?ticket=${t.ticket}`));
    db.prepare(`DELETE FROM users WHERE id = 'u-tmp'`).run();
    await waitFor(() => c.ended, 3_000, 'the stream to end');
    await waitFor(() => busListenerCount(tc.custody) === 0, 3_000, 'the bus listeners to go');
  });

  it('Last-Event-ID replays the visible custody events after it, then goes live', async () => {
    const e1 = appendEvent(tc.custody, 'IT-POL', false, 'replay-1');
    const eSecret = appendEvent(tc.custody, 'IT-JW', true, 'replay-secret');
    const e2 = appendEvent(tc.custody, 'IT-POL2', false, 'replay-2');
    const op = await ready(await stream({ ...bearer(TOKENS.operator), 'last-event-id': String(e1.seq - 1) }));
    expect(op.all('event').map((e) => e.seq)).toEqual([e1.seq, e2.seq]);
    expect(op.all('ready')[0].cursor).toBe(e2.seq);
    const pol = await ready(await stream({ ...bearer(TOKENS.agency), 'last-event-id': String(e1.seq - 1) }));
    expect(pol.all('event').map((e) => e.seq)).toEqual([e1.seq]);
    // The commission's cursor names both chains: main, then restricted.
    const jw = await ready(await stream({ ...bearer(TOKENS.discipline), 'last-event-id': `${e1.seq - 1}.${eSecret.seq - 1}` }));
    expect(jw.all('event').map((e) => e.seq)).toEqual([eSecret.seq]);
    const e3 = appendEvent(tc.custody, 'IT-POL', false, 'replay-3');
    await op.next('event', (e) => e.seq === e3.seq);
    expect(op.all('event').map((e) => e.seq)).toEqual([e1.seq, e2.seq, e3.seq]);
  });

  it('app.close() ends open streams instead of waiting for them', async () => {
    const t2 = openCustody();
    const app2 = await buildApi(t2.custody, { logger: false, stream: { heartbeatMs: 60_000 } });
    const hub2 = app2.streamHub;
    const url = (await app2.listen({ host: '127.0.0.1', port: 0 })).replace('localhost', '127.0.0.1');
    const c = await openStream(`${url}/api/v1/stream`, bearer(TOKENS.operator));
    await c.next('ready');
    expect(hub2.open).toBe(1);
    const started = Date.now();
    await app2.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    await waitFor(() => c.ended, 2_000, 'the client to see the end');
    expect(busListenerCount(t2.custody)).toBe(0);
    t2.close();
  });
});
