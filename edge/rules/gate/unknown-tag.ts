// Unknown tag: an unregistered EPC at a gate. Arriving at an intake gate while a transfer_in is
// active there, it is also a manifest discrepancy: something came that the manifest did not list.
import type { RaiseAlarm } from '../../alarms/alarm.ts';
import type { OrderRow } from '../../orders/order.ts';
import type { GateFacts } from './context.ts';

export function unknownTag(f: GateFacts, activeTransfer: OrderRow | undefined): RaiseAlarm[] {
  const { crossing: c, gate } = f;
  const alarms: RaiseAlarm[] = [{
    kind: 'unknown_tag', severity: 'warning', restricted: f.gateRestricted, gateId: gate.id, epc: c.epc,
    causeKey: `unknown_tag:${gate.id}:${c.epc}`, message: `未登记标签 ${c.epc} 出现在 ${f.where}`, details: { direction: c.direction },
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
