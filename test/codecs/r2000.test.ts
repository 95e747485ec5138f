// The R2000 shelf reader's frames: the examples of PROTOCOLS.md, tag, end-of-round and error
// replies built byte by byte here (not with the codec's own encoder), any split of the stream into
// chunks, garbage between frames, and 100,000 random and mutated streams that must never throw.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { R2000Deframer, checksum, r2000Command, type R2000Event } from '../../gateway/codecs/r2000.ts';

const bytes = (s: string) => Uint8Array.from(s.trim().split(/\s+/).map((x) => parseInt(x, 16)));
/** A reply frame as the reader sends it, with its check byte computed by hand. */
function frame(addr: number, cmd: number, data: number[]): number[] {
  const body = [0xa0, data.length + 3, addr, cmd, ...data];
  const sum = body.reduce((a, b) => (a + b) & 0xff, 0);
  return [...body, (0x100 - sum) & 0xff];
}
const tagData = (antenna: number, epc: number[], rssi: number) => [(antenna - 1) & 3, (epc.length / 2) << 3, 0x00, ...epc, rssi];
const all = (d: R2000Deframer, chunks: Uint8Array[]) => {
  const events: R2000Event[] = [];
  const rejected: string[] = [];
  let garbageBytes = 0;
  for (const c of chunks) {
    const r = d.push(c);
    events.push(...r.events);
    rejected.push(...r.rejected.map((x) => x.reason));
    for (const x of r.rejected) if (x.reason === 'garbage') garbageBytes += x.bytes ?? 0;
  }
  return { events, rejected, garbageBytes };
};

describe('R2000 frames', () => {
  it('writes the commands of PROTOCOLS.md byte for byte', () => {
    expect(r2000Command(1, 0x89, [1])).toEqual(bytes('A0 04 01 89 01 D1'));
    expect(r2000Command(1, 0x70)).toEqual(bytes('A0 03 01 70 EC'));
    expect(checksum(bytes('A0 04 01 89 01'))).toBe(0xd1);
  });

  it('reads a tag (antenna, EPC, dBm), the end of a round and an error reply', () => {
    const epc = [0x30, 0x34, 0x25, 0x7b, 0xf7, 0x19, 0x4e, 0x40, 0x00, 0x00, 0x1a, 0x85];
    const stream = Uint8Array.from([
      ...frame(1, 0x89, tagData(3, epc, 0x4a)),
      ...frame(1, 0x89, [0x02, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x07]),
      ...frame(1, 0x8a, [0x22]),
    ]);
    const { events, rejected } = all(new R2000Deframer(), [stream]);
    expect(rejected).toEqual([]);
    expect(events).toEqual([
      { type: 'tag', addr: 1, cmd: 0x89, antenna: 3, pc: 0x3000, epc: '3034257BF7194E4000001A85', rssiDbm: 0x4a - 129 },
      { type: 'roundEnd', addr: 1, cmd: 0x89, antenna: 3, readRate: 42, totalRead: 7 },
      { type: 'error', addr: 1, cmd: 0x8a, code: 0x22, meaning: 'antenna_missing' },
    ]);
  });

  it('finds the same frames however the stream is cut into chunks, with garbage between them counted', () => {
    const anyFrame = fc.record({
      antenna: fc.integer({ min: 1, max: 4 }), words: fc.integer({ min: 1, max: 8 }), rssi: fc.integer({ min: 0, max: 255 }), seed: fc.integer(),
    }).map(({ antenna, words, rssi, seed }) => frame(1, 0x89, tagData(antenna, Array.from({ length: words * 2 }, (_, k) => (seed >>> (k % 24)) & 0xff), rssi)));
    // Garbage without the head byte: with it, a lucky run could pose as a frame, which is what the checksum is for, not this property.
    const garbage = fc.array(fc.integer({ min: 0, max: 255 }).filter((b) => b !== 0xa0), { maxLength: 12 });
    fc.assert(fc.property(fc.array(fc.tuple(garbage, anyFrame), { minLength: 1, maxLength: 12 }), fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1 }), (parts, cuts) => {
      const stream = Uint8Array.from(parts.flatMap(([g, f]) => [...g, ...f]));
      const chunks: Uint8Array[] = [];
      for (let i = 0, k = 0; i < stream.length; k++) {
        const n = cuts[k % cuts.length]!;
        chunks.push(stream.subarray(i, i + n));
        i += n;
      }
      const d = new R2000Deframer();
      const { events, rejected, garbageBytes } = all(d, chunks);
      expect(events).toHaveLength(parts.length);
      expect(events.every((e) => e.type === 'tag')).toBe(true);
      expect(rejected.every((r) => r === 'garbage')).toBe(true);
      expect(garbageBytes).toBe(parts.reduce((n, [g]) => n + g.length, 0));
      expect(d.pending).toBe(0);
    }), { numRuns: 2000 });
  });

  it('resynchronises after a damaged frame: the next good frame is read', () => {
    const good = frame(1, 0x89, tagData(1, [0xe2, 0x00, 0x00, 0x01], 0x50));
    const damaged = [...good];
    damaged[6] ^= 0xff;
    const { events, rejected } = all(new R2000Deframer(), [Uint8Array.from([...damaged, ...good]).subarray(0, 5), Uint8Array.from([...damaged, ...good]).subarray(5)]);
    expect(events).toHaveLength(1);
    expect(rejected).toContain('bad_checksum');
  });

  it('never throws on 100,000 random and mutated streams, and every event it gives is well formed', () => {
    let seed = 0x2000;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) / 0x1000000;
    const good = Uint8Array.from([...frame(1, 0x89, tagData(2, [0x30, 0x34, 0, 1], 0x40)), ...frame(1, 0x89, [1, 0, 5, 0, 0, 0, 1]), ...frame(1, 0x8b, [0x36])]);
    let events = 0;
    for (let run = 0; run < 100_000; run++) {
      const d = new R2000Deframer();
      const s = run % 2 ? Uint8Array.from({ length: 1 + Math.floor(rand() * 60) }, () => (rand() < 0.2 ? 0xa0 : Math.floor(rand() * 256))) : good.slice();
      if (run % 2 === 0) for (let m = 0; m < 1 + rand() * 3; m++) s[Math.floor(rand() * s.length)] = Math.floor(rand() * 256);
      for (let i = 0; i < s.length;) {
        const n = 1 + Math.floor(rand() * 8);
        for (const e of d.push(s.subarray(i, i + n)).events) {
          events++;
          if (e.type === 'tag') {
            expect(e.antenna).toBeGreaterThanOrEqual(1);
            expect(e.antenna).toBeLessThanOrEqual(4);
            expect(e.epc).toMatch(/^([0-9A-F]{4})+$/);
          }
        }
        i += n;
      }
      expect(d.pending).toBeLessThanOrEqual(257);
    }
    expect(events).toBeGreaterThan(0);
  });
});
