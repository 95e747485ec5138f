// Orders, manifests and staff from the platform: applied with their cursor in one transaction, each
// change checked by the API's schemas, a refused one kept with its reason and shown; a repeat
// changes nothing; an order from the platform authorises a real crossing at the gate, and its
// cancellation while the item is out raises an alarm instead of rewriting history.
import { describe, expect, it } from 'vitest';
import { intake, type Harness } from '../helpers/custody-site.ts';
import { admin, openGateway, SITE, tracked } from './fixture.ts';

const { dir, sim, gateway, keep, drop } = tracked();

async function setup(gwDir?: string) {
  const platform = await sim(dir('inbox-sim-'));
  const g = await gateway(platform.url, gwDir ? { dir: gwDir } : {});
  return { platform, g };
}

const BADGE = '3034AAAA0000000000000777';
const keeper = { id: 'pf-keeper-01', name: '周保管', agencyId: 'op', roles: ['operator'], badgeEpc: BADGE, clearances: ['general', 'intake'] };
const window = (g: Harness, hours = 48) => ({ validFrom: new Date(g.clock.now() - 60_000).toISOString(), validUntil: new Date(g.clock.now() + hours * 3_600_000).toISOString() });
const row = (g: Harness, sql: string, ...args: unknown[]) => g.custody.db.prepare(sql).get(...args) as any;
const eventsCount = (g: Harness) => (row(g, 'SELECT count(*) AS n FROM events').n as number);

