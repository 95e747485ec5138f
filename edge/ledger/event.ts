// A custody event as hashed: every column of `events` but `hash` and `chain`, in RFC 8785 canonical
// JSON. The chain is where the event is stored, not what it says: the hashed `restricted` flag and
// the links to its neighbours bind an event to its chain (an event moved to the other chain breaks
// both chains' links), and leaving it out keeps every hash written before the chains were split valid.
import { createHash, createHmac } from 'node:crypto';
import canonicalizeCjs from 'canonicalize';
import { z } from 'zod';

// The package is CommonJS (`module.exports = fn`) with types written for ESM interop.
const canonicalize = canonicalizeCjs as unknown as (input: unknown) => string | undefined;

export const GENESIS_HASH = '0'.repeat(64);

/** The ledger's chains: `restricted` holds the discipline commission's zone, `main` everything else. */
export const CHAINS = ['main', 'restricted'] as const;
export type Chain = (typeof CHAINS)[number];
export const chainOf = (restricted: boolean): Chain => (restricted ? 'restricted' : 'main');

// Type aliases, not interfaces: the API's schema keeps every key of the stored JSON (an index
// signature), and an interface is not assignable to one.
export type Actors = {
  /** The user (API) or the component (`gateway`, `platform`) that did it. */
  by: string;
  /** The person's (or gate's) name at the time, so that the record reads without a lookup. */
  name?: string;
  role: string;
  /** Staff present: escorts at a gate, the person who took an item out. */
  staff?: string[];
  /** The second person of a two-person operation (双人), who confirmed it. */
  second?: { by: string; name: string; role: string; staffId: string | null; via: 'api' | 'desk_badge' };
};

/** Where the item was before and after: its custody snapshot. */
export type CustodySnapshot = {
  state: string;
  zoneId: string | null;
  locationId: string | null;
  agencyId: string;
};

export interface CustodyEvent {
  seq: number;
  id: string;
  at: string;
  kind: string;
  itemId: string | null;
  orderId: string | null;
  actors: Actors;
  from: CustodySnapshot | null;
  to: CustodySnapshot | null;
  details: Record<string, unknown>;
  restricted: boolean;
  prevHash: string;
}

export type HashedEvent = CustodyEvent & { chain: Chain; hash: string };

// The event as the API answers it. What is hashed passes through whole (actors, snapshots and
// details keep every key they were stored with): a court recomputes each hash from this answer.
const snapshotApi = z.looseObject({ state: z.string(), zoneId: z.string().nullable(), locationId: z.string().nullable(), agencyId: z.string() });
export const eventApi = z.object({
  seq: z.number().int(),
  id: z.string(),
  at: z.string(),
  kind: z.string(),
  itemId: z.string().nullable(),
  orderId: z.string().nullable(),
  actors: z.looseObject({
    by: z.string().describe('the user, or the component (`gateway`, `platform`), that did it'),
    name: z.string().optional(),
    role: z.string(),
    staff: z.array(z.string()).optional().describe('staff present: escorts at a gate, who took an item out'),
    second: z.looseObject({ by: z.string(), name: z.string(), role: z.string(), staffId: z.string().nullable(), via: z.enum(['api', 'desk_badge']) })
      .optional().describe('the second person of a two-person operation (双人)'),
  }),
  from: snapshotApi.nullable(),
  to: snapshotApi.nullable(),
  details: z.record(z.string(), z.unknown()),
  restricted: z.boolean(),
  prevHash: z.string(),
  chain: z.enum(CHAINS),
  hash: z.string().describe('SHA-256(prevHash + RFC 8785 JSON of every field but hash and chain)'),
});

export function canonicalEvent(e: CustodyEvent): string {
  const { seq, id, at, kind, itemId, orderId, actors, from, to, details, restricted, prevHash } = e;
  const s = canonicalize({ seq, id, at, kind, itemId, orderId, actors, from, to, details, restricted, prevHash });
  if (s === undefined) throw new Error('event cannot be canonicalised');
  return s;
}

export function hashEvent(e: CustodyEvent): string {
  return createHash('sha256').update(e.prevHash + canonicalEvent(e)).digest('hex');
}

/**
 * The checkpoint's MAC binds the site, the chain, the head's seq and its hash. The main chain keeps
 * the form it had before there were two chains, so that heads signed then still verify; the
 * restricted chain's names the chain, so that one chain's signed head cannot pass for the other's.
 */
export function checkpointMac(key: Buffer, siteId: string, seq: number, hash: string, chain: Chain = 'main'): string {
  const text = chain === 'main' ? `${siteId}\n${seq}\n${hash}` : `${siteId}\n${chain}\n${seq}\n${hash}`;
  return createHmac('sha256', key).update(text).digest('hex');
}

/** Rows as stored: JSON columns are text, exactly as written at append time. */
export interface EventRow {
  chain: Chain;
  seq: number;
  id: string;
  at: string;
  kind: string;
  item_id: string | null;
  order_id: string | null;
  actors: string;
  from_state: string | null;
  to_state: string | null;
  details: string;
  restricted: number;
  prev_hash: string;
  hash: string;
}

export function eventFromRow(r: EventRow): HashedEvent {
  return {
    seq: r.seq,
    id: r.id,
    at: r.at,
    kind: r.kind,
    itemId: r.item_id,
    orderId: r.order_id,
    actors: JSON.parse(r.actors),
    from: r.from_state === null ? null : JSON.parse(r.from_state),
    to: r.to_state === null ? null : JSON.parse(r.to_state),
    details: JSON.parse(r.details),
    restricted: r.restricted === 1,
    prevHash: r.prev_hash,
    chain: r.chain,
    hash: r.hash,
  };
}
