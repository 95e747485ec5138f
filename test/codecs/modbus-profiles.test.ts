// Device profiles: the built-in models' registers decoded from raw words worked out by hand here,
// both word orders, float32 NaN / Infinity reported as faults, the fewest contiguous requests, and
// the schema a site file's own profile must pass.
import { describe, expect, it } from 'vitest';
import { BUILTIN_PROFILES, decodeReadings, profileSchema, recordRegisters, registerKey, requestsFor, type Profile } from '../../gateway/modbus/profiles.ts';

const regs = (fn: 3 | 4, start: number, words: number[]) => new Map(words.map((w, k) => [registerKey(fn, start + k), w]));
const P = (id: string) => BUILTIN_PROFILES[id]!;

describe('built-in profiles', () => {
  it('XY-MD02: the reply of PROTOCOLS.md (0x0131) is 30.5 °C; a negative temperature is signed', () => {
    expect(decodeReadings(P('xy-md02'), regs(4, 1, [0x0131, 0x0262]))).toEqual([
      { name: 'temperature', ok: true, value: 30.5, unit: '°C' },
      { name: 'humidity', ok: true, value: 61, unit: '%RH' },
    ]);
    expect(decodeReadings(P('xy-md02'), regs(4, 1, [0xff9c, 1]))[0]).toMatchObject({ value: -10 });
    expect(decodeReadings(P('sht20-x100'), regs(4, 1, [2345, 5012])).map((d) => d.ok && d.value)).toEqual([23.45, 50.12]);
  });

  it('float32 temperature and humidity, big word order', () => {
    // 21.5 = 0x41AC0000, 48.25 = 0x42410000
    expect(decodeReadings(P('th-float32'), regs(4, 0, [0x41ac, 0x0000, 0x4241, 0x0000])).map((d) => d.ok && d.value)).toEqual([21.5, 48.25]);
  });

  it('weighing: int32 in either word order, negative tare, float32 kilograms as grams', () => {
    // 123456 g = 0x0001E240
    expect(decodeReadings(P('weighing-int32'), regs(3, 0, [0x0001, 0xe240]))).toEqual([{ name: 'weight', ok: true, value: 123456, unit: 'g' }]);
    expect(decodeReadings(P('weighing-int32-le'), regs(3, 0, [0xe240, 0x0001]))[0]).toMatchObject({ value: 123456 });
    // -250 g = 0xFFFFFF06
    expect(decodeReadings(P('weighing-int32'), regs(3, 0, [0xffff, 0xff06]))[0]).toMatchObject({ value: -250 });
    // 12.5 kg = 0x41480000
    expect(decodeReadings(P('weighing-float32'), regs(3, 0, [0x4148, 0x0000]))[0]).toMatchObject({ value: 12500, unit: 'g' });
  });

  it('reports NaN and ±Infinity from a float32 as faults, and a register not read as missing', () => {
    for (const w of [[0x7fc0, 0], [0x7f80, 0], [0xff80, 0]]) {
      expect(decodeReadings(P('weighing-float32'), regs(3, 0, w))[0]).toMatchObject({ ok: false, fault: 'not_a_number' });
    }
    expect(decodeReadings(P('weighing-int32'), regs(3, 0, [1]))[0]).toMatchObject({ ok: false, fault: 'missing' });
  });

  it('reads each built-in model in one request', () => {
    expect(requestsFor(P('xy-md02'))).toEqual([{ fn: 4, address: 1, count: 2 }]);
    expect(requestsFor(P('th-float32'))).toEqual([{ fn: 4, address: 0, count: 4 }]);
    expect(requestsFor(P('weighing-int32'))).toEqual([{ fn: 3, address: 0, count: 2 }]);
  });
});

describe('site profiles', () => {
  const own = (readings: unknown[]) => profileSchema.safeParse({ id: 'my-model', readings });

  it('groups registers that touch or overlap, per function, never across a gap, at most maxCount each', () => {
    const p = profileSchema.parse({ id: 'mixed', readings: [
      { name: 'a', fn: 3, register: 10, type: 'int32', scale: 1, unit: 'g' },
      { name: 'b', fn: 3, register: 12, type: 'uint16', unit: 'x' },
      { name: 'c', fn: 3, register: 11, type: 'uint16', unit: 'x' },
      { name: 'd', fn: 3, register: 20, type: 'uint16', unit: 'x' },
      { name: 'e', fn: 4, register: 12, type: 'float32', unit: 'x' },
    ] });
    expect(requestsFor(p)).toEqual([{ fn: 3, address: 10, count: 3 }, { fn: 3, address: 20, count: 1 }, { fn: 4, address: 12, count: 2 }]);
    expect(requestsFor(p, 2)).toEqual([{ fn: 3, address: 10, count: 2 }, { fn: 3, address: 12, count: 1 }, { fn: 3, address: 20, count: 1 }, { fn: 4, address: 12, count: 2 }]);
    const reads = new Map<string, number>();
    recordRegisters(reads, { fn: 3, address: 10, count: 3 }, [0, 5, 7]);
    recordRegisters(reads, { fn: 3, address: 20, count: 1 }, [9]);
    recordRegisters(reads, { fn: 4, address: 12, count: 2 }, [0x3f80, 0]);
    expect(decodeReadings(p, reads).map((d) => d.ok && d.value)).toEqual([5, 7, 5, 9, 1]);
  });

  it('takes defaults for word order and scale, and refuses what cannot be read', () => {
    const ok = own([{ name: 'weight', fn: 3, register: 0, type: 'int32', unit: 'g' }]);
    expect(ok.success && (ok.data as Profile).readings[0]).toMatchObject({ wordOrder: 'big', scale: 1 });
    expect(own([]).success).toBe(false);
    expect(own([{ name: 'w', fn: 1, register: 0, type: 'int16', unit: 'g' }]).success).toBe(false);
    expect(own([{ name: 'w', fn: 3, register: 0, type: 'int64', unit: 'g' }]).success).toBe(false);
    expect(own([{ name: 'w', fn: 3, register: 0xffff, type: 'int32', unit: 'g' }]).success).toBe(false);
    expect(own([{ name: 'w', fn: 3, register: 0, type: 'int16', unit: 'g', scale: 0 }]).success).toBe(false);
    expect(own([{ name: 'w', fn: 3, register: 0, type: 'int16', unit: 'g' }, { name: 'w', fn: 3, register: 1, type: 'int16', unit: 'g' }]).success).toBe(false);
  });
});
