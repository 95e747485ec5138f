// The Modbus master over a byte stream, against slaves written here (bytes in, bytes out, with this
// file's own CRC and MBAP handling) on a clock of the test's own: several units on one bus, an
// exception, a unit that never answers, a reply from the wrong address, a late reply after a
// timeout that must not pass for the next answer, one request at a time, and the link lost.
import { describe, expect, it } from 'vitest';
import { ModbusMaster, type MasterOptions } from '../../gateway/modbus/master.ts';

function crc(data: ArrayLike<number>): number {
  let c = 0xffff;
  for (let i = 0; i < data.length; i++) {
    c ^= data[i]!;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
  }
  return c;
}
const withCrc = (body: number[]) => { const c = crc(body); return [...body, c & 0xff, c >>> 8]; };
const settle = () => new Promise<void>((r) => setImmediate(r));

/** Timers on a clock that moves only when the test says. */
class Clock {
  t = 0;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => { const id = ++this.seq; this.timers.set(id, { at: this.t + ms, fn }); return id; };
  clearTimeout = (id: unknown) => { this.timers.delete(id as number); };
  async run(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (!next || e[1].at < next[1].at || (e[1].at === next[1].at && e[0] < next[0]))) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
    await settle();
  }
}

type Behaviour = { kind: 'answer'; delay?: number } | { kind: 'silent' } | { kind: 'exception'; code: number } | { kind: 'as'; unit: number };

/** An RS-485 bus of RTU slaves: it parses each request itself and answers in small chunks after a delay. */
class RtuBus {
  registers = new Map<string, number>(); // `${unit}:${fn}:${register}`
  behaviour = new Map<number, Behaviour>();
  seen: { t: number; unit: number; fn: number; address: number; count: number }[] = [];
  busyAt: number[] = [];
  private answering = 0;
  master!: ModbusMaster;
  constructor(private clock: Clock) {}

  receive(bytes: Uint8Array): void {
    const b = Array.from(bytes);
    expect(b).toHaveLength(8);
    expect(crc(b.slice(0, 6))).toBe(b[6]! | (b[7]! << 8));
    const [unit, fn] = b as [number, number];
    const address = (b[2]! << 8) | b[3]!;
    const count = (b[4]! << 8) | b[5]!;
    if (this.answering) this.busyAt.push(this.clock.t);
    this.seen.push({ t: this.clock.t, unit, fn, address, count });
    const how = this.behaviour.get(unit) ?? { kind: 'answer' };
    if (how.kind === 'silent') return;
    let reply: number[];
    if (how.kind === 'exception') reply = withCrc([unit, fn | 0x80, how.code]);
    else {
      const regs = fn === 6 ? [] : Array.from({ length: count }, (_, k) => this.registers.get(`${unit}:${fn}:${address + k}`) ?? 0);
      reply = fn === 6 ? withCrc(b.slice(0, 6)) : withCrc([how.kind === 'as' ? how.unit : unit, fn, 2 * count, ...regs.flatMap((r) => [r >>> 8, r & 0xff])]);
      if (fn === 6) this.registers.set(`${unit}:3:${address}`, count);
    }
    // The slave answers from what it holds now, as a real one does.
    const delay = how.kind === 'answer' ? how.delay ?? 20 : 20;
    this.answering++;
    this.clock.setTimeout(() => {
      this.answering--;
      for (let i = 0; i < reply.length; i += 3) this.master.push(Uint8Array.from(reply.slice(i, i + 3)));
    }, delay);
  }
}

function rtuSetup(extra: Partial<MasterOptions> = {}) {
  const clock = new Clock();
  const bus = new RtuBus(clock);
  const master = new ModbusMaster({ framing: 'rtu', send: (b) => bus.receive(b), now: clock.now, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout, ...extra });
  bus.master = master;
  return { clock, bus, master };
}

