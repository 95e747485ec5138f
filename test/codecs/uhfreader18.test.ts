// The UHFReader18 desk reader's frames: the examples of PROTOCOLS.md, inventory, no-tag, error and
// plain replies built byte by byte here with a bit-by-bit CRC of this file's own (not the codec's
// encoder or tables), any split of the stream into chunks, garbage between frames, and 100,000 random
// and mutated streams that must never throw, never report an EPC no good frame carried, and always
// find the good frame that follows the damage (once the line's silence has reset a Len still waiting
// for its bytes), but for the few spans of damage whose CRC happens to check (one in 65,536: a format
// with no start byte has nothing else to tell them by), each of which the test finds with its own CRC.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { UhfDeframer, uhfCommand, MAX_FRAME, type UhfEvent, type UhfRejection } from '../../gateway/codecs/uhfreader18.ts';

const bytes = (s: string) => Uint8Array.from(s.trim().split(/\s+/).map((x) => parseInt(x, 16)));
function mcrf4xx(data: number[]): number {
  let crc = 0xffff;
  for (const b of data) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x8408 : crc >>> 1;
  }
  return crc;
}
/** A reply as the reader sends it: Len | Adr | reCmd | Status | Data | CRC-lo | CRC-hi. */
function reply(addr: number, cmd: number, status: number, data: number[] = []): number[] {
  const body = [data.length + 5, addr, cmd, status, ...data];
  const crc = mcrf4xx(body);
  return [...body, crc & 0xff, crc >>> 8];
}
const inventoryData = (epcs: number[][]) => [epcs.length, ...epcs.flatMap((e) => [e.length, ...e])];
const hexOf = (e: number[]) => e.map((b) => b.toString(16).padStart(2, '0')).join('').toUpperCase();
const REASONS = new Set(['garbage', 'bad_length', 'bad_crc', 'bad_inventory', 'truncated']);

function all(d: UhfDeframer, chunks: Uint8Array[]) {
  const events: UhfEvent[] = [];
  const rejected: UhfRejection[] = [];
  for (const c of chunks) {
    const r = d.push(c);
    events.push(...r.events);
    rejected.push(...r.rejected);
  }
  return { events, rejected, reasons: rejected.map((r) => r.reason), dropped: rejected.reduce((n, r) => n + r.bytes, 0) };
}
const cut = (stream: Uint8Array, sizes: number[]) => {
  const chunks: Uint8Array[] = [];
  for (let i = 0, k = 0; i < stream.length; k++) {
    const n = sizes[k % sizes.length]!;
    chunks.push(stream.subarray(i, i + n));
    i += n;
  }
  return chunks;
};

const EPC96 = [0x30, 0x34, 0x25, 0x7b, 0xf7, 0x19, 0x4e, 0x40, 0x00, 0x00, 0x1a, 0x85];
const EPC32 = [0xe2, 0x00, 0x00, 0x01];

