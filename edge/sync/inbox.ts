// The inbox: what the platform sends down (`changes?cursor=`): orders and their cancellations,
// staff with their badges and clearances and their revocations, the announced items of transfer_in
// manifests. One page is applied in one custody transaction together with its new cursor, so that a
// power cut leaves either all of it or none. Each change is checked by the same schemas as the API
// and applied in a savepoint of its own: one that cannot be applied is refused with its reason,
// kept (sync_refused) and shown, and takes nothing else back. Applying a change twice changes
// nothing the second time (a platform that repeats itself, or a cursor the power cut sent back).
//
// Who owns what: the site file owns zones, locations, gates, devices and API users; staff rows
// belong to the site file or to the platform (staff.source), and the platform cannot rewrite a row
// the site file owns (that change is refused, SITE_OWNED).
import { z } from 'zod';
import type { CustodyContext } from '../context.ts';
import { CustodyError, type ErrorCode } from '../errors.ts';
import { prepared } from '../store/db.ts';
import { orderInput, issueOrder, cancelPlatformOrder, type OrderRow } from '../orders/order.ts';
import { announce, announceInput } from '../lifecycle/announce.ts';
import { staffSchema } from '../site/schema.ts';
import { raiseAlarm } from '../alarms/alarm.ts';
import type { Principal } from '../auth/principal.ts';
import type { EdgeLog } from '../log.ts';
import type { Failure, PlatformClient } from './client.ts';

/** Who the ledger names when the platform's manifest announces items. */
export const PLATFORM_PRINCIPAL: Principal = { userId: 'platform', name: '城市平台', role: 'supervisor', agencyId: null, staffId: null, actingAs: 'platform' };

const PAGE_LIMIT = 500;

const changesReply = z.object({
  cursor: z.string().min(1).max(1000),
  more: z.boolean().default(false),
  orders: z.array(z.unknown()).max(10_000).default([]),
  staff: z.array(z.unknown()).max(10_000).default([]),
  items: z.array(z.unknown()).max(10_000).default([]),
});

const orderChange = z.discriminatedUnion('active', [
  orderInput.extend({ id: orderInput.shape.id.unwrap(), active: z.literal(true) }).strict(),
  z.object({ id: z.string().min(1).max(64), active: z.literal(false), reason: z.string().min(1).max(2000) }).strict(),
]);
const staffChange = staffSchema.extend({ active: z.boolean() }).strict();
const announcedItem = announceInput.shape.items.element;
const itemChange = announcedItem.extend({ orderId: z.string().min(1).max(64), id: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/), active: z.literal(true) }).strict();

export type ChangeKind = 'order' | 'staff' | 'item';
export interface PollResult { applied: number; refused: number; unchanged: number; more: boolean }

export class Inbox {
  constructor(private readonly ctx: CustodyContext, private readonly client: PlatformClient | null, private readonly siteId: string,
    private readonly log: EdgeLog) {
    prepared(ctx.db, 'INSERT INTO sync_inbox (id) VALUES (1) ON CONFLICT DO NOTHING').run();
  }

  row(): { cursor: string | null; last_poll_at: string | null; last_success_at: string | null; last_error: string | null } {
    return prepared(this.ctx.db, 'SELECT cursor, last_poll_at, last_success_at, last_error FROM sync_inbox WHERE id = 1').get() as never;
  }

  refusedCount(): number {
    return (prepared(this.ctx.db, 'SELECT count(*) AS n FROM sync_refused').get() as { n: number }).n;
  }

  /** One page of changes. Never throws: a failure is returned and kept as the inbox's last error. */
  async poll(): Promise<{ ok: true; result: PollResult } | { ok: false; failure: Failure }> {
    if (!this.client) return this.failed({ code: 'NOT_CONFIGURED', message: 'no secret for the platform' });
    const cursor = this.row().cursor;
    const query = new URLSearchParams({ limit: String(PAGE_LIMIT), ...(cursor ? { cursor } : {}) });
    prepared(this.ctx.db, 'UPDATE sync_inbox SET last_poll_at = ? WHERE id = 1').run(this.ctx.nowIso());
    const res = await this.client.request('GET', `/v1/sites/${encodeURIComponent(this.siteId)}/changes?${query}`);
    if (!res.ok) return this.failed(res.failure);
    const page = changesReply.safeParse(res.body);
    if (!page.success) {
      const issue = page.error.issues[0];
      return this.failed({ code: 'BAD_CHANGES', message: `a changes reply that does not match the contract (${issue?.path.join('.')}: ${issue?.message})` });
    }
    try {
      return { ok: true, result: this.apply(page.data) };
    } catch (err) {
      // Nothing of the page was kept, its cursor included: the next poll asks for it again.
      this.log.error({ err }, 'applying a page of platform changes failed; nothing of it was kept');
      return this.failed({ code: 'GATEWAY_ERROR', message: err instanceof Error ? err.message : String(err) });
    }
  }

