// Store-and-forward to the simulated city platform: an outage of 100,000 events then recovery,
// lost acknowledgements, the platform restarted mid-drain, signing refusals and forged replies,
// the restricted chain's anchor, the status API by role. The platform verifies every chain it
// receives; "once, in order" is its verified chain having exactly the local events.
import fs from 'node:fs';
import http from 'node:http';
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Harness } from '../helpers/custody-site.ts';
import { waitFor } from '../helpers/wait.ts';
import { admin, appendEvents, chainReport, KEY_ID, SECRET, SITE, tracked } from './fixture.ts';

const { open, dir, sim, gateway, keep, drop } = tracked();

const status = async (g: Harness, user: 'supervisor' | 'discipline' | 'auditor' = 'supervisor') => (await g.call(user, 'GET', '/sync')).body;
const mainDest = async (g: Harness) => (await status(g)).destinations[0];
const localHead = (g: Harness, chain = 'main') => g.custody.ctx.ledger.headOf(chain as 'main');

describe('the outbox', () => {
  it('keeps 100,000 events through an outage and delivers every one once, in order, when the platform is back', async () => {
    const platform = await sim();
    platform.faults.add({ kind: 'status_500', times: 0 });
    const g = await gateway(platform.url, { tuning: { retryBaseMs: 50, retryMaxMs: 200 } });
    g.custody.sync!.start();
    appendEvents(g.ctx, 100_000, { restrictedEvery: 1000 });
    const head = localHead(g);
    await waitFor(async () => (await mainDest(g)).lastError?.startsWith('INTERNAL') ?? false, 10_000, () => mainDest(g));
    let s = await mainDest(g);
    // Failing: waiting out its backoff, or already in its next attempt (the retries are 50–200 ms apart).
    expect(['retrying', 'sending']).toContain(s.state);
    expect(s).toMatchObject({ ackedThrough: 0, backlog: head.seq });
    expect(s.oldestUnsentAt).toEqual(expect.any(String));
    expect((await chainReport(platform)).head.seq).toBe(0);

    platform.faults.clear();
    await waitFor(async () => (await mainDest(g)).backlog === 0, 90_000, () => mainDest(g));
    s = await mainDest(g);
    expect(s).toMatchObject({ state: 'idle', ackedThrough: head.seq, ackedHash: head.hash, lastError: null });
    const report = await chainReport(platform);
    expect(report).toMatchObject({ head: { seq: head.seq, hash: head.hash }, events: head.seq, verified: true });
    // The restricted chain's content stays here: the city platform holds only its signed head.
    const rHead = localHead(g, 'restricted');
    await waitFor(async () => (await chainReport(platform, 'restricted')).head.seq === rHead.seq, 10_000);
    expect(await chainReport(platform, 'restricted')).toMatchObject({ head: { seq: rHead.seq, hash: rHead.hash }, source: 'anchor', events: 0 });
  }, 180_000);

  it('lost acknowledgements store nothing twice: the batch is sent again and acknowledged again', async () => {
    const platform = await sim();
    const g = await gateway(platform.url);
    appendEvents(g.ctx, 3500);
    // Each of the first three batches is committed by the platform, then the connection is cut before the answer.
    platform.faults.add({ kind: 'cut_after_commit', times: 3, pathPrefix: `/v1/sites/${SITE}/chains/main/custody-events` });
    g.custody.sync!.start();
    await waitFor(async () => (await mainDest(g)).backlog === 0, 30_000, () => mainDest(g));
    const head = localHead(g);
    expect(await chainReport(platform)).toMatchObject({ head: { seq: head.seq, hash: head.hash }, events: head.seq, verified: true });
    expect(platform.faults.all().length).toBe(0);
  }, 60_000);

  it('survives the platform restarting mid-drain on the same port and file', async () => {
    const d = dir('sync-sim-restart-');
    let platform = await sim(d);
    const port = platform.port;
    // A bounded drain (4,000 events/s) so that the restart lands in the middle of it.
    const g = await gateway(platform.url, { tuning: { drainEventsPerSecond: 4000, retryBaseMs: 50, retryMaxMs: 200 } });
    appendEvents(g.ctx, 20_000);
    g.custody.sync!.start();
    await waitFor(async () => (await chainReport(platform)).head.seq >= 3000, 20_000);
    await platform.close();
    drop(platform);
    const during = (await mainDest(g)).ackedThrough;
    expect(during).toBeLessThan(20_000);
    await new Promise((r) => setTimeout(r, 500));
    platform = await sim(d, port);
    await waitFor(async () => (await mainDest(g)).backlog === 0, 60_000, () => mainDest(g));
    const head = localHead(g);
    expect(await chainReport(platform)).toMatchObject({ head: { seq: head.seq, hash: head.hash }, events: head.seq, verified: true });
  }, 120_000);

  it('a platform that lost what it acknowledged (restored from a backup) gets it again from its own head', async () => {
    const d = dir('sync-sim-lost-');
    let platform = await sim(d);
    const port = platform.port;
    const g = await gateway(platform.url);
    appendEvents(g.ctx, 1500);
    g.custody.sync!.start();
    await waitFor(async () => (await mainDest(g)).backlog === 0, 20_000);
    await platform.close();
    drop(platform);
    for (const f of fs.readdirSync(d)) fs.rmSync(`${d}/${f}`, { force: true });
    platform = await sim(d, port);
    appendEvents(g.ctx, 10);
    await waitFor(async () => (await chainReport(platform)).head.seq === localHead(g).seq, 20_000, () => mainDest(g));
    expect(await chainReport(platform)).toMatchObject({ events: localHead(g).seq, verified: true });
  }, 60_000);
});

