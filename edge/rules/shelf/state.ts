// What the shelf state (../shelves.ts) keeps in memory per item, per location and per load cell:
// shared by the state and by the read model the API draws from it (./view.ts).
import type { ItemState } from '../../items/item.ts';
import type { Location } from '../../site/schema.ts';
import type { ShelfPlace } from './context.ts';

export interface Tracked {
  /** Null while untagged: a shelf cannot see it, so it is neither looked up by EPC nor expected anywhere. */
  id: string; epc: string | null; name: string; state: ItemState; locationId: string | null; zoneId: string | null;
  restricted: boolean; agencyId: string; weightGrams: number | null;
  /** When it came to its present location (putaway, move, return) as this process saw it; 0 for what was there at start. */
  arrivedAt: number;
  lastSeenAt: number | null; lastSeenLocationId: string | null;
  /** When its last sighting was last written to its row; null until the first write. */
  flushedAt: number | null;
  confirmedAt: string | null; confirmedLocationId: string | null;
  /** First seen away from its own location (reset when seen home or moved). */
  awaySince: number | null;
  /** Where its open `misplaced` alarm says it is. */
  misplacedAt: string | null;
  removalOpen: boolean;
  seenAgainNoted: boolean;
  /** A person resolved its last removal alarm then: its grace clock starts again from there. */
  quietFrom: number;
}

export interface Cell {
  deviceId: string; tareGrams: number; toleranceGrams: number;
  measured: number | null; at: number | null; shortSince: number | null; alarmOpen: boolean; quietFrom: number;
}

export interface Place extends ShelfPlace {
  kind: Location['kind'];
  watchers: string[];
  expected: Set<Tracked>;
  /** Items whose last sighting is here (their own or not). */
  seenHere: Set<Tracked>;
  lastRoundAt: number | null;
  /** When an item last arrived or left (as a custody event): a weight read before it no longer says what is missing. */
  changedAt: number;
  cell: Cell | null;
}
