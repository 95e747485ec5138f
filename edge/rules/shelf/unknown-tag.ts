// Unknown tag on a shelf: an EPC that is no item's and no staff badge's. One alarm per EPC while it
// is open; the locations it was read at accumulate in its details. An EPC retired by a re-tagging
// (换签) is no item's either: the alarm names the item it was on, and is as visible as that item.
import type { RaiseAlarm } from '../../alarms/alarm.ts';
import type { RetiredEpc } from '../../items/retired.ts';
import { iso, type ShelfPlace } from './context.ts';

/** A gate's is `unknown_tag:<gateId>:<epc>`; '/' is in no id, so that no gate's key can be a shelf's. */
export const shelfUnknownCause = (epc: string) => `unknown_tag:shelf/${epc}`;

export function shelfUnknownTag(epc: string, place: ShelfPlace, deviceId: string, at: number, retired?: RetiredEpc): RaiseAlarm {
  const details = { source: 'shelf', locations: [place.id], firstSeenAt: iso(at) };
  return {
    kind: 'unknown_tag', severity: 'warning', causeKey: shelfUnknownCause(epc), restricted: place.restricted || !!retired?.restricted,
    epc, zoneId: place.zoneId, locationId: place.id, deviceId,
    ...(retired
      ? { message: `已注销标签 ${epc}（原属物品 ${retired.itemName}，已换签）出现在 ${place.name}`, details: { ...details, retiredFromItemId: retired.itemId, retiredAt: retired.retiredAt } }
      : { message: `未登记标签 ${epc} 出现在 ${place.name}`, details }),
  };
}
