// Two-person operations (双人). An item whose category has `dualControl` (cash, precious metals,
// narcotics, firearms) is never handled by one person alone. At a gate that means two badges
// (edge/rules/gate/); through the API it means that an operation asked for by one user is stored
// as a pending operation and applies only when a second person confirms it within the site's
// window (`rules.dualControlWindowSeconds`), in the same transaction, both named in the event.
//
// The operation's own checks run twice: when it is asked for (so that nobody is asked to confirm
// what would be refused anyway) and again when it is confirmed (the world may have changed).
// The gateway acting at a gate is exempt: it only applies an operation after the escort rule has
// seen its two badges.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { CustodyContext } from '../context.ts';
import { canSeeItem, itemVisibilitySql, requireAllowed, seesRestricted, type Principal, type SecondPerson } from '../auth/principal.ts';
import type { Role } from '../site/schema.ts';
import { CustodyError, fail } from '../errors.ts';
import { ITEM_SELECT, loadVisibleItem, type ItemRowWithCase } from '../items/item.ts';
import { ITEM_OPERATIONS, ITEM_OPERATION_NAMES, type ItemOperationName } from './operations.ts';
import type { TransitionResult } from './transition.ts';
import { prepared } from '../store/db.ts';

export const PENDING_STATES = ['pending', 'confirmed', 'expired', 'refused'] as const;
export type PendingState = (typeof PENDING_STATES)[number];

export interface PendingRow {
  id: string;
  operation: ItemOperationName;
  item_id: string;
  input: string;
  restricted: number;
  requested_by: string;
  requested_name: string;
  requested_role: string;
  requested_staff: string | null;
  requested_at: string;
  expires_at: string;
  state: PendingState;
  decided_by: string | null;
  decided_name: string | null;
  decided_role: string | null;
  decided_via: string | null;
  decided_at: string | null;
  reason: string | null;
  event_chain: string | null;
  event_seq: number | null;
}

interface AttemptRow { at: string; by: string; name: string; role: string; via: string; code: string }

const person = z.object({ by: z.string(), name: z.string(), role: z.string() });

/** A pending operation as the API shows it (the answer of a request on a dualControl item, and of /confirmations). */
export const pendingOperationApi = z.object({
  id: z.string(),
  operation: z.enum(ITEM_OPERATION_NAMES as [ItemOperationName, ...ItemOperationName[]]),
  itemId: z.string(),
  restricted: z.boolean().describe('asked for in the restricted zone (only discipline ever sees one)'),
  input: z.record(z.string(), z.unknown()).describe('the operation\'s input, as the requester sent it'),
  state: z.enum(PENDING_STATES).describe('on the gateway\'s clock: a pending operation past its window reads expired'),
  requestedBy: person,
  requestedAt: z.string(),
  expiresAt: z.string(),
  decidedBy: person.extend({ via: z.enum(['api', 'desk_badge']) }).nullable().describe('who confirmed or refused it'),
  decidedAt: z.string().nullable(),
  reason: z.string().nullable().describe('why it was refused'),
  event: z.object({ chain: z.string(), seq: z.number().int() }).nullable().describe('the custody event that recorded it, once confirmed'),
  attempts: z.array(person.extend({ via: z.string(), at: z.string(), code: z.string() }))
    .describe('attempts that did not decide it (the requester confirming their own operation)'),
});
export type PendingApi = z.infer<typeof pendingOperationApi>;

export function effectivePendingState(row: Pick<PendingRow, 'state' | 'expires_at'>, nowIso: string): PendingState {
  return row.state === 'pending' && row.expires_at <= nowIso ? 'expired' : row.state;
}

export function pendingToApi(ctx: CustodyContext, row: PendingRow): PendingApi {
  const attempts = prepared(ctx.db, 'SELECT at, by, name, role, via, code FROM pending_operation_attempts WHERE pending_id = ? ORDER BY rowid')
    .all(row.id) as AttemptRow[];
  return {
    id: row.id,
    operation: row.operation,
    itemId: row.item_id,
    restricted: row.restricted === 1,
    input: JSON.parse(row.input),
    state: effectivePendingState(row, ctx.nowIso()),
    requestedBy: { by: row.requested_by, name: row.requested_name, role: row.requested_role },
    requestedAt: row.requested_at,
    expiresAt: row.expires_at,
    decidedBy: row.decided_by ? { by: row.decided_by, name: row.decided_name ?? row.decided_by, role: row.decided_role ?? '', via: row.decided_via === 'desk_badge' ? 'desk_badge' : 'api' } : null,
    decidedAt: row.decided_at,
    reason: row.reason,
    event: row.event_chain && row.event_seq !== null ? { chain: row.event_chain, seq: row.event_seq } : null,
    attempts: attempts.map((a) => ({ by: a.by, name: a.name, role: a.role, via: a.via, at: a.at, code: a.code })),
  };
}