describe('the restricted chain with the commission\'s own endpoint', () => {
  it('goes whole to the commission, and nothing of it to the city platform', async () => {
    const city = await sim();
    const { startPlatform } = await import('../../firmware-sim/platform/server.ts');
    const commission = await startPlatform({ port: 0, dbFile: `${dir('sync-commission-')}/c.db`, seed: { sites: [{ id: SITE, keyId: 'gw-commission', secret: 'the-commissions-own-secret-0123456789' }] } });
    open.sims.push(commission);
    const { openHarness, TestClock } = await import('../helpers/custody-site.ts');
    const h2 = await openHarness({
      dir: dir('sync-gw-commission-'), clock: new TestClock(Date.now()),
      site: (input) => { input.platform = { url: city.url, keyId: 'gw-test', retryBaseMs: 50, retryMaxMs: 200, drainEventsPerSecond: 10_000_000, commission: { url: commission.url, keyId: 'gw-commission' } }; },
      platformSecrets: { platform: Buffer.from(SECRET), commission: Buffer.from('the-commissions-own-secret-0123456789') },
    });
    keep(h2);
    appendEvents(h2.ctx, 500, { restrictedEvery: 5 });
    h2.custody.sync!.start();
    const r = h2.custody.ctx.ledger.headOf('restricted');
    await waitFor(async () => (await chainReport(commission, 'restricted')).head.seq === r.seq && (await mainDest(h2)).backlog === 0, 15_000);
    expect(await chainReport(commission, 'restricted')).toMatchObject({ head: { seq: r.seq, hash: r.hash }, events: r.seq, verified: true, source: 'events' });
    expect(await chainReport(city, 'restricted')).toMatchObject({ head: { seq: 0 }, events: 0 });
    expect((await chainReport(commission, 'main')).head.seq).toBe(0);
    expect((await status(h2, 'discipline')).destinations.map((d: { id: string }) => d.id)).toEqual(['commission:restricted']);
  });
});

