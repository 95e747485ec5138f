/**
 * A simulated shelf reader built on an Impinj R2000 module (the 4- and 8-port Chinese readers),
 * 115200 8N1: `A0 | Len | Addr | Cmd | Data | Check`, Len counting the bytes after it, Check the
 * two's complement of the sum from A0 on (PROTOCOLS.md, after hex-in/pyImpinj).
 *
 * It answers 0x74 (set work antenna), 0x75 (get work antenna), 0x89 (real-time inventory on the
 * work antenna) and 0x70 (reset, no reply); anything else gets the 0x11 "fail" error. What is in
 * each antenna's field is set through the methods, by the scenario or a test.
 */
import { hexBytes, normalizeEpc, seeded, sumCheck } from './checks.ts';
import { Pending, nextGoodFrame, type LineHandler, type Reply } from './line.ts';

export const R2000_CMD = { reset: 0x70, setWorkAntenna: 0x74, getWorkAntenna: 0x75, realtimeInventory: 0x89 } as const;
export const R2000_CODE = { success: 0x10, fail: 0x11, antennaMissing: 0x22, noTag: 0x36, badParameter: 0x41 } as const;
const HEAD = 0xa0;
const BROADCAST = 0xff;

export interface R2000Options {
  /** The reader's address on its bus. Default 1. */
  address?: number;
  /** 4 or 8 antenna ports. Default 4. */
  ports?: 4 | 8;
  /** Ports (1-based) with an antenna plugged in. Default all. */
  connected?: number[];
  /**
   * An empty field ends the round with totalRead 0 (`round-end`, default) or, as some firmware
   * does, answers the 0x36 "no tag" error instead of any end of round (`error`).
   */
  noTag?: 'round-end' | 'error';
  /** Time one inventory round takes before its frames go out, ms. Default 0 (at once). */
  roundMs?: number;
  /** After 0x70 the module is rebooting and hears nothing for this long, ms. Default 0. */
  rebootMs?: number;
  /** Each read's RSSI wanders up to ± this many dB around the tag's own. Default 0. */
  rssiJitterDb?: number;
  seed?: number;
}

interface TagInField {
  rssiDbm: number;
}

/** One tag frame's data: FreqAnt, PC, EPC, RSSI. Exported for the tests' expectations only. */
export function tagFrameData(freqIndex: number, antenna: number, epc: string, rssiDbm: number): number[] {
  const bytes = hexBytes(epc);
  const pc = (bytes.length / 2) << 11;
  // FreqAnt has two bits for the antenna: an 8-port reader's ports 5..8 wrap to 1..4 here; the end
  // of round carries the whole work antenna, which is how a host tells them apart.
  const freqAnt = ((freqIndex & 0x3f) << 2) | ((antenna - 1) & 3);
  const rssi = Math.max(0, Math.min(0xff, Math.round(rssiDbm) + 129));
  return [freqAnt, pc >>> 8, pc & 0xff, ...bytes, rssi];
}

export function r2000Frame(addr: number, cmd: number, data: number[]): Uint8Array {
  const body = [HEAD, data.length + 3, addr, cmd, ...data];
  return Uint8Array.from([...body, sumCheck(body)]);
}

export class R2000Reader implements LineHandler {
  readonly baudRate = 115200;
  readonly address: number;
  readonly ports: 4 | 8;
  /** The work antenna, 1-based (0x74 takes it 0-based). */
  workAntenna = 1;
  /** Requests heard whole and checked (bad checksums and other addresses are not counted). */
  requests = 0;
  private readonly connected: Set<number>;
  private readonly fields = new Map<number, Map<string, TagInField>>();
  private readonly pending = new Pending(50);
  private readonly rng: () => number;
  private hop = 0;
  private deafUntil = 0;
  /** Inventory rounds that take time run one after another, like the module's single radio. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: R2000Options = {}) {
    this.address = options.address ?? 1;
    this.ports = options.ports ?? 4;
    this.connected = new Set(options.connected ?? Array.from({ length: this.ports }, (_, i) => i + 1));
    for (let a = 1; a <= this.ports; a++) this.fields.set(a, new Map());
    this.rng = seeded(options.seed ?? 1);
  }

  // ---- the world around the reader ----

  /** A tag comes into an antenna's field (it may be in several fields at once, as on a real shelf). */
  place(epc: string, antenna: number, rssiDbm = -60): void {
    this.field(antenna).set(normalizeEpc(epc), { rssiDbm });
  }

  /** The tag leaves one antenna's field, or every field. True if it was anywhere it was looked for. */
  remove(epc: string, antenna?: number): boolean {
    const key = normalizeEpc(epc);
    let found = false;
    for (const [a, f] of this.fields) if (antenna === undefined || a === antenna) found = f.delete(key) || found;
    return found;
  }

  /** The tag leaves every field and comes into this one, keeping its RSSI unless given one. */
  move(epc: string, toAntenna: number, rssiDbm?: number): void {
    const key = normalizeEpc(epc);
    this.field(toAntenna);
    let rssi = rssiDbm;
    for (const f of this.fields.values()) {
      const t = f.get(key);
      if (t && rssi === undefined) rssi = t.rssiDbm;
      f.delete(key);
    }
    this.place(key, toAntenna, rssi ?? -60);
  }

