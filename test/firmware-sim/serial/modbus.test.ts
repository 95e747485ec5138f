// The simulated Modbus slaves, in memory: the PROTOCOLS.md request answered byte for byte, the
// weight models' register layouts, exceptions, a shared bus, RTU requests in chunks, and MBAP.
import { describe, expect, it } from 'vitest';
import { ModbusBus } from '../../../firmware-sim/serial/modbus-slave.ts';
import { hex, show, talk, withModbusCrc } from './bytes.ts';

const read = (unit: number, fn: number, start: number, count: number) => withModbusCrc([unit, fn, start >> 8, start & 0xff, count >> 8, count & 0xff]);

describe('simulated Modbus slaves', () => {
  it('answers 01 04 00 01 00 01 60 0A from an XY-MD02 at 30.5 °C with 01 04 02 01 31 79 74', () => {
    const bus = new ModbusBus([{ unit: 1, model: 'xy-md02', temperatureC: 30.5, humidityPct: 61.2 }]);
    expect(read(1, 4, 1, 1)).toEqual(hex('01 04 00 01 00 01 60 0A'));
    expect(talk(bus.rtu(), hex('01 04 00 01 00 01 60 0A')).map(show)).toEqual(['01 04 02 01 31 79 74']);
    expect(talk(bus.rtu(), read(1, 4, 1, 2))).toEqual([withModbusCrc([1, 4, 4, 0x01, 0x31, 0x02, 0x64])]);
    bus.slave(1).temperatureC = -5.5;
    expect(talk(bus.rtu(), read(1, 4, 1, 1))).toEqual([withModbusCrc([1, 4, 2, 0xff, 0xc9])]);
    // Its settings: holding 0x0101 its address.
    expect(talk(bus.rtu(), read(1, 3, 0x0101, 1))).toEqual([withModbusCrc([1, 3, 2, 0x00, 0x01])]);
  });

  it('lays a weight out as int32 grams in either word order, or float32 kilograms', () => {
    const bus = new ModbusBus([
      { unit: 2, model: 'weight-int32-be', grams: 123456 },
      { unit: 3, model: 'weight-int32-le', grams: 123456 },
      { unit: 4, model: 'weight-float32-be', grams: 1500 },
      { unit: 5, model: 'weight-float32-le', grams: 1500 },
    ]);
    const line = bus.rtu();
    // 123456 = 0x0001E240; 1.5 as float32 = 0x3FC00000.
    expect(talk(line, read(2, 3, 0, 2))).toEqual([withModbusCrc([2, 3, 4, 0x00, 0x01, 0xe2, 0x40])]);
    expect(talk(line, read(3, 3, 0, 2))).toEqual([withModbusCrc([3, 3, 4, 0xe2, 0x40, 0x00, 0x01])]);
    expect(talk(line, read(4, 3, 0, 2))).toEqual([withModbusCrc([4, 3, 4, 0x3f, 0xc0, 0x00, 0x00])]);
    expect(talk(line, read(5, 3, 0, 2))).toEqual([withModbusCrc([5, 3, 4, 0x00, 0x00, 0x3f, 0xc0])]);
    bus.slave(2).grams = -250; // below the tare
    expect(talk(line, read(2, 3, 0, 2))).toEqual([withModbusCrc([2, 3, 4, 0xff, 0xff, 0xff, 0x06])]);
  });

  it('answers exception 02 beyond its map, 01 to a function it lacks, 03 to a bad count', () => {
    const line = new ModbusBus([{ unit: 7, model: 'weight-int32-be', grams: 10 }]).rtu();
    expect(talk(line, read(7, 3, 1, 2))).toEqual([withModbusCrc([7, 0x83, 0x02])]);
    expect(talk(line, read(7, 4, 0, 1))).toEqual([withModbusCrc([7, 0x84, 0x02])]);
    expect(talk(line, read(7, 6, 0, 1))).toEqual([withModbusCrc([7, 0x86, 0x01])]);
    expect(talk(line, read(7, 3, 0, 0))).toEqual([withModbusCrc([7, 0x83, 0x03])]);
    expect(talk(line, read(7, 3, 0, 126))).toEqual([withModbusCrc([7, 0x83, 0x03])]);
  });

  it('shares one line: only the addressed slave answers, nobody answers a bad CRC, a silent unit or a broadcast', () => {
    const bus = new ModbusBus([{ unit: 1, model: 'xy-md02' }, { unit: 9, model: 'weight-int32-be', grams: 5 }]);
    const line = bus.rtu();
    expect(talk(line, read(3, 3, 0, 2))).toEqual([]);
    expect(talk(line, read(9, 3, 0, 2).map((b, i) => (i === 7 ? b ^ 0x10 : b)))).toEqual([]);
    expect(talk(line, read(0, 3, 0, 2))).toEqual([]);
    bus.slave(9).silent = true;
    expect(talk(line, read(9, 3, 0, 2))).toEqual([]);
    expect(talk(line, read(1, 4, 1, 1))).toHaveLength(1);
    bus.slave(9).silent = false;
    // After the bad frame the line is in step again.
    expect(talk(line, [...read(3, 3, 0, 2), ...read(9, 3, 0, 2)])).toEqual([withModbusCrc([9, 3, 4, 0, 0, 0, 5])]);
  });

  it('reassembles a request split over chunks, and finds one after noise', () => {
    const line = new ModbusBus([{ unit: 1, model: 'xy-md02', temperatureC: 30.5 }]).rtu();
    const req = hex('01 04 00 01 00 01 60 0A');
    expect(talk(line, req.slice(0, 3), req.slice(3, 5), req.slice(5))).toEqual([hex('01 04 02 01 31 79 74')]);
    expect(talk(line, ...req.map((b) => [b]))).toHaveLength(1);
    expect(talk(line, [0x55, 0x01], req)).toEqual([hex('01 04 02 01 31 79 74')]);
  });

  it('adds noise around the weight when asked', () => {
    const bus = new ModbusBus([{ unit: 1, model: 'weight-int32-be', grams: 1000, noiseGrams: 3 }]);
    const seen = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const [f] = talk(bus.rtu(), read(1, 3, 0, 2));
      const v = ((f![3]! << 24) | (f![4]! << 16) | (f![5]! << 8) | f![6]!) | 0;
      expect(Math.abs(v - 1000)).toBeLessThanOrEqual(3);
      seen.add(v);
    }
    expect(seen.size).toBeGreaterThan(1);
  });

  it('speaks Modbus TCP: MBAP in, the same transaction id out, 0x0B for a unit not on the bus', () => {
    const bus = new ModbusBus([{ unit: 1, model: 'xy-md02', temperatureC: 30.5 }]);
    const line = bus.tcp();
    const req = hex('12 34 00 00 00 06 01 04 00 01 00 01');
    expect(talk(line, req).map(show)).toEqual(['12 34 00 00 00 05 01 04 02 01 31']);
    expect(talk(line, req.slice(0, 4), req.slice(4, 9), req.slice(9))).toHaveLength(1);
    expect(talk(line, hex('00 07 00 00 00 06 05 03 00 00 00 02')).map(show)).toEqual(['00 07 00 00 00 03 05 83 0B']);
    expect(talk(new ModbusBus([], { missingUnit: 'silent' }).tcp(), hex('00 07 00 00 00 06 05 03 00 00 00 02'))).toEqual([]);
    // Another protocol id is not Modbus: skipped, and the next request still answered.
    expect(talk(line, [...hex('00 01 00 01 00 06 01 04 00 01 00 01'), ...req])).toHaveLength(1);
  });
});
