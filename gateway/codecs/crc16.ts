// The two CRC-16s of the serial devices (PROTOCOLS.md, serial section): CRC-16/MCRF4XX for the
// CF-RU5102 / UHFReader18 desk reader, CRC-16/MODBUS for the RS-485 sensors and load cells. Both are
// reflected with init 0xFFFF and no final xor; only the polynomial differs. Table-driven because the
// deframers run the CRC once per candidate offset while resynchronising, so it is the hot loop.

/** The 256-entry table of a reflected CRC-16, built once at load from its (reflected) polynomial. */
function table(poly: number): Uint16Array {
  const t = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t[n] = c;
  }
  return t;
}

const MCRF4XX = table(0x8408);
const MODBUS = table(0xa001);

function run(t: Uint16Array, bytes: ArrayLike<number>, start: number, end: number): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ t[(crc ^ bytes[i]!) & 0xff]!;
  return crc;
}

/** CRC-16/MCRF4XX of `bytes[start..end)`; sent low byte first. "123456789" → 0x6F91. */
export function crc16Mcrf4xx(bytes: ArrayLike<number>, start = 0, end = bytes.length): number {
  return run(MCRF4XX, bytes, start, end);
}

/** CRC-16/MODBUS of `bytes[start..end)`; sent low byte first. "123456789" → 0x4B37. */
export function crc16Modbus(bytes: ArrayLike<number>, start = 0, end = bytes.length): number {
  return run(MODBUS, bytes, start, end);
}

/** Whether the two bytes after `end` are the CRC of `bytes[start..end)`, low byte first. */
export function crcTrails(crc: number, bytes: ArrayLike<number>, end: number): boolean {
  return bytes[end] === (crc & 0xff) && bytes[end + 1] === crc >>> 8;
}