  /** What each antenna (1-based) sees now. */
  tags(): Record<number, { epc: string; rssiDbm: number }[]> {
    const out: Record<number, { epc: string; rssiDbm: number }[]> = {};
    for (const [a, f] of this.fields) out[a] = [...f].map(([epc, t]) => ({ epc, rssiDbm: t.rssiDbm }));
    return out;
  }

  /** Plugs or unplugs an antenna's cable (0x74 to it then answers 0x22). */
  setConnected(antenna: number, on: boolean): void {
    this.field(antenna);
    if (on) this.connected.add(antenna);
    else this.connected.delete(antenna);
  }

  private field(antenna: number): Map<string, TagInField> {
    const f = this.fields.get(antenna);
    if (!f) throw new Error(`antenna ${antenna} is not one of ports 1..${this.ports}`);
    return f;
  }

  // ---- the serial line ----

  reset(): void {
    this.pending.clear();
  }

  receive(chunk: Uint8Array, reply: Reply): void {
    if (Date.now() < this.deafUntil) return;
    this.pending.push(chunk);
    const buf = this.pending.bytes;
    for (;;) {
      const head = buf.indexOf(HEAD);
      if (head < 0) return this.pending.clear();
      if (head > 0) this.pending.drop(head);
      if (buf.length < 2) return;
      const len = buf[1]!;
      // Addr, Cmd and Check at least; a shorter Len is a stray A0 in noise.
      if (len < 3) {
        this.pending.drop(1);
        continue;
      }
      if (buf.length < len + 2) {
        const next = nextGoodFrame(
          buf,
          (i) => (buf[i] === HEAD && i + 1 < buf.length && buf[i + 1]! >= 3 ? buf[i + 1]! + 2 : 0),
          (f) => sumCheck(f, f.length - 1) === f[f.length - 1],
        );
        if (next < 0) return;
        this.pending.drop(next);
        continue;
      }
      const frame = buf.slice(0, len + 2);
      if (sumCheck(frame, frame.length - 1) !== frame[frame.length - 1]) {
        // Look for a real head inside what we took for a frame.
        this.pending.drop(1);
        continue;
      }
      this.pending.drop(len + 2);
      const addr = frame[2]!;
      if (addr !== this.address && addr !== BROADCAST) continue;
      this.requests++;
      this.command(frame[3]!, frame.slice(4, frame.length - 1), reply);
      if (Date.now() < this.deafUntil) return this.pending.clear();
    }
  }

  private command(cmd: number, data: number[], reply: Reply): void {
    const error = (code: number) => reply(r2000Frame(this.address, cmd, [code]));
    switch (cmd) {
      case R2000_CMD.reset:
        this.workAntenna = 1;
        this.deafUntil = Date.now() + (this.options.rebootMs ?? 0);
        return;
      case R2000_CMD.setWorkAntenna: {
        if (data.length !== 1 || data[0]! >= this.ports) return error(R2000_CODE.badParameter);
        const antenna = data[0]! + 1;
        if (!this.connected.has(antenna)) return error(R2000_CODE.antennaMissing);
        this.workAntenna = antenna;
        return error(R2000_CODE.success);
      }
      case R2000_CMD.getWorkAntenna:
        return reply(r2000Frame(this.address, cmd, [this.workAntenna - 1]));
      case R2000_CMD.realtimeInventory: {
        if (data.length !== 1) return error(R2000_CODE.badParameter);
        const repeat = Math.max(1, data[0]!);
        const roundMs = this.options.roundMs ?? 0;
        if (roundMs <= 0) return this.inventory(repeat, reply);
        this.queue = this.queue.then(() => new Promise<void>((done) => setTimeout(() => {
          this.inventory(repeat, reply);
          done();
        }, roundMs * repeat)));
        return;
      }
      default:
        return error(R2000_CODE.fail);
    }
  }

  /** Real-time mode reports every read: each repeat reads each tag in the field once. */
  private inventory(repeat: number, reply: Reply): void {
    const cmd = R2000_CMD.realtimeInventory;
    const antenna = this.workAntenna;
    if (!this.connected.has(antenna)) return reply(r2000Frame(this.address, cmd, [R2000_CODE.antennaMissing]));
    const field = [...this.field(antenna)];
    if (field.length === 0 && this.options.noTag === 'error') return reply(r2000Frame(this.address, cmd, [R2000_CODE.noTag]));
    const jitter = this.options.rssiJitterDb ?? 0;
    let total = 0;
    for (let r = 0; r < repeat; r++) {
      for (const [epc, t] of field) {
        this.hop = (this.hop + 1) % 50;
        const rssi = t.rssiDbm + (jitter ? (this.rng() * 2 - 1) * jitter : 0);
        reply(r2000Frame(this.address, cmd, tagFrameData(this.hop, antenna, epc, rssi)));
        total++;
      }
    }
    // Read rate in tags per second, as if a round took its roundMs (or 50 ms when instant).
    const ms = Math.max(1, (this.options.roundMs || 50) * repeat);
    const rate = Math.min(0xffff, Math.round((total * 1000) / ms));
    reply(r2000Frame(this.address, cmd, [
      antenna - 1, rate >>> 8, rate & 0xff,
      (total >>> 24) & 0xff, (total >>> 16) & 0xff, (total >>> 8) & 0xff, total & 0xff,
    ]));
  }
}
