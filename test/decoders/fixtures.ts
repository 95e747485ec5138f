// Vendor payloads as PROTOCOLS.md shows them (verbatim, line breaks included), and builders for
// variations. The builders write the vendors' JSON by hand, never through the decoders.

export const ctx = { deviceId: 'reader-dock-1', receivedAt: Date.UTC(2025, 0, 1, 12, 0, 1, 0) };

/** PROTOCOLS.md, "Zebra FX7500 / FX9600": one tag event. */
export const ZEBRA_EXAMPLE = `{"type":"SIMPLE","timestamp":"2025-01-01T12:00:00.123+0000",
 "data":{"MAC":"C4:7D:CC:FF:FF:FF","antenna":1,"eventNum":42,"format":"epc",
         "idHex":"7EDA9038051002710002C0AE","peakRssi":-61,"reads":1}}`;

/** PROTOCOLS.md, "Impinj R700": one tagInventory event. */
export const IMPINJ_EXAMPLE = `{"timestamp":"2021-02-02T18:39:34.385793625Z","hostname":"impinj-14-4a-8b",
 "eventType":"tagInventory",
 "tagInventoryEvent":{"epc":"ftqQOAUQAnEAAsCu","epcHex":"7EDA9038051002710002C0AE",
   "tidHex":"E2801170200014CD9B5A08EC","pc":"NAA=","antennaPort":1,"antennaName":"Dock outside",
   "peakRssiCdbm":-6150,"frequency":915750,"transmitPowerCdbm":3000,
   "lastSeenTime":"2021-02-02T18:39:34.385Z","phaseAngle":69.0}}`;

export const EXAMPLE_EPC = '7EDA9038051002710002C0AE';

export interface Read {
  epc: string;
  antenna: number;
  rssiDbm: number;
  /** ISO 8601 UTC with milliseconds, e.g. `2025-01-01T12:00:00.123Z`. */
  time: string;
}

export const read = (over: Partial<Read> = {}): Read => ({
  epc: '3074257BF7194E4000001A85', antenna: 2, rssiDbm: -58, time: '2025-01-01T12:00:00.250Z', ...over,
});

/** A Zebra tag event as the FX readers send it (`+0000` offset, lowercase hex like the ATR7000). */
export function zebraEvent(r: Read, data: Record<string, unknown> = {}, top: Record<string, unknown> = {}) {
  return {
    type: 'PORTAL',
    timestamp: r.time.replace('Z', '+0000'),
    data: { MAC: 'C4:7D:CC:FF:FF:FF', antenna: r.antenna, eventNum: 7, format: 'epc', idHex: r.epc.toLowerCase(), peakRssi: r.rssiDbm, reads: 1, ...data },
    ...top,
  };
}

/** An Impinj tagInventory event, with both the hex and the base64 EPC as the R700 can send them. */
export function impinjEvent(r: Read, body: Record<string, unknown> = {}, top: Record<string, unknown> = {}) {
  return {
    timestamp: r.time.replace(/\.(\d{3})Z$/, '.$1456789Z'),
    hostname: 'impinj-14-4a-8b',
    eventType: 'tagInventory',
    tagInventoryEvent: {
      epc: Buffer.from(r.epc, 'hex').toString('base64'), epcHex: r.epc, antennaPort: r.antenna,
      peakRssiCdbm: Math.round(r.rssiDbm * 100), frequency: 920625, transmitPowerCdbm: 3000, lastSeenTime: r.time, ...body,
    },
    ...top,
  };
}

export const json = (v: unknown): string => JSON.stringify(v);
