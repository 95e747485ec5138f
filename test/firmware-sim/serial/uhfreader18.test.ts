// The simulated UHFReader18 / CF-RU5102 desk reader, in memory: the PROTOCOLS.md frames byte for
// byte, several labels at once, more labels than one frame holds, and what it does not answer.
import { describe, expect, it } from 'vitest';
import { UhfReader18 } from '../../../firmware-sim/serial/uhfreader18.ts';
import { hex, show, talk, withMcrfCrc } from './bytes.ts';

const A = 'E2003412013AF90012345678';
const B = '3034257BF7194E4000001A85';
const bytesOf = (e: string) => e.match(/../g)!.map((x) => parseInt(x, 16));

describe('simulated UHFReader18 desk reader', () => {
  it('answers an inventory to address 0 with nothing on the desk with exactly 05 00 01 FB F2 3D', () => {
    const desk = new UhfReader18();
    expect(show(withMcrfCrc([0x04, 0x00, 0x01]))).toBe('04 00 01 DB 4B');
    expect(talk(desk, hex('04 00 01 DB 4B')).map(show)).toEqual(['05 00 01 FB F2 3D']);
  });

  it('reads 04 0A 01 AB B6 as an inventory to address 0x0A, and reports both labels held near it', () => {
    // The CRC decides the layout: over 04 0A 01 it is B6AB, sent low byte first.
    expect(withMcrfCrc([0x04, 0x0a, 0x01])).toEqual(hex('04 0A 01 AB B6'));
    const desk = new UhfReader18({ address: 0x0a });
    desk.present([A, B.toLowerCase()]);
    const out = talk(desk, hex('04 0A 01 AB B6'));
    const data = [2, 12, ...bytesOf(A), 12, ...bytesOf(B)];
    expect(out.map(show)).toEqual([show(withMcrfCrc([data.length + 5, 0x0a, 0x01, 0x01, ...data]))]);
    expect(out[0]![0]).toBe(out[0]!.length - 1);
    desk.remove(A);
    expect(talk(desk, hex('04 0A 01 AB B6'))[0]!.slice(4, 6)).toEqual([1, 12]);
  });

  it('answers the broadcast address from its own and ignores other addresses and bad CRCs', () => {
    const desk = new UhfReader18({ address: 3 });
    expect(talk(desk, withMcrfCrc([0x04, 0xff, 0x01])).map(show)).toEqual([show(withMcrfCrc([0x05, 0x03, 0x01, 0xfb]))]);
    expect(talk(desk, hex('04 00 01 DB 4B'))).toEqual([]);
    expect(talk(desk, withMcrfCrc([0x04, 0x03, 0x01]).map((b, i) => (i === 4 ? b ^ 1 : b)))).toEqual([]);
    expect(desk.requests).toBe(1);
  });

  it('puts the labels of a full desk in several frames, 0x03 on all but the last', () => {
    const desk = new UhfReader18();
    const epcs = Array.from({ length: 25 }, (_, i) => `E200000000000000000000${i.toString(16).padStart(2, '0').toUpperCase()}`);
    desk.present(epcs);
    const out = talk(desk, hex('04 00 01 DB 4B'));
    expect(out.length).toBe(2);
    expect(out.map((f) => f[3])).toEqual([0x03, 0x01]);
    const seen: string[] = [];
    for (const f of out) {
      expect(f.length).toBeLessThanOrEqual(256);
      expect(f).toEqual(withMcrfCrc(f.slice(0, -2)));
      let at = 5;
      for (let n = 0; n < f[4]!; n++) {
        const len = f[at]!;
        seen.push(show(f.slice(at + 1, at + 1 + len)).replace(/ /g, ''));
        at += 1 + len;
      }
      expect(at).toBe(f.length - 2);
    }
    expect(seen).toEqual(epcs);
  });

  it('answers 0xFE to a command it does not know and 0xFF to a TID inventory', () => {
    const desk = new UhfReader18();
    expect(talk(desk, withMcrfCrc([0x04, 0x00, 0x21]))).toEqual([withMcrfCrc([0x05, 0x00, 0x00, 0xfe])]);
    expect(talk(desk, withMcrfCrc([0x06, 0x00, 0x01, 0x00, 0x06]))).toEqual([withMcrfCrc([0x05, 0x00, 0x01, 0xff])]);
  });

  it('finds requests cut into single bytes, glued together, or after noise', () => {
    const desk = new UhfReader18();
    const req = hex('04 00 01 DB 4B');
    expect(talk(desk, ...req.map((b) => [b]))).toHaveLength(1);
    expect(talk(desk, [...req, ...req])).toHaveLength(2);
    expect(talk(desk, [0x00, 0x02, 0x77, ...req])).toHaveLength(1);
  });
});
