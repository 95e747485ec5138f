// Unknown tag: an unregistered EPC at a gate. Arriving at an intake gate while a transfer_in is
// active there, it is also a manifest discrepancy: something came that the manifest did not list.
// An EPC retired by a re-tagging (换签) is no item's either, but the alarm names the item it was on.
import type { RaiseAlarm } from '../../alarms/alarm.ts';
import type { RetiredEpc } from '../../items/retired.ts';
import type { OrderRow } from '../../orders/order.ts';
import type { GateFacts } from './context.ts';

export function unknownTag(f: GateFacts, activeTransfer: OrderRow | undefined, retired?: RetiredEpc): RaiseAlarm[] {
  const { crossing: c, gate } = f;
  const alarms: RaiseAlarm[] = [{
    kind: 'unknown_tag', severity: 'warning', gateId: gate.id, epc: c.epc, causeKey: `unknown_tag:${gate.id}:${c.epc}`,
    // The item's name is as visible as the item: a restricted item's retired tag makes the alarm the commission's.
    restricted: f.gateRestricted || !!retired?.restricted,
    ...(retired
      ? {
        message: `已注销标签 ${c.epc}（原属物品 ${retired.itemName}，已换签）出现在 ${f.where}`,
        details: { direction: c.direction, retiredFromItemId: retired.itemId, retiredAt: retired.retiredAt },
      }
      : { message: `未登记标签 ${c.epc} 出现在 ${f.where}`, details: { direction: c.direction } }),
  }];
  if (activeTransfer && c.direction === 'in') {
    alarms.push({
      kind: 'manifest_discrepancy', severity: 'warning', restricted: activeTransfer.restricted === 1, gateId: gate.id, epc: c.epc,
      causeKey: `manifest_discrepancy:${activeTransfer.id}`, orderId: activeTransfer.id,
      message: `移交单 ${activeTransfer.id} 之外的物品 ${c.epc} 被送入`, details: { foreign: [c.epc] },
    });
  }
  return alarms;
}
