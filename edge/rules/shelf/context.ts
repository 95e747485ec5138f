// What every shelf rule looks at: the location a reader's antenna (or a load cell) watches, the item
// as the shelves know it, and how to say an instant in an alarm.
export interface ShelfPlace {
  id: string;
  name: string;
  zoneId: string;
  /** The location is in the restricted zone: its alarms are the commission's. */
  restricted: boolean;
}

export interface ShelfItem {
  id: string;
  epc: string | null;
  name: string;
  restricted: boolean;
  zoneId: string | null;
  /** Its own location (where it is stored). */
  locationId: string | null;
}

export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
