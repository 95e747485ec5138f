/**
 * Simulated Modbus slaves on one RS-485 bus: weighing transmitters (load cells under the shelves
 * of weighed property) and an XY-MD02 temperature/humidity sensor. RTU frames are
 * `Addr | Fn | Data | CRC-lo | CRC-hi` with CRC-16/MODBUS; over TCP the same PDUs travel either as
 * RTU bytes (a transparent RS-485 converter) or behind an MBAP header (Modbus TCP).
 *
 * Functions 3 (holding) and 4 (input registers) are served; any other function gets exception 01,
 * a register outside the model's map exception 02, a count outside 1..125 exception 03. Like a
 * real slave on a shared line, it says nothing to a request for another unit or with a bad CRC.
 */
import { MODBUS_POLY, crcOk, seeded, withCrc } from './checks.ts';
import { Pending, nextGoodFrame, type LineHandler, type Reply } from './line.ts';

export const MODBUS_EXCEPTION = { illegalFunction: 0x01, illegalAddress: 0x02, illegalValue: 0x03, gatewayTargetFailed: 0x0b } as const;
const READ_HOLDING = 3;
const READ_INPUT = 4;

/**
 * `weight-int32-be`: holding registers 0-1, grams as int32, high word first; `-le` low word first.
 * `weight-float32-be` / `-le`: the same registers, kilograms as IEEE float32.
 * `xy-md02`: input register 1 temperature ×10 °C, 2 humidity ×10 %RH (signed int16); holding
 * 0x0101 its address and 0x0102 its baud code (0 = 9600), as the sensor's own settings.
 */
export type SlaveModel = 'weight-int32-be' | 'weight-int32-le' | 'weight-float32-be' | 'weight-float32-le' | 'xy-md02';
export const SLAVE_MODELS: readonly SlaveModel[] = ['weight-int32-be', 'weight-int32-le', 'weight-float32-be', 'weight-float32-le', 'xy-md02'];

export interface SlaveOptions {
  unit: number;
  model: SlaveModel;
  grams?: number;
  /** Each read of the weight is off by up to ± this many grams, as a settling load cell is. Default 0. */
  noiseGrams?: number;
  temperatureC?: number;
  humidityPct?: number;
  seed?: number;
}

const int16 = (v: number) => Math.max(-32768, Math.min(32767, Math.round(v))) & 0xffff;

export class ModbusSlave {
  readonly unit: number;
  readonly model: SlaveModel;
  grams: number;
  noiseGrams: number;
  temperatureC: number;
  humidityPct: number;
  /** A dead sensor on a live bus: it stops answering, the others do not. */
  silent = false;
  private readonly rng: () => number;

  constructor(o: SlaveOptions) {
    if (!Number.isInteger(o.unit) || o.unit < 1 || o.unit > 247) throw new Error(`Modbus unit ${o.unit} is not 1..247`);
    if (!SLAVE_MODELS.includes(o.model)) throw new Error(`unknown Modbus slave model "${o.model}"`);
    this.unit = o.unit;
    this.model = o.model;
    this.grams = o.grams ?? 0;
    this.noiseGrams = o.noiseGrams ?? 0;
    this.temperatureC = o.temperatureC ?? 22;
    this.humidityPct = o.humidityPct ?? 50;
    this.rng = seeded(o.seed ?? o.unit);
  }

  /**
   * The registers a function reads right now, sampled once per request so that the two words of
   * one weight belong to the same reading.
   */
  registers(fn: number): Map<number, number> {
    const m = new Map<number, number>();
    if (this.model === 'xy-md02') {
      if (fn === READ_INPUT) {
        m.set(1, int16(this.temperatureC * 10));
        m.set(2, int16(this.humidityPct * 10));
      } else if (fn === READ_HOLDING) {
        m.set(0x0101, this.unit);
        m.set(0x0102, 0);
      }
      return m;
    }
    if (fn !== READ_HOLDING) return m;
    const grams = this.grams + (this.noiseGrams ? (this.rng() * 2 - 1) * this.noiseGrams : 0);
    const b = new DataView(new ArrayBuffer(4));
    if (this.model.startsWith('weight-int32')) b.setInt32(0, Math.round(grams));
    else b.setFloat32(0, grams / 1000);
    const hi = b.getUint16(0);
    const lo = b.getUint16(2);
    const highFirst = this.model.endsWith('-be');
    m.set(0, highFirst ? hi : lo);
    m.set(1, highFirst ? lo : hi);
    return m;
  }

  /** The response PDU (function code on) to a request PDU. */
  answer(pdu: number[]): number[] {
    const fn = pdu[0]!;
    if (fn !== READ_HOLDING && fn !== READ_INPUT) return [fn | 0x80, MODBUS_EXCEPTION.illegalFunction];
    if (pdu.length !== 5) return [fn | 0x80, MODBUS_EXCEPTION.illegalValue];
    const start = (pdu[1]! << 8) | pdu[2]!;
    const count = (pdu[3]! << 8) | pdu[4]!;
    if (count < 1 || count > 125) return [fn | 0x80, MODBUS_EXCEPTION.illegalValue];
    const regs = this.registers(fn);
    const data: number[] = [];
    for (let a = start; a < start + count; a++) {
      const v = regs.get(a);
      if (v === undefined) return [fn | 0x80, MODBUS_EXCEPTION.illegalAddress];
      data.push(v >>> 8, v & 0xff);
    }
    return [fn, data.length, ...data];
  }
}