/** Does this operation on this item, by this principal, wait for a second person? */
export function needsSecondPerson(ctx: CustodyContext, p: Principal, item: Pick<ItemRowWithCase, 'category_id'>): boolean {
  return ctx.dualControl.has(item.category_id) && p.actingAs !== 'gateway' && !p.second;
}

export type Requested = { applied: TransitionResult; pending?: undefined } | { pending: PendingApi; applied?: undefined };

/**
 * An operation asked for by a person: applied at once, or, on a dualControl item, checked in full
 * and stored as pending for a second person's confirmation.
 */
export function requestOperation(ctx: CustodyContext, p: Principal, name: ItemOperationName, itemId: string, rawInput: unknown): Requested {
  const o = ITEM_OPERATIONS[name];
  const input = o.input.parse(rawInput);
  const item = loadVisibleItem(ctx.db, p, itemId);
  if (!needsSecondPerson(ctx, p, item)) return { applied: o.run(ctx, p, itemId, input as never) };
  rehearse(ctx, () => o.run(ctx, p, itemId, input as never));
  const now = ctx.clock.now();
  const row: PendingRow = {
    id: `DC-${randomUUID()}`, operation: name, item_id: itemId, input: JSON.stringify(input), restricted: item.restricted,
    requested_by: p.userId, requested_name: p.name, requested_role: p.role, requested_staff: p.staffId,
    requested_at: new Date(now).toISOString(), expires_at: new Date(now + ctx.site.rules.dualControlWindowSeconds * 1000).toISOString(),
    state: 'pending', decided_by: null, decided_name: null, decided_role: null, decided_via: null, decided_at: null, reason: null,
    event_chain: null, event_seq: null,
  };
  ctx.transaction(() => prepared(ctx.db, `INSERT INTO pending_operations (id, operation, item_id, input, restricted, requested_by, requested_name,
      requested_role, requested_staff, requested_at, expires_at, state) VALUES (@id, @operation, @item_id, @input, @restricted, @requested_by,
      @requested_name, @requested_role, @requested_staff, @requested_at, @expires_at, @state)`).run(row));
  return { pending: pendingToApi(ctx, row) };
}

class Rehearsal { }

/**
 * Runs `fn` (an operation, with every check and write it makes) and rolls it all back: the
 * operation's own checks, exactly, without a second copy of them that could drift.
 */
function rehearse(ctx: CustodyContext, fn: () => unknown): void {
  // Inside an outer transaction the rollback could not be confined to the rehearsal.
  if (ctx.db.inTransaction) throw new Error('an operation is rehearsed in a transaction of its own');
  const done = new Rehearsal();
  try {
    ctx.transaction(() => { fn(); throw done; });
  } catch (e) {
    if (e !== done) throw e;
  }
}

/**
 * A pending operation the principal may see: as for its item, and one asked for in the
 * restricted zone stays the commission's. Anything else answers CONFIRMATION_NOT_FOUND.
 */
function loadVisiblePending(ctx: CustodyContext, p: Principal | null, id: string): { row: PendingRow; item: ItemRowWithCase } {
  const row = prepared(ctx.db, 'SELECT * FROM pending_operations WHERE id = ?').get(id) as PendingRow | undefined;
  const item = row ? prepared(ctx.db, `${ITEM_SELECT} WHERE i.id = ?`).get(row.item_id) as ItemRowWithCase | undefined : undefined;
  if (!row || !item || (p && !(canSeeItem(p, item) && (row.restricted === 0 || seesRestricted(p))))) {
    fail('CONFIRMATION_NOT_FOUND', `No pending operation ${id}`, { id });
  }
  return { row, item };
}

export function loadPending(ctx: CustodyContext, p: Principal, id: string): PendingApi {
  return pendingToApi(ctx, loadVisiblePending(ctx, p, id).row);
}