describe('UHFReader18 frames', () => {
  it('writes the inventory command of PROTOCOLS.md byte for byte', () => {
    expect(uhfCommand(0x0a, 0x01)).toEqual(bytes('04 0A 01 AB B6'));
    expect(uhfCommand(0x00, 0x21, [])).toEqual(Uint8Array.from([0x04, 0x00, 0x21, ...((c) => [c & 0xff, c >>> 8])(mcrf4xx([0x04, 0x00, 0x21]))]));
    expect(uhfCommand(0x0a, 0x01, [0x04, 0x00])).toEqual(Uint8Array.from([0x06, 0x0a, 0x01, 0x04, 0x00, ...((c) => [c & 0xff, c >>> 8])(mcrf4xx([0x06, 0x0a, 0x01, 0x04, 0x00]))]));
  });

  it('reads the "no tag" reply of PROTOCOLS.md', () => {
    expect(bytes('05 00 01 FB F2 3D')).toEqual(Uint8Array.from(reply(0, 0x01, 0xfb)));
    const { events, rejected } = all(new UhfDeframer(), [bytes('05 00 01 FB F2 3D')]);
    expect(rejected).toEqual([]);
    expect(events).toEqual([{ type: 'noTag', addr: 0 }]);
  });

  it('reads inventory replies (EPCs in upper-case hex, more frames to follow), errors and plain replies', () => {
    const stream = Uint8Array.from([
      ...reply(0x0a, 0x01, 0x03, inventoryData([EPC96, EPC32])),
      ...reply(0x0a, 0x01, 0x01, inventoryData([EPC32])),
      ...reply(0x0a, 0x01, 0x02, inventoryData([])),
      ...reply(0x0a, 0x01, 0x04, inventoryData([EPC96])),
      ...reply(0x0a, 0x01, 0xfe),
      ...reply(0x0a, 0x02, 0xff),
      ...reply(0x0a, 0x35, 0x42),
      ...reply(0x0a, 0x21, 0x00, [0x03, 0x09, 0x4c, 0x00, 0x3e, 0x0a, 0x00]),
    ]);
    const { events, rejected } = all(new UhfDeframer(), [stream]);
    expect(rejected).toEqual([]);
    expect(events).toEqual([
      { type: 'inventory', addr: 0x0a, status: 3, statusMeaning: 'more_follow', epcs: ['3034257BF7194E4000001A85', 'E2000001'], more: true },
      { type: 'inventory', addr: 0x0a, status: 1, statusMeaning: 'done', epcs: ['E2000001'], more: false },
      { type: 'inventory', addr: 0x0a, status: 2, statusMeaning: 'scan_time_overflow', epcs: [], more: false },
      { type: 'inventory', addr: 0x0a, status: 4, statusMeaning: 'buffer_full', epcs: ['3034257BF7194E4000001A85'], more: false },
      { type: 'error', addr: 0x0a, cmd: 0x01, status: 0xfe, meaning: 'illegal_command' },
      { type: 'error', addr: 0x0a, cmd: 0x02, status: 0xff, meaning: 'parameter_error' },
      { type: 'error', addr: 0x0a, cmd: 0x35, status: 0x42, meaning: 'unknown' },
      { type: 'reply', addr: 0x0a, cmd: 0x21, status: 0, data: Uint8Array.from([0x03, 0x09, 0x4c, 0x00, 0x3e, 0x0a, 0x00]) },
    ]);
  });

  it('rejects an inventory whose Num or EPCLen disagrees with the frame, and reads the next frame', () => {
    const bad = [
      [2, 4, ...EPC32], // Num 2, one EPC
      [1, 3, 1, 2, 3], // odd EPCLen
      [1, 0], // empty EPC
      [1, 64, ...Array(64).fill(0x11)], // 32 words: longer than a PC can say
      [1, 12, ...EPC32], // EPCLen past the end
      [1, 4, ...EPC32, 0x99], // a byte over
      [], // no Num
    ];
    for (const data of bad) {
      const f = reply(1, 0x01, 0x01, data);
      const { events, rejected } = all(new UhfDeframer(), [Uint8Array.from([...f, ...reply(1, 0x01, 0x01, inventoryData([EPC96]))])]);
      expect(rejected.map((r) => [r.reason, r.bytes])).toEqual([['bad_inventory', f.length]]);
      expect(rejected[0]!.detail).not.toBe('');
      expect(events).toEqual([expect.objectContaining({ type: 'inventory', epcs: ['3034257BF7194E4000001A85'] })]);
    }
    const longest = reply(1, 0x01, 0x01, inventoryData([Array(62).fill(0xab)]));
    expect(all(new UhfDeframer(), [Uint8Array.from(longest)]).events).toHaveLength(1);
  });

  it('finds the same frames however the stream is cut, glued or split to single bytes, with garbage between them counted', () => {
    const anyFrame = fc.array(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }).map((w) => w.flatMap((b) => [b, b ^ 0x5a])), { maxLength: 5 })
      .chain((epcs) => fc.constantFrom(0x01, 0x03).map((status) => ({ epcs, frame: reply(0x0a, 0x01, status, inventoryData(epcs)) })));
    // Garbage of bytes below 5 cannot be a Len, so no run of it can pose as a frame: the CRC is for those.
    const garbage = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 12 });
    const sizes: fc.Arbitrary<number[]> = fc.oneof(fc.constant<number[]>([1]), fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1 }));
    fc.assert(fc.property(fc.array(fc.tuple(garbage, anyFrame), { minLength: 1, maxLength: 12 }), sizes, (parts, cuts) => {
      const stream = Uint8Array.from(parts.flatMap(([g, f]) => [...g, ...f.frame]));
      const d = new UhfDeframer();
      const { events, rejected, reasons, dropped } = all(d, cut(stream, cuts));
      expect(events.map((e) => e.type === 'inventory' && e.epcs)).toEqual(parts.map(([, f]) => f.epcs.map(hexOf)));
      // Where a frame should begin, the first garbage byte is a bad Len; the rest is garbage.
      expect(reasons.filter((r) => r === 'bad_length')).toHaveLength(parts.filter(([g]) => g.length).length);
      expect(reasons.every((r) => r === 'garbage' || r === 'bad_length')).toBe(true);
      expect(dropped).toBe(parts.reduce((n, [g]) => n + g.length, 0));
      expect(rejected.every((r) => r.bytes > 0 && r.detail)).toBe(true);
      expect(d.pending).toBe(0);
    }), { numRuns: 1500 });
  });

  it('resynchronises after a bad CRC: one byte dropped, the next offsets tried, the next good frame read', () => {
    const good = reply(3, 0x01, 0x01, inventoryData([EPC32]));
    const damaged = [...good];
    damaged[7] ^= 0xff;
    const stream = Uint8Array.from([...damaged, ...good]);
    for (const cuts of [[stream.length], [1], [5, 3]]) {
      const { events, rejected, dropped } = all(new UhfDeframer(), cut(stream, cuts));
      expect(events).toEqual([expect.objectContaining({ type: 'inventory', epcs: ['E2000001'] })]);
      expect(rejected[0]).toMatchObject({ reason: 'bad_crc', bytes: 1 });
      expect(dropped).toBe(damaged.length);
    }
  });

  it('does not let a damaged Len hold back a whole frame behind it', () => {
    const good = reply(3, 0x01, 0x01, inventoryData([EPC96]));
    const next = reply(3, 0x21, 0x00, [1, 2, 3]);
    // In step: an inventory's Num and EPCLen already say where it ends, and it is not where Len 255 says.
    const damaged = [0xff, ...good.slice(1)];
    let r = all(new UhfDeframer(), [Uint8Array.from([...damaged, ...next])]);
    expect(r.events).toEqual([expect.objectContaining({ type: 'reply', cmd: 0x21 })]);
    expect(r.rejected[0]).toMatchObject({ reason: 'bad_length', bytes: 1 });
    expect(r.dropped).toBe(damaged.length);
    // Out of step (after a byte that cannot be a Len), a Len of 240 reaching over a whole frame is garbage.
    r = all(new UhfDeframer(), [Uint8Array.from([0x02, 0xf0, 0x0a, ...next])]);
    expect(r.events).toEqual([expect.objectContaining({ type: 'reply', cmd: 0x21 })]);
    expect(r.reasons).toEqual(['bad_length', 'garbage']);
    expect(r.dropped).toBe(3);
  });

  it('in step, trusts a Len it cannot yet contradict, however a frame inside it looks', () => {
    // A clean line must lose no frame: a 0x21 reply whose data holds a whole checked frame is waited for.
    const inner = reply(3, 0x01, 0xfb);
    const outer = reply(3, 0x21, 0x00, [...inner, 0x00]);
    const d = new UhfDeframer();
    expect(d.push(Uint8Array.from(outer.slice(0, -3)))).toEqual({ events: [], rejected: [] });
    expect(d.push(Uint8Array.from(outer.slice(-3))).events).toEqual([{ type: 'reply', addr: 3, cmd: 0x21, status: 0, data: Uint8Array.from([...inner, 0]) }]);
  });

  it('keeps its own copy of an unfinished frame: a link may reuse the buffer of the chunk it pushed', () => {
    const f = Uint8Array.from(reply(1, 0x01, 0x01, inventoryData([EPC32])));
    const buf = new Uint8Array(8);
    const d = new UhfDeframer();
    buf.set(f.subarray(0, 8));
    expect(d.push(buf).events).toEqual([]);
    buf.fill(0xee);
    expect(d.push(f.subarray(8)).events).toEqual([expect.objectContaining({ epcs: ['E2000001'] })]);
  });

  it('holds at most one unfinished frame, and reset() on silence drops and counts it', () => {
    const d = new UhfDeframer();
    const r = d.push(Uint8Array.from([0xff, ...Array(200).fill(0x20)]));
    expect(r).toEqual({ events: [], rejected: [] });
    expect(d.pending).toBe(201);
    expect(d.push(Uint8Array.from(Array(54).fill(0x20))).events).toEqual([]);
    expect(d.pending).toBeLessThan(MAX_FRAME);
    expect(d.reset()).toMatchObject({ reason: 'truncated', bytes: 255 });
    expect(d.reset()).toBeNull();
    expect(all(d, [bytes('05 00 01 FB F2 3D')]).events).toEqual([{ type: 'noTag', addr: 0 }]);
  });

  it('never throws on 100,000 random and mutated streams, reports no EPC but from a span whose CRC checks, and reads the good frame after the damage (or after the silence that ends a Len still waiting)', () => {
    let seed = 0x5102;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) / 0x1000000;
    const frames = [
      reply(0x0a, 0x01, 0x03, inventoryData([EPC96, EPC32])),
      reply(0x0a, 0x01, 0xfb),
      reply(0x0a, 0x01, 0x01, inventoryData([[0x11, 0x22, 0x33, 0x44, 0x55, 0x66]])),
      reply(0x0a, 0x21, 0x00, [3, 9, 0x4c, 0, 0x3e, 0x0a, 0]),
    ];
    const good = frames.flat();
    const sentinelEpc = [0xca, 0xfe, 0x00, 0x18];
    const sentinel = reply(0x0a, 0x01, 0x01, inventoryData([sentinelEpc]));
    const known = new Set([EPC96, EPC32, [0x11, 0x22, 0x33, 0x44, 0x55, 0x66], sentinelEpc].map(hexOf));
    const goodHex = new Set([...frames, sentinel].map(hexOf));
    /** Spans of the stream that pass this file's own CRC and are none of the frames put in: with no start
     *  byte and a 16-bit CRC, one random span in 65,536 checks out, and the deframer cannot know better. */
    const collisions = (s: number[]) => {
      const out: { from: number; to: number; hex: string }[] = [];
      for (let a = 0; a < s.length; a++) {
        const to = a + 1 + s[a]!;
        if (s[a]! < 5 || to > s.length) continue;
        const crc = mcrf4xx(s.slice(a, to - 2));
        const span = s.slice(a, to);
        if (s[to - 2] === (crc & 0xff) && s[to - 1] === crc >>> 8 && !goodHex.has(hexOf(span))) out.push({ from: a, to, hex: hexOf(span) });
      }
      return out;
    };
    const failures: string[] = [];
    let events = 0;
    let rejections = 0;
    let explained = 0;
    let waitedOut = 0;
    for (let run = 0; run < 100_000 && failures.length < 5; run++) {
      const d = new UhfDeframer();
      let s: number[];
      if (run % 2) {
        // Random bytes, small ones (short Lens) and 0x01 / 0x0A (the inventory cmd and address) made likely.
        s = Array.from({ length: 1 + Math.floor(rand() * 60) }, () => { const x = rand(); return x < 0.15 ? Math.floor(rand() * 8) : x < 0.3 ? (x < 0.22 ? 0x01 : 0x0a) : Math.floor(rand() * 256); });
      } else {
        s = [...good];
        const m = 1 + Math.floor(rand() * 4);
        for (let k = 0; k < m; k++) {
          const at = Math.floor(rand() * s.length);
          const op = rand();
          if (op < 0.5) s[at] = Math.floor(rand() * 256);
          else if (op < 0.75) s.splice(at, 1 + Math.floor(rand() * 3));
          else s.splice(at, 0, Math.floor(rand() * 256));
        }
      }
      const damageEnds = s.length;
      const stream = Uint8Array.from([...s, ...sentinel]);
      let sawSentinel = false;
      let sawAfterSilence = false;
      const strange: string[] = [];
      for (let i = 0; i < stream.length;) {
        const n = 1 + Math.floor(rand() * 12);
        const r = d.push(stream.subarray(i, i + n));
        i += n;
        for (const x of r.rejected) {
          rejections++;
          if (!REASONS.has(x.reason) || !x.detail || !(x.bytes > 0)) failures.push(`run ${run}: rejection ${JSON.stringify(x)}`);
        }
        for (const e of r.events) {
          events++;
          if (e.type !== 'inventory') continue;
          for (const epc of e.epcs) {
            if (!known.has(epc)) strange.push(epc);
            if (epc === hexOf(sentinelEpc)) sawSentinel = true;
          }
        }
        if (d.pending >= MAX_FRAME) failures.push(`run ${run}: ${d.pending} bytes pending`);
      }
      // The reader falls silent after its reply: the link resets the deframer, the next poll's reply comes.
      const waited = d.pending;
      const t = d.reset();
      if (t && (t.reason !== 'truncated' || t.bytes !== waited)) failures.push(`run ${run}: reset gave ${JSON.stringify(t)}`);
      for (const e of d.push(Uint8Array.from(sentinel)).events) if (e.type === 'inventory' && e.epcs[0] === hexOf(sentinelEpc)) sawAfterSilence = true;
      if (!sawAfterSilence) failures.push(`run ${run}: no frame read after a silence`);
      // Missing the first copy is fair only while a trusted Len still waits for its bytes (in step).
      if (!sawSentinel && waited > 0) { waitedOut++; sawSentinel = true; }
      if (!strange.length && sawSentinel) continue;
      const spans = collisions(Array.from(stream));
      const why = strange.every((epc) => spans.some((c) => c.hex.includes(epc))) &&
        (sawSentinel || spans.some((c) => c.from < damageEnds && c.to > damageEnds));
      if (why) explained++;
      else failures.push(`run ${run}: EPCs ${strange.join(',') || '-'}, sentinel ${sawSentinel ? 'read' : 'lost'}, stream ${hexOf(Array.from(stream))}`);
    }
    expect(failures).toEqual([]);
    // Each of these is a damaged span whose CRC still checks; their number is what a 16-bit CRC allows.
    expect(explained).toBeLessThanOrEqual(10);
    // Most of these are random streams whose first byte is a Len longer than the stream.
    expect(waitedOut).toBeLessThan(50_000);
    expect(events).toBeGreaterThan(100_000);
    expect(rejections).toBeGreaterThan(50_000);
  });
});
