// Restricted zone: an item or badge crosses into or out of the restricted zone without clearance.
import type { RaiseAlarm } from '../../alarms/alarm.ts';
import type { ItemRow } from '../../items/item.ts';
import { clearedForRestricted, type GateFacts } from './context.ts';
import { prepared } from '../../store/db.ts';

/** A badge at the restricted door whose holder has no clearance for it. */
export function badgeBreach(f: GateFacts, staff: { id: string; name: string; clearances: string }): RaiseAlarm | null {
  if (!f.gateRestricted || f.crossing.direction === 'unknown' || clearedForRestricted(f.ctx, staff.clearances)) return null;
  return {
    kind: 'restricted_zone_breach', severity: 'critical', restricted: true, gateId: f.gate.id, epc: f.crossing.epc,
    causeKey: `restricted_zone_breach:badge:${staff.id}:${f.gate.id}`, message: `${staff.name} 无专区权限通过 ${f.where}`,
    details: { staffId: staff.id, direction: f.crossing.direction },
  };
}

/**
 * An item through the restricted door: only a restricted-zone item may pass, and only with escorts
 * cleared for the zone, even when an order covers the movement.
 */
export function itemBreach(f: GateFacts, item: ItemRow, escorts: string[]): RaiseAlarm | null {
  if (!f.gateRestricted) return null;
  const staffClearances = prepared(f.ctx.db, 'SELECT clearances FROM staff WHERE id = ?');
  const uncleared = escorts.filter((b) => {
    const s = staffClearances.get(b) as { clearances: string } | undefined;
    return !s || !clearedForRestricted(f.ctx, s.clearances);
  });
  if (item.restricted === 1 && !uncleared.length) return null;
  return {
    kind: 'restricted_zone_breach', severity: 'critical', restricted: true, gateId: f.gate.id, epc: f.crossing.epc, itemId: item.id,
    causeKey: `restricted_zone_breach:${item.id}:${f.gate.id}`, message: `专区出入违规：${f.where}`,
    details: { uncleared, itemRestricted: item.restricted === 1 },
  };
}
