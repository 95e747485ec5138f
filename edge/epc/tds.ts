// GS1 EPC Tag Data Standard 1.13 decoding of the 96-bit schemes this center meets, for display
// beside the raw hex (which stays the key). Decoding only: encoders live with the simulator and
// the tests, so that a bug cannot hide by being made twice in the same place.
//
// SGTIN-96, GRAI-96, GIAI-96 and GSRN-96: Header(8) | Filter(3) | Partition(3) | company prefix
// and reference split by the partition, then a 38-bit serial (SGTIN, GRAI), 24 reserved zero
// bits (GSRN) or nothing (GIAI, whose reference fills the rest). GID-96: Header(8) | Manager(28)
// | Class(24) | Serial(36).

interface Common {
  /** The pure-identity URI, e.g. `urn:epc:id:sgtin:0614141.812345.6789`. */
  uri: string;
  /** The tag URI, which adds the scheme's size and the filter: `urn:epc:tag:sgtin-96:3.…`. */
  tagUri: string;
}

interface Partitioned extends Common {
  filter: number;
  partition: number;
  /** Decimal with its leading zeros: the partition fixes its digit count (6 to 12). */
  companyPrefix: string;
}

export type EpcIdentity =
  | (Partitioned & { scheme: 'sgtin-96'; /** Indicator digit first, then the item reference. */ itemRef: string; serial: string })
  | (Partitioned & { scheme: 'grai-96'; assetType: string; serial: string })
  | (Partitioned & { scheme: 'giai-96'; assetRef: string })
  | (Partitioned & { scheme: 'gsrn-96'; serviceRef: string })
  | (Common & { scheme: 'gid-96'; filter?: undefined; manager: string; objectClass: string; serial: string });

/** Company prefix bits for partition 0…6 (12…6 digits); 7 is invalid. */
const PREFIX_BITS = [40, 37, 34, 30, 27, 24, 20] as const;

interface Layout {
  name: 'sgtin' | 'grai' | 'giai' | 'gsrn';
  /** Bits of company prefix plus reference, whatever the partition. */
  bits: number;
  /** Decimal digits of company prefix plus reference, or null for GIAI's plain-integer reference. */
  digits: number | null;
}

const LAYOUTS: Record<number, Layout> = {
  0x30: { name: 'sgtin', bits: 44, digits: 13 },
  0x33: { name: 'grai', bits: 44, digits: 12 },
  0x34: { name: 'giai', bits: 82, digits: null },
  0x2d: { name: 'gsrn', bits: 58, digits: 17 },
};
const GID_96 = 0x35;

/** The GS1 identity of a 96-bit EPC given in hex, or null when it is not one of these schemes or not valid. */
export function decodeEpc(hex: string): EpcIdentity | null {
  if (typeof hex !== 'string' || !/^[0-9A-Fa-f]{24}$/.test(hex)) return null;
  const value = BigInt(`0x${hex}`);
  const bits = (offset: number, length: number): bigint =>
    (value >> BigInt(96 - offset - length)) & ((1n << BigInt(length)) - 1n);

  const header = Number(bits(0, 8));
  if (header === GID_96) {
    const [manager, objectClass, serial] = [bits(8, 28), bits(36, 24), bits(60, 36)].map(String) as [string, string, string];
    const body = `${manager}.${objectClass}.${serial}`;
    return { scheme: 'gid-96', uri: `urn:epc:id:gid:${body}`, tagUri: `urn:epc:tag:gid-96:${body}`, manager, objectClass, serial };
  }
  const layout = LAYOUTS[header];
  if (!layout) return null;

  const filter = Number(bits(8, 3));
  const partition = Number(bits(11, 3));
  const prefixBits = PREFIX_BITS[partition];
  if (prefixBits === undefined) return null;
  const prefixDigits = 12 - partition;
  const refBits = layout.bits - prefixBits;
  const prefix = fixedDigits(bits(14, prefixBits), prefixDigits);
  const refValue = bits(14 + prefixBits, refBits);
  const restOffset = 14 + layout.bits;
  // A field whose value needs more digits than the partition gives it is not a valid encoding.
  const ref = layout.digits === null ? refValue.toString() : fixedDigits(refValue, layout.digits - prefixDigits);
  if (prefix === null || ref === null) return null;

  const common = { filter, partition, companyPrefix: prefix };
  const uri = (body: string): Common => ({
    uri: `urn:epc:id:${layout.name}:${body}`,
    tagUri: `urn:epc:tag:${layout.name}-96:${filter}.${body}`,
  });
  switch (layout.name) {
    case 'sgtin': {
      const serial = bits(restOffset, 38).toString();
      return { scheme: 'sgtin-96', ...uri(`${prefix}.${ref}.${serial}`), ...common, itemRef: ref, serial };
    }
    case 'grai': {
      const serial = bits(restOffset, 38).toString();
      return { scheme: 'grai-96', ...uri(`${prefix}.${ref}.${serial}`), ...common, assetType: ref, serial };
    }
    case 'giai':
      return { scheme: 'giai-96', ...uri(`${prefix}.${ref}`), ...common, assetRef: ref };
    case 'gsrn':
      // TDS: the 24 reserved bits are zero; anything else is not a GSRN-96.
      if (bits(restOffset, 24) !== 0n) return null;
      return { scheme: 'gsrn-96', ...uri(`${prefix}.${ref}`), ...common, serviceRef: ref };
  }
}

/** `value` as exactly `digits` decimal digits with leading zeros, or null if it has more. */
function fixedDigits(value: bigint, digits: number): string | null {
  const text = value.toString();
  if (digits === 0) return value === 0n ? '' : null;
  return text.length > digits ? null : text.padStart(digits, '0');
}
