// GS1 EPC encoding (Tag Data Standard 1.13) for the tags the center itself writes: GIAI-96 for
// items (one item, one code) and GSRN-96 for staff badges. Partition 5: a 7-digit company prefix.
const PARTITION_PREFIX_BITS = [40, 37, 34, 30, 27, 24, 20];

function partitionFor(prefix: string): number {
  const p = 12 - prefix.length;
  if (!/^\d+$/.test(prefix) || p < 0 || p > 6) throw new Error(`company prefix must be 6 to 12 digits: ${prefix}`);
  return p;
}

function toHex(value: bigint): string {
  return value.toString(16).toUpperCase().padStart(24, '0');
}

/** GIAI-96: header 0x34 | filter 3 | partition 3 | prefix | asset reference (82 bits with the prefix). */
export function encodeGiai96(companyPrefix: string, assetRef: bigint, filter = 0): string {
  const p = partitionFor(companyPrefix);
  const prefixBits = PARTITION_PREFIX_BITS[p];
  const refBits = 82 - prefixBits;
  if (assetRef < 0n || assetRef >= 1n << BigInt(refBits)) throw new Error('asset reference out of range');
  let v = 0x34n;
  v = (v << 3n) | BigInt(filter);
  v = (v << 3n) | BigInt(p);
  v = (v << BigInt(prefixBits)) | BigInt(companyPrefix);
  v = (v << BigInt(refBits)) | assetRef;
  return toHex(v);
}

/** GSRN-96: header 0x2D | filter 3 | partition 3 | prefix | service reference (18 digits together) | 24 reserved bits. */
export function encodeGsrn96(companyPrefix: string, serviceRef: bigint, filter = 0): string {
  const p = partitionFor(companyPrefix);
  const prefixBits = PARTITION_PREFIX_BITS[p];
  const refBits = 58 - prefixBits;
  if (serviceRef < 0n || serviceRef >= 10n ** BigInt(17 - companyPrefix.length + 1)) throw new Error('service reference out of range');
  let v = 0x2dn;
  v = (v << 3n) | BigInt(filter);
  v = (v << 3n) | BigInt(p);
  v = (v << BigInt(prefixBits)) | BigInt(companyPrefix);
  v = (v << BigInt(refBits)) | serviceRef;
  v <<= 24n;
  return toHex(v);
}
