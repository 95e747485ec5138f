// Stream tickets on their own: random, single use, 30 s, kept only as hashes, bounded.
import { describe, expect, it } from 'vitest';
import { StreamTickets } from '../../edge/stream/tickets.ts';
import type { Principal } from '../../edge/auth/principal.ts';

const p: Principal = { userId: 'u-op', name: 'op', role: 'operator', agencyId: 'op', staffId: null };

describe('StreamTickets', () => {
  it('issues 32 random bytes, valid 30 s, redeemable once', () => {
    let now = 1_000_000;
    const t = new StreamTickets({ now: () => now });
    const a = t.issue(p);
    const b = t.issue(p);
    expect(Buffer.from(a.ticket, 'base64url')).toHaveLength(32);
    expect(a.ticket).not.toBe(b.ticket);
    expect(a.expiresAt).toBe(new Date(1_030_000).toISOString());
    now += 29_999;
    expect(t.redeem(a.ticket)).toEqual(p);
    expect(t.redeem(a.ticket)).toBeNull();
    now += 1;
    expect(t.redeem(b.ticket)).toBeNull(); // expired at exactly 30 s
  });

  it('keeps no ticket in clear, only its SHA-256', () => {
    const t = new StreamTickets();
    const a = t.issue(p);
    const held = JSON.stringify([...(t as unknown as { byHash: Map<string, unknown> }).byHash.entries()]);
    expect(held).not.toContain(a.ticket);
  });

  it('refuses malformed tickets and bounds what it holds', () => {
    const t = new StreamTickets({ maxOutstanding: 3 });
    expect(t.redeem('')).toBeNull();
    expect(t.redeem('x'.repeat(500))).toBeNull();
    const first = t.issue(p);
    for (let i = 0; i < 5; i++) t.issue(p);
    expect(t.size).toBe(3);
    expect(t.redeem(first.ticket)).toBeNull(); // the oldest went first
  });
});