  /** Applies one page and moves the cursor, in one transaction. Staff first, then orders, then the items they announce. */
  apply(page: z.output<typeof changesReply>): PollResult {
    const out: PollResult = { applied: 0, refused: 0, unchanged: 0, more: page.more };
    this.ctx.transaction(() => {
      const run = (kind: ChangeKind, raw: unknown, fn: (c: never) => 'applied' | 'unchanged', schema: z.ZodType) => {
        const ref = refOf(raw);
        const parsed = schema.safeParse(raw);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          return this.refuse(kind, ref, 'VALIDATION_FAILED', `${issue?.path.join('.') || '(root)'}: ${issue?.message}`, raw, out);
        }
        try {
          out[this.ctx.savepoint(() => fn(parsed.data as never))]++;
        } catch (err) {
          // A change the rules refuse (or the store's constraints) is this change's fault; anything
          // else (a full disk) is the page's, which is then kept whole for the next poll.
          if (err instanceof CustodyError) this.refuse(kind, ref, err.code, err.message, raw, out);
          else if (String((err as { code?: unknown }).code).startsWith('SQLITE_CONSTRAINT')) this.refuse(kind, ref, 'CONSTRAINT', (err as Error).message, raw, out);
          else throw err;
        }
      };
      for (const c of page.staff) run('staff', c, (s: z.output<typeof staffChange>) => this.applyStaff(s), staffChange);
      for (const c of page.orders) run('order', c, (o: z.output<typeof orderChange>) => this.applyOrder(o), orderChange);
      for (const c of page.items) run('item', c, (i: z.output<typeof itemChange>) => this.applyItem(i), itemChange);
      const now = this.ctx.nowIso();
      prepared(this.ctx.db, 'UPDATE sync_inbox SET cursor = ?, last_success_at = ?, last_error = NULL WHERE id = 1').run(page.cursor, now);
    });
    if (out.applied || out.refused) this.log.info({ ...out }, 'platform changes applied');
    return out;
  }

  private applyStaff(s: z.output<typeof staffChange>): 'applied' | 'unchanged' {
    const db = this.ctx.db;
    const row = prepared(db, 'SELECT * FROM staff WHERE id = ?').get(s.id) as
      { name: string; agency_id: string; roles: string; badge_epc: string | null; clearances: string; source: string; active: number } | undefined;
    if (row?.source === 'site') refuse('SITE_OWNED', `Staff ${s.id} is the site file's: the platform cannot change them`);
    if (!s.active) {
      if (!row || row.active === 0) return 'unchanged';
      prepared(db, `UPDATE staff SET badge_epc = NULL, clearances = '[]', active = 0 WHERE id = ?`).run(s.id);
      return 'applied';
    }
    if (!prepared(db, 'SELECT 1 FROM agencies WHERE id = ?').get(s.agencyId)) refuse('UNKNOWN_AGENCY', `No agency ${s.agencyId}`);
    for (const z of s.clearances) if (!this.ctx.zones.has(z)) refuse('VALIDATION_FAILED', `No zone ${z} to clear staff ${s.id} for`);
    if (s.badgeEpc) {
      const holder = prepared(db, 'SELECT id FROM staff WHERE badge_epc = ? AND id <> ?').get(s.badgeEpc, s.id) as { id: string } | undefined;
      if (holder) refuse('BADGE_IN_USE', `Badge ${s.badgeEpc} is ${holder.id}'s`);
      if (prepared(db, 'SELECT 1 FROM items WHERE epc = ?').get(s.badgeEpc)) refuse('EPC_IN_USE', `Badge ${s.badgeEpc} is an item's tag`);
    }
    const roles = JSON.stringify(s.roles);
    const clearances = JSON.stringify(s.clearances);
    if (row && row.active === 1 && row.name === s.name && row.agency_id === s.agencyId && row.roles === roles
      && row.badge_epc === (s.badgeEpc ?? null) && row.clearances === clearances) return 'unchanged';
    prepared(db, `INSERT INTO staff (id, name, agency_id, roles, badge_epc, clearances, source, active) VALUES (?, ?, ?, ?, ?, ?, 'platform', 1)
      ON CONFLICT(id) DO UPDATE SET name = excluded.name, agency_id = excluded.agency_id, roles = excluded.roles,
      badge_epc = excluded.badge_epc, clearances = excluded.clearances, active = 1`).run(s.id, s.name, s.agencyId, roles, s.badgeEpc ?? null, clearances);
    return 'applied';
  }

  private applyOrder(o: z.output<typeof orderChange>): 'applied' | 'unchanged' {
    const existing = prepared(this.ctx.db, 'SELECT * FROM orders WHERE id = ?').get(o.id) as OrderRow | undefined;
    if (existing && existing.source !== 'platform') refuse('NOT_PLATFORM_ORDER', `Order ${o.id} was issued on site, not by the platform`);
    if (!o.active) {
      if (!existing) refuse('ORDER_NOT_FOUND', `No order ${o.id} to cancel`);
      const r = cancelPlatformOrder(this.ctx, existing, o.reason);
      const cause = `order_cancelled_upstream:${o.id}`;
      const told = r.itemsOut.length > 0 && !!prepared(this.ctx.db, 'SELECT 1 FROM alarms WHERE cause_key = ?').get(cause);
      if (!r.cancelled && (!r.itemsOut.length || told)) return 'unchanged';
      if (r.itemsOut.length && !told) {
        // History is not rewritten: what went out under the order went out. A person must see to it.
        raiseAlarm(this.ctx, {
          kind: 'order_cancelled_upstream', severity: 'critical', restricted: existing.restricted === 1, orderId: o.id,
          itemId: r.itemsOut[0], causeKey: cause,
          message: `Order ${o.id} was cancelled by the platform while ${r.itemsOut.length} item(s) are out under it`,
          details: { itemIds: r.itemsOut, reason: o.reason, orderState: r.cancelled ? 'cancelled' : existing.state },
        });
      }
      return 'applied';
    }
    // Orders are immutable once issued: the platform cancels and issues anew. A repeat is harmless.
    if (existing) return 'unchanged';
    const { active: _a, ...input } = o;
    issueOrder(this.ctx, input, { by: 'platform', source: 'platform', emergency: false });
    return 'applied';
  }

  private applyItem(i: z.output<typeof itemChange>): 'applied' | 'unchanged' {
    const existing = prepared(this.ctx.db, 'SELECT 1 FROM order_items WHERE order_id = ? AND item_id = ?').get(i.orderId, i.id);
    if (existing) return 'unchanged';
    const { orderId, active: _a, ...item } = i;
    const order = prepared(this.ctx.db, 'SELECT source FROM orders WHERE id = ?').get(orderId) as { source: string } | undefined;
    if (order && order.source !== 'platform') refuse('NOT_PLATFORM_ORDER', `Order ${orderId} was issued on site, not by the platform`);
    announce(this.ctx, PLATFORM_PRINCIPAL, { orderId, items: [item] });
    return 'applied';
  }

  private refuse(kind: ChangeKind, ref: string | null, code: string, reason: string, raw: unknown, out: PollResult): void {
    const change = JSON.stringify(raw) ?? 'null';
    // A platform repeating a change it was refused for is refused once, not once per poll.
    const known = prepared(this.ctx.db, 'SELECT 1 FROM sync_refused WHERE kind = ? AND ref IS ? AND code = ? AND change = ?').get(kind, ref, code, change);
    if (!known) {
      prepared(this.ctx.db, 'INSERT INTO sync_refused (received_at, kind, ref, code, reason, change) VALUES (?, ?, ?, ?, ?, ?)')
        .run(this.ctx.nowIso(), kind, ref, code, reason, change.slice(0, 20_000));
      this.log.warn({ kind, ref, code, reason }, 'a change from the platform was refused; kept with its reason');
    }
    out.refused++;
  }

  private failed(failure: Failure): { ok: false; failure: Failure } {
    try {
      prepared(this.ctx.db, 'UPDATE sync_inbox SET last_error = ? WHERE id = 1').run(`${failure.code}: ${failure.message}`);
    } catch {
      // Returned all the same; the status shows it from memory.
    }
    return { ok: false, failure };
  }
}

function refuse(code: ErrorCode, message: string): never {
  throw new CustodyError(code as never, message);
}

function refOf(raw: unknown): string | null {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id.slice(0, 64) : null;
}

/** A refused change as the Sync page lists it. */
export interface RefusedChange { id: number; receivedAt: string; kind: ChangeKind; ref: string | null; code: string; reason: string }

export function refusedChanges(ctx: CustodyContext, limit = 50): RefusedChange[] {
  return (prepared(ctx.db, 'SELECT id, received_at, kind, ref, code, reason FROM sync_refused ORDER BY id DESC LIMIT ?').all(limit) as
    { id: number; received_at: string; kind: ChangeKind; ref: string | null; code: string; reason: string }[])
    .map((r) => ({ id: r.id, receivedAt: r.received_at, kind: r.kind, ref: r.ref, code: r.code, reason: r.reason }));
}
