// 移交: the handling unit's manifest for a transfer_in order; each item enters the ledger as announced.
import { z } from 'zod';
import { randomUUID } from 'node:crypto';
import type { CustodyContext } from '../context.ts';
import { requireAllowed, type Principal } from '../auth/principal.ts';
import { fail } from '../errors.ts';
import { ITEM_SELECT, itemToApi, snapshot, type ItemRowWithCase } from '../items/item.ts';
import { requireCover } from '../orders/order.ts';
import type { HashedEvent } from '../ledger/event.ts';
import { prepared } from '../store/db.ts';

const epcHex = z.string().regex(/^([0-9A-Fa-f]{4}){1,16}$/, 'an EPC in hex, whole 16-bit words').transform((s) => s.toUpperCase());

export const announceInput = z.object({
  orderId: z.string().min(1).max(64),
  items: z.array(z.object({
    id: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/).optional(),
    /** Absent: the item comes untagged and gets its tag at the intake desk (enrolment, edge/rules/enrolment.ts). */
    epc: epcHex.optional(),
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    categoryId: z.string().min(1).max(64),
    quantity: z.number().positive().max(1e9).default(1),
    unit: z.string().min(1).max(20).default('件'),
    caseNumber: z.string().min(1).max(100),
    caseTitle: z.string().max(200).optional(),
    /** Its weight, for the load cells under the shelves; it may also be weighed at receive. */
    weightGrams: z.number().positive().max(1e8).optional(),
  }).strict()).min(1).max(1000),
}).strict();

export function announce(ctx: CustodyContext, p: Principal, input: z.input<typeof announceInput>) {
  const body = announceInput.parse(input);
  const db = ctx.db;
  return ctx.transaction((tx) => {
    const order = requireCover(ctx, p, body.orderId, ['transfer_in'], null, { allowOpen: true });
    requireAllowed(p, 'handle', order.restricted === 1);
    if (!order.agency_id) fail('VALIDATION_FAILED', `Order ${order.id} names no handling unit (agencyId)`, { orderId: order.id });
    const at = ctx.nowIso();
    const out: { item: ReturnType<typeof itemToApi>; event: HashedEvent }[] = [];
    const seenEpc = new Set<string>();
    for (const [i, it] of body.items.entries()) {
      if (it.epc !== undefined) {
        if (seenEpc.has(it.epc) || prepared(db, 'SELECT 1 FROM items WHERE epc = ?').get(it.epc)) {
          fail('EPC_IN_USE', `EPC ${it.epc} is already on another item`, { index: i, epc: it.epc });
        }
        if (prepared(db, 'SELECT 1 FROM retired_epcs WHERE epc = ?').get(it.epc)) {
          fail('EPC_RETIRED', `EPC ${it.epc} was retired by a re-tagging and is never bound again`, { index: i, epc: it.epc });
        }
        seenEpc.add(it.epc);
      }
      if (!prepared(db, 'SELECT 1 FROM categories WHERE id = ?').get(it.categoryId)) fail('UNKNOWN_CATEGORY', `No category ${it.categoryId}`, { index: i });
      const id = it.id ?? `IT-${randomUUID().slice(0, 13)}`;
      if (prepared(db, 'SELECT 1 FROM items WHERE id = ?').get(id)) fail('ITEM_EXISTS', `Item ${id} exists`, { index: i, itemId: id });
      const caseRow = prepared(db, 'SELECT id, agency_id FROM cases WHERE number = ?').get(it.caseNumber) as { id: string; agency_id: string } | undefined;
      // A case number belongs to the unit that opened it: another unit's manifest cannot add to it.
      if (caseRow && caseRow.agency_id !== order.agency_id) {
        fail('VALIDATION_FAILED', `Case ${it.caseNumber} is not a case of ${order.agency_id}`, { index: i, field: 'caseNumber' });
      }
      const caseId = caseRow?.id ?? `CS-${randomUUID().slice(0, 13)}`;
      if (!caseRow) prepared(db, 'INSERT INTO cases (id, number, agency_id, title, opened_at) VALUES (?, ?, ?, ?, ?)')
        .run(caseId, it.caseNumber, order.agency_id, it.caseTitle ?? null, at);
      prepared(db, `INSERT INTO items (id, epc, name, description, category_id, quantity, unit, case_id, agency_id, zone_id, location_id,
        state, restricted, due_at, created_at, updated_at, weight_grams) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, 'announced', ?, NULL, ?, ?, ?)`)
        .run(id, it.epc ?? null, it.name, it.description ?? null, it.categoryId, it.quantity, it.unit, caseId, order.agency_id, order.restricted, at, at, it.weightGrams ?? null);
      prepared(db, 'INSERT INTO order_items (order_id, item_id) VALUES (?, ?)').run(order.id, id);
      const row = prepared(db, `${ITEM_SELECT} WHERE i.id = ?`).get(id) as ItemRowWithCase;
      const event = tx.append({
        at, kind: 'announced', itemId: id, orderId: order.id, actors: { by: p.userId, name: p.name, role: p.role },
        from: null, to: snapshot(row),
        details: { epc: it.epc ?? null, name: it.name, categoryId: it.categoryId, quantity: it.quantity, unit: it.unit, caseNumber: it.caseNumber,
          ...(it.weightGrams !== undefined ? { weightGrams: it.weightGrams } : {}) },
        restricted: order.restricted === 1,
      });
      out.push({ item: itemToApi(row), event });
    }
    return out;
  });
}
