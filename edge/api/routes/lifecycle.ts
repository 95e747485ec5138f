// One POST per custody operation. Each answers the item after the change and the custody event that
// records it, or, on a dualControl item, 202 and the pending operation that waits for a second person.
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Custody } from '../../custody.ts';
import { CHAINS, eventApi } from '../../ledger/event.ts';
import { itemApi } from '../../items/item.ts';
import type { ApiApp } from '../app.ts';
import { announce, announceInput } from '../../lifecycle/announce.ts';
import { ITEM_OPERATIONS, ITEM_OPERATION_NAMES } from '../../lifecycle/operations.ts';
import { requestOperation, pendingOperationApi } from '../../lifecycle/dual-control.ts';
import { addPhoto, PHOTO_MAX_BYTES, PHOTO_TYPES } from '../../lifecycle/photo.ts';
import { fail } from '../../errors.ts';
import { errors, idParam } from '../schemas.ts';

// What an operation answers when it applies: the item after the change and the custody event that records it.
const appliedApi = z.object({
  item: itemApi,
  event: eventApi,
});
const pendingApi = z.object({ pending: pendingOperationApi });
const announcedApi = z.object({
  data: z.array(itemApi.extend({ eventChain: z.enum(CHAINS), eventSeq: z.number().int().describe('the `announced` custody event') })),
});
const photoAddedApi = z.object({ sha256: z.string(), size: z.number().int(), contentType: z.string(), event: eventApi });
// Refusals of a request with a JSON body: its schema (400), the role (403), what it names (404), the custody rules (409), the body itself (413, 415).
const REFUSED = errors(400, 403, 404, 409, 413, 415);
const DUAL = ' On a dualControl item (双人) a person\'s request does not apply at once: it is checked, stored as a pending operation and ' +
  'answered 202; it applies when a second person confirms it (POST /confirmations/:id/confirm) within the site\'s window.';

export function lifecycleRoutes(app: ApiApp, custody: Custody): void {
  const { ctx } = custody;
  app.post('/items/announce', {
    schema: {
      body: announceInput, tags: ['lifecycle'], response: { 201: announcedApi, ...REFUSED },
      description: '移交 announce the manifest of a transfer_in order: its items, each with a case and, once tagged, an EPC.',
    },
  },
    async (req, reply) => {
      const out = announce(ctx, req.principal, req.body);
      reply.status(201);
      return { data: out.map((o) => ({ ...o.item, eventChain: o.event.chain, eventSeq: o.event.seq })) };
    });

  for (const name of ITEM_OPERATION_NAMES) {
    const { input, description } = ITEM_OPERATIONS[name];
    app.post(`/items/:id/${name}`, {
      schema: { params: idParam, body: input, tags: ['lifecycle'], description: `${description}.${DUAL}`, response: { 200: appliedApi, 202: pendingApi, ...REFUSED } },
    }, async (req, reply) => {
      const r = requestOperation(ctx, req.principal, name, req.params.id, req.body);
      if (r.pending) {
        reply.status(202);
        return { pending: r.pending };
      }
      return { item: r.applied.item, event: r.applied.event };
    });
  }

  app.register(async (plugin) => {
    const photos = plugin.withTypeProvider<ZodTypeProvider>();
    photos.addContentTypeParser(PHOTO_TYPES as unknown as string[], { parseAs: 'buffer', bodyLimit: PHOTO_MAX_BYTES },
      (_req: unknown, body: Buffer, done: (e: Error | null, b?: Buffer) => void) => done(null, body));
    photos.post('/items/:id/photos', {
      bodyLimit: PHOTO_MAX_BYTES,
      schema: {
        params: idParam, querystring: z.object({ note: z.string().max(500).optional() }).strict(), tags: ['lifecycle'],
        response: { 201: photoAddedApi, ...errors(400, 403, 404, 413, 415) },
        description: 'Attach a photo of an item (image/jpeg, image/png or image/webp, up to 10 MiB); its SHA-256 goes into a custody event.',
      },
    }, async (req, reply) => {
      const type = String(req.headers['content-type'] ?? '').split(';')[0].trim();
      if (!Buffer.isBuffer(req.body)) fail('UNSUPPORTED_MEDIA_TYPE', `Send the image as ${PHOTO_TYPES.join(', ')}`);
      const r = addPhoto(ctx, req.principal, req.params.id, type, req.body, req.query.note);
      reply.status(201);
      return { sha256: r.sha256, size: r.size, contentType: r.contentType, event: r.event };
    });
  });
}
