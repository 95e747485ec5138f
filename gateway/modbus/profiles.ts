// What a device model's registers mean (PROTOCOLS.md, serial section): which registers, read with
// which function, of which type and word order, scaled to which unit. The site file names a profile
// by id and may define its own; the built-in ones are the models on site. Pure: raw registers in,
// values (or faults) out, and the requests that fetch them.
import type { RegisterFn } from '../codecs/modbus.ts';

export { readingSchema, profileSchema, type Reading, type Profile } from '../../edge/site/modbus-profile.ts';
import { profileSchema, words, type Profile, type Reading } from '../../edge/site/modbus-profile.ts';

const r = (name: string, fn: RegisterFn, register: number, type: Reading['type'], scale: number, unit: string, wordOrder: Reading['wordOrder'] = 'big'): Reading =>
  ({ name, fn, register, type, wordOrder, scale, unit });

export const BUILTIN_PROFILES: Record<string, Profile> = Object.fromEntries(([
  // XY-MD02 / SHT20 RS-485 sensors: input registers 1 and 2, signed tenths (or hundredths).
  { id: 'xy-md02', readings: [r('temperature', 4, 1, 'int16', 0.1, '°C'), r('humidity', 4, 2, 'int16', 0.1, '%RH')] },
  { id: 'sht20-x100', readings: [r('temperature', 4, 1, 'int16', 0.01, '°C'), r('humidity', 4, 2, 'int16', 0.01, '%RH')] },
  { id: 'th-float32', readings: [r('temperature', 4, 0, 'float32', 1, '°C'), r('humidity', 4, 2, 'float32', 1, '%RH')] },
  // Weighing transmitters: the weight in holding register 0 (and 1), grams.
  { id: 'weighing-int32', readings: [r('weight', 3, 0, 'int32', 1, 'g')] },
  { id: 'weighing-int32-le', readings: [r('weight', 3, 0, 'int32', 1, 'g', 'little')] },
  { id: 'weighing-float32', readings: [r('weight', 3, 0, 'float32', 1000, 'g')] },
] satisfies Profile[]).map((p) => [p.id, profileSchema.parse(p)]));

/** The key of one raw register in the map `decodeReadings` reads. */
export const registerKey = (fn: RegisterFn, register: number) => `${fn}:${register}`;

export type Decoded =
  | { name: string; ok: true; value: number; unit: string }
  | { name: string; ok: false; fault: 'missing' | 'not_a_number'; detail: string };

/** Scales without the float noise of 305 × 0.1 = 30.500000000000004 where the scale is a whole divisor. */
function scaled(raw: number, scale: number): number {
  const inv = 1 / scale;
  return Math.abs(scale) < 1 && Number.isInteger(Math.round(inv)) && Math.abs(inv - Math.round(inv)) < 1e-9 ? raw / Math.round(inv) : raw * scale;
}

/** Each reading's value from the raw registers read (`registerKey(fn, register)` → 0..65535). */
export function decodeReadings(profile: Profile, reads: ReadonlyMap<string, number>): Decoded[] {
  return profile.readings.map((rd): Decoded => {
    const first = reads.get(registerKey(rd.fn, rd.register));
    const second = words(rd.type) === 2 ? reads.get(registerKey(rd.fn, rd.register + 1)) : 0;
    if (first === undefined || second === undefined) return { name: rd.name, ok: false, fault: 'missing', detail: `register ${rd.register} (fn ${rd.fn}) was not read` };
    const [hi, lo] = rd.wordOrder === 'big' ? [first, second] : [second, first];
    let raw: number;
    switch (rd.type) {
      case 'uint16': raw = first & 0xffff; break;
      case 'int16': raw = (first << 16) >> 16; break;
      case 'uint32': raw = ((hi << 16) | lo) >>> 0; break;
      case 'int32': raw = (hi << 16) | lo; break;
      case 'float32': {
        const v = new DataView(new ArrayBuffer(4));
        v.setUint16(0, hi);
        v.setUint16(2, lo);
        raw = v.getFloat32(0);
      }
    }
    // A float32 of NaN or ±Infinity is what a transmitter sends when it has no weight (overload,
    // not settled, a broken cell): a fault to report, never a number to store.
    if (!Number.isFinite(raw)) return { name: rd.name, ok: false, fault: 'not_a_number', detail: `${rd.type} ${raw} in register ${rd.register}` };
    return { name: rd.name, ok: true, value: scaled(raw, rd.scale), unit: rd.unit };
  });
}

export interface RegisterRequest { fn: RegisterFn; address: number; count: number }

/**
 * The fewest reads that fetch every register of a profile: per function, registers that touch or
 * overlap are read together, up to `maxCount` a request. A gap is never read across, since a register
 * a model does not have may answer "illegal data address" for the whole request.
 */
export function requestsFor(profile: Profile, maxCount = 125): RegisterRequest[] {
  const out: RegisterRequest[] = [];
  for (const fn of [3, 4] as const) {
    const spans = profile.readings.filter((x) => x.fn === fn).map((x) => [x.register, x.register + words(x.type)] as const).sort((a, b) => a[0] - b[0]);
    let cur: RegisterRequest | null = null;
    for (const [from, to] of spans) {
      if (cur && from <= cur.address + cur.count && Math.max(to, cur.address + cur.count) - cur.address <= maxCount) {
        cur.count = Math.max(to, cur.address + cur.count) - cur.address;
        continue;
      }
      cur = { fn, address: from, count: to - from };
      out.push(cur);
    }
  }
  return out;
}

/** Puts the registers one request returned into the map `decodeReadings` reads. */
export function recordRegisters(into: Map<string, number>, req: RegisterRequest, registers: readonly number[]): Map<string, number> {
  registers.forEach((v, k) => into.set(registerKey(req.fn, req.address + k), v));
  return into;
}