/** Past its window, a pending operation is expired for good: recorded as such before it is refused. */
function requireWaiting(ctx: CustodyContext, row: PendingRow): void {
  if (row.state === 'pending' && row.expires_at <= ctx.nowIso()) {
    ctx.transaction(() => expireOne(ctx, row.id));
    row.state = 'expired';
  }
  if (row.state === 'expired') fail('CONFIRMATION_EXPIRED', undefined, { id: row.id, expiresAt: row.expires_at });
  if (row.state !== 'pending') fail('CONFIRMATION_NOT_PENDING', `Operation ${row.id} is ${row.state}`, { id: row.id, state: row.state });
}

function expireOne(ctx: CustodyContext, id: string): void {
  prepared(ctx.db, `UPDATE pending_operations SET state = 'expired', decided_at = expires_at WHERE id = ? AND state = 'pending'`).run(id);
}

const isRequester = (row: PendingRow, p: Principal) => p.userId === row.requested_by || (!!p.staffId && p.staffId === row.requested_staff);

/** The requester as they are now: their role and agency decide the operation's checks at confirmation too. */
function requesterOf(ctx: CustodyContext, row: PendingRow): Principal {
  const u = prepared(ctx.db, 'SELECT id, name, role, agency_id, staff_id FROM users WHERE id = ?').get(row.requested_by) as
    { id: string; name: string; role: Role; agency_id: string | null; staff_id: string | null } | undefined;
  if (!u) fail('FORBIDDEN', `${row.requested_name}, who asked for it, is no longer a user`, { id: row.id });
  return { userId: u.id, name: u.name, role: u.role, agencyId: u.agency_id, staffId: u.staff_id };
}

export interface Confirmed extends TransitionResult { pending: PendingApi }

/**
 * The second person confirms: the operation is checked again and applied, in one transaction
 * with the pending operation's new state. The requester cannot be their own second person; a
 * second person without the operation's role leaves it pending for someone who has it; an
 * operation the world no longer allows is refused, with the reason, and answers that refusal.
 */