describe('the inbox', () => {
  it('applies staff, orders and a manifest, refuses what it cannot apply with its reason, and a repeat changes nothing', async () => {
    const { platform, g } = await setup();
    expect((await admin(platform, 'POST', `/admin/sites/${SITE}/staff`, keeper)).status).toBe(201);
    const transfer = { id: 'PF-TI-1', kind: 'transfer_in', agencyId: 'psb-taishan', zoneId: 'intake', approvedBy: '市局 法制大队', ...window(g), gates: [], direction: 'any', escorts: [] };
    expect((await admin(platform, 'POST', `/admin/sites/${SITE}/orders`, transfer)).status).toBe(201);
    const announced = [{ id: 'PF-IT-1', name: '笔记本电脑', categoryId: 'electronics', quantity: 1, unit: '台', caseNumber: 'A3709000000002026120001' },
      { id: 'PF-IT-2', name: '移动硬盘', categoryId: 'electronics', quantity: 1, unit: '个', caseNumber: 'A3709000000002026120001' }];
    expect((await admin(platform, 'POST', `/admin/sites/${SITE}/items`, { orderId: 'PF-TI-1', items: announced })).status).toBe(201);
    // Impossible: it names an item this site does not have. Refused alone; the rest of the page goes in.
    await admin(platform, 'POST', `/admin/sites/${SITE}/orders`, { id: 'PF-RT-BAD', kind: 'retrieve', itemIds: ['NO-SUCH-ITEM'], approvedBy: '市局', ...window(g), gates: ['gate-main'], direction: 'out', escorts: [] });
    // The site file's own person: the platform may not rewrite them.
    await admin(platform, 'POST', `/admin/sites/${SITE}/staff`, { id: 'op-01', name: '改名', agencyId: 'op', roles: ['operator'], clearances: [] });

    const first = await g.custody.sync!.inbox.poll();
    expect(first).toMatchObject({ ok: true, result: { applied: 4, refused: 2 } });
    expect(row(g, 'SELECT source, badge_epc, active FROM staff WHERE id = ?', keeper.id)).toEqual({ source: 'platform', badge_epc: BADGE, active: 1 });
    expect(row(g, 'SELECT name FROM staff WHERE id = ?', 'op-01').name).toBe('王建国');
    expect(row(g, 'SELECT source, kind, state FROM orders WHERE id = ?', 'PF-TI-1')).toMatchObject({ source: 'platform', kind: 'transfer_in' });
    expect(row(g, 'SELECT state, name FROM items WHERE id = ?', 'PF-IT-2')).toEqual({ state: 'announced', name: '移动硬盘' });
    expect(row(g, 'SELECT 1 AS x FROM orders WHERE id = ?', 'PF-RT-BAD')).toBeUndefined();
    const s = (await g.call('supervisor', 'GET', '/sync')).body;
    expect(s.inbox.refused).toBe(2);
    expect(s.inbox.recentRefusals.map((r: { ref: string; code: string }) => [r.ref, r.code]).sort()).toEqual([['PF-RT-BAD', 'ITEM_NOT_FOUND'], ['op-01', 'SITE_OWNED']]);
    const cursor = s.inbox.cursor;

    // The platform repeats itself (and the same changes come again from the start): nothing moves.
    const before = { events: eventsCount(g), items: row(g, 'SELECT count(*) AS n FROM items').n, refused: s.inbox.refused };
    platform.faults.add({ kind: 'duplicate_changes', times: 2 });
    g.custody.db.prepare('UPDATE sync_inbox SET cursor = NULL').run();
    const again = await g.custody.sync!.inbox.poll();
    expect(again).toMatchObject({ ok: true, result: { applied: 0 } });
    expect({ events: eventsCount(g), items: row(g, 'SELECT count(*) AS n FROM items').n, refused: (await g.call('supervisor', 'GET', '/sync')).body.inbox.refused }).toEqual(before);
    expect((await g.call('supervisor', 'GET', '/sync')).body.inbox.cursor).toBe(cursor);
  });

  it('a reply that is not the platform\'s (garbage, a forged signature) applies nothing and keeps the cursor', async () => {
    const { platform, g } = await setup();
    await admin(platform, 'POST', `/admin/sites/${SITE}/staff`, keeper);
    for (const kind of ['garbage', 'bad_signature', 'html'] as const) {
      platform.faults.add({ kind, times: 1, pathPrefix: `/v1/sites/${SITE}/changes` });
      const r = await g.custody.sync!.inbox.poll();
      expect(r.ok).toBe(false);
      expect(row(g, 'SELECT count(*) AS n FROM staff WHERE id = ?', keeper.id).n).toBe(0);
      expect(row(g, 'SELECT cursor FROM sync_inbox').cursor).toBeNull();
    }
    expect((await g.custody.sync!.inbox.poll()).ok).toBe(true);
    expect(row(g, 'SELECT count(*) AS n FROM staff WHERE id = ?', keeper.id).n).toBe(1);
  });

  it('the platform\'s staff and badges survive a restart and the site file\'s mirror; a revocation takes the badge', async () => {
    const d = dir('inbox-gw-');
    const { platform, g } = await setup(d);
    await admin(platform, 'POST', `/admin/sites/${SITE}/staff`, keeper);
    await g.custody.sync!.inbox.poll();
    await g.close();
    drop(g);
    const again = keep(await openGateway(platform.url, { dir: d }));
    expect(row(again, 'SELECT badge_epc, source FROM staff WHERE id = ?', keeper.id)).toEqual({ badge_epc: BADGE, source: 'platform' });
    expect((await admin(platform, 'DELETE', `/admin/sites/${SITE}/staff/${keeper.id}`)).status).toBe(200);
    await again.custody.sync!.inbox.poll();
    expect(row(again, 'SELECT badge_epc, active, clearances FROM staff WHERE id = ?', keeper.id)).toEqual({ badge_epc: null, active: 0, clearances: '[]' });
  });
});

