// Stream tickets: what a browser's EventSource (which cannot send headers) puts in the URL instead
// of a Bearer token. A ticket is 32 random bytes, good for one connection within 30 s, and kept
// only in memory and only as its SHA-256: a ticket seen in a log or a proxy's history is worth
// nothing once used or expired, and a heap dump does not hold live ones in clear.
import { randomBytes } from 'node:crypto';
import { sha256Hex, type Principal } from '../auth/principal.ts';

export const TICKET_TTL_MS = 30_000;
/** Outstanding tickets at once; beyond this the oldest go first (a client asking in a loop cannot grow memory). */
export const MAX_OUTSTANDING_TICKETS = 10_000;
const TICKET_FORM = /^[A-Za-z0-9_-]{43}$/; // base64url of 32 bytes, no padding

export interface StreamTicketOptions {
  ttlMs?: number;
  maxOutstanding?: number;
  /** Clock in epoch ms, for tests. */
  now?: () => number;
}

export interface IssuedTicket {
  ticket: string;
  /** ISO time after which the ticket no longer opens a stream. */
  expiresAt: string;
}

export class StreamTickets {
  private readonly ttlMs: number;
  private readonly max: number;
  private readonly now: () => number;
  /** sha256(ticket) → who it was issued to, and until when. Insertion order = issue order. */
  private readonly byHash = new Map<string, { principal: Principal; expiresAt: number }>();

  constructor(opts: StreamTicketOptions = {}) {
    this.ttlMs = opts.ttlMs ?? TICKET_TTL_MS;
    this.max = opts.maxOutstanding ?? MAX_OUTSTANDING_TICKETS;
    this.now = opts.now ?? Date.now;
  }

  issue(p: Principal): IssuedTicket {
    this.prune();
    while (this.byHash.size >= this.max) this.byHash.delete(this.byHash.keys().next().value as string);
    const ticket = randomBytes(32).toString('base64url');
    const expiresAt = this.now() + this.ttlMs;
    this.byHash.set(sha256Hex(ticket), { principal: { ...p }, expiresAt });
    return { ticket, expiresAt: new Date(expiresAt).toISOString() };
  }

  /** The principal the ticket was issued to, once: the ticket is spent whether or not it was still valid. */
  redeem(ticket: string): Principal | null {
    if (!TICKET_FORM.test(ticket)) return null;
    const key = sha256Hex(ticket);
    const t = this.byHash.get(key);
    if (!t) return null;
    this.byHash.delete(key);
    return this.now() < t.expiresAt ? t.principal : null;
  }

  /** Outstanding (issued, unspent, possibly expired but not yet pruned) tickets. */
  get size(): number { return this.byHash.size; }

  private prune(): void {
    const now = this.now();
    for (const [k, t] of this.byHash) if (t.expiresAt <= now) this.byHash.delete(k);
  }
}