export function confirmPending(ctx: CustodyContext, p: Principal, id: string, via: SecondPerson['via'] = 'api'): Confirmed {
  const { row, item } = loadVisiblePending(ctx, p, id);
  requireWaiting(ctx, row);
  const o = ITEM_OPERATIONS[row.operation];
  if (isRequester(row, p)) {
    ctx.transaction(() => prepared(ctx.db, 'INSERT INTO pending_operation_attempts (pending_id, at, by, name, role, via, code) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(row.id, ctx.nowIso(), p.userId, p.name, p.role, via, 'CONFIRMATION_SAME_PERSON'));
    fail('CONFIRMATION_SAME_PERSON', undefined, { id: row.id, requestedBy: row.requested_by });
  }
  requireAllowed(p, o.operation, item.restricted === 1);
  try {
    return ctx.transaction(() => {
      const r = o.run(ctx, { ...requesterOf(ctx, row), second: { principal: p, via } }, row.item_id, o.input.parse(JSON.parse(row.input)) as never);
      prepared(ctx.db, `UPDATE pending_operations SET state = 'confirmed', decided_by = ?, decided_name = ?, decided_role = ?, decided_via = ?,
          decided_at = ?, event_chain = ?, event_seq = ? WHERE id = ?`)
        .run(p.userId, p.name, p.role, via, r.event.at, r.event.chain, r.event.seq, row.id);
      const after = prepared(ctx.db, 'SELECT * FROM pending_operations WHERE id = ?').get(row.id) as PendingRow;
      return { ...r, pending: pendingToApi(ctx, after) };
    });
  } catch (e) {
    if (e instanceof CustodyError) decide(ctx, row.id, p, via, 'refused', `${e.code}: ${e.message}`);
    throw e;
  }
}

/** Refused, with a reason: by a second person who could have confirmed it, or withdrawn by the requester. */
export function refusePending(ctx: CustodyContext, p: Principal, id: string, reason: string): PendingApi {
  const { row, item } = loadVisiblePending(ctx, p, id);
  requireWaiting(ctx, row);
  if (!isRequester(row, p)) requireAllowed(p, ITEM_OPERATIONS[row.operation].operation, item.restricted === 1);
  decide(ctx, row.id, p, 'api', 'refused', reason);
  return loadPending(ctx, p, id);
}

function decide(ctx: CustodyContext, id: string, p: Principal, via: string, state: 'refused', reason: string): void {
  ctx.transaction(() => prepared(ctx.db, `UPDATE pending_operations SET state = ?, decided_by = ?, decided_name = ?, decided_role = ?, decided_via = ?,
      decided_at = ?, reason = ? WHERE id = ? AND state = 'pending'`).run(state, p.userId, p.name, p.role, via, ctx.nowIso(), reason, id));
}

/**
 * For the desk reader (serial, to come): the second person confirms by presenting their badge,
 * read as a staff id. They act in the first of their roles that may do the operation on this
 * item, and the event names them with `via: 'desk_badge'`. The same refusals as through the API
 * (CONFIRMATION_NOT_FOUND, _EXPIRED, _NOT_PENDING, _SAME_PERSON when the badge is the requester's),
 * and UNKNOWN_STAFF for a staff id the site does not know. The reader is the gateway's, so the
 * pending operation is looked up without a user's visibility; the staff member's own role still
 * decides whether they may confirm it.
 */
export function confirmByBadge(ctx: CustodyContext, pendingId: string, staffId: string): Confirmed {
  const staff = prepared(ctx.db, 'SELECT id, name, agency_id, roles FROM staff WHERE id = ?').get(staffId) as
    { id: string; name: string; agency_id: string; roles: string } | undefined;
  if (!staff) fail('UNKNOWN_STAFF', `No staff member ${staffId}`, { staffId });
  const { row, item } = loadVisiblePending(ctx, null, pendingId);
  const operation = ITEM_OPERATIONS[row.operation].operation;
  const as = (role: Role): Principal => ({ userId: `staff:${staff.id}`, name: staff.name, role, agencyId: staff.agency_id, staffId: staff.id });
  const allowed = (JSON.parse(staff.roles) as Role[]).map(as).find((p) => {
    if (!canSeeItem(p, item)) return false;
    try { requireAllowed(p, operation, item.restricted === 1); return true; } catch { return false; }
  });
  // Not-found before forbidden, so that a badge cannot probe the commission's zone.
  if (!allowed) {
    if (item.restricted === 1 || row.restricted === 1) fail('CONFIRMATION_NOT_FOUND', `No pending operation ${pendingId}`, { id: pendingId });
    fail('FORBIDDEN', `${staff.name} may not confirm ${row.operation}`, { staffId });
  }
  return confirmPending(ctx, allowed, pendingId, 'desk_badge');
}

/** The periodic sweep: pending operations past their window become expired. */
export function expirePendingOperations(ctx: CustodyContext): number {
  return ctx.transaction(() => prepared(ctx.db, `UPDATE pending_operations SET state = 'expired', decided_at = expires_at
    WHERE state = 'pending' AND expires_at <= ?`).run(ctx.nowIso()).changes);
}

export interface PendingQuery { state?: PendingState; item?: string; limit: number; after?: [string, string] | null }

/** Pending operations the principal may see, newest first. */
export function listPending(ctx: CustodyContext, p: Principal, q: PendingQuery): PendingRow[] {
  const vis = itemVisibilitySql(p, 'i');
  const parts = [vis.sql];
  const params: unknown[] = [...vis.params];
  if (!seesRestricted(p)) parts.push('po.restricted = 0');
  const now = ctx.nowIso();
  // The stored state lags the clock by at most one tick; filter on the state the clock gives.
  if (q.state === 'pending') { parts.push(`po.state = 'pending' AND po.expires_at > ?`); params.push(now); }
  if (q.state === 'expired') { parts.push(`(po.state = 'expired' OR (po.state = 'pending' AND po.expires_at <= ?))`); params.push(now); }
  if (q.state === 'confirmed' || q.state === 'refused') { parts.push('po.state = ?'); params.push(q.state); }
  if (q.item) { parts.push('po.item_id = ?'); params.push(q.item); }
  if (q.after) { parts.push('(po.requested_at, po.id) < (?, ?)'); params.push(...q.after); }
  return prepared(ctx.db, `SELECT po.* FROM pending_operations po JOIN items i ON i.id = po.item_id WHERE ${parts.join(' AND ')}
    ORDER BY po.requested_at DESC, po.id DESC LIMIT ?`).all(...params, q.limit) as PendingRow[];
}
