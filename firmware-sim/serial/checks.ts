// The simulator's own check arithmetic, written apart from gateway/codecs on purpose: if both
// sides shared one function, a wrong table or init value would pass every test and fail on site.
import { seededRandom } from '../portal/walk.ts';

/** R2000 frames: two's complement of the byte sum, so that the whole frame sums to zero. */
export function sumCheck(bytes: ArrayLike<number>, end = bytes.length): number {
  let s = 0;
  for (let i = 0; i < end; i++) s = (s + bytes[i]!) & 0xff;
  return (0x100 - s) & 0xff;
}

/**
 * A reflected CRC-16 with init 0xFFFF and no final xor, bit by bit: slow, but the serial links
 * carry a few hundred bytes a second and bitwise leaves no table to get wrong.
 * Poly 0xA001 is CRC-16/MODBUS, 0x8408 CRC-16/MCRF4XX (the UHFReader18's).
 */
export function crc16(poly: number, bytes: ArrayLike<number>, end = bytes.length): number {
  let crc = 0xffff;
  for (let i = 0; i < end; i++) {
    crc ^= bytes[i]!;
    for (let b = 0; b < 8; b++) crc = crc & 1 ? (crc >>> 1) ^ poly : crc >>> 1;
  }
  return crc;
}

export const MODBUS_POLY = 0xa001;
export const MCRF4XX_POLY = 0x8408;

/** The bytes with their CRC appended low byte first, as both Modbus RTU and the UHFReader18 send it. */
export function withCrc(poly: number, body: number[]): Uint8Array {
  const crc = crc16(poly, body);
  return Uint8Array.from([...body, crc & 0xff, crc >>> 8]);
}

/** True when the last two bytes are the CRC (low first) of the ones before. */
export function crcOk(poly: number, frame: ArrayLike<number>): boolean {
  if (frame.length < 3) return false;
  const crc = crc16(poly, frame, frame.length - 2);
  return frame[frame.length - 2] === (crc & 0xff) && frame[frame.length - 1] === crc >>> 8;
}

/** Uppercase hex of a whole number of 16-bit words (what a PC word can count), else an error. */
export function normalizeEpc(epc: string): string {
  const hex = epc.replace(/\s+/g, '').toUpperCase();
  if (!/^[0-9A-F]*$/.test(hex) || hex.length === 0 || hex.length % 4 !== 0) {
    throw new Error(`EPC "${epc}" is not a whole number of 16-bit words in hex`);
  }
  return hex;
}

export function hexBytes(hex: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < hex.length; i += 2) out.push(parseInt(hex.slice(i, i + 2), 16));
  return out;
}

/** A small seeded generator (the walk model's mulberry32): noise and frequency hops repeat from run to run. */
export const seeded = seededRandom;
