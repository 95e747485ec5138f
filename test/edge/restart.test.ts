// A restart keeps everything; one gateway per data folder.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Custody } from '../../edge/custody.ts';
import { StoreLockedError } from '../../edge/store/db.ts';
import { HEAD_FILE } from '../../edge/ledger/ledger.ts';
import { fixtureSite, HOUR, intake, issue, openHarness, storeFingerprint, TestClock } from '../helpers/custody-site.ts';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

describe('restart', () => {
  it('close and reopen on the same folder: same items, same ledger head, verify ok, and the chain goes on', async () => {
    const clock = new TestClock();
    const h1 = await openHarness({ clock });
    dirs.push(h1.dir);
    const { ids } = intake(h1.ctx, { count: 3 });
    intake(h1.ctx, { restricted: true });
    const mv = issue(h1.ctx, { kind: 'move', itemIds: ids });
    const em = await h1.call('supervisor', 'POST', '/orders', { kind: 'move', itemIds: [ids[2]], approvedBy: 'x', validFrom: clock.iso(), validUntil: clock.iso(HOUR) });
    expect((await h1.call('operator', 'POST', `/items/${ids[0]}/move`, { orderId: mv.id, locationId: 'GN-02' })).status).toBe(200);
    const items1 = (await h1.call('auditor', 'GET', '/items')).body;
    const rs1 = (await h1.call('discipline', 'GET', '/items')).body;
    const events1 = (await h1.call('auditor', 'GET', '/events?limit=500')).body;
    const order1 = (await h1.call('supervisor', 'GET', `/orders/${em.body.id}`)).body;
    const head1 = h1.ctx.ledger.headNow;
    const fp1 = storeFingerprint(h1.custody);
    await h1.close();
    // The head file may lag a running gateway by half a second; a clean stop leaves it exact.
    const checkpoint = JSON.parse(fs.readFileSync(path.join(h1.dir, HEAD_FILE), 'utf8'));
    expect(checkpoint).toMatchObject({ seq: head1.seq, hash: head1.hash });
    expect(fs.existsSync(path.join(h1.dir, 'gateway.lock'))).toBe(false);

    const h2 = await openHarness({ dir: h1.dir, key: h1.key, clock });
    try {
      expect(h2.ctx.ledger.headNow).toEqual(head1);
      expect(storeFingerprint(h2.custody)).toEqual(fp1);
      expect((await h2.call('auditor', 'GET', '/items')).body).toEqual(items1);
      expect((await h2.call('discipline', 'GET', '/items')).body).toEqual(rs1);
      expect((await h2.call('auditor', 'GET', '/events?limit=500')).body).toEqual(events1);
      expect((await h2.call('supervisor', 'GET', `/orders/${em.body.id}`)).body).toEqual(order1);
      expect(h2.custody.verify()).toMatchObject({ ok: true, main: { events: head1.seq, checkpointFile: 'matched' } });
      expect((await h2.call('auditor', 'GET', '/ledger/verify')).body).toMatchObject({ ok: true, events: head1.seq });
      // Tokens still work (users are re-synced from the site), and the chain continues from the old head.
      const next = await h2.call('supervisor', 'POST', `/items/${ids[2]}/move`, { orderId: em.body.id, locationId: 'GN-02' });
      expect(next.status, next.text).toBe(200);
      expect(next.body.event).toMatchObject({ seq: head1.seq + 1, prevHash: head1.hash });
      expect(h2.custody.verify().ok).toBe(true);
    } finally {
      await h2.close();
    }
  });

  it('a second Custody on the same folder while the first is open is refused with StoreLockedError', async () => {
    const h = await openHarness();
    dirs.push(h.dir);
    try {
      intake(h.ctx);
      const before = storeFingerprint(h.custody);
      let err: unknown;
      try {
        new Custody({ site: fixtureSite(h.dir), dataDir: h.dir, siteKey: h.key });
      } catch (e) { err = e; }
      expect(err).toBeInstanceOf(StoreLockedError);
      expect((err as StoreLockedError).pid).toBe(process.pid);
      expect((err as Error).message).toContain(h.dir);
      // The refusal did not disturb the running one.
      expect(storeFingerprint(h.custody)).toEqual(before);
      const { ids } = intake(h.ctx);
      expect((await h.call('operator', 'GET', `/items/${ids[0]}`)).status).toBe(200);
      expect(h.custody.verify().ok).toBe(true);
    } finally {
      await h.close();
    }
    // Closed: the folder can be opened again.
    const again = new Custody({ site: fixtureSite(h.dir), dataDir: h.dir, siteKey: h.key });
    expect(again.verify().ok).toBe(true);
    again.close();
  });

  it('a lock left by a dead process is taken over', () => {
    const h = { dir: fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'stale-lock-')) };
    dirs.push(h.dir);
    fs.writeFileSync(path.join(h.dir, 'gateway.lock'), '999999999');
    const c = new Custody({ site: fixtureSite(h.dir), dataDir: h.dir, siteKey: randomBytes(32) });
    c.close();
  });

  it('reopened with another site key, the ledger does not verify', async () => {
    const h = await openHarness();
    dirs.push(h.dir);
    intake(h.ctx);
    await h.close();
    const c = new Custody({ site: fixtureSite(h.dir), dataDir: h.dir, siteKey: randomBytes(32) });
    try {
      expect(c.verify()).toMatchObject({ ok: false, main: { fault: 'head_signature_invalid' } });
    } finally {
      c.close();
    }
  });
});
