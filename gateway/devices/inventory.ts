// MQTT readers that do not guard a gate: a shelf reader in Zebra's INVENTORY mode and a handheld
// carried through a cycle count. Neither says when a round ends: an INVENTORY reader reports each
// tag it sees, over and over, and nothing when it sees none. So the gateway makes the rounds on
// its own clock: every EPC an antenna reported within one window (the device's `pollMs`) is one
// completed round of that antenna, and an antenna that reported nothing while its reader was
// heard completed an empty round (the shelf is empty, or its items are gone). A reader not heard
// for its heartbeat makes no rounds at all: its shelves are "not watched", never "emptied".
import type { Site } from '../../edge/site/schema.ts';
import type { TagObservation } from '../../edge/observations.ts';

/** A window for a shelf reader that gives no `pollMs`: a few reports of a Zebra at its usual rate. */
export const DEFAULT_ROUND_MS = 5_000;

type Device = Site['devices'][number];
export interface InventoryRound { deviceId: string; antenna: number; locationId: string; epcs: string[] }

/** One MQTT shelf reader's open window: per antenna port, the EPCs reported since it opened, and whether the reader said anything in it. */
interface Window { opened: number; byAntenna: Map<number, Set<string>>; heard: boolean }

export class InventoryRounds {
  private readonly windows = new Map<string, Window>();
  private readonly readers: Map<string, Device>;

  constructor(devices: readonly Device[]) {
    this.readers = new Map(devices.filter((d) => d.kind === 'shelf_reader' && d.format && !d.port).map((d) => [d.id, d]));
  }

  has(deviceId: string): boolean { return this.readers.has(deviceId); }

  /** Adds a report's reads; returns how many were on an antenna the site does not map. */
  add(deviceId: string, tags: readonly Pick<TagObservation, 'antenna' | 'epc'>[], at: number): number {
    const d = this.readers.get(deviceId);
    if (!d) return 0;
    const w = this.windowOf(deviceId, at);
    w.heard = true;
    let unmapped = 0;
    for (const t of tags) {
      if (!d.antennas.some((a) => a.port === t.antenna)) {
        unmapped++;
        continue;
      }
      let set = w.byAntenna.get(t.antenna);
      if (!set) w.byAntenna.set(t.antenna, (set = new Set()));
      set.add(t.epc);
    }
    return unmapped;
  }

  /** The reader said something (a heartbeat, any message): its window is one it was heard in. */
  heard(deviceId: string, at: number): void {
    if (this.readers.has(deviceId)) this.windowOf(deviceId, at).heard = true;
  }

  /**
   * The rounds whose window has ended by `now`, one per mapped antenna of each reader heard in it
   * and still online (`online(deviceId)`): empty where the antenna saw nothing. A reader that fell
   * silent in the window makes none, even before its heartbeat runs out. A window then reopens at once.
   */
  due(now: number, online: (deviceId: string) => boolean): InventoryRound[] {
    const out: InventoryRound[] = [];
    for (const [deviceId, d] of this.readers) {
      const w = this.windowOf(deviceId, now);
      if (now - w.opened < (d.pollMs ?? DEFAULT_ROUND_MS)) continue;
      this.windows.set(deviceId, { opened: now, byAntenna: new Map(), heard: false });
      if (!w.heard || !online(deviceId)) continue;
      for (const a of d.antennas) out.push({ deviceId, antenna: a.port, locationId: a.locationId, epcs: [...(w.byAntenna.get(a.port) ?? [])] });
    }
    return out;
  }

  private windowOf(deviceId: string, at: number): Window {
    let w = this.windows.get(deviceId);
    if (!w) this.windows.set(deviceId, (w = { opened: at, byAntenna: new Map(), heard: false }));
    return w;
  }
}

/**
 * A handheld's reads of one report in the order it made them (its own times order them; a
 * location's tag must come before the items read after it), each EPC once in a row.
 */
export function handheldOrder(tags: readonly Pick<TagObservation, 'epc' | 'deviceTime'>[]): string[] {
  const sorted = tags.map((t, i) => ({ t, i })).sort((a, b) => a.t.deviceTime - b.t.deviceTime || a.i - b.i);
  const out: string[] = [];
  for (const { t } of sorted) if (out[out.length - 1] !== t.epc) out.push(t.epc);
  return out;
}
