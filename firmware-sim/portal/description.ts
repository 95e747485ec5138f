// The plain description a scenario is given: gates with their readers, people with badges, items.
// The simulator's own small types, not the gateway's: it is a second, independent implementation.
import type { ReaderFormat, SimReaderTopics } from './reader.ts';
import type { ReportingMode } from './formats.ts';


export interface ScenarioReader {
  deviceId: string;
  password: string;
  format: ReaderFormat;
  topics: SimReaderTopics;
  antennas: { inner: number[]; outer: number[] };
  /** GPI pins of the photo eyes at each end of the portal, if the reader has them. */
  photoEyes?: { inner: number; outer: number };
  /** Default per-read. */
  reporting?: ReportingMode;
  /** Overrides the scenario's heartbeat period for this reader. */
  heartbeatMs?: number;
  /** Zebra: FX (`peakRssi`) or ATR7000 (`rssi`). */
  zebraModel?: 'fx' | 'atr7000';
  /** The reader's clock error, ms (negative: behind); `scenario.reader(id).clockSkewMs` jumps it later. */
  clockSkewMs?: number;
}

export interface ScenarioGate {
  id: string;
  readers: ScenarioReader[];
}

export interface ScenarioPerson {
  badgeEpc: string;
  staffId: string;
}

export interface ScenarioItem {
  epc: string;
  dualControl?: boolean;
}

export interface ScenarioDescription {
  gates: ScenarioGate[];
  people: ScenarioPerson[];
  items: ScenarioItem[];
}
