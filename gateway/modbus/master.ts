// A Modbus master over any byte stream: the link (a serial port, a TCP serial server, a PTY) gives
// it the bytes it receives and sends the bytes it is given; the master owns the framing, the one
// request at a time a bus allows, the timeouts and the counters. Timers are its only side effect,
// and they are injectable, so the tests run it on a clock of their own.
//
// RTU has no transaction id: a slave's reply that comes after its request timed out looks exactly
// like the answer to the next request of the same shape. So after a timeout the master keeps the bus
// quiet for `lateGuardMs` before the next request, counts what comes meanwhile as `late`, and waits
// again while it keeps coming (at most four guards in all, so a chattering bus cannot stop the polls).
// Modbus TCP names each transaction; a reply to a timed-out one is counted `late` by its id.
import {
  RtuReplyDeframer, TcpReplyDeframer, rtuRequest, tcpRequest,
  type Awaited, type ModbusReply, type RegisterFn, type RtuRejection, type TcpRejection,
} from '../codecs/modbus.ts';

export type ReadFailure = { ok: false; reason: 'timeout' | 'exception' | 'link_closed'; code?: number; meaning?: string };
export type ReadResult = { ok: true; registers: number[] } | ReadFailure;
export type WriteResult = { ok: true } | ReadFailure;

export interface MasterOptions {
  framing: 'rtu' | 'tcp';
  send(bytes: Uint8Array): void;
  /** How long a request waits for its reply. */
  timeoutMs?: number;
  /** RTU: the quiet time after a timeout before the next request (default: timeoutMs). */
  lateGuardMs?: number;
  now?: () => number;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
}

export interface MasterStats {
  requests: number;
  /** Answers taken, exceptions included. */
  replies: number;
  timeouts: number;
  exceptions: number;
  rejected: Record<string, number>;
  bytesIn: number;
  bytesOut: number;
}

interface Job { awaited: Awaited; address: number; resolve(r: ModbusReply | ReadFailure): void }

const MAX_LATE_TIDS = 16;

export class ModbusMaster {
  private readonly framing: 'rtu' | 'tcp';
  private readonly sendBytes: (bytes: Uint8Array) => void;
  private readonly timeoutMs: number;
  private readonly lateGuardMs: number;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private readonly rtu = new RtuReplyDeframer();
  private readonly tcp = new TcpReplyDeframer();
  private readonly queue: Job[] = [];
  private current: { job: Job; tid: number; timer: unknown } | null = null;
  private guard: { timer: unknown; since: number } | null = null;
  private tid = 0;
  private readonly lateTids: number[] = [];
  private readonly counters: MasterStats = { requests: 0, replies: 0, timeouts: 0, exceptions: 0, rejected: {}, bytesIn: 0, bytesOut: 0 };

  constructor(o: MasterOptions) {
    this.framing = o.framing;
    this.sendBytes = o.send;
    this.timeoutMs = o.timeoutMs ?? 500;
    this.lateGuardMs = o.lateGuardMs ?? this.timeoutMs;
    this.now = o.now ?? (() => performance.now());
    this.setTimer = o.setTimeout ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = o.clearTimeout ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  }

  /** Reads `count` holding (fn 3) or input (fn 4) registers. Never throws, never rejects. */
  read(unit: number, fn: RegisterFn, address: number, count: number): Promise<ReadResult> {
    return this.enqueue({ unit, fn, count }, address).then((r) =>
      'ok' in r ? r : r.type === 'registers' ? { ok: true, registers: r.registers } : failure(r));
  }

  /** Writes one holding register (fn 6); the slave's echo is the answer. */
  write(unit: number, address: number, value: number): Promise<WriteResult> {
    return this.enqueue({ unit, fn: 6, address, value }, address).then((r) =>
      'ok' in r ? r : r.type === 'written' ? { ok: true } : failure(r));
  }

  /** Bytes the link received. */
  push(chunk: Uint8Array): void {
    this.counters.bytesIn += chunk.length;
    if (this.framing === 'rtu') {
      if (this.guard && !this.current) {
        this.count([{ reason: 'late', bytes: chunk.length }]);
        this.restartGuard();
        return;
      }
      const r = this.rtu.push(chunk);
      this.count(r.rejected);
      if (r.events[0]) this.answer(r.events[0]);
      return;
    }
    const r = this.tcp.push(chunk);
    this.count(r.rejected.map((x) => (x.tid !== undefined && this.lateTids.includes(x.tid) && (x.reason === 'wrong_transaction' || x.reason === 'unexpected') ? { ...x, reason: 'late' } : x)));
    if (r.events[0]) this.answer(r.events[0]);
  }

