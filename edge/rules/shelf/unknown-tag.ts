// Unknown tag on a shelf: an EPC that is no item's and no staff badge's. One alarm per EPC while it
// is open; the locations it was read at accumulate in its details.
import type { RaiseAlarm } from '../../alarms/alarm.ts';
import { iso, type ShelfPlace } from './context.ts';

/** A gate's is `unknown_tag:<gateId>:<epc>`; '/' is in no id, so that no gate's key can be a shelf's. */
export const shelfUnknownCause = (epc: string) => `unknown_tag:shelf/${epc}`;

export function shelfUnknownTag(epc: string, place: ShelfPlace, deviceId: string, at: number): RaiseAlarm {
  return {
    kind: 'unknown_tag', severity: 'warning', causeKey: shelfUnknownCause(epc), restricted: place.restricted,
    epc, zoneId: place.zoneId, locationId: place.id, deviceId,
    message: `未登记标签 ${epc} 出现在 ${place.name}`,
    details: { source: 'shelf', locations: [place.id], firstSeenAt: iso(at) },
  };
}
