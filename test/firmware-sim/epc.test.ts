import { describe, expect, it } from 'vitest';
import { encodeEpcUri, encodeGiai96, encodeGsrn96, encodeSgtin96, giaiUri, gsrnUri, sgtinUri } from '../../firmware-sim/epc.ts';

// Published vectors: the SGTIN-96 example of the Tag Data Standard, and GIAI-96 / GSRN-96
// vectors from the GS1 Tag Data Translation test suites and public EPC libraries.
const vectors: [string, string][] = [
  ['urn:epc:tag:sgtin-96:3.0614141.812345.6789', '3074257BF7194E4000001A85'],
  ['urn:epc:tag:giai-96:3.0614141.5678', '3474257BF40000000000162E'],
  ['urn:epc:tag:giai-96:1.1234567.1', '34344B5A1C00000000000001'],
  ['urn:epc:tag:giai-96:0.0614141.12345400', '3414257BF400000000BC6038'],
  ['urn:epc:tag:giai-96:1.0614141.9876', '3434257BF400000000002694'],
  ['urn:epc:tag:giai-96:0.000001.1', '341800004000000000000001'],
  ['urn:epc:tag:gsrn-96:0.8434567.8901234567', '2D1602CE1E128E0F87000000'],
];

/** An independent bit-level reading of the header, filter, partition and fields, for round trips. */
function fields(hex: string, prefixAndRefBits: number): { header: number; filter: number; partition: number; prefix: bigint; ref: bigint; rest: bigint } {
  const v = BigInt('0x' + hex);
  const bit = (from: number, len: number): bigint => (v >> BigInt(96 - from - len)) & ((1n << BigInt(len)) - 1n);
  const partition = Number(bit(11, 3));
  const prefixBits = [40, 37, 34, 30, 27, 24, 20][partition]!;
  return {
    header: Number(bit(0, 8)),
    filter: Number(bit(8, 3)),
    partition,
    prefix: bit(14, prefixBits),
    ref: bit(14 + prefixBits, prefixAndRefBits - prefixBits),
    rest: bit(14 + prefixAndRefBits, 96 - 14 - prefixAndRefBits) ,
  };
}

describe('EPC encoder', () => {
  it.each(vectors)('%s → %s', (uri, hex) => {
    expect(encodeEpcUri(uri)).toBe(hex);
  });

  it('encodes from fields, 24 uppercase hex digits', () => {
    const sgtin = { companyPrefix: '0614141', itemReference: '812345', serial: 6789, filter: 3 };
    expect(encodeSgtin96(sgtin)).toBe('3074257BF7194E4000001A85');
    expect(sgtinUri(sgtin)).toBe('urn:epc:id:sgtin:0614141.812345.6789');
    const giai = { companyPrefix: '0614141', assetReference: 5678n, filter: 3 };
    expect(encodeGiai96(giai)).toBe('3474257BF40000000000162E');
    expect(giaiUri(giai)).toBe('urn:epc:id:giai:0614141.5678');
    const gsrn = { companyPrefix: '8434567', serviceReference: '8901234567' };
    expect(encodeGsrn96(gsrn)).toBe('2D1602CE1E128E0F87000000');
    expect(gsrnUri(gsrn)).toBe('urn:epc:id:gsrn:8434567.8901234567');
    for (const h of [encodeSgtin96(sgtin), encodeGiai96(giai), encodeGsrn96(gsrn)]) expect(h).toMatch(/^[0-9A-F]{24}$/);
  });

  it('a pure-identity URI takes the filter given beside it', () => {
    expect(encodeEpcUri('urn:epc:id:giai:0614141.5678', 3)).toBe('3474257BF40000000000162E');
    expect(encodeEpcUri('urn:epc:id:sgtin:0614141.812345.6789', 3)).toBe('3074257BF7194E4000001A85');
  });

  it('uses every partition P = 0..6 and keeps the prefix leading zeros', () => {
    for (let digits = 12; digits >= 6; digits--) {
      const prefix = '0'.repeat(digits - 3) + '123';
      const p = 12 - digits;
      const giai = fields(encodeGiai96({ companyPrefix: prefix, assetReference: 987654321, filter: 1 }), 82);
      expect(giai).toMatchObject({ header: 0x34, filter: 1, partition: p, prefix: 123n, ref: 987654321n });
      const gsrn = fields(encodeGsrn96({ companyPrefix: prefix, serviceReference: '4'.repeat(17 - digits), filter: 0 }), 58);
      expect(gsrn).toMatchObject({ header: 0x2d, partition: p, prefix: 123n, ref: BigInt('4'.repeat(17 - digits)), rest: 0n });
      const sgtin = fields(encodeSgtin96({ companyPrefix: prefix, itemReference: '1'.repeat(13 - digits), serial: 2n ** 38n - 1n }), 44);
      expect(sgtin).toMatchObject({ header: 0x30, partition: p, prefix: 123n, ref: BigInt('1'.repeat(13 - digits)), rest: 2n ** 38n - 1n });
    }
  });

  it('refuses what does not fit', () => {
    expect(() => encodeGiai96({ companyPrefix: '12345', assetReference: 1 })).toThrow(/6 to 12 digits/);
    expect(() => encodeGiai96({ companyPrefix: '0614141', assetReference: '0123' })).toThrow(/leading zeros/);
    expect(() => encodeGiai96({ companyPrefix: '123456789012', assetReference: 2n ** 42n })).toThrow(/does not fit/);
    expect(() => encodeSgtin96({ companyPrefix: '0614141', itemReference: '12345', serial: 1 })).toThrow(/6 digits/);
    expect(() => encodeSgtin96({ companyPrefix: '0614141', itemReference: '812345', serial: 2n ** 38n })).toThrow(/does not fit/);
    expect(() => encodeGsrn96({ companyPrefix: '0614141', serviceReference: '123' })).toThrow(/10 digits/);
    expect(() => encodeGsrn96({ companyPrefix: '0614141', serviceReference: '1234567890', filter: 8 })).toThrow(/filter/);
    expect(() => encodeEpcUri('urn:epc:id:grai:0614141.12345.1')).toThrow();
  });
});