describe('an order from the platform at the gate', () => {
  it('authorises a real crossing end to end; cancelled upstream while the item is out, it raises an alarm and rewrites nothing', async () => {
    const { platform, g } = await setup();
    const { ids: [phone] } = intake(g.ctx);
    const epc = row(g, 'SELECT epc FROM items WHERE id = ?', phone).epc as string;
    await admin(platform, 'POST', `/admin/sites/${SITE}/staff`, keeper);
    await admin(platform, 'POST', `/admin/sites/${SITE}/orders`, {
      id: 'PF-RT-1', kind: 'retrieve', itemIds: [phone], approvedBy: '市公安局 刑侦支队', ...window(g), gates: ['gate-main'], direction: 'out',
      escorts: [keeper.id], purpose: '出庭示证', dueAt: new Date(g.clock.now() + 24 * 3_600_000).toISOString(),
    });
    expect(await g.custody.sync!.inbox.poll()).toMatchObject({ ok: true, result: { applied: 2, refused: 0 } });

    const cross = (e: string) => {
      const t = g.clock.now();
      expect(g.custody.observe({ type: 'crossing', gateId: 'gate-main', epc: e, direction: 'out', confidence: 0.95, firstSeen: t - 2000, lastSeen: t, readCount: 40 })).toEqual({ ok: true });
    };
    cross(BADGE);
    cross(epc);
    g.clock.advance(12_000);
    g.custody.decider.tick(g.clock.now());
    expect(row(g, 'SELECT state FROM items WHERE id = ?', phone).state).toBe('out');
    expect(row(g, `SELECT count(*) AS n FROM alarms WHERE kind IN ('unauthorized_movement', 'escort_missing')`).n).toBe(0);
    const out = row(g, `SELECT kind, order_id, actors FROM events WHERE item_id = ? ORDER BY seq DESC LIMIT 1`, phone);
    expect(out).toMatchObject({ kind: 'retrieved', order_id: 'PF-RT-1' });
    expect(JSON.parse(out.actors).staff).toEqual([keeper.id]);

    const events = eventsCount(g);
    expect((await admin(platform, 'POST', `/admin/sites/${SITE}/orders/PF-RT-1/cancel`, { reason: '案件撤销' })).status).toBe(200);
    expect(await g.custody.sync!.inbox.poll()).toMatchObject({ ok: true, result: { applied: 1 } });
    // The order had done its work (its one item went out): it stays completed, and the alarm says what the platform withdrew.
    expect(row(g, 'SELECT state FROM orders WHERE id = ?', 'PF-RT-1').state).toBe('completed');
    expect(row(g, 'SELECT state FROM items WHERE id = ?', phone).state).toBe('out');
    expect(row(g, `SELECT kind, severity, order_id, item_id FROM alarms WHERE kind = 'order_cancelled_upstream'`)).toEqual(
      { kind: 'order_cancelled_upstream', severity: 'critical', order_id: 'PF-RT-1', item_id: phone });
    expect(eventsCount(g)).toBe(events);
    expect(g.custody.verify().ok).toBe(true);
    // Said again by the platform: still one alarm, one occurrence.
    g.custody.db.prepare('UPDATE sync_inbox SET cursor = NULL').run();
    expect(await g.custody.sync!.inbox.poll()).toMatchObject({ ok: true, result: { applied: 0 } });
    expect(row(g, `SELECT count(*) AS n, max(occurrences) AS o FROM alarms WHERE kind = 'order_cancelled_upstream'`)).toEqual({ n: 1, o: 1 });
  });

  it('an open order cancelled upstream is cancelled here, and no longer lets its item through', async () => {
    const { platform, g } = await setup();
    const { ids: [phone] } = intake(g.ctx);
    await admin(platform, 'POST', `/admin/sites/${SITE}/orders`, { id: 'PF-RT-2', kind: 'retrieve', itemIds: [phone], approvedBy: '市局', ...window(g), gates: ['gate-main'], direction: 'out', escorts: [] });
    await g.custody.sync!.inbox.poll();
    await admin(platform, 'POST', `/admin/sites/${SITE}/orders/PF-RT-2/cancel`, { reason: '审批撤回' });
    expect(await g.custody.sync!.inbox.poll()).toMatchObject({ ok: true, result: { applied: 1 } });
    expect(row(g, 'SELECT state, cancelled_by, cancel_reason FROM orders WHERE id = ?', 'PF-RT-2')).toEqual({ state: 'cancelled', cancelled_by: 'platform', cancel_reason: '审批撤回' });
    expect(row(g, `SELECT count(*) AS n FROM alarms WHERE kind = 'order_cancelled_upstream'`).n).toBe(0);
    const t = g.clock.now();
    g.custody.observe({ type: 'crossing', gateId: 'gate-main', epc: row(g, 'SELECT epc FROM items WHERE id = ?', phone).epc, direction: 'out', confidence: 0.95, firstSeen: t - 2000, lastSeen: t, readCount: 40 });
    g.clock.advance(12_000);
    g.custody.decider.tick(g.clock.now());
    expect(row(g, `SELECT count(*) AS n FROM alarms WHERE kind = 'unauthorized_movement' AND item_id = ?`, phone).n).toBe(1);
  });
});
