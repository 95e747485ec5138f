// Modbus framing the gateway owns (PROTOCOLS.md, serial section): RTU `Addr | Fn | Data | CRC-lo |
// CRC-hi` with CRC-16/MODBUS, and Modbus TCP's MBAP header. Pure: requests out as bytes, reply
// bytes in, one reply event or counted rejections out.
//
// RTU frames end after 3.5 character times of silence, and that silence does not survive a TCP
// serial server, a PTY or the OS's buffering: the gap can be read nowhere on this side. A master has
// one request on the bus at a time and knows what it asked for, so the reply deframer is told what it
// awaits and looks, at every offset, for exactly that reply (or its exception) whose CRC checks. It
// wins over anything before it; what lies before it is sorted into well-formed frames that are not
// the answer (another unit, another function, another length: counted, not taken) and garbage.
import { crc16Modbus } from './crc16.ts';

export type RegisterFn = 3 | 4;
export type ModbusFn = RegisterFn | 6;
export const READ_HOLDING = 3;
export const READ_INPUT = 4;
export const WRITE_SINGLE = 6;
/** The most registers one read may ask for (the reply's byte count is one byte, and 125 × 2 fits an RTU frame). */
export const MAX_COUNT = 125;

export const EXCEPTION_CODES: Record<number, string> = {
  0x01: 'illegal_function', 0x02: 'illegal_data_address', 0x03: 'illegal_data_value',
  0x04: 'slave_device_failure', 0x05: 'acknowledge', 0x06: 'busy',
  0x0a: 'gateway_path_unavailable', 0x0b: 'gateway_target_failed_to_respond',
};

/** What the master asked: `count` registers for fn 3 / 4; for fn 6 the register and value it wrote. */
export type Awaited =
  | { unit: number; fn: RegisterFn; count: number }
  | { unit: number; fn: 6; address: number; value: number };

export type ModbusReply =
  | { type: 'registers'; unit: number; fn: RegisterFn; registers: number[] }
  | { type: 'written'; unit: number; fn: 6; address: number; value: number }
  | { type: 'exception'; unit: number; fn: number; code: number; meaning: string };

/** `truncated`: an unfinished frame dropped by `expect()` / `cancel()` (it came before the request, or its time is up). */
export type RtuRejectReason = 'garbage' | 'bad_crc' | 'wrong_unit' | 'wrong_function' | 'bad_length' | 'unexpected' | 'truncated';
export type TcpRejectReason = 'garbage' | 'bad_protocol' | 'bad_length' | 'wrong_transaction' | 'wrong_unit' | 'wrong_function' | 'unexpected' | 'truncated';
/** `bytes`: how many bytes of the stream this rejection dropped. */
export interface Rejection<R extends string> { reason: R; detail: string; bytes: number }
export type RtuRejection = Rejection<RtuRejectReason>;
/** `tid`: the transaction id of a whole frame that was not the answer (a late reply shows by it). */
export type TcpRejection = Rejection<TcpRejectReason> & { tid?: number };
export interface RtuResult { events: ModbusReply[]; rejected: RtuRejection[] }
export interface TcpResult { events: (ModbusReply & { tid: number })[]; rejected: TcpRejection[] }

/** The bytes kept from the last chunk, then the new one. What is kept is always a copy (`slice`): a link may reuse its chunk's buffer. */
function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('').toUpperCase();

function pdu(fn: ModbusFn, address: number, countOrValue: number): number[] {
  if (fn !== WRITE_SINGLE && (countOrValue < 1 || countOrValue > MAX_COUNT)) throw new RangeError(`register count ${countOrValue} is not 1 to ${MAX_COUNT}`);
  return [fn, (address >>> 8) & 0xff, address & 0xff, (countOrValue >>> 8) & 0xff, countOrValue & 0xff];
}

/**
 * An RTU request, CRC appended low byte first: `rtuRequest(1, 4, 1, 1)` = 01 04 00 01 00 01 60 0A.
 * For fn 6 the last argument is the value written.
 */
export function rtuRequest(unit: number, fn: ModbusFn, address: number, countOrValue: number): Uint8Array {
  const body = [unit & 0xff, ...pdu(fn, address, countOrValue)];
  const crc = crc16Modbus(body);
  return Uint8Array.from([...body, crc & 0xff, crc >>> 8]);
}

/** A Modbus TCP request: MBAP (transaction id, protocol 0, length, unit) then the PDU. */
export function tcpRequest(tid: number, unit: number, fn: ModbusFn, address: number, countOrValue: number): Uint8Array {
  const p = pdu(fn, address, countOrValue);
  return Uint8Array.from([(tid >>> 8) & 0xff, tid & 0xff, 0, 0, 0, p.length + 1, unit & 0xff, ...p]);
}

