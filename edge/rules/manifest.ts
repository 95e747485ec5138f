// Manifest discrepancy: a transfer_in whose window ends with announced items never received.
// (Extra and foreign items are caught at the gate as they arrive: see rules/crossings.ts.)
// An item announced untagged cannot be seen arriving: it is received at the intake desk by hand, and
// until then it is not counted missing (it is listed apart in the alarm, when there is one).
import type { CustodyContext } from '../context.ts';
import type { OrderRow } from '../orders/order.ts';
import { raiseAlarm } from '../alarms/alarm.ts';
import { prepared } from '../store/db.ts';

export function checkExpiredManifests(ctx: CustodyContext, expired: OrderRow[]): number {
  let raised = 0;
  ctx.transaction(() => {
    for (const o of expired.filter((x) => x.kind === 'transfer_in')) {
      const announced = prepared(ctx.db, `SELECT i.id, i.epc, i.name FROM order_items oi JOIN items i ON i.id = oi.item_id
        WHERE oi.order_id = ? AND oi.done_seq IS NULL AND i.state = 'announced'`).all(o.id) as { id: string; epc: string | null; name: string }[];
      const missing = announced.filter((m) => m.epc !== null);
      if (!missing.length) continue;
      const untagged = announced.filter((m) => m.epc === null);
      raiseAlarm(ctx, {
        kind: 'manifest_discrepancy', severity: 'warning', causeKey: `manifest_discrepancy:${o.id}`, restricted: o.restricted === 1,
        orderId: o.id, message: `移交单 ${o.id} 到期，${missing.length} 件已申报物品未收到`,
        details: {
          missing: missing.map((m) => ({ itemId: m.id, epc: m.epc, name: m.name })),
          ...(untagged.length ? { untaggedNotReceived: untagged.map((m) => ({ itemId: m.id, name: m.name })) } : {}),
        },
      });
      raised++;
    }
  });
  return raised;
}
