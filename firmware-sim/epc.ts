/**
 * GS1 EPC encoder (EPC Tag Data Standard 1.13) for the identifiers the simulated site writes on
 * its tags: GIAI-96 (evidence items), GSRN-96 (staff badges) and SGTIN-96.
 *
 * Layout: Header(8) | Filter(3) | Partition(3) | company prefix and reference split by the
 * partition table | SGTIN-96: serial(38); GSRN-96: 24 reserved zero bits; GIAI-96: the asset
 * reference fills the rest. Output: 24 uppercase hex digits.
 *
 * An encoder only, written apart from the gateway's decoders.
 */

export const EPC_HEADER = { sgtin96: 0x30, gsrn96: 0x2d, giai96: 0x34 } as const;

/** Company prefix bits for partition P = 0..6 (12..6 digits). */
const PREFIX_BITS = [40, 37, 34, 30, 27, 24, 20] as const;

/** Bits after the partition shared by the prefix and the reference (not counting serials or reserved bits). */
const PREFIX_AND_REFERENCE_BITS = { sgtin96: 44, gsrn96: 58, giai96: 82 } as const;

/** Total digits of company prefix + reference where the reference has a fixed digit count. */
const PREFIX_AND_REFERENCE_DIGITS = { sgtin96: 13, gsrn96: 17 } as const;

export type Scheme96 = keyof typeof EPC_HEADER;

export class EpcEncodeError extends RangeError {
  override name = 'EpcEncodeError';
}

function partitionOf(companyPrefix: string): number {
  if (!/^\d{6,12}$/.test(companyPrefix)) {
    throw new EpcEncodeError(`company prefix must be 6 to 12 digits, got ${JSON.stringify(companyPrefix)}`);
  }
  return 12 - companyPrefix.length;
}

function checkFilter(filter: number): void {
  if (!Number.isInteger(filter) || filter < 0 || filter > 7) throw new EpcEncodeError(`filter must be 0..7, got ${filter}`);
}

function toBigInt(v: bigint | number | string, what: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw new EpcEncodeError(`${what} must be a non-negative safe integer, got ${v}`);
    return BigInt(v);
  }
  if (!/^\d+$/.test(v)) throw new EpcEncodeError(`${what} must be digits, got ${JSON.stringify(v)}`);
  return BigInt(v);
}

function fits(value: bigint, bits: number, what: string): void {
  if (value < 0n || value >= 1n << BigInt(bits)) throw new EpcEncodeError(`${what} ${value} does not fit in ${bits} bits`);
}

/** Packs fields (value, width) MSB first into 96 bits and prints 24 uppercase hex digits. */
function pack(fields: [bigint, number][]): string {
  let acc = 0n;
  let width = 0;
  for (const [value, bits] of fields) {
    fits(value, bits, 'field');
    acc = (acc << BigInt(bits)) | value;
    width += bits;
  }
  if (width !== 96) throw new Error(`internal: packed ${width} bits, not 96`);
  return acc.toString(16).toUpperCase().padStart(24, '0');
}

export interface Sgtin96Input {
  /** GS1 company prefix, 6..12 digits, leading zeros kept. */
  companyPrefix: string;
  /** Indicator digit + item reference: 13 − prefix digits, leading zeros kept. */
  itemReference: string;
  /** 0 .. 2^38 − 1, no leading zeros. */
  serial: bigint | number | string;
  /** Default 0 (all others); 1 = point-of-sale trade item. */
  filter?: number;
}

export function encodeSgtin96(i: Sgtin96Input): string {
  const filter = i.filter ?? 0;
  checkFilter(filter);
  const p = partitionOf(i.companyPrefix);
  const refDigits = PREFIX_AND_REFERENCE_DIGITS.sgtin96 - i.companyPrefix.length;
  if (!new RegExp(`^\\d{${refDigits}}$`).test(i.itemReference)) {
    throw new EpcEncodeError(`item reference must be ${refDigits} digits with a ${i.companyPrefix.length}-digit prefix, got ${JSON.stringify(i.itemReference)}`);
  }
  if (typeof i.serial === 'string' && /^0\d/.test(i.serial)) throw new EpcEncodeError('an SGTIN-96 serial has no leading zeros');
  const prefixBits = PREFIX_BITS[p]!;
  const refBits = PREFIX_AND_REFERENCE_BITS.sgtin96 - prefixBits;
  const serial = toBigInt(i.serial, 'serial');
  fits(serial, 38, 'serial');
  const ref = BigInt(i.itemReference);
  fits(ref, refBits, 'item reference');
  return pack([
    [BigInt(EPC_HEADER.sgtin96), 8],
    [BigInt(filter), 3],
    [BigInt(p), 3],
    [BigInt(i.companyPrefix), prefixBits],
    [ref, refBits],
    [serial, 38],
  ]);
}

