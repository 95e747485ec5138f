// The custody event's hash as the contract defines it, written apart from edge/ledger (an honest
// second implementation): hex SHA-256(prevHash + RFC 8785 JSON of every hashed field).
import { createHash } from 'node:crypto';
import canonicalizeCjs from 'canonicalize';

// The package is CommonJS (`module.exports = fn`) with types written for ESM interop.
const canonicalize = canonicalizeCjs as unknown as (input: unknown) => string | undefined;

export const GENESIS_HASH = '0'.repeat(64);
export const CHAIN_NAMES = ['main', 'restricted'] as const;
export type ChainName = (typeof CHAIN_NAMES)[number];
export const isChainName = (s: string): s is ChainName => (CHAIN_NAMES as readonly string[]).includes(s);

/** An event as sent: the hashed fields, its hash and, optionally, the chain it is sent to. */
export interface WireEvent {
  seq: number;
  id: string;
  at: string;
  kind: string;
  itemId: string | null;
  orderId: string | null;
  actors: unknown;
  from: unknown;
  to: unknown;
  details: unknown;
  restricted: boolean;
  prevHash: string;
  hash: string;
  chain?: string;
}

export function computeHash(e: Omit<WireEvent, 'hash' | 'chain'>): string {
  const { seq, id, at, kind, itemId, orderId, actors, from, to, details, restricted, prevHash } = e;
  const canonical = canonicalize({ seq, id, at, kind, itemId, orderId, actors, from, to, details, restricted, prevHash });
  if (canonical === undefined) throw new Error('event cannot be canonicalised');
  return createHash('sha256').update(prevHash + canonical).digest('hex');
}
