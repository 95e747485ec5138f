// The two CRC-16s against the examples of PROTOCOLS.md byte for byte, the catalogue check values of
// "123456789", and a bit-by-bit implementation written here over random data.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc16Mcrf4xx, crc16Modbus, crcTrails } from '../../gateway/codecs/crc16.ts';

const bytes = (s: string) => Uint8Array.from(s.trim().split(/\s+/).map((x) => parseInt(x, 16)));
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
/** The textbook loop, one bit at a time: what the tables must agree with. */
function bitwise(poly: number, data: ArrayLike<number>): number {
  let crc = 0xffff;
  for (let i = 0; i < data.length; i++) {
    crc ^= data[i]!;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ poly : crc >>> 1;
  }
  return crc;
}
/** The last two bytes of an example frame read as its CRC, low byte first. */
const trailer = (f: Uint8Array) => f[f.length - 2]! | (f[f.length - 1]! << 8);

describe('CRC-16/MCRF4XX (UHFReader18)', () => {
  it('has the catalogue check value', () => {
    expect(crc16Mcrf4xx(ascii('123456789'))).toBe(0x6f91);
  });

  it('matches the desk reader frames of PROTOCOLS.md', () => {
    for (const s of ['04 0A 01 AB B6', '05 00 01 FB F2 3D']) {
      const f = bytes(s);
      expect(crc16Mcrf4xx(f, 0, f.length - 2)).toBe(trailer(f));
      expect(crcTrails(crc16Mcrf4xx(f, 0, f.length - 2), f, f.length - 2)).toBe(true);
    }
    expect(crc16Mcrf4xx(bytes('04 0A 01'))).toBe(0xb6ab);
  });
});

describe('CRC-16/MODBUS', () => {
  it('has the catalogue check value', () => {
    expect(crc16Modbus(ascii('123456789'))).toBe(0x4b37);
  });

  it('matches the request and reply of PROTOCOLS.md', () => {
    for (const s of ['01 04 00 01 00 01 60 0A', '01 04 02 01 31 79 74']) {
      const f = bytes(s);
      expect(crc16Modbus(f, 0, f.length - 2)).toBe(trailer(f));
    }
  });

  it('a frame followed by its own CRC leaves a residue of zero', () => {
    // The property the serial world uses to check a frame in one pass: worth knowing it holds.
    expect(crc16Modbus(bytes('01 04 02 01 31 79 74'))).toBe(0);
  });
});

describe('both tables', () => {
  it('agree with the bit-by-bit loop on any bytes and any sub-range', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(), (data, a, b) => {
      const start = data.length ? a % (data.length + 1) : 0;
      const end = start + (data.length - start ? b % (data.length - start + 1) : 0);
      const part = data.subarray(start, end);
      expect(crc16Mcrf4xx(data, start, end)).toBe(bitwise(0x8408, part));
      expect(crc16Modbus(data, start, end)).toBe(bitwise(0xa001, part));
    }), { numRuns: 2000 });
  });

  it('an empty range is the initial value', () => {
    expect(crc16Mcrf4xx([])).toBe(0xffff);
    expect(crc16Modbus([])).toBe(0xffff);
  });
});
