// The platform link's state: one destination per chain (how far acknowledged, what waits, the last
// error), the inbox (its cursor, when it last heard, what it refused), and the other uploads. For
// supervisor, auditor and admin; the restricted chain's destination for `discipline` only, who sees
// nothing else of it. The secret is never here.
import { z } from 'zod';
import type { Custody } from '../../custody.ts';
import type { ApiApp } from '../app.ts';
import { fail } from '../../errors.ts';
import { CHAINS } from '../../ledger/event.ts';
import { errors } from '../schemas.ts';
import type { SyncStatus } from '../../sync/sync.ts';
import { agrees } from '../schemas.ts';

const destinationApi = z.object({
  id: z.string().describe('platform:main, platform:restricted (anchor only) or commission:restricted'),
  chain: z.enum(CHAINS),
  mode: z.enum(['events', 'anchor']).describe('events: the chain itself; anchor: only its signed head (seq and hash)'),
  url: z.string(),
  state: z.enum(['idle', 'sending', 'retrying', 'not_configured']),
  backlog: z.number().int().describe('events not yet acknowledged'),
  oldestUnsentAt: z.string().nullable(),
  ackedThrough: z.number().int().describe('the last seq the destination acknowledged'),
  ackedHash: z.string(),
  lastSuccessAt: z.string().nullable(),
  lastError: z.string().nullable(),
  lastErrorAt: z.string().nullable(),
  nextAttemptAt: z.string().nullable().describe('when a destination that failed tries again'),
  sentSinceStart: z.number().int(),
});
const refusalApi = z.object({ id: z.number().int(), receivedAt: z.string(), kind: z.enum(['order', 'staff', 'item']), ref: z.string().nullable(), code: z.string(), reason: z.string() });
const syncApi = z.object({
  configured: z.boolean().describe('false: the site file has no platform section; the ledger keeps everything and nothing goes up'),
  destinations: z.array(destinationApi),
  inbox: z.object({
    url: z.string(), cursor: z.string().nullable(), lastPollAt: z.string().nullable(), lastSuccessAt: z.string().nullable(), lastError: z.string().nullable(),
    refused: z.number().int().describe('changes from the platform refused and kept, with their reasons'),
    recentRefusals: z.array(refusalApi),
  }).nullable(),
  uploads: z.object({ alarmsPending: z.number().int(), inventorySentAt: z.string().nullable(), environmentSentThrough: z.string().nullable() }).nullable(),
});
agrees<z.infer<typeof destinationApi>, SyncStatus['destinations'][number]>();
agrees<NonNullable<z.infer<typeof syncApi>['inbox']>, SyncStatus['inbox']>();

const READERS = new Set(['supervisor', 'auditor', 'admin', 'discipline']);

export function syncRoutes(app: ApiApp, custody: Custody): void {
  app.get('/sync', {
    schema: {
      tags: ['sync'], response: { 200: syncApi, ...errors(403) },
      description: 'The city platform link: per chain how far the platform has acknowledged the ledger and what waits; the inbox of orders and staff from upstream and what it refused.',
    },
  }, async (req) => {
    const p = req.principal;
    if (!READERS.has(p.role)) fail('FORBIDDEN', 'The sync state is for supervisors, auditors, admins and (its own chain) the commission');
    const sync = custody.sync;
    if (!sync) return { configured: false, destinations: [], inbox: null, uploads: null };
    const s = sync.status();
    if (p.role === 'discipline') return { configured: true, destinations: s.destinations.filter((d) => d.chain === 'restricted'), inbox: null, uploads: null };
    return { configured: true, ...s, destinations: s.destinations.filter((d) => d.chain === 'main') };
  });
}
