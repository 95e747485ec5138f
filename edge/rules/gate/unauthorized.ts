// Unauthorized movement: an item crosses a gate and no active order covers that item, gate,
// direction and time; an item in a final state can never be covered.
import type { RaiseAlarm } from '../../alarms/alarm.ts';
import type { ItemRow } from '../../items/item.ts';
import type { GateFacts } from './context.ts';

export function unauthorizedMovement(f: GateFacts, item: ItemRow, badges: string[], why: string, extra: Record<string, unknown> = {}): RaiseAlarm {
  return {
    kind: 'unauthorized_movement', severity: 'critical', restricted: item.restricted === 1 || f.gateRestricted,
    gateId: f.gate.id, epc: f.crossing.epc, itemId: item.id,
    causeKey: `unauthorized_movement:${item.id}:${f.gate.id}`, message: `${why}：${f.where}`,
    details: { direction: f.crossing.direction, state: item.state, badges, ...extra },
  };
}
