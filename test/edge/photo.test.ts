// A photo upload: its SHA-256 goes into a custody event, on the site's clock, in the chain.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { HOUR, intake, openHarness, sha256, tokenOf, type Harness } from '../helpers/custody-site.ts';

let h: Harness;
beforeAll(async () => { h = await openHarness(); });
afterAll(async () => { await h?.close(); });

// A real 1×1 PNG, and then some bulk so that the body is not trivially small.
const PNG = Buffer.concat([Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
  '1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082', 'hex'), randomBytes(200_000)]);

describe('photos', () => {
  it('image/png: 201 with its SHA-256, a photo_added event carrying it, the item lists it', async () => {
    const { ids } = intake(h.ctx);
    const id = ids[0];
    h.clock.advance(3 * HOUR);
    const head = h.ctx.ledger.headNow;
    const r = await h.raw('POST', `/items/${id}/photos?note=${encodeURIComponent('入库拍照')}`, {
      body: PNG, headers: { authorization: `Bearer ${tokenOf('operator')}`, 'content-type': 'image/png' },
    });
    expect(r.status, r.text).toBe(201);
    const digest = sha256(PNG);
    expect(r.body).toMatchObject({ sha256: digest, size: PNG.length, contentType: 'image/png' });
    expect(r.body.event).toMatchObject({
      seq: head.seq + 1, prevHash: head.hash, kind: 'photo_added', itemId: id, orderId: null,
      actors: { by: 'u-operator', role: 'operator' },
      details: { sha256: digest, contentType: 'image/png', size: PNG.length, note: '入库拍照' },
      from: { state: 'stored', locationId: 'GN-01' }, to: { state: 'stored', locationId: 'GN-01' },
      // The event is stamped by the site's clock, like every other custody event.
      at: h.clock.iso(),
    });
    const events = await h.call('operator', 'GET', `/items/${id}/events`);
    expect(events.body.data.at(-1)).toEqual(r.body.event);
    const detail = await h.call('agency', 'GET', `/items/${id}`);
    expect(detail.body.photos).toEqual([{ sha256: digest, chain: 'main', seq: r.body.event.seq, contentType: 'image/png', size: PNG.length }]);
    const stored = h.custody.db.prepare('SELECT data FROM photos WHERE sha256 = ?').get(digest) as { data: Buffer };
    expect(sha256(stored.data)).toBe(digest);
    expect(h.custody.verify().ok).toBe(true);
  });

  it('jpeg and webp with a charset parameter are accepted; a restricted item is 404 to the operator and fine for discipline', async () => {
    const { ids } = intake(h.ctx);
    for (const type of ['image/jpeg', 'image/webp; q=1']) {
      const body = randomBytes(1000);
      const r = await h.raw('POST', `/items/${ids[0]}/photos`, { body, headers: { authorization: `Bearer ${tokenOf('supervisor')}`, 'content-type': type } });
      expect(r.status, r.text).toBe(201);
      expect(r.body.sha256).toBe(sha256(body));
      expect(r.body.contentType).toBe(type.split(';')[0]);
    }
    const rs = intake(h.ctx, { restricted: true }).ids[0];
    const body = randomBytes(64);
    expect((await h.raw('POST', `/items/${rs}/photos`, { body, headers: { authorization: `Bearer ${tokenOf('operator')}`, 'content-type': 'image/png' } })).status).toBe(404);
    const ok = await h.raw('POST', `/items/${rs}/photos`, { body, headers: { authorization: `Bearer ${tokenOf('discipline')}`, 'content-type': 'image/png' } });
    expect(ok.status).toBe(201);
    expect(ok.body.event).toMatchObject({ restricted: true, details: { sha256: sha256(body) } });
  });
});