export interface BusOptions {
  /**
   * Modbus TCP only: a request for a unit that is not on the bus gets exception 0x0B (what a
   * Modbus TCP gateway answers when its RS-485 side stays quiet, default), or nothing.
   */
  missingUnit?: 'exception' | 'silent';
}

/** The slaves sharing one line; a line handler (RTU or MBAP framing) carries requests to them. */
export class ModbusBus {
  readonly slaves = new Map<number, ModbusSlave>();
  requests = 0;

  constructor(slaves: SlaveOptions[] = [], readonly options: BusOptions = {}) {
    for (const s of slaves) this.add(s);
  }

  add(o: SlaveOptions): ModbusSlave {
    if (this.slaves.has(o.unit)) throw new Error(`two slaves at unit ${o.unit} on one bus`);
    const s = new ModbusSlave(o);
    this.slaves.set(o.unit, s);
    return s;
  }

  slave(unit: number): ModbusSlave {
    const s = this.slaves.get(unit);
    if (!s) throw new Error(`no slave at unit ${unit}`);
    return s;
  }

  /** The response PDU, or undefined when nobody on the line speaks. */
  answer(unit: number, pdu: number[]): number[] | undefined {
    const s = this.slaves.get(unit);
    if (!s || s.silent) return undefined;
    this.requests++;
    return s.answer(pdu);
  }

  rtu(): LineHandler {
    return new ModbusRtuLine(this);
  }

  tcp(): LineHandler {
    return new ModbusTcpLine(this);
  }
}

/**
 * The length of an RTU request from its first bytes, or 0 while too few have come to say. Fixed
 * for functions 1-6, counted for 15 and 16; other functions have no length the slave can know.
 */
function rtuRequestLength(b: number[]): number | undefined {
  if (b.length < 2) return 0;
  const fn = b[1]!;
  if (fn >= 1 && fn <= 6) return 8;
  if (fn === 15 || fn === 16) return b.length < 7 ? 0 : 9 + b[6]!;
  return undefined;
}

export class ModbusRtuLine implements LineHandler {
  readonly baudRate = 9600;
  // 3.5 characters at 9600 baud is 4 ms; a TCP converter or a loaded PTY delivers bytes of one
  // request further apart than that, so the gap that ends a partial frame is far longer here.
  private readonly pending = new Pending(50);

  constructor(readonly bus: ModbusBus) {}

  reset(): void {
    this.pending.clear();
  }

  receive(chunk: Uint8Array, reply: Reply): void {
    this.pending.push(chunk);
    const buf = this.pending.bytes;
    while (buf.length >= 4) {
      let len = rtuRequestLength(buf);
      if (len === undefined && crcOk(MODBUS_POLY, buf)) {
        // A function of unknown length: all that has come is the frame, since its CRC says so.
        len = buf.length;
      }
      if (!len || buf.length < len) {
        const next = nextGoodFrame(buf, (i) => rtuRequestLength(buf.slice(i)), (f) => crcOk(MODBUS_POLY, f));
        if (next < 0) return;
        this.pending.drop(next);
        continue;
      }
      const frame = buf.slice(0, len);
      if (!crcOk(MODBUS_POLY, frame)) {
        this.pending.drop(1);
        continue;
      }
      this.pending.drop(len);
      // Unit 0 is a broadcast: slaves act on writes to it but never answer.
      if (frame[0] === 0) continue;
      const pdu = this.bus.answer(frame[0]!, frame.slice(1, len - 2));
      if (pdu) reply(withCrc(MODBUS_POLY, [frame[0]!, ...pdu]));
    }
  }
}

export class ModbusTcpLine implements LineHandler {
  readonly baudRate = 9600;
  private readonly pending = new Pending(1_000);

  constructor(readonly bus: ModbusBus) {}

  reset(): void {
    this.pending.clear();
  }

  receive(chunk: Uint8Array, reply: Reply): void {
    this.pending.push(chunk);
    const buf = this.pending.bytes;
    while (buf.length >= 7) {
      const length = (buf[4]! << 8) | buf[5]!;
      // Unit and function at least, and a PDU fits 253 bytes: anything else means the stream
      // lost its framing, and with no sync byte in MBAP the only way back is to start afresh.
      if (length < 2 || length > 254) return this.pending.clear();
      if (buf.length < 6 + length) return;
      const frame = buf.slice(0, 6 + length);
      this.pending.drop(6 + length);
      const protocol = (frame[2]! << 8) | frame[3]!;
      if (protocol !== 0) continue;
      const unit = frame[6]!;
      const req = frame.slice(7);
      let pdu = this.bus.answer(unit, req);
      if (!pdu && !this.bus.slaves.has(unit) && (this.bus.options.missingUnit ?? 'exception') === 'exception') {
        pdu = [req[0]! | 0x80, MODBUS_EXCEPTION.gatewayTargetFailed];
      }
      if (!pdu) continue;
      const n = pdu.length + 1;
      reply(Uint8Array.from([frame[0]!, frame[1]!, 0, 0, n >>> 8, n & 0xff, unit, ...pdu]));
    }
  }
}
