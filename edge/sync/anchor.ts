// The platform's acknowledged heads anchor the ledger (`npm run verify -- --platform`): a local
// chain shorter than what the platform acknowledged lost its tail, even when the tail was cut
// together with the local head checkpoint and its file; one whose event at the platform's seq has
// another hash was rewritten. Read-only on both sides.
import { z } from 'zod';
import type { Db } from '../store/db.ts';
import { prepared } from '../store/db.ts';
import { GENESIS_HASH, type Chain } from '../ledger/event.ts';
import type { PlatformClient } from './client.ts';

export interface AnchorCheck {
  chain: Chain;
  destination: string;
  ok: boolean;
  fault: 'shorter_than_platform' | 'disagrees_with_platform' | 'platform_unreachable' | null;
  local: { seq: number; hash: string };
  platform: { seq: number; hash: string; source: string } | null;
  message: string;
}

const head = z.object({ seq: z.number().int().min(0), hash: z.string().regex(/^[0-9a-f]{64}$/), source: z.string().optional() });

export async function checkAgainstPlatform(db: Db, siteId: string, chain: Chain, destination: string, client: PlatformClient): Promise<AnchorCheck> {
  const local = (prepared(db, 'SELECT seq, hash FROM events WHERE chain = ? ORDER BY seq DESC LIMIT 1').get(chain) as { seq: number; hash: string } | undefined)
    ?? { seq: 0, hash: GENESIS_HASH };
  const base = { chain, destination, local };
  const res = await client.request('GET', `/v1/sites/${encodeURIComponent(siteId)}/chains/${chain}/head`);
  if (!res.ok) return { ...base, ok: false, fault: 'platform_unreachable', platform: null, message: `${res.failure.code}: ${res.failure.message}` };
  const parsed = head.safeParse(res.body);
  if (!parsed.success) return { ...base, ok: false, fault: 'platform_unreachable', platform: null, message: 'the platform\'s head does not match the contract' };
  const p = { seq: parsed.data.seq, hash: parsed.data.hash, source: parsed.data.source ?? 'events' };
  if (p.seq > local.seq) {
    return { ...base, ok: false, fault: 'shorter_than_platform', platform: p,
      message: `the platform acknowledged seq ${p.seq}; this ledger ends at seq ${local.seq}: ${p.seq - local.seq} event(s) are missing here` };
  }
  const ours = p.seq === 0 ? GENESIS_HASH
    : (prepared(db, 'SELECT hash FROM events WHERE chain = ? AND seq = ?').get(chain, p.seq) as { hash: string } | undefined)?.hash;
  if (ours !== p.hash) {
    return { ...base, ok: false, fault: 'disagrees_with_platform', platform: p,
      message: `at seq ${p.seq} the platform holds hash ${p.hash.slice(0, 16)}…, this ledger ${ours?.slice(0, 16) ?? 'nothing'}…: the history differs from what was acknowledged` };
  }
  return { ...base, ok: true, fault: null, platform: p,
    message: `agrees with the platform through seq ${p.seq}${local.seq > p.seq ? ` (${local.seq - p.seq} newer event(s) not yet acknowledged)` : ''}` };
}