  /** The port closed: what waits and what is queued fail with `link_closed`. */
  linkLost(): void {
    const failed = [...(this.current ? [this.current.job] : []), ...this.queue.splice(0)];
    if (this.current) this.clearTimer(this.current.timer);
    this.current = null;
    if (this.guard) this.clearTimer(this.guard.timer);
    this.guard = null;
    this.count([this.rtu.cancel(), this.tcp.reset()].filter((x): x is RtuRejection | TcpRejection => x !== null));
    for (const job of failed) job.resolve({ ok: false, reason: 'link_closed' });
  }

  stats(): MasterStats {
    return { ...this.counters, rejected: { ...this.counters.rejected } };
  }

  private enqueue(awaited: Awaited, address: number): Promise<ModbusReply | ReadFailure> {
    return new Promise((resolve) => {
      this.queue.push({ awaited, address, resolve });
      this.next();
    });
  }

  private next(): void {
    if (this.current || this.guard) return;
    const job = this.queue.shift();
    if (!job) return;
    const a = job.awaited;
    const countOrValue = a.fn === 6 ? a.value : a.count;
    let bytes: Uint8Array;
    let tid = -1;
    try {
      if (this.framing === 'rtu') {
        bytes = rtuRequest(a.unit, a.fn, job.address, countOrValue);
        const dropped = this.rtu.expect(a);
        if (dropped) this.count([dropped]);
      } else {
        tid = this.tid = (this.tid + 1) & 0xffff;
        bytes = tcpRequest(tid, a.unit, a.fn, job.address, countOrValue);
        this.tcp.expect({ ...a, tid });
      }
    } catch (e) {
      // A request that cannot be written (a register count out of range) is the caller's mistake, but
      // the promise still resolves: as an exception of illegal data value, without touching the bus.
      job.resolve({ ok: false, reason: 'exception', code: 3, meaning: (e as Error).message });
      this.next();
      return;
    }
    this.current = { job, tid, timer: this.setTimer(() => this.timedOut(), this.timeoutMs) };
    this.counters.requests++;
    this.counters.bytesOut += bytes.length;
    this.sendBytes(bytes);
  }

  private answer(reply: ModbusReply): void {
    const c = this.current;
    if (!c) return;
    this.clearTimer(c.timer);
    this.current = null;
    this.counters.replies++;
    if (reply.type === 'exception') this.counters.exceptions++;
    c.job.resolve(reply);
    this.next();
  }

  private timedOut(): void {
    const c = this.current;
    if (!c) return;
    this.current = null;
    this.counters.timeouts++;
    if (this.framing === 'rtu') {
      const dropped = this.rtu.cancel();
      if (dropped) this.count([{ reason: 'late', bytes: dropped.bytes }]);
      this.guard = { timer: null, since: this.now() };
      this.restartGuard();
    } else {
      this.tcp.cancel();
      this.lateTids.push(c.tid);
      if (this.lateTids.length > MAX_LATE_TIDS) this.lateTids.shift();
    }
    c.job.resolve({ ok: false, reason: 'timeout' });
    this.next();
  }

  private restartGuard(): void {
    const g = this.guard!;
    if (g.timer !== null) this.clearTimer(g.timer);
    const left = Math.max(0, g.since + 4 * this.lateGuardMs - this.now());
    g.timer = this.setTimer(() => {
      this.guard = null;
      this.next();
    }, Math.min(this.lateGuardMs, left));
  }

  private count(rejected: { reason: string; bytes?: number }[]): void {
    for (const r of rejected) this.counters.rejected[r.reason] = (this.counters.rejected[r.reason] ?? 0) + 1;
  }
}

function failure(r: ModbusReply): ReadFailure {
  return r.type === 'exception'
    ? { ok: false, reason: 'exception', code: r.code, meaning: r.meaning }
    : { ok: false, reason: 'exception', meaning: `an answer of another kind: ${r.type}` };
}