export interface Giai96Input {
  companyPrefix: string;
  /** Numeric asset reference (GIAI-96 carries digits only), no leading zeros. */
  assetReference: bigint | number | string;
  /** Default 0 (all others). */
  filter?: number;
}

export function encodeGiai96(i: Giai96Input): string {
  const filter = i.filter ?? 0;
  checkFilter(filter);
  const p = partitionOf(i.companyPrefix);
  if (typeof i.assetReference === 'string' && /^0\d/.test(i.assetReference)) {
    throw new EpcEncodeError('a GIAI-96 asset reference has no leading zeros');
  }
  const ref = toBigInt(i.assetReference, 'asset reference');
  // GIAI is at most 30 characters: prefix + reference digits.
  if (i.companyPrefix.length + ref.toString().length > 30) throw new EpcEncodeError('GIAI longer than 30 digits');
  const prefixBits = PREFIX_BITS[p]!;
  const refBits = PREFIX_AND_REFERENCE_BITS.giai96 - prefixBits;
  fits(ref, refBits, 'asset reference');
  return pack([
    [BigInt(EPC_HEADER.giai96), 8],
    [BigInt(filter), 3],
    [BigInt(p), 3],
    [BigInt(i.companyPrefix), prefixBits],
    [ref, refBits],
  ]);
}

export interface Gsrn96Input {
  companyPrefix: string;
  /** Service reference: 17 − prefix digits, leading zeros kept. */
  serviceReference: string;
  /** Default 0 (all others). */
  filter?: number;
}

export function encodeGsrn96(i: Gsrn96Input): string {
  const filter = i.filter ?? 0;
  checkFilter(filter);
  const p = partitionOf(i.companyPrefix);
  const refDigits = PREFIX_AND_REFERENCE_DIGITS.gsrn96 - i.companyPrefix.length;
  if (!new RegExp(`^\\d{${refDigits}}$`).test(i.serviceReference)) {
    throw new EpcEncodeError(`service reference must be ${refDigits} digits with a ${i.companyPrefix.length}-digit prefix, got ${JSON.stringify(i.serviceReference)}`);
  }
  const prefixBits = PREFIX_BITS[p]!;
  const refBits = PREFIX_AND_REFERENCE_BITS.gsrn96 - prefixBits;
  const ref = BigInt(i.serviceReference);
  fits(ref, refBits, 'service reference');
  return pack([
    [BigInt(EPC_HEADER.gsrn96), 8],
    [BigInt(filter), 3],
    [BigInt(p), 3],
    [BigInt(i.companyPrefix), prefixBits],
    [ref, refBits],
    [0n, 24],
  ]);
}

// Pure-identity URIs of the same inputs (what the gateway should display for these tags).

export function sgtinUri(i: Sgtin96Input): string {
  return `urn:epc:id:sgtin:${i.companyPrefix}.${i.itemReference}.${toBigInt(i.serial, 'serial')}`;
}
export function giaiUri(i: Giai96Input): string {
  return `urn:epc:id:giai:${i.companyPrefix}.${toBigInt(i.assetReference, 'asset reference')}`;
}
export function gsrnUri(i: Gsrn96Input): string {
  return `urn:epc:id:gsrn:${i.companyPrefix}.${i.serviceReference}`;
}

/**
 * Encodes a pure-identity URI (`urn:epc:id:sgtin|giai|gsrn:…`) or a tag URI
 * (`urn:epc:tag:sgtin-96|giai-96|gsrn-96:F.…`, whose filter wins over `filter`) as 96-bit hex.
 */
export function encodeEpcUri(uri: string, filter = 0): string {
  const tag = /^urn:epc:tag:(sgtin|giai|gsrn)-96:([0-7])\.(.+)$/.exec(uri);
  const id = /^urn:epc:id:(sgtin|giai|gsrn):(.+)$/.exec(uri);
  const scheme = tag?.[1] ?? id?.[1];
  const f = tag ? Number(tag[2]) : filter;
  const body = tag?.[3] ?? id?.[2];
  if (!scheme || body === undefined) throw new EpcEncodeError(`not an SGTIN, GIAI or GSRN URI: ${uri}`);
  const parts = body.split('.');
  if (scheme === 'sgtin') {
    if (parts.length !== 3) throw new EpcEncodeError(`SGTIN URI needs prefix.itemref.serial: ${uri}`);
    return encodeSgtin96({ companyPrefix: parts[0]!, itemReference: parts[1]!, serial: parts[2]!, filter: f });
  }
  if (parts.length !== 2) throw new EpcEncodeError(`${scheme.toUpperCase()} URI needs prefix.reference: ${uri}`);
  if (scheme === 'giai') return encodeGiai96({ companyPrefix: parts[0]!, assetReference: parts[1]!, filter: f });
  return encodeGsrn96({ companyPrefix: parts[0]!, serviceReference: parts[1]!, filter: f });
}
