// The tests' own arithmetic, done differently from firmware-sim/serial/checks.ts (a table, not bit
// by bit; a sum then a negation, not a running two's complement) so that one mistake cannot hide
// in both: the expected bytes here are computed, never copied from what the simulator sent.

export const hex = (s: string): number[] => s.trim().split(/\s+/).map((x) => parseInt(x, 16));
export const show = (b: ArrayLike<number>): string => Array.from(b, (x) => x.toString(16).toUpperCase().padStart(2, '0')).join(' ');

/** The R2000 check: whatever makes the frame's bytes sum to 0 mod 256. */
export function r2000Check(bytes: number[]): number {
  const total = bytes.reduce((a, b) => a + b, 0);
  return (256 - (total % 256)) % 256;
}

export function r2000(addr: number, cmd: number, data: number[]): number[] {
  const body = [0xa0, 3 + data.length, addr, cmd, ...data];
  return [...body, r2000Check(body)];
}

const tables = new Map<number, Uint16Array>();
function table(poly: number): Uint16Array {
  let t = tables.get(poly);
  if (!t) {
    t = new Uint16Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
      t[n] = c;
    }
    tables.set(poly, t);
  }
  return t;
}

/** Reflected CRC-16, init 0xFFFF, table-driven. */
export function crc(poly: number, bytes: number[]): number {
  const t = table(poly);
  let c = 0xffff;
  for (const b of bytes) c = (c >>> 8) ^ t[(c ^ b) & 0xff]!;
  return c;
}

export const withModbusCrc = (body: number[]) => { const c = crc(0xa001, body); return [...body, c & 0xff, c >> 8]; };
export const withMcrfCrc = (body: number[]) => { const c = crc(0x8408, body); return [...body, c & 0xff, c >> 8]; };

/** What a device sends back to `input`, frame by frame, given in one chunk or the chunks listed. */
export function talk(dev: { receive(c: Uint8Array, reply: (f: Uint8Array) => void): void }, ...chunks: number[][]): number[][] {
  const out: number[][] = [];
  for (const c of chunks) dev.receive(Uint8Array.from(c), (f) => out.push([...f]));
  return out;
}
