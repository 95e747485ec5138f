// A custody event as hashed: every column of `events` but `hash`, in RFC 8785 canonical JSON.
import { createHash, createHmac } from 'node:crypto';
import canonicalizeCjs from 'canonicalize';

// The package is CommonJS (`module.exports = fn`) with types written for ESM interop.
const canonicalize = canonicalizeCjs as unknown as (input: unknown) => string | undefined;

export const GENESIS_HASH = '0'.repeat(64);

export interface Actors {
  /** The user (API) or the component (`gateway`, `platform`) that did it. */
  by: string;
  /** The person's (or gate's) name at the time, so that the record reads without a lookup. */
  name?: string;
  role: string;
  /** Staff present: escorts at a gate, the person who took an item out. */
  staff?: string[];
}

/** Where the item was before and after: its custody snapshot. */
export interface CustodySnapshot {
  state: string;
  zoneId: string | null;
  locationId: string | null;
  agencyId: string;
}

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

export type HashedEvent = CustodyEvent & { hash: string };

export function canonicalEvent(e: CustodyEvent): string {
  const { seq, id, at, kind, itemId, orderId, actors, from, to, details, restricted, prevHash } = e;
  const s = canonicalize({ seq, id, at, kind, itemId, orderId, actors, from, to, details, restricted, prevHash });
  if (s === undefined) throw new Error('event cannot be canonicalised');
  return s;
}

export function hashEvent(e: CustodyEvent): string {
  return createHash('sha256').update(e.prevHash + canonicalEvent(e)).digest('hex');
}

/** The checkpoint's MAC binds the site, the head's seq and its hash. */
export function checkpointMac(key: Buffer, siteId: string, seq: number, hash: string): string {
  return createHmac('sha256', key).update(`${siteId}\n${seq}\n${hash}`).digest('hex');
}

/** Rows as stored: JSON columns are text, exactly as written at append time. */
export interface EventRow {
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
    hash: r.hash,
  };
}
