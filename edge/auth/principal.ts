// Who is asking, and what the role table of DOMAIN.md lets them see and do.
import { createHash } from 'node:crypto';
import type { Db } from '../store/db.ts';
import type { Role } from '../site/schema.ts';
import { fail } from '../errors.ts';

export interface Principal {
  userId: string;
  name: string;
  role: Role;
  agencyId: string | null;
  staffId: string | null;
  /** What the ledger records as the actor's role when a component acts (`gateway` at a gate). */
  actingAs?: string;
  /**
   * The second person of a two-person operation (双人) on a dualControl item, once they have
   * confirmed it (edge/lifecycle/dual-control.ts): checked like the first, named in the event.
   */
  second?: SecondPerson;
}

export interface SecondPerson {
  principal: Principal;
  /** How the second person confirmed: as a signed-in user, or with their badge at the desk reader. */
  via: 'api' | 'desk_badge';
}

export const sha256Hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

// One prepared statement per database: every API request authenticates, so it is the hottest query.
const byToken = new WeakMap<Db, ReturnType<Db['prepare']>>();

export function principalForToken(db: Db, token: string): Principal | null {
  let stmt = byToken.get(db);
  if (!stmt) byToken.set(db, (stmt = db.prepare('SELECT id, name, role, agency_id, staff_id FROM users WHERE token_sha256 = ?')));
  const row = stmt.get(sha256Hex(token)) as { id: string; name: string; role: Role; agency_id: string | null; staff_id: string | null } | undefined;
  return row ? { userId: row.id, name: row.name, role: row.role, agencyId: row.agency_id, staffId: row.staff_id } : null;
}

/** The operations of the role table, grouped as DOMAIN.md groups them. */
export type Operation = 'handle' | 'dispatch' | 'emergency_order' | 'count' | 'acknowledge' | 'resolve' | 'retention' | 'administer';

const ALLOWED: Record<Operation, readonly Role[]> = {
  // announce, withdraw, receive, reject, putaway, move, circulate
  handle: ['operator', 'supervisor', 'discipline'],
  // retrieve, return, dispose
  dispatch: ['operator', 'supervisor', 'discipline'],
  emergency_order: ['supervisor', 'discipline'],
  // open and close a cycle count (盘点): its report is the center's word on what is on its shelves
  count: ['supervisor', 'discipline'],
  acknowledge: ['operator', 'supervisor', 'discipline'],
  resolve: ['supervisor', 'discipline'],
  // set a case's retention date (保管期限), as the platform also may
  retention: ['supervisor', 'discipline'],
  administer: ['admin'],
};

/**
 * May this principal do `op` on something in (or not in) the restricted zone?
 * `discipline` acts on the restricted zone only; everyone else never does (and never sees it).
 */
export function requireAllowed(p: Principal, op: Operation, restricted: boolean): void {
  if (!ALLOWED[op].includes(p.role)) fail('FORBIDDEN', `The ${p.role} role may not ${op.replace('_', ' ')}`);
  if (p.role === 'discipline' && !restricted) fail('FORBIDDEN', 'The discipline role acts in the restricted zone only');
}

export const seesRestricted = (p: Principal) => p.role === 'discipline';

/** Can this principal see an item (or anything about it)? Unseen things answer 404, never 403. */
export function canSeeItem(p: Principal, item: { restricted: number | boolean; agency_id: string }): boolean {
  const restricted = !!item.restricted;
  switch (p.role) {
    case 'discipline': return restricted || item.agency_id === p.agencyId;
    case 'agency': return !restricted && item.agency_id === p.agencyId;
    default: return !restricted;
  }
}

/** The same rule as SQL over an items alias, for every list, count and search. */
export function itemVisibilitySql(p: Principal, alias = 'i'): { sql: string; params: unknown[] } {
  switch (p.role) {
    case 'discipline': return { sql: `(${alias}.restricted = 1 OR ${alias}.agency_id = ?)`, params: [p.agencyId] };
    case 'agency': return { sql: `(${alias}.restricted = 0 AND ${alias}.agency_id = ?)`, params: [p.agencyId] };
    default: return { sql: `${alias}.restricted = 0`, params: [] };
  }
}
