// The simulated R2000 shelf reader, in memory: the PROTOCOLS.md requests answered byte for byte,
// its errors, its address, and requests in any chunks or behind noise.
import { describe, expect, it } from 'vitest';
import { R2000Reader } from '../../../firmware-sim/serial/r2000.ts';
import { hex, r2000, r2000Check, show, talk } from './bytes.ts';

const EPC = '3034257BF7194E4000001A85';
const EPC2 = 'E28011606000020A7F1B2C3D';
const epcBytes = (e: string) => hex(e.match(/../g)!.join(' '));

/** A tag frame as PROTOCOLS.md describes it, the frequency bits taken from what was sent. */
function expectedTag(addr: number, sentFreqAnt: number, antenna: number, epc: string, rssiDbm: number): number[] {
  const bytes = epcBytes(epc);
  const freqAnt = (sentFreqAnt & 0xfc) | (antenna - 1);
  const pc = (bytes.length / 2) * 2048;
  return r2000(addr, 0x89, [freqAnt, Math.floor(pc / 256), pc % 256, ...bytes, rssiDbm + 129]);
}

describe('simulated R2000 reader', () => {
  it('answers A0 04 01 89 01 D1 with one frame per tag on the work antenna, then the end of the round', () => {
    const reader = new R2000Reader();
    reader.place(EPC, 1, -55);
    reader.place(EPC2.toLowerCase(), 1, -70);
    reader.place('300000000000000000000001', 2, -40);
    const out = talk(reader, hex('A0 04 01 89 01 D1'));
    expect(out).toHaveLength(3);
    expect(show(out[0]!)).toBe(show(expectedTag(1, out[0]![4]!, 1, EPC, -55)));
    expect(out[0]!.slice(0, 7)).toEqual([0xa0, 0x13, 0x01, 0x89, out[0]![4], 0x30, 0x00]);
    expect(out[0]![out[0]!.length - 2]).toBe(0x4a); // -55 dBm + 129
    expect(show(out[1]!)).toBe(show(expectedTag(1, out[1]![4]!, 1, EPC2, -70)));
    // End of round: Len 0A, antenna 0 (the first), read rate, 2 reads in all.
    const end = out[2]!;
    expect(end.slice(0, 5)).toEqual(hex('A0 0A 01 89 00'));
    expect(end.slice(7, 11)).toEqual([0, 0, 0, 2]);
    expect(end[11]).toBe(r2000Check(end.slice(0, 11)));
    for (const f of out) expect(f.reduce((a, b) => a + b, 0) % 256).toBe(0);
  });

  it('frames any whole-word EPC length with PC = words << 11', () => {
    const reader = new R2000Reader();
    const epcs = ['ABCD', '3034257BF7194E4000001A85', '0123456789ABCDEF0123456789ABCDEF', 'AB'.repeat(62)];
    for (const e of epcs) reader.place(e, 1, -60);
    const out = talk(reader, hex('A0 04 01 89 01 D1'));
    expect(out).toHaveLength(epcs.length + 1);
    epcs.forEach((e, i) => {
      expect(out[i]).toEqual(expectedTag(1, out[i]![4]!, 1, e, -60));
      expect(((out[i]![5]! << 8) | out[i]![6]!) >> 11).toBe(e.length / 4);
    });
    expect(() => reader.place('ABC', 1)).toThrow(/whole number of 16-bit words/);
    expect(() => reader.place('ABCDEF', 1)).toThrow(/whole number/);
  });

  it('switches antennas with 0x74, reports which with 0x75, and reads only the work antenna', () => {
    const reader = new R2000Reader({ connected: [1, 2, 3] });
    reader.place(EPC, 1);
    reader.move(EPC, 3, -48);
    expect(talk(reader, r2000(1, 0x89, [1]))).toEqual([r2000(1, 0x89, [0, 0, 0, 0, 0, 0, 0])]);
    expect(talk(reader, r2000(1, 0x74, [2]))).toEqual([hex('A0 04 01 74 10 D7')]);
    expect(talk(reader, r2000(1, 0x75, []))).toEqual([r2000(1, 0x75, [2])]);
    const out = talk(reader, r2000(1, 0x89, [1]));
    expect(out[0]).toEqual(expectedTag(1, out[0]![4]!, 3, EPC, -48));
    expect(out[0]![4]! & 3).toBe(2);
    expect(out[1]!.slice(0, 5)).toEqual(hex('A0 0A 01 89 02'));
    expect(reader.remove(EPC)).toBe(true);
    expect(reader.tags()[3]).toEqual([]);
  });

  it('answers 0x22 for a port without an antenna and 0x41 for a port the reader does not have', () => {
    const reader = new R2000Reader({ connected: [1, 2] });
    expect(talk(reader, r2000(1, 0x74, [3]))).toEqual([r2000(1, 0x74, [0x22])]);
    expect(talk(reader, r2000(1, 0x74, [4]))).toEqual([r2000(1, 0x74, [0x41])]);
    expect(reader.workAntenna).toBe(1);
    const eight = new R2000Reader({ ports: 8 });
    expect(talk(eight, r2000(1, 0x74, [7]))).toEqual([r2000(1, 0x74, [0x10])]);
    expect(talk(eight, r2000(1, 0x74, [8]))).toEqual([r2000(1, 0x74, [0x41])]);
    // Port 8's tags carry antenna bits 3 (8 wraps to 4); the end of round says 7, the whole port.
    eight.place(EPC, 8);
    const out = talk(eight, r2000(1, 0x89, [1]));
    expect(out[0]![4]! & 3).toBe(3);
    expect(out[1]![4]).toBe(7);
    // A cable pulled after the antenna was chosen: the inventory itself reports it.
    eight.setConnected(8, false);
    expect(talk(eight, r2000(1, 0x89, [1]))).toEqual([r2000(1, 0x89, [0x22])]);
  });

  it('ends an empty round with totalRead 0, or with error 0x36 where the firmware does that', () => {
    expect(talk(new R2000Reader(), hex('A0 04 01 89 01 D1'))).toEqual([r2000(1, 0x89, [0, 0, 0, 0, 0, 0, 0])]);
    expect(talk(new R2000Reader({ noTag: 'error' }), hex('A0 04 01 89 01 D1'))).toEqual([hex('A0 04 01 89 36 9C')]);
  });

  it('reports every read of a repeated round', () => {
    const reader = new R2000Reader();
    reader.place(EPC, 1);
    reader.place(EPC2, 1);
    const out = talk(reader, r2000(1, 0x89, [3]));
    expect(out).toHaveLength(7);
    expect(out[6]!.slice(7, 11)).toEqual([0, 0, 0, 6]);
  });

  it('says nothing to a reset (A0 03 01 70 EC) and fails an unknown command with 0x11', () => {
    const reader = new R2000Reader();
    talk(reader, r2000(1, 0x74, [1]));
    expect(talk(reader, hex('A0 03 01 70 EC'))).toEqual([]);
    expect(reader.workAntenna).toBe(1);
    expect(talk(reader, r2000(1, 0x72, []))).toEqual([r2000(1, 0x72, [0x11])]);
    expect(talk(reader, r2000(1, 0x72, []))[0]).toEqual(hex('A0 04 01 72 11 D8'));
  });

  it('hears nothing while it reboots after a reset', async () => {
    const reader = new R2000Reader({ rebootMs: 80 });
    expect(talk(reader, hex('A0 03 01 70 EC'), hex('A0 04 01 89 01 D1'))).toEqual([]);
    await new Promise((r) => setTimeout(r, 120));
    expect(talk(reader, hex('A0 04 01 89 01 D1'))).toHaveLength(1);
  });

  it('answers its own address and the broadcast, from its own address, and ignores the rest', () => {
    const reader = new R2000Reader({ address: 5 });
    expect(talk(reader, hex('A0 04 01 89 01 D1'))).toEqual([]);
    expect(talk(reader, r2000(0xff, 0x89, [1]))).toEqual([r2000(5, 0x89, [0, 0, 0, 0, 0, 0, 0])]);
    expect(talk(reader, r2000(5, 0x89, [1]))).toHaveLength(1);
    expect(reader.requests).toBe(2);
  });

  it('ignores a bad checksum and finds requests cut into single bytes or behind noise', () => {
    const reader = new R2000Reader();
    expect(talk(reader, hex('A0 04 01 89 01 D2'))).toEqual([]);
    const req = hex('A0 04 01 89 01 D1');
    expect(talk(reader, ...req.map((b) => [b]))).toHaveLength(1);
    expect(talk(reader, [0x13, 0xa0, 0x01, 0xff, ...req.slice(0, 3)], req.slice(3))).toHaveLength(1);
    // A stray head whose Len promises 200 bytes does not swallow the request after it.
    expect(talk(reader, [0xa0, 0xc8, 0x01, ...req])).toHaveLength(1);
    expect(talk(reader, [...req, ...r2000(1, 0x74, [1])])).toEqual([r2000(1, 0x89, [0, 0, 0, 0, 0, 0, 0]), r2000(1, 0x74, [0x10])]);
  });

  it('drops a partial request after a pause, as its UART does', async () => {
    const reader = new R2000Reader();
    expect(talk(reader, hex('A0 04 01'))).toEqual([]);
    await new Promise((r) => setTimeout(r, 80));
    expect(talk(reader, hex('A0 04 01 89 01 D1'))).toHaveLength(1);
  });

  it('takes its time when a round takes time, one round after another', async () => {
    const reader = new R2000Reader({ roundMs: 30 });
    reader.place(EPC, 1);
    const out: number[][] = [];
    const t0 = Date.now();
    reader.receive(Uint8Array.from([...hex('A0 04 01 89 01 D1'), ...hex('A0 04 01 89 01 D1')]), (f) => out.push([...f]));
    expect(out).toEqual([]);
    await new Promise((r) => setTimeout(r, 100));
    expect(out).toHaveLength(4);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(60);
    // 1 read in a 30 ms round: 33 reads a second.
    expect((out[1]![5]! << 8) | out[1]![6]!).toBe(33);
  });
});
