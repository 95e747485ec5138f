// The one-time split of a store made before the restricted zone had its own chain. Its main chain
// holds the zone's events up to now, and no history is rewritten: the restricted chain starts with
// an event naming the main chain's head at the split, and the main chain records the split with an
// event naming the restricted chain's first head. From then on each chain only grows on its own,
// and verify checks that the two split events name each other.
import type { Db } from '../store/db.ts';
import type { Ledger } from './ledger.ts';
import type { HashedEvent } from './event.ts';

export const SPLIT_KIND = 'chain_split';

const GATEWAY_ACTOR = { by: 'gateway', name: 'gateway', role: 'gateway' };

/** Splits the chains if the migration left the store marked for it; returns the two events, or null. */
export function splitChainsIfPending(db: Db, ledger: Ledger, at: string): { main: HashedEvent; restricted: HashedEvent } | null {
  const pending = db.prepare(`SELECT 1 FROM ledger_meta WHERE key = 'split_pending'`).get();
  if (!pending) return null;
  return ledger.transaction((tx) => {
    const mainHead = ledger.headOf('main');
    const restricted = tx.append({
      at, kind: SPLIT_KIND, itemId: null, orderId: null, actors: GATEWAY_ACTOR, from: null, to: null,
      details: { mainHead, note: 'The restricted zone\'s events before this one are in the main chain, up to mainHead.' },
      restricted: true,
    });
    const main = tx.append({
      at, kind: SPLIT_KIND, itemId: null, orderId: null, actors: GATEWAY_ACTOR, from: null, to: null,
      details: { restrictedHead: { seq: restricted.seq, hash: restricted.hash } },
      restricted: false,
    });
    db.prepare(`DELETE FROM ledger_meta WHERE key = 'split_pending'`).run();
    db.prepare(`INSERT INTO ledger_meta (key, value) VALUES ('split', ?)`)
      .run(JSON.stringify({ main: { seq: main.seq, hash: main.hash }, restricted: { seq: restricted.seq, hash: restricted.hash }, at }));
    return { main, restricted };
  });
}
