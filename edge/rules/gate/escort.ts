// Escort: an authorised crossing needs a badge of a staff member the order allows at the same gate
// within the escort window, and two distinct ones for a dualControl item (双人).
import type { RaiseAlarm } from '../../alarms/alarm.ts';
import type { ItemRow } from '../../items/item.ts';
import type { OrderRow } from '../../orders/order.ts';
import type { GateFacts } from './context.ts';

export interface EscortResult {
  /** The badges seen that the order allows (any staff when the order names none). */
  allowed: string[];
  alarm: RaiseAlarm | null;
}

export function checkEscort(f: GateFacts, item: ItemRow, order: OrderRow, badges: string[]): EscortResult {
  const named = JSON.parse(order.escorts) as string[];
  const allowed = badges.filter((b) => named.length === 0 || named.includes(b));
  const needed = f.ctx.dualControl.has(item.category_id) ? 2 : 1;
  if (allowed.length >= needed) return { allowed, alarm: null };
  return {
    allowed,
    alarm: {
      kind: 'escort_missing', severity: 'critical', restricted: item.restricted === 1 || f.gateRestricted,
      gateId: f.gate.id, epc: f.crossing.epc, itemId: item.id, orderId: order.id,
      // Each crossing is its own cause: two unescorted trips are two alarms.
      causeKey: `escort_missing:${item.id}:${f.gate.id}:${f.crossing.firstSeen}`,
      message: needed === 2 ? `双人管控物品仅有 ${allowed.length} 名授权人员陪同：${f.where}` : `物品无授权人员陪同：${f.where}`,
      details: { badges, allowed, needed },
    },
  };
}
