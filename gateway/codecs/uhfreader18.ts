// The CF-RU5102 / UHFReader18 desk reader's serial frames (PROTOCOLS.md, serial section), 57600 8N1.
// Command `Len | Adr | Cmd | Data | CRC-lo | CRC-hi`, reply `Len | Adr | reCmd | Status | Data | CRC`,
// Len = the bytes after Len including the CRC, CRC-16/MCRF4XX over Len..Data. A pure codec over a
// byte stream: chunks in, events and counted rejections out.
//
// The format has no start byte: any byte may be a Len. So the deframer keeps one bit of state, whether
// the next byte is where a frame should begin (at the start, after a reset, after a checked frame).
// There, a byte that cannot begin a frame is a `bad_length` or `bad_crc` of a frame the reader meant to
// send. Once out of step it hunts, one offset at a time, for the next frame whose CRC checks, and the
// bytes it passes over are `garbage`: one damaged frame then costs one rejection and a byte count,
// not a rejection per offset. Every rejection says how many bytes it dropped, so the counts add up.
import { crc16Mcrf4xx } from './crc16.ts';

export const INVENTORY = 0x01;
/** Statuses of an inventory reply that carry EPCs; 0x03 says more frames of the same round follow. */
export const INVENTORY_STATUS: Record<number, string> = {
  0x01: 'done', 0x02: 'scan_time_overflow', 0x03: 'more_follow', 0x04: 'buffer_full',
};
export const NO_TAG = 0xfb;
/** Statuses that say a command failed (PROTOCOLS.md); others the reader may send are 'unknown'. */
export const ERROR_STATUS: Record<number, string> = {
  0xfb: 'no_tag', 0xfe: 'illegal_command', 0xff: 'parameter_error',
};
/** Adr, reCmd, Status and the CRC: the shortest reply. */
export const MIN_LEN = 5;
/** The longest frame a one-byte Len can announce: the buffer never holds more than this less one. */
export const MAX_FRAME = 0xff + 1;
/** An EPC is whole 16-bit words: 1 to 31 of them (Gen2 PC's length field). */
const EPC_MIN = 2;
const EPC_MAX = 62;

export type UhfEvent =
  | { type: 'inventory'; addr: number; status: number; statusMeaning: string; epcs: string[]; more: boolean }
  | { type: 'noTag'; addr: number }
  | { type: 'error'; addr: number; cmd: number; status: number; meaning: string }
  | { type: 'reply'; addr: number; cmd: number; status: number; data: Uint8Array };

/** `truncated`: the unfinished frame a `reset()` dropped when the line fell silent. */
export type UhfRejectReason = 'garbage' | 'bad_length' | 'bad_crc' | 'bad_inventory' | 'truncated';
/** `bytes`: how many bytes of the stream this rejection dropped (their sum is every byte not in an event). */
export interface UhfRejection { reason: UhfRejectReason; detail: string; bytes: number }

export interface UhfResult { events: UhfEvent[]; rejected: UhfRejection[] }

/** A command frame to the reader, e.g. `uhfCommand(0x0a, 0x01)` = 04 0A 01 AB B6 (inventory to address 10). */
export function uhfCommand(addr: number, cmd: number, data: ArrayLike<number> = []): Uint8Array {
  const frame = new Uint8Array(data.length + 5);
  frame.set([data.length + 4, addr & 0xff, cmd & 0xff], 0);
  frame.set(Array.from(data), 3);
  const crc = crc16Mcrf4xx(frame, 0, frame.length - 2);
  frame[frame.length - 2] = crc & 0xff;
  frame[frame.length - 1] = crc >>> 8;
  return frame;
}

/** The bytes kept from the last chunk, then the new one. What is kept is always a copy (`slice`): a link may reuse its chunk's buffer. */
function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0').toUpperCase());
/** Upper-case hex, by table: an EPC per tag read is the hot path of an inventory. */
function hex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]!];
  return s;
}

/** Whether a whole frame whose CRC checks starts at `i` and ends within `n`. */
function checkedAt(buf: Uint8Array, i: number, n: number): boolean {
  const len = buf[i]!;
  const end = i + 1 + len;
  if (len < MIN_LEN || end > n) return false;
  const crc = crc16Mcrf4xx(buf, i, end - 2);
  return buf[end - 2] === (crc & 0xff) && buf[end - 1] === crc >>> 8;
}

/**
 * What the bytes already here say of an unfinished frame's Len: an inventory reply's Num and EPCLen
 * fields fix where it ends, so before its CRC arrives its Len is either `consistent` with them or
 * `impossible`; any other reply is `unknown` until its CRC checks or fails.
 */
function shape(buf: Uint8Array, i: number, n: number): 'consistent' | 'impossible' | 'unknown' {
  if (i + 3 >= n || buf[i + 2] !== INVENTORY || !(buf[i + 3]! in INVENTORY_STATUS)) return 'unknown';
  const dataEnd = i + 1 + buf[i]! - 2;
  let p = i + 4;
  if (p >= n) return 'consistent';
  const num = buf[p++]!;
  for (let k = 0; k < num; k++) {
    if (p + (num - k) * (1 + EPC_MIN) > dataEnd) return 'impossible';
    if (p >= n) return 'consistent';
    const len = buf[p]!;
    if (len < EPC_MIN || len > EPC_MAX || len % 2) return 'impossible';
    p += 1 + len;
  }
  return p === dataEnd ? 'consistent' : 'impossible';
}

