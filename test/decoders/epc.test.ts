// GS1 TDS 1.13 decoding, checked against published vectors, not against itself. Sources:
// - the SGTIN-96 worked example of the TDS, as the brief and PROTOCOLS.md quote it.
// - nedap/retail-epcpy, tests/epc_schemes/test_{sgtin,grai,giai,gsrn,gid}.py ("hex" ↔ "tag_uri").
// - awelxtr/epcGS1coder, src/test/java/org/java/epcGS1coder/giai/Giai96Test.java (fromEpcTest).
// - a Python `epc` package's GIAI test (`from epc.schemes import GIAI`, test_96_decode).
// The hand-built bit patterns further down only probe partition and digit limits.
import { describe, expect, it } from 'vitest';
import { decodeEpc } from '../../edge/epc/tds.ts';

const VECTORS: [hex: string, uri: string, tagUri: string][] = [
  ['3074257BF7194E4000001A85', 'urn:epc:id:sgtin:0614141.812345.6789', 'urn:epc:tag:sgtin-96:3.0614141.812345.6789'],
  ['30C579D5D4ADB60000000000', 'urn:epc:id:sgtin:50712192365.88.0', 'urn:epc:tag:sgtin-96:6.50712192365.88.0'],
  ['33B4257BF40C0E4000000190', 'urn:epc:id:grai:0614141.12345.400', 'urn:epc:tag:grai-96:5.0614141.12345.400'],
  ['3300393243FF740000000000', 'urn:epc:id:grai:061414113245..0', 'urn:epc:tag:grai-96:0.061414113245..0'],
  ['3300393243FF743FFFFFFFFF', 'urn:epc:id:grai:061414113245..274877906943', 'urn:epc:tag:grai-96:0.061414113245..274877906943'],
  ['3434257BF400000000000000', 'urn:epc:id:giai:0614141.0', 'urn:epc:tag:giai-96:1.0614141.0'],
  ['3434257BF400000000BC6038', 'urn:epc:id:giai:0614141.12345400', 'urn:epc:tag:giai-96:1.0614141.12345400'],
  ['341816E80000000000010015', 'urn:epc:id:giai:023456.65557', 'urn:epc:tag:giai-96:0.023456.65557'],
  ['341800004000000000000001', 'urn:epc:id:giai:000001.1', 'urn:epc:tag:giai-96:0.000001.1'],
  ['341401388000000000000001', 'urn:epc:id:giai:0020000.1', 'urn:epc:tag:giai-96:0.0020000.1'],
  ['34012A05F200000000000001', 'urn:epc:id:giai:320000000000.1', 'urn:epc:tag:giai-96:0.320000000000.1'],
  ['2D14257BF4499602D2000000', 'urn:epc:id:gsrn:0614141.1234567890', 'urn:epc:tag:gsrn-96:0.0614141.1234567890'],
  ['2D000B7F7070D404D2000000', 'urn:epc:id:gsrn:012345678901.01234', 'urn:epc:tag:gsrn-96:0.012345678901.01234'],
  ['2D1800000000000000000000', 'urn:epc:id:gsrn:000000.00000000000', 'urn:epc:tag:gsrn-96:0.000000.00000000000'],
  ['2DA000000000000000000000', 'urn:epc:id:gsrn:000000000000.00000', 'urn:epc:tag:gsrn-96:5.000000000000.00000'],
  ['2DA3A352943FFD869F000000', 'urn:epc:id:gsrn:999999999999.99999', 'urn:epc:tag:gsrn-96:5.999999999999.99999'],
  ['2D1BD08FD74876E7FF000000', 'urn:epc:id:gsrn:999999.99999999999', 'urn:epc:tag:gsrn-96:0.999999.99999999999'],
  ['355AB1C60003039000000190', 'urn:epc:id:gid:95100000.12345.400', 'urn:epc:tag:gid-96:95100000.12345.400'],
  ['350000000000000000000000', 'urn:epc:id:gid:0.0.0', 'urn:epc:tag:gid-96:0.0.0'],
  ['35FFFFFFFFFFFFFFFFFFFFFF', 'urn:epc:id:gid:268435455.16777215.68719476735', 'urn:epc:tag:gid-96:268435455.16777215.68719476735'],
];