describe('Modbus master over RTU', () => {
  it('reads several units on one bus, one request at a time, and counts what it did', async () => {
    const { clock, bus, master } = rtuSetup();
    bus.registers.set('1:4:1', 0x0131).set('1:4:2', 0x0222).set('2:3:0', 0xffff).set('2:3:1', 0x8000).set('3:4:7', 42);
    const reads = Promise.all([master.read(1, 4, 1, 2), master.read(2, 3, 0, 2), master.read(3, 4, 7, 1), master.read(1, 4, 2, 1)]);
    await clock.run(1000);
    expect(await reads).toEqual([
      { ok: true, registers: [0x0131, 0x0222] }, { ok: true, registers: [0xffff, 0x8000] },
      { ok: true, registers: [42] }, { ok: true, registers: [0x0222] },
    ]);
    expect(bus.seen.map((s) => [s.unit, s.fn, s.address, s.count])).toEqual([[1, 4, 1, 2], [2, 3, 0, 2], [3, 4, 7, 1], [1, 4, 2, 1]]);
    expect(bus.busyAt).toEqual([]);
    expect(master.stats()).toEqual({ requests: 4, replies: 4, timeouts: 0, exceptions: 0, rejected: {}, bytesIn: 9 + 9 + 7 + 7, bytesOut: 32 });
  });

  it('gives an exception reply as such, with its meaning', async () => {
    const { clock, bus, master } = rtuSetup();
    bus.behaviour.set(5, { kind: 'exception', code: 2 });
    const r = master.read(5, 3, 100, 4);
    await clock.run(100);
    expect(await r).toEqual({ ok: false, reason: 'exception', code: 2, meaning: 'illegal_data_address' });
    expect(master.stats()).toMatchObject({ replies: 1, exceptions: 1, timeouts: 0 });
  });

  it('times out on a unit that never answers, then the next request still works', async () => {
    const { clock, bus, master } = rtuSetup();
    bus.behaviour.set(9, { kind: 'silent' });
    bus.registers.set('1:4:1', 250);
    const silent = master.read(9, 4, 1, 1);
    const next = master.read(1, 4, 1, 1);
    await clock.run(499);
    expect(bus.seen).toHaveLength(1);
    await clock.run(2000);
    expect(await silent).toEqual({ ok: false, reason: 'timeout' });
    expect(await next).toEqual({ ok: true, registers: [250] });
    // The second request waited out the timeout and the quiet guard after it.
    expect(bus.seen[1]!.t).toBeGreaterThanOrEqual(1000);
    expect(master.stats()).toMatchObject({ requests: 2, replies: 1, timeouts: 1, rejected: {} });
  });

  it('counts a well-formed reply from another address as wrong_unit, not as the answer, and times out', async () => {
    const { clock, bus, master } = rtuSetup();
    bus.behaviour.set(7, { kind: 'as', unit: 8 });
    const r = master.read(7, 4, 1, 1);
    await clock.run(600);
    expect(await r).toEqual({ ok: false, reason: 'timeout' });
    expect(master.stats().rejected).toEqual({ wrong_unit: 1 });
  });

  it('does not take a late reply after a timeout for the answer to the next request of the same shape', async () => {
    const { clock, bus, master } = rtuSetup();
    bus.behaviour.set(4, { kind: 'answer', delay: 700 });
    bus.registers.set('4:4:1', 111);
    const first = master.read(4, 4, 1, 1);
    const second = master.read(4, 4, 1, 1);
    // The first reply left the slave holding 111; it now holds 222 and answers quickly.
    await clock.run(10);
    bus.registers.set('4:4:1', 222);
    bus.behaviour.set(4, { kind: 'answer', delay: 20 });
    await clock.run(3000);
    expect(await first).toEqual({ ok: false, reason: 'timeout' });
    expect(await second).toEqual({ ok: true, registers: [222] });
    expect(master.stats().rejected.late).toBeGreaterThan(0);
    expect(bus.busyAt).toEqual([]);
  });

  it('a late reply that comes when nothing is queued is counted, as late or unexpected', async () => {
    const { clock, bus, master } = rtuSetup({ lateGuardMs: 100 });
    bus.behaviour.set(4, { kind: 'answer', delay: 2000 });
    const r = master.read(4, 4, 1, 1);
    await clock.run(3000);
    expect(await r).toEqual({ ok: false, reason: 'timeout' });
    expect(master.stats().rejected).toEqual({ unexpected: 3 }); // the 7-byte reply in chunks of 3
  });

  it('queues many requests behind a slow slave and never has two on the bus', async () => {
    const { clock, bus, master } = rtuSetup();
    for (let u = 1; u <= 6; u++) { bus.behaviour.set(u, { kind: 'answer', delay: 150 }); bus.registers.set(`${u}:3:0`, u * 10); }
    const reads = Promise.all([1, 2, 3, 4, 5, 6].map((u) => master.read(u, 3, 0, 1)));
    await clock.run(2000);
    expect((await reads).map((r) => r.ok && r.registers[0])).toEqual([10, 20, 30, 40, 50, 60]);
    expect(bus.busyAt).toEqual([]);
    const gaps = bus.seen.slice(1).map((s, k) => s.t - bus.seen[k]!.t);
    expect(gaps.every((g) => g >= 150)).toBe(true);
  });

  it('writes a single register and reads it back', async () => {
    const { clock, master } = rtuSetup();
    const w = master.write(2, 10, 0x1234);
    const r = master.read(2, 3, 10, 1);
    await clock.run(200);
    expect(await w).toEqual({ ok: true });
    expect(await r).toEqual({ ok: true, registers: [0x1234] });
  });

  it('fails the waiting and queued requests with link_closed when the port closes, then works again', async () => {
    const { clock, bus, master } = rtuSetup();
    bus.behaviour.set(1, { kind: 'answer', delay: 100 });
    const pending = [master.read(1, 4, 1, 1), master.read(2, 4, 1, 1), master.read(3, 4, 1, 1)];
    await clock.run(10);
    master.linkLost();
    expect(await Promise.all(pending)).toEqual(Array(3).fill({ ok: false, reason: 'link_closed' }));
    await clock.run(200); // the first slave's reply lands on a master that awaits nothing
    bus.registers.set('2:4:1', 7);
    const again = master.read(2, 4, 1, 1);
    await clock.run(100);
    expect(await again).toEqual({ ok: true, registers: [7] });
    expect(master.stats().rejected).toEqual({ unexpected: 3 });
  });

  it('resolves a request it cannot write without touching the bus', async () => {
    const { bus, master } = rtuSetup();
    expect(await master.read(1, 3, 0, 200)).toMatchObject({ ok: false, reason: 'exception', code: 3 });
    expect(bus.seen).toEqual([]);
  });
});

