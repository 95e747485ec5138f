// A photo of an item (at intake, at return): its SHA-256 goes into the ledger, so that the
// image shown in court can be proven to be the one taken then.
import { createHash } from 'node:crypto';
import type { CustodyContext } from '../context.ts';
import { requireAllowed, type Principal } from '../auth/principal.ts';
import { fail } from '../errors.ts';
import { loadVisibleItem, snapshot } from '../items/item.ts';
import { prepared } from '../store/db.ts';

export const PHOTO_MAX_BYTES = 10 * 1024 * 1024;
export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;

export function addPhoto(ctx: CustodyContext, p: Principal, itemId: string, contentType: string, data: Buffer, note?: string) {
  if (!data.length) fail('PHOTO_EMPTY');
  return ctx.transaction((tx) => {
    const item = loadVisibleItem(ctx.db, p, itemId);
    requireAllowed(p, 'handle', item.restricted === 1);
    const sha256 = createHash('sha256').update(data).digest('hex');
    const event = tx.append({
      // The site's clock, like every other custody event (not the ledger's wall-clock default).
      at: ctx.nowIso(),
      kind: 'photo_added', itemId, orderId: null, actors: { by: p.userId, name: p.name, role: p.role },
      from: snapshot(item), to: snapshot(item), details: { sha256, contentType, size: data.length, note: note ?? null },
      restricted: item.restricted === 1,
    });
    prepared(ctx.db, 'INSERT OR IGNORE INTO photos (sha256, item_id, chain, seq, content_type, size, data) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(sha256, itemId, event.chain, event.seq, contentType, data.length, data);
    return { sha256, size: data.length, contentType, event };
  });
}