describe('signatures, forged and strange replies', () => {
  it('a wrong secret is refused by the platform, and nothing is acknowledged', async () => {
    const platform = await sim();
    const g = await gateway(platform.url, { secret: 'not-the-secret-the-platform-holds' });
    appendEvents(g.ctx, 20);
    g.custody.sync!.start();
    await waitFor(async () => (await mainDest(g)).lastError?.startsWith('BAD_SIGNATURE') ?? false, 10_000, () => mainDest(g));
    expect(await mainDest(g)).toMatchObject({ ackedThrough: 0, backlog: 20, state: 'retrying' });
    expect((await chainReport(platform)).refusals).toMatchObject({ BAD_SIGNATURE: expect.any(Number) });
  });

  for (const [fault, code] of [['bad_signature', 'BAD_REPLY_SIGNATURE'], ['skew', 'REPLY_CLOCK_SKEW'], ['html', 'UNSIGNED_REPLY'], ['garbage', 'UNSIGNED_REPLY']] as const) {
    it(`a reply with ${fault.replace('_', ' ')} is not believed (${code}): the checkpoint stays, and the batch goes again`, async () => {
      const platform = await sim();
      const g = await gateway(platform.url);
      appendEvents(g.ctx, 50);
      platform.faults.add({ kind: fault, times: 0, pathPrefix: `/v1/sites/${SITE}/chains/main` });
      g.custody.sync!.start();
      await waitFor(async () => (await mainDest(g)).lastError?.startsWith(code) ?? false, 10_000, () => mainDest(g));
      expect(await mainDest(g)).toMatchObject({ ackedThrough: 0, backlog: 50 });
      platform.faults.clear();
      await waitFor(async () => (await mainDest(g)).backlog === 0, 10_000, () => mainDest(g));
      expect(await chainReport(platform)).toMatchObject({ events: 50, verified: true });
    });
  }

  it('an acknowledgement beyond what was sent, though signed with our key, moves nothing', async () => {
    // A platform that holds the key but lies (or is broken): it acknowledges five events more than it got.
    const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const got = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : {};
        const last = got.events?.[got.events.length - 1];
        const body = Buffer.from(JSON.stringify(last ? { ackedThrough: last.seq + 5, hash: last.hash } : { cursor: '1', orders: [], staff: [], items: [] }));
        const ts = Math.floor(Date.now() / 1000);
        const sig = createHmac('sha256', SECRET).update(`200\n${req.url}\n${ts}\n${sha(body)}`).digest('hex');
        res.writeHead(200, { 'content-type': 'application/json', authorization: `HMAC-SHA256 keyId=${KEY_ID}, ts=${ts}, sig=${sig}` });
        res.end(body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const g = await gateway(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
      appendEvents(g.ctx, 10);
      g.custody.sync!.start();
      await waitFor(async () => (await mainDest(g)).lastError?.startsWith('ACK_BEYOND_SENT') ?? false, 10_000, () => mainDest(g));
      expect(await mainDest(g)).toMatchObject({ ackedThrough: 0, backlog: 10, state: 'retrying' });
    } finally {
      server.close();
    }
  });

  it('our clock five minutes off is its own error (CLOCK_SKEW), said as such', async () => {
    const d = dir('sync-sim-skew-');
    const platform = await sim(d, 0, () => Date.now() + 10 * 60_000);
    const g = await gateway(platform.url);
    appendEvents(g.ctx, 5);
    g.custody.sync!.start();
    await waitFor(async () => (await mainDest(g)).lastError?.startsWith('CLOCK_SKEW') ?? false, 10_000, () => mainDest(g));
    expect((await mainDest(g)).ackedThrough).toBe(0);
  });
});

describe('the status', () => {
  it('shows the main chain to supervisor and auditor, the restricted one to discipline only, and never the secret', async () => {
    const platform = await sim();
    const g = await gateway(platform.url);
    appendEvents(g.ctx, 30, { restrictedEvery: 10 });
    g.custody.sync!.start();
    await waitFor(async () => (await mainDest(g)).backlog === 0, 10_000);
    for (const u of ['supervisor', 'auditor', 'admin'] as const) {
      const s = (await g.call(u, 'GET', '/sync')).body;
      expect(s.destinations.map((d: { id: string }) => d.id)).toEqual(['platform:main']);
      expect(s.inbox).toMatchObject({ refused: 0 });
    }
    const dis = await status(g, 'discipline');
    expect(dis.destinations.map((d: { id: string }) => d.id)).toEqual(['platform:restricted']);
    expect(dis.destinations[0]).toMatchObject({ mode: 'anchor' });
    expect(dis.inbox).toBeNull();
    expect((await g.call('operator', 'GET', '/sync')).status).toBe(403);
    expect((await g.call('agency', 'GET', '/sync')).status).toBe(403);
    for (const u of ['supervisor', 'discipline', 'admin'] as const) expect((await g.call(u, 'GET', '/sync')).text).not.toContain('a-shared-secret');
  });

  it('without a platform section the sync is off, and says so', async () => {
    const { openHarness } = await import('../helpers/custody-site.ts');
    const g = keep(await openHarness());
    expect((await g.call('supervisor', 'GET', '/sync')).body).toEqual({ configured: false, destinations: [], inbox: null, uploads: null });
  });
});

describe('alarms, inventory and environment go up', () => {
  it('a large center\'s inventory goes in parts under the body limit, and the platform holds it whole', async () => {
    const platform = await sim();
    const g = await gateway(platform.url);
    const { intake } = await import('../helpers/custody-site.ts');
    const { ids: [first] } = intake(g.ctx);
    // 12,000 stored items (about 2 MB of snapshot) written straight into the store: this tests the upload, not custody.
    const like = g.custody.db.prepare('SELECT * FROM items WHERE id = ?').get(first) as Record<string, unknown>;
    const cols = Object.keys(like);
    const insert = g.custody.db.prepare(`INSERT INTO items (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
    g.custody.db.transaction(() => {
      for (let i = 0; i < 12_000; i++) insert.run(...cols.map((c) => (c === 'id' ? `BULK-${i}` : c === 'epc' ? `3034BBBB${i.toString(16).padStart(16, '0')}` : like[c])));
    })();
    g.custody.sync!.start();
    await waitFor(async () => (await admin(platform, 'GET', `/admin/sites/${SITE}/inventory`)).body?.count === 12_001, 20_000);
    const inv = (await admin(platform, 'GET', `/admin/sites/${SITE}/inventory`)).body;
    expect(new Set(inv.items.map((i: { id: string }) => i.id)).size).toBe(12_001);
  }, 60_000);


  it('alarms go up once per version; the inventory snapshot leaves the restricted zone out', async () => {
    const platform = await sim();
    const g = await gateway(platform.url);
    const { intake } = await import('../helpers/custody-site.ts');
    intake(g.ctx, { count: 2 });
    intake(g.ctx, { restricted: true });
    const { raiseAlarm } = await import('../../edge/alarms/alarm.ts');
    g.ctx.transaction(() => raiseAlarm(g.ctx, { kind: 'unknown_tag', severity: 'warning', causeKey: 'unknown_tag:T1', message: 'unknown tag', restricted: false }));
    g.ctx.transaction(() => raiseAlarm(g.ctx, { kind: 'unknown_tag', severity: 'warning', causeKey: 'unknown_tag:R1', message: 'unknown tag', restricted: true }));
    g.custody.sync!.start();
    await waitFor(async () => (await admin(platform, 'GET', `/admin/sites/${SITE}/alarms`)).body?.alarms?.length === 1, 10_000);
    g.ctx.transaction(() => raiseAlarm(g.ctx, { kind: 'unknown_tag', severity: 'critical', causeKey: 'unknown_tag:T1', message: 'unknown tag again', restricted: false }));
    await waitFor(async () => (await admin(platform, 'GET', `/admin/sites/${SITE}/alarms`)).body.alarms[0].version === 2, 15_000);
    const alarms = (await admin(platform, 'GET', `/admin/sites/${SITE}/alarms`)).body.alarms;
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({ severity: 'critical', restricted: false });
    const inv = (await admin(platform, 'GET', `/admin/sites/${SITE}/inventory`)).body;
    expect(inv.items).toHaveLength(2);
    expect(inv.items.every((i: { zoneId: string }) => i.zoneId === 'general')).toBe(true);
  }, 30_000);
});