/** The PDU length (fn and after) of the awaited normal reply. */
const replyPduLength = (a: Awaited) => (a.fn === WRITE_SINGLE ? 5 : 2 + 2 * a.count);

/** The reply event of a PDU known to be the awaited reply (or its exception). */
function replyOf(a: Awaited, unit: number, p: Uint8Array): ModbusReply {
  const fn = p[0]!;
  if (fn & 0x80) return { type: 'exception', unit, fn: fn & 0x7f, code: p[1]!, meaning: EXCEPTION_CODES[p[1]!] ?? 'unknown' };
  if (a.fn === WRITE_SINGLE) return { type: 'written', unit, fn: 6, address: (p[1]! << 8) | p[2]!, value: (p[3]! << 8) | p[4]! };
  const registers: number[] = [];
  for (let k = 0; k < a.count; k++) registers.push((p[2 + 2 * k]! << 8) | p[3 + 2 * k]!);
  return { type: 'registers', unit, fn: a.fn, registers };
}

/** Whether a PDU at p..end is the awaited reply or its exception (unit already matched). */
function pduMatches(a: Awaited, buf: Uint8Array, p: number, len: number): boolean {
  const fn = buf[p];
  if (fn === (a.fn | 0x80)) return len === 2;
  if (fn !== a.fn || len !== replyPduLength(a)) return false;
  if (a.fn === WRITE_SINGLE) return buf[p + 1] === (a.address >>> 8) && buf[p + 2] === (a.address & 0xff) && buf[p + 3] === (a.value >>> 8) && buf[p + 4] === (a.value & 0xff);
  return buf[p + 1] === 2 * a.count;
}

/** An RTU frame's length from its own header, for frames this side knows the shape of; 0 if unknown. */
function rtuLengthAt(buf: Uint8Array, i: number, n: number): number {
  if (i + 1 >= n) return -1;
  const fn = buf[i + 1]!;
  if (fn & 0x80) return fn === 0x80 ? 0 : 5;
  if (fn >= 1 && fn <= 4) return i + 2 < n ? 5 + buf[i + 2]! : -1;
  if (fn === 5 || fn === 6 || fn === 15 || fn === 16) return 8;
  return 0;
}

const rtuChecks = (buf: Uint8Array, i: number, end: number) => {
  const crc = crc16Modbus(buf, i, end - 2);
  return buf[end - 2] === (crc & 0xff) && buf[end - 1] === crc >>> 8;
};

/** Why a well-formed frame is not the answer. */
function notTheAnswer(a: Awaited, unit: number, fn: number, what: string): { reason: 'wrong_unit' | 'wrong_function' | 'bad_length'; detail: string } {
  if (unit !== a.unit) return { reason: 'wrong_unit', detail: `unit ${unit} (awaiting ${a.unit}): ${what}` };
  if ((fn & 0x7f) !== a.fn) return { reason: 'wrong_function', detail: `fn ${fn} (awaiting ${a.fn}): ${what}` };
  return { reason: 'bad_length', detail: `not the awaited ${a.fn === WRITE_SINGLE ? 'echo' : `${a.count} registers`}: ${what}` };
}

/** Drops every byte of a buffer as one rejection, or none. */
function dropAll<R extends string>(buf: Uint8Array, reason: R, why: string): Rejection<R> | null {
  return buf.length ? { reason, detail: `${buf.length} bytes ${why}`, bytes: buf.length } : null;
}

/**
 * Finds the awaited RTU reply in a byte stream. `expect()` before each request is sent, `cancel()`
 * when its time is up; bytes that come while nothing is awaited are `unexpected`.
 */
export class RtuReplyDeframer {
  private buf = new Uint8Array(0);
  private awaited: Awaited | null = null;

  get pending(): number { return this.buf.length; }
  get awaiting(): Awaited | null { return this.awaited; }

  /** Awaits the reply to a request about to be sent; bytes still here came before it and are dropped. */
  expect(a: Awaited): RtuRejection | null {
    const r = dropAll<RtuRejectReason>(this.buf, 'truncated', 'received before the request');
    this.buf = new Uint8Array(0);
    this.awaited = a;
    return r;
  }

  /** Stops awaiting (the request timed out, or the link went); says what it dropped. */
  cancel(): RtuRejection | null {
    const r = dropAll<RtuRejectReason>(this.buf, 'truncated', 'of an unfinished reply');
    this.buf = new Uint8Array(0);
    this.awaited = null;
    return r;
  }