/** A Modbus TCP slave device (or a serial server in front of several): MBAP in, MBAP out. */
function tcpSetup() {
  const clock = new Clock();
  const registers = new Map<string, number>();
  const silent = new Set<number>();
  const slow = new Map<number, number>();
  let master!: ModbusMaster;
  const seen: number[][] = [];
  master = new ModbusMaster({
    framing: 'tcp', now: clock.now, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout,
    send(bytes) {
      const b = Array.from(bytes);
      seen.push(b);
      expect(b.slice(2, 6)).toEqual([0, 0, 0, 6]);
      const [tHi, tLo, , , , , unit, fn] = b as number[];
      const address = (b[8]! << 8) | b[9]!;
      const count = (b[10]! << 8) | b[11]!;
      if (silent.has(unit!)) return;
      const regs = Array.from({ length: count }, (_, k) => registers.get(`${unit}:${fn}:${address + k}`) ?? 0);
      const reply = [tHi!, tLo!, 0, 0, 0, 3 + 2 * count, unit!, fn!, 2 * count, ...regs.flatMap((r) => [r >>> 8, r & 0xff])];
      clock.setTimeout(() => master.push(Uint8Array.from(reply)), slow.get(unit!) ?? 5);
    },
  });
  return { clock, master, registers, silent, slow, seen };
}

describe('Modbus master over TCP', () => {
  it('reads several units by transaction id, times out a silent one, counts a late reply by its id', async () => {
    const { clock, master, registers, silent, slow, seen } = tcpSetup();
    registers.set('1:4:1', 305).set('2:3:0', 9);
    silent.add(3);
    slow.set(4, 800);
    const reads = Promise.all([master.read(1, 4, 1, 1), master.read(3, 4, 1, 1), master.read(4, 4, 1, 1), master.read(2, 3, 0, 1)]);
    await clock.run(3000);
    expect(await reads).toEqual([{ ok: true, registers: [305] }, { ok: false, reason: 'timeout' }, { ok: false, reason: 'timeout' }, { ok: true, registers: [9] }]);
    expect(seen.map((b) => (b[0]! << 8) | b[1]!)).toEqual([1, 2, 3, 4]);
    expect(master.stats()).toMatchObject({ requests: 4, replies: 2, timeouts: 2, rejected: { late: 1 } });
  });
});
