// One POST per custody operation. Each answers the item after the change and the custody event that records it.
import { z } from 'zod';
import type { Custody } from '../../custody.ts';
import { announce, announceInput } from '../../lifecycle/announce.ts';
import { receive, receiveInput } from '../../lifecycle/receive.ts';
import { reject, rejectInput } from '../../lifecycle/reject.ts';
import { withdraw, withdrawInput } from '../../lifecycle/withdraw.ts';
import { putaway, putawayInput } from '../../lifecycle/putaway.ts';
import { move, moveInput } from '../../lifecycle/move.ts';
import { retrieve, retrieveInput } from '../../lifecycle/retrieve.ts';
import { returnItem, returnInput } from '../../lifecycle/return.ts';
import { circulate, circulateInput } from '../../lifecycle/circulate.ts';
import { dispose, disposeInput } from '../../lifecycle/dispose.ts';
import { addPhoto, PHOTO_MAX_BYTES, PHOTO_TYPES } from '../../lifecycle/photo.ts';
import { fail } from '../../errors.ts';

const itemParam = z.object({ id: z.string().max(64) });

const OPERATIONS = [
  ['receive', receiveInput, receive, '入库 receive an announced item at the intake (transfer_in order)'],
  ['reject', rejectInput, reject, '拒收 hand a received item back (transfer_in order)'],
  ['withdraw', withdrawInput, withdraw, '撤回 an announced item that will never arrive (transfer_in order)'],
  ['putaway', putawayInput, putaway, '上架 store a received item at a location (putaway order)'],
  ['move', moveInput, move, '移库 move a stored item to another location (move order)'],
  ['retrieve', retrieveInput, retrieve, '调用 check a stored item out, with the Art. 11 register (retrieve order)'],
  ['return', returnInput, returnItem, '归还 check an item back in, comparing its condition (return order or the retrieve order)'],
  ['circulate', circulateInput, circulate, '流转 pass legal control to another agency; the item stays (circulate order)'],
  ['dispose', disposeInput, dispose, '处置 dispose of an item, final (dispose order)'],
] as const;

export function lifecycleRoutes(app: any, custody: Custody): void {
  const { ctx } = custody;
  app.post('/items/announce', { schema: { body: announceInput, tags: ['lifecycle'], description: '移交 announce the manifest of a transfer_in order' } },
    async (req: any, reply: any) => {
      const out = announce(ctx, req.principal, req.body);
      reply.status(201);
      return { data: out.map((o) => ({ ...o.item, eventChain: o.event.chain, eventSeq: o.event.seq })) };
    });

  for (const [name, schema, op, description] of OPERATIONS) {
    app.post(`/items/:id/${name}`, { schema: { params: itemParam, body: schema, tags: ['lifecycle'], description } },
      async (req: any) => {
        const r = (op as (c: typeof ctx, p: unknown, id: string, b: unknown) => { item: unknown; event: unknown })(ctx, req.principal, req.params.id, req.body);
        return { item: r.item, event: r.event };
      });
  }

  app.register(async (photos: any) => {
    photos.addContentTypeParser(PHOTO_TYPES as unknown as string[], { parseAs: 'buffer', bodyLimit: PHOTO_MAX_BYTES },
      (_req: unknown, body: Buffer, done: (e: Error | null, b?: Buffer) => void) => done(null, body));
    photos.post('/items/:id/photos', {
      bodyLimit: PHOTO_MAX_BYTES,
      schema: { params: itemParam, querystring: z.object({ note: z.string().max(500).optional() }).strict(), tags: ['lifecycle'],
        description: 'Attach a photo (image/jpeg, image/png or image/webp, up to 10 MiB); its SHA-256 goes into a custody event' },
    }, async (req: any, reply: any) => {
      const type = String(req.headers['content-type'] ?? '').split(';')[0].trim();
      if (!Buffer.isBuffer(req.body)) fail('UNSUPPORTED_MEDIA_TYPE', `Send the image as ${PHOTO_TYPES.join(', ')}`);
      const r = addPhoto(ctx, req.principal, req.params.id, type, req.body, req.query.note);
      reply.status(201);
      return { sha256: r.sha256, size: r.size, contentType: r.contentType, event: r.event };
    });
  });
}