  push(chunk: Uint8Array): RtuResult {
    const out: RtuResult = { events: [], rejected: [] };
    const a = this.awaited;
    if (!a) {
      const r = dropAll<RtuRejectReason>(chunk, 'unexpected', 'while no reply was awaited');
      if (r) out.rejected.push(r);
      return out;
    }
    const joined = this.buf.length ? concat(this.buf, chunk) : chunk;
    const n = joined.length;
    const want = 3 + replyPduLength(a);
    // The awaited reply, if it is all here: the first offset where unit, function and length agree and the CRC checks.
    let found = -1;
    let foundEnd = 0;
    for (let j = 0; j + 4 < n; j++) {
      if (joined[j] !== a.unit) continue;
      const len = joined[j + 1] === a.fn ? want : joined[j + 1] === (a.fn | 0x80) ? 5 : 0;
      if (len && j + len <= n && pduMatches(a, joined, j + 1, len - 3) && rtuChecks(joined, j, j + len)) { found = j; foundEnd = j + len; break; }
    }
    const limit = found < 0 ? n : found;
    let i = 0;
    let skipped = 0;
    const flush = () => {
      if (skipped) out.rejected.push({ reason: 'garbage', detail: `${skipped} bytes outside a frame`, bytes: skipped });
      skipped = 0;
    };
    while (i < limit) {
      const len = rtuLengthAt(joined, i, n);
      if (len < 0 && found < 0) break; // its header is not all here yet
      if (len < 4) { skipped++; i++; continue; }
      const end = i + len;
      if (end > limit) {
        // Not all here: wait for it, unless the awaited reply already begins inside it.
        if (found < 0) break;
        skipped++; i++; continue;
      }
      if (!rtuChecks(joined, i, end)) {
        // A damaged frame of the awaited unit and function is worth its own count; any other failed offset is garbage.
        if (joined[i] === a.unit && (joined[i + 1]! & 0x7f) === a.fn) {
          flush();
          out.rejected.push({ reason: 'bad_crc', detail: hex(joined.subarray(i, Math.min(end, i + 16))), bytes: 1 });
        } else skipped++;
        i++;
        continue;
      }
      flush();
      out.rejected.push({ ...notTheAnswer(a, joined[i]!, joined[i + 1]!, hex(joined.subarray(i, Math.min(end, i + 16)))), bytes: len });
      i = end;
    }
    if (found < 0) {
      flush();
      this.buf = joined.slice(i);
      return out;
    }
    skipped += found - i;
    flush();
    out.events.push(replyOf(a, joined[found]!, joined.subarray(found + 1, foundEnd - 2)));
    this.awaited = null;
    this.buf = new Uint8Array(0);
    const r = dropAll<RtuRejectReason>(joined.subarray(foundEnd), 'unexpected', 'after the reply');
    if (r) out.rejected.push(r);
    return out;
  }
}

/** The longest MBAP length: the unit byte and a 253-byte PDU. */
const MAX_MBAP_LENGTH = 254;

/**
 * Finds the awaited Modbus TCP reply, matched by transaction id. TCP keeps the bytes whole, so
 * frames follow one another by their MBAP length; a header that cannot be one (protocol not 0, a
 * length no PDU has) is counted where a frame should begin, and the bytes after it are garbage until
 * the awaited reply is found (or `reset()`, when the connection is made again).
 */
export class TcpReplyDeframer {
  private buf = new Uint8Array(0);
  private awaited: (Awaited & { tid: number }) | null = null;
  private inStep = true;

  get pending(): number { return this.buf.length; }
  get awaiting(): (Awaited & { tid: number }) | null { return this.awaited; }

  /** Awaits the reply to a request about to be sent. Bytes under way are kept: they are a frame before it. */
  expect(a: Awaited & { tid: number }): void { this.awaited = a; }

  /** Stops awaiting. Bytes of a frame under way are kept: on TCP the next frame starts after them. */
  cancel(): void { this.awaited = null; }

  /** Drops what waits (the connection went); the next byte begins a frame. */
  reset(): TcpRejection | null {
    const r = dropAll<TcpRejectReason>(this.buf, 'truncated', 'of an unfinished frame');
    this.buf = new Uint8Array(0);
    this.inStep = true;
    this.awaited = null;
    return r;
  }