/** Packs [value, bits] fields, most significant first, into 24 hex digits: for invalid patterns only. */
function pack(...fields: [bigint | number, number][]): string {
  let v = 0n;
  let total = 0;
  for (const [value, bits] of fields) {
    v = (v << BigInt(bits)) | BigInt(value);
    total += bits;
  }
  expect(total).toBe(96);
  return v.toString(16).toUpperCase().padStart(24, '0');
}

describe('GS1 EPC decoding (TDS 1.13, 96-bit)', () => {
  it.each(VECTORS)('%s is %s', (hex, uri, tagUri) => {
    expect(decodeEpc(hex)).toMatchObject({ uri, tagUri });
    expect(decodeEpc(hex.toLowerCase())).toMatchObject({ uri });
  });

  it('gives the fields of the TDS SGTIN-96 example: filter 3, partition 5, indicator first in the item reference', () => {
    expect(decodeEpc('3074257BF7194E4000001A85')).toEqual({
      scheme: 'sgtin-96', uri: 'urn:epc:id:sgtin:0614141.812345.6789', tagUri: 'urn:epc:tag:sgtin-96:3.0614141.812345.6789',
      filter: 3, partition: 5, companyPrefix: '0614141', itemRef: '812345', serial: '6789',
    });
  });

  it('keeps the leading zeros of prefixes and references, and none of serials and GIAI asset references', () => {
    expect(decodeEpc('2D000B7F7070D404D2000000')).toMatchObject({ companyPrefix: '012345678901', serviceRef: '01234' });
    expect(decodeEpc('341816E80000000000010015')).toMatchObject({ companyPrefix: '023456', assetRef: '65557' });
    expect(decodeEpc('33B4257BF40C0E4000000190')).toMatchObject({ companyPrefix: '0614141', assetType: '12345', serial: '400' });
    expect(decodeEpc('355AB1C60003039000000190')).toMatchObject({ manager: '95100000', objectClass: '12345', serial: '400' });
  });

  it('has no filter for GID-96', () => {
    expect(decodeEpc('355AB1C60003039000000190')?.filter).toBeUndefined();
  });

  it('returns null for partition 7', () => {
    for (const header of [0x30, 0x33, 0x34, 0x2d]) expect(decodeEpc(pack([header, 8], [0, 3], [7, 3], [0, 82]))).toBeNull();
  });

  it('returns null when a field needs more digits than its partition gives it', () => {
    // Partition 0: a 12-digit prefix in 40 bits, whose largest value 2^40-1 has 13 digits.
    expect(decodeEpc(pack([0x30, 8], [1, 3], [0, 3], [2n ** 40n - 1n, 40], [0, 4], [1, 38]))).toBeNull();
    // SGTIN partition 5: indicator and item reference, 6 digits in 20 bits; 1 000 000 has 7.
    expect(decodeEpc(pack([0x30, 8], [1, 3], [5, 3], [614141, 24], [1_000_000, 20], [1, 38]))).toBeNull();
    expect(decodeEpc(pack([0x30, 8], [1, 3], [5, 3], [614141, 24], [999_999, 20], [1, 38]))?.uri)
      .toBe('urn:epc:id:sgtin:0614141.999999.1');
    // GRAI partition 0 leaves no digits for the asset type: only 0 is valid.
    expect(decodeEpc(pack([0x33, 8], [0, 3], [0, 3], [61414113245, 40], [1, 4], [0, 38]))).toBeNull();
  });

  it('returns null for a GSRN-96 whose reserved bits are not zero', () => {
    expect(decodeEpc('2D14257BF4499602D2000001')).toBeNull();
  });

  it.each([
    ['7EDA9038051002710002C0AE', 'a header that is no GS1 scheme (the PROTOCOLS.md example EPC)'],
    ['E2801170200014CD9B5A08EC', 'a TID'],
    ['3074257BF7194E4000001A', 'too short'],
    ['3074257BF7194E4000001A8500', 'too long'],
    ['3074257BF7194E4000001AGZ', 'not hex'],
    ['', 'empty'],
    ['36257BF7194E4000001A85000000000000000000000000000000', 'SGTIN-198, not a 96-bit scheme'],
  ])('returns null for %s (%s)', (hex) => {
    expect(decodeEpc(hex)).toBeNull();
  });
});
