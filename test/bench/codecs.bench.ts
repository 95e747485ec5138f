// 6. The serial codecs: frames decoded per second from a large pre-built stream of valid frames pushed
// in serial-port-sized chunks, against the raw limit of a loop that only finds the frame boundaries
// in the same bytes (reads each Len and skips), and, as a diagnostic, the same loop computing each
// frame's checksum. R2000 tag frames, UHFReader18 inventory replies (one
// 96-bit EPC each), Modbus RTU replies of two registers (an XY-MD02 poll: expect, then its reply).
import { R2000Deframer } from '../../gateway/codecs/r2000.ts';
import { UhfDeframer } from '../../gateway/codecs/uhfreader18.ts';
import { RtuReplyDeframer } from '../../gateway/codecs/modbus.ts';
import { crc16Mcrf4xx, crc16Modbus } from '../../gateway/codecs/crc16.ts';
import { sizes } from './config.ts';
import { Recorder, median, type Figure } from './report.ts';

export const name = 'codecs';
export const description = `R2000, UHFReader18 and Modbus RTU deframers over ${sizes.codecFrames.toLocaleString('en-US')} frames each in ${sizes.codecChunk}-byte chunks, vs finding the frame boundaries alone`;

const epc = (i: number) => [0x30, 0x34, 0x25, 0x7b, 0xf7, 0x19, 0x4e, 0x40, (i >>> 24) & 0xff, (i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff];

function r2000Stream(n: number): Uint8Array {
  const out = new Uint8Array(n * 21);
  for (let i = 0; i < n; i++) {
    const body = [0xa0, 19, 1, 0x89, i & 3, 0x30, 0x00, ...epc(i), 0x40 + (i & 15)];
    const sum = body.reduce((a, b) => (a + b) & 0xff, 0);
    out.set([...body, (0x100 - sum) & 0xff], i * 21);
  }
  return out;
}

function uhfStream(n: number): Uint8Array {
  const out = new Uint8Array(n * 20);
  for (let i = 0; i < n; i++) {
    const body = [19, 0x0a, 0x01, 0x01, 1, 12, ...epc(i)];
    const c = crc16Mcrf4xx(body);
    out.set([...body, c & 0xff, c >>> 8], i * 20);
  }
  return out;
}

function rtuStream(n: number): Uint8Array {
  const out = new Uint8Array(n * 9);
  for (let i = 0; i < n; i++) {
    const body = [1, 4, 4, (i >>> 8) & 0xff, i & 0xff, 0x02, 0x62];
    const c = crc16Modbus(body);
    out.set([...body, c & 0xff, c >>> 8], i * 9);
  }
  return out;
}

interface Case { label: string; stream: Uint8Array; frames: number; decode(): number; raw(): number; checked(): number }

function cases(n: number, chunk: number): Case[] {
  const chunked = (s: Uint8Array, push: (c: Uint8Array) => number) => {
    let frames = 0;
    for (let i = 0; i < s.length; i += chunk) frames += push(s.subarray(i, i + chunk));
    return frames;
  };
  const r2000 = r2000Stream(n);
  const uhf = uhfStream(n);
  const rtu = rtuStream(n);
  return [
    {
      label: 'R2000 tag frames', stream: r2000, frames: n,
      decode: () => { const d = new R2000Deframer(); return chunked(r2000, (c) => d.push(c).events.length); },
      // The boundaries alone: each frame is A0, Len, and Len bytes more.
      raw: () => { let f = 0; for (let i = 0; i + 1 < r2000.length; i += 2 + r2000[i + 1]!) if (r2000[i] === 0xa0) f++; return f; },
      checked: () => {
        let f = 0;
        for (let i = 0; i + 1 < r2000.length; i += 2 + r2000[i + 1]!) {
          let sum = 0;
          const end = i + 1 + r2000[i + 1]!;
          for (let k = i; k < end; k++) sum = (sum + r2000[k]!) & 0xff;
          if (((0x100 - sum) & 0xff) === r2000[end]) f++;
        }
        return f;
      },
    },
    {
      label: 'UHFReader18 inventory replies', stream: uhf, frames: n,
      decode: () => { const d = new UhfDeframer(); return chunked(uhf, (c) => d.push(c).events.length); },
      raw: () => { let f = 0; for (let i = 0; i < uhf.length; i += 1 + uhf[i]!) f++; return f; },
      checked: () => { let f = 0; for (let i = 0; i < uhf.length; i += 1 + uhf[i]!) { const e = i + 1 + uhf[i]!; const c = crc16Mcrf4xx(uhf, i, e - 2); if (uhf[e - 2] === (c & 0xff) && uhf[e - 1] === c >>> 8) f++; } return f; },
    },
    {
      // One reply awaited at a time, as a master does: expect(), then that reply's bytes.
      label: 'Modbus RTU replies (2 registers)', stream: rtu, frames: n,
      decode: () => {
        const d = new RtuReplyDeframer();
        let f = 0;
        for (let i = 0; i < rtu.length; i += 9) {
          d.expect({ unit: 1, fn: 4, count: 2 });
          for (let k = i; k < i + 9; k += chunk) f += d.push(rtu.subarray(k, Math.min(i + 9, k + chunk))).events.length;
        }
        return f;
      },
      raw: () => { let f = 0; for (let i = 0; i + 2 < rtu.length; i += 5 + rtu[i + 2]!) f++; return f; },
      checked: () => { let f = 0; for (let i = 0; i + 2 < rtu.length; i += 5 + rtu[i + 2]!) { const e = i + 5 + rtu[i + 2]!; const c = crc16Modbus(rtu, i, e - 2); if (rtu[e - 2] === (c & 0xff) && rtu[e - 1] === c >>> 8) f++; } return f; },
    },
  ];
}

export async function run(): Promise<Figure[]> {
  const rec = new Recorder(name);
  const n = sizes.codecFrames;
  const slices = 5;
  for (const c of cases(n, sizes.codecChunk)) {
    // Warm up both, then take turns so that whatever else the machine does falls on both alike.
    c.decode();
    c.raw();
    c.checked();
    const ms: Record<'dec' | 'raw' | 'chk', number[]> = { dec: [], raw: [], chk: [] };
    const order = [['dec', c.decode], ['raw', c.raw], ['chk', c.checked]] as const;
    for (let s = 0; s < slices; s++) {
      for (let j = 0; j < order.length; j++) {
        const [key, fn] = order[(s + j) % order.length]!;
        const t = performance.now();
        const got = fn();
        ms[key].push(performance.now() - t);
        if (got !== c.frames) throw new Error(`${c.label}: ${got} frames found, ${c.frames} in the stream`);
      }
    }
    const rate = (xs: number[]) => (c.frames / median(xs)) * 1000;
    rec.log(`${c.label}: ${(c.stream.length / 1e6).toFixed(1)} MB; per run decode ${ms.dec.map((x) => x.toFixed(0)).join('/')} ms, ` +
      `boundaries ${ms.raw.map((x) => x.toFixed(1)).join('/')} ms, boundaries and checksums ${ms.chk.map((x) => x.toFixed(0)).join('/')} ms`);
    rec.add({
      name: `${c.label}, ${sizes.codecChunk}-byte chunks`, value: rate(ms.dec), unit: 'frames/s', better: 'higher',
      raw: { name: 'frame boundaries only', value: rate(ms.raw) },
      note: `median of ${slices} runs of ${n.toLocaleString('en-US')} frames; at 115200 baud a line carries about ${Math.round(11520 / (c.stream.length / n)).toLocaleString('en-US')} such frames/s`,
    });
    rec.add({
      name: `diag: ${c.label}`, value: rate(ms.dec), unit: 'frames/s', better: 'higher',
      raw: { name: 'boundaries and each checksum', value: rate(ms.chk) },
      note: 'the same decode against the work no deframer can skip: one checksum per frame',
    });
  }
  return rec.figures;
}