  /** Whether the bytes from i on are a beginning of the awaited reply (or its exception). */
  private couldBeAnswer(buf: Uint8Array, i: number, n: number): boolean {
    const a = this.awaited!;
    const head = [a.tid >>> 8, a.tid & 0xff, 0, 0, 0, -1, a.unit];
    for (let k = 0; k < head.length && i + k < n; k++) if (head[k] !== -1 && buf[i + k] !== head[k]) return false;
    if (i + 7 < n) return buf[i + 7] === a.fn || buf[i + 7] === (a.fn | 0x80);
    return true;
  }

  push(chunk: Uint8Array): TcpResult {
    const joined = this.buf.length ? concat(this.buf, chunk) : chunk;
    const n = joined.length;
    const out: TcpResult = { events: [], rejected: [] };
    const a = this.awaited;
    // The awaited reply all here: its eight header bytes (tid, protocol, length, unit, fn) are a strong match.
    let found = -1;
    if (a) {
      const lens = [1 + replyPduLength(a), 3];
      for (let j = 0; j + 7 < n && found < 0; j++) {
        if (joined[j] !== a.tid >>> 8 || joined[j + 1] !== (a.tid & 0xff) || joined[j + 2] !== 0 || joined[j + 3] !== 0 || joined[j + 4] !== 0 || joined[j + 6] !== a.unit) continue;
        const len = joined[j + 5]!;
        if (lens.includes(len) && j + 6 + len <= n && pduMatches(a, joined, j + 7, len - 1)) found = j;
      }
    }
    let i = 0;
    let skipped = 0;
    const flush = () => {
      if (skipped) out.rejected.push({ reason: 'garbage', detail: `${skipped} bytes outside a frame`, bytes: skipped });
      skipped = 0;
    };
    const drop = (reason: 'bad_protocol' | 'bad_length', detail: string) => {
      if (this.inStep) out.rejected.push({ reason, detail, bytes: 1 });
      else skipped++;
      this.inStep = false;
      i++;
    };
    while (i < n) {
      if (i === found) {
        flush();
        const len = joined[i + 5]!;
        out.events.push({ ...replyOf(a!, joined[i + 6]!, joined.subarray(i + 7, i + 6 + len)), tid: a!.tid });
        this.awaited = null;
        this.inStep = true;
        i += 6 + len;
        found = -1;
        continue;
      }
      if (!this.inStep) {
        // Out of step, a header that merely looks like one may span the answer's first bytes before they
        // are all here: only the answer itself (eight known header bytes) brings the deframer back in
        // step, and a byte is garbage once no answer can begin at it.
        if (found < 0 && a && this.couldBeAnswer(joined, i, n)) break;
        skipped++; i++; continue;
      }
      if (i + 6 > n) break;
      if (joined[i + 2] !== 0 || joined[i + 3] !== 0) { drop('bad_protocol', `protocol ${(joined[i + 2]! << 8) | joined[i + 3]!}`); continue; }
      const len = (joined[i + 4]! << 8) | joined[i + 5]!;
      if (len < 3 || len > MAX_MBAP_LENGTH) { drop('bad_length', `MBAP length ${len}`); continue; }
      const end = i + 6 + len;
      if (this.awaited) {
        // A frame that is not the answer but whose bytes hold the answer's header was cut short or
        // damaged on the way (a TCP serial server can do that): the answer wins. Where only a part of
        // such a header is here yet, the frame is judged when the rest comes.
        let inside = 0;
        for (let j = i + 1; j < Math.min(end, n) && !inside; j++) if (this.couldBeAnswer(joined, j, n)) inside = j + 8 <= n ? 1 : -1;
        if (inside > 0) { drop('bad_length', `MBAP length ${len} reaches into the awaited reply`); continue; }
        if (inside < 0) break;
      }
      if (end > n) break;
      flush();
      const tid = (joined[i]! << 8) | joined[i + 1]!;
      const unit = joined[i + 6]!;
      const fn = joined[i + 7]!;
      const what = hex(joined.subarray(i, Math.min(end, i + 16)));
      if (!this.awaited) out.rejected.push({ reason: 'unexpected', detail: `transaction ${tid} while no reply was awaited: ${what}`, bytes: len + 6, tid });
      else if (tid !== this.awaited.tid) out.rejected.push({ reason: 'wrong_transaction', detail: `transaction ${tid} (awaiting ${this.awaited.tid}): ${what}`, bytes: len + 6, tid });
      else out.rejected.push({ ...notTheAnswer(this.awaited, unit, fn, what), bytes: len + 6, tid });
      this.inStep = true;
      i = end;
    }
    flush();
    this.buf = joined.slice(i);
    return out;
  }
}
