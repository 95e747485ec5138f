// Misplacement: a stored item seen at a location other than its own for longer than the grace time.
// It ends by itself: seen back home, or moved (by a move order) to where it was seen.
import type { RaiseAlarm } from '../../alarms/alarm.ts';
import { iso, type ShelfItem, type ShelfPlace } from './context.ts';

export interface MisplacedFacts {
  item: ShelfItem;
  /** Its own location, and where it is seen. */
  belongs: ShelfPlace;
  seenAt: ShelfPlace;
  /** When it was first seen away from its own location, and now. */
  since: number;
  at: number;
  graceMs: number;
}

export const misplacedCause = (itemId: string) => `misplaced:${itemId}`;

export function misplaced(f: MisplacedFacts): RaiseAlarm | null {
  if (f.at - f.since < f.graceMs || f.seenAt.id === f.belongs.id) return null;
  return {
    kind: 'misplaced', severity: 'warning', causeKey: misplacedCause(f.item.id),
    restricted: f.item.restricted || f.seenAt.restricted || f.belongs.restricted,
    itemId: f.item.id, epc: f.item.epc, zoneId: f.seenAt.zoneId, locationId: f.seenAt.id,
    message: `${f.item.name} 应在 ${f.belongs.name}，却在 ${f.seenAt.name} 读到`,
    details: { seenAtLocationId: f.seenAt.id, seenAtName: f.seenAt.name, belongsAtLocationId: f.belongs.id, belongsAtName: f.belongs.name, since: iso(f.since) },
  };
}