/** Inventory data: Num | (EPCLen | EPC)×Num, nothing after. */
function inventory(addr: number, status: number, data: Uint8Array, bytes: number): UhfEvent | UhfRejection {
  if (data.length < 1) return { reason: 'bad_inventory', detail: `status ${status} with no Num byte`, bytes };
  const num = data[0]!;
  const epcs: string[] = [];
  let p = 1;
  for (let k = 0; k < num; k++) {
    if (p >= data.length) return { reason: 'bad_inventory', detail: `Num ${num}, the frame holds ${k} EPCs`, bytes };
    const n = data[p]!;
    if (n < EPC_MIN || n > EPC_MAX || n % 2) return { reason: 'bad_inventory', detail: `EPC ${k + 1} of ${num}: EPCLen ${n} is not 1 to 31 words`, bytes };
    if (p + 1 + n > data.length) return { reason: 'bad_inventory', detail: `EPC ${k + 1} of ${num}: EPCLen ${n} runs past the frame`, bytes };
    epcs.push(hex(data.subarray(p + 1, p + 1 + n)));
    p += 1 + n;
  }
  if (p !== data.length) return { reason: 'bad_inventory', detail: `Num ${num} leaves ${data.length - p} bytes over`, bytes };
  return { type: 'inventory', addr, status, statusMeaning: INVENTORY_STATUS[status]!, epcs, more: status === 0x03 };
}

/** One checked frame's meaning. */
function interpret(frame: Uint8Array): UhfEvent | UhfRejection {
  const addr = frame[1]!;
  const cmd = frame[2]!;
  const status = frame[3]!;
  const data = frame.subarray(4, frame.length - 2);
  if (cmd === INVENTORY) {
    if (status in INVENTORY_STATUS) return inventory(addr, status, data, frame.length);
    if (status === NO_TAG) return { type: 'noTag', addr };
    return { type: 'error', addr, cmd, status, meaning: ERROR_STATUS[status] ?? 'unknown' };
  }
  if (status === 0x00) return { type: 'reply', addr, cmd, status, data: data.slice() };
  return { type: 'error', addr, cmd, status, meaning: ERROR_STATUS[status] ?? 'unknown' };
}

/**
 * Splits the desk reader's byte stream into checked frames. An incomplete frame waits for the next
 * chunk (`pending` bytes, never more than MAX_FRAME − 1); a link that hears silence calls `reset()`,
 * since a damaged Len of 255 would otherwise hold the stream until 255 more bytes come.
 */
export class UhfDeframer {
  private buf = new Uint8Array(0);
  private inStep = true;

  get pending(): number { return this.buf.length; }

  /** Drops what waits (the line went silent) and says what it dropped; the next byte begins a frame. */
  reset(): UhfRejection | null {
    const n = this.buf.length;
    this.buf = new Uint8Array(0);
    this.inStep = true;
    return n ? { reason: 'truncated', detail: `${n} bytes of an unfinished frame dropped on silence`, bytes: n } : null;
  }

  push(chunk: Uint8Array): UhfResult {
    const joined = this.buf.length ? concat(this.buf, chunk) : chunk;
    const n = joined.length;
    const out: UhfResult = { events: [], rejected: [] };
    let i = 0;
    let skipped = 0;
    // The first checked frame past some offset, found once per push and reused while hunting past it.
    let scanned = false;
    let nextChecked = -1;
    const flush = () => {
      if (skipped) out.rejected.push({ reason: 'garbage', detail: `${skipped} bytes outside a frame`, bytes: skipped });
      skipped = 0;
    };
    /** Drops the byte at i: a rejection of its own where a frame should have begun, else garbage. */
    const drop = (reason: 'bad_length' | 'bad_crc', detail: () => string) => {
      if (this.inStep) out.rejected.push({ reason, detail: detail(), bytes: 1 });
      else skipped++;
      this.inStep = false;
      i++;
    };
    while (i < n) {
      const len = joined[i]!;
      if (len < MIN_LEN) { drop('bad_length', () => `Len ${len}`); continue; }
      const end = i + 1 + len;
      if (end > n) {
        // A frame not all here yet. In step, its Len is trusted (a line that falls silent is reset),
        // unless its own inventory fields already contradict it: a chance CRC match inside a frame must
        // not cost a frame on a clean line. Out of step, a Len that claims the bytes of a whole checked
        // frame lying inside it is garbage, since waiting for it would hold that frame back; not so for
        // an inventory whose Num and EPCLen agree with its Len so far.
        const s = shape(joined, i, n);
        if (s === 'impossible') { drop('bad_length', () => `Len ${len} disagrees with the inventory's Num and EPCLen`); continue; }
        if (this.inStep || s === 'consistent') break;
        if (!scanned || (nextChecked >= 0 && nextChecked <= i)) {
          scanned = true;
          nextChecked = -1;
          for (let j = i + 1; j + MIN_LEN < n; j++) if (checkedAt(joined, j, n)) { nextChecked = j; break; }
        }
        if (nextChecked > i) { drop('bad_length', () => `Len ${len} reaches over a whole frame ${nextChecked - i} bytes on`); continue; }
        break;
      }
      if (!checkedAt(joined, i, n)) {
        // No start byte to look for: drop this one byte and try the next offset as a Len, so a frame
        // that begins inside the damaged one (or right after garbage) is still found.
        drop('bad_crc', () => hex(joined.subarray(i, Math.min(end, i + 16))));
        continue;
      }
      flush();
      const r = interpret(joined.subarray(i, end));
      if ('reason' in r) out.rejected.push(r);
      else out.events.push(r);
      this.inStep = true;
      i = end;
    }
    flush();
    this.buf = joined.slice(i);
    return out;
  }
}
