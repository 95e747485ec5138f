// Unexpected removal by tag: a stored item not seen at its location for longer than the shelf's
// grace while a reader watches it, with no active order covering it. Its grace clock starts at the
// latest of its last sighting (anywhere: an item seen on the next shelf is misplaced, not gone), its
// arrival at the location, the moment a watching reader came (back) online and a person's resolving
// of the last such alarm, so that neither a restart nor a reader's return raises everything at once.
import type { RaiseAlarm } from '../../alarms/alarm.ts';
import type { Direction } from '../../observations.ts';
import { iso, type ShelfItem, type ShelfPlace } from './context.ts';

/** A gate crossing of the item since it was last seen: the alarm's first lead. */
export interface CrossingSince {
  crossingId: string; gateId: string; direction: Direction; decision: string; firstSeen: string;
}

export interface RemovalFacts {
  item: ShelfItem;
  place: ShelfPlace;
  now: number;
  graceMs: number;
  clockFrom: number;
  lastSeenAt: number | null;
  lastSeenLocationId: string | null;
  watchedBy: string[];
}

/** Past its grace: the cheap part, run for every expected item of a location on each round. */
export const removalDue = (f: Pick<RemovalFacts, 'now' | 'clockFrom' | 'graceMs'>): boolean => f.now - f.clockFrom > f.graceMs;

export const removalCause = (itemId: string) => `unexpected_removal:item:${itemId}`;

/** The alarm, once the item is due; null when an active order covers it (it is being taken out, moved or disposed of). */
export function unexpectedRemoval(f: RemovalFacts, covered: boolean, crossings: CrossingSince[]): RaiseAlarm | null {
  if (covered || !removalDue(f)) return null;
  const undetermined = crossings.filter((c) => c.direction === 'unknown' || c.decision === 'undetermined');
  const lead = undetermined.length ? `；此后经过 ${undetermined[0]!.gateId}，方向不明` : crossings.length ? `；此后经过 ${crossings[0]!.gateId}` : '';
  return {
    kind: 'unexpected_removal', severity: 'critical', causeKey: removalCause(f.item.id),
    restricted: f.item.restricted || f.place.restricted, itemId: f.item.id, epc: f.item.epc, zoneId: f.place.zoneId, locationId: f.place.id,
    message: `${f.item.name} 未在 ${f.place.name} 读到超过 ${Math.round(f.graceMs / 1000)} 秒，无有效指令${lead}`,
    details: {
      basis: 'tag', lastSeenAt: iso(f.lastSeenAt), lastSeenLocationId: f.lastSeenLocationId, graceStartedAt: iso(f.clockFrom),
      graceSeconds: f.graceMs / 1000, watchedBy: f.watchedBy, crossings, undeterminedCrossings: undetermined.map((c) => c.crossingId),
    },
  };
}

/** The item missing from its shelf is read there again: evidence on the open alarm, which a person still resolves. */
export function seenAgain(place: ShelfPlace, at: number): { details: Record<string, unknown>; message: (old: string) => string } {
  const when = iso(at)!;
  const note = `；已于 ${when} 在 ${place.name} 再次读到`;
  return {
    details: { seenAgain: `seen again at ${place.id} (${place.name}) at ${when}`, seenAgainAt: when, seenAgainLocationId: place.id },
    message: (old) => `${old.replace(/；已于 \S+ 在 .* 再次读到$/, '')}${note}`,
  };
}
