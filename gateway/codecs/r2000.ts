// The R2000-module shelf reader's serial frames (4/8-port readers; PROTOCOLS.md, serial section):
// `A0 | Len | Addr | Cmd | Data | Check`, Len = the bytes after Len including Check, Check = the two's
// complement of the byte sum from A0 to the last data byte. A pure codec over a byte stream: chunks
// in, events and counted rejections out. Frames split across chunks and glued in one are both
// normal on a serial line; after garbage or a bad checksum it resynchronises on the next A0 byte
// whose frame checks out, so one bad byte costs one frame, never the stream.

export const HEAD = 0xa0;
/** Real-time inventory commands whose replies carry tags. */
export const INVENTORY_COMMANDS = new Set([0x89, 0x8a, 0x8b]);
/** The reader's own codes in an error reply (Len = 4). */
export const ERROR_CODES: Record<number, string> = {
  0x10: 'ok', 0x11: 'fail', 0x22: 'antenna_missing', 0x36: 'no_tag', 0x41: 'bad_parameter',
};
/** A frame's Len is at least Addr, Cmd and Check. */
const MIN_LEN = 3;

export type R2000Event =
  | { type: 'tag'; addr: number; cmd: number; antenna: number; pc: number; epc: string; rssiDbm: number }
  | { type: 'roundEnd'; addr: number; cmd: number; antenna: number; readRate: number; totalRead: number }
  | { type: 'error'; addr: number; cmd: number; code: number; meaning: string }
  | { type: 'reply'; addr: number; cmd: number; data: Uint8Array };

export type R2000RejectReason = 'garbage' | 'bad_length' | 'bad_checksum' | 'bad_tag';
/** `bytes`: how many bytes it dropped (garbage between frames is reported per chunk, its bytes add up). */
export interface R2000Rejection { reason: R2000RejectReason; detail: string; bytes?: number }

export interface R2000Result { events: R2000Event[]; rejected: R2000Rejection[] }

/** The Check byte of the bytes from A0 to the last data byte. */
export function checksum(bytes: ArrayLike<number>, end = bytes.length): number {
  let sum = 0;
  for (let i = 0; i < end; i++) sum = (sum + bytes[i]!) & 0xff;
  return (0x100 - sum) & 0xff;
}

/** A command frame to the reader, e.g. `r2000Command(1, 0x89, [1])` = A0 04 01 89 01 D1 (real-time inventory, repeat 1). */
export function r2000Command(addr: number, cmd: number, data: ArrayLike<number> = []): Uint8Array {
  const frame = new Uint8Array(data.length + 5);
  frame.set([HEAD, data.length + 3, addr & 0xff, cmd & 0xff], 0);
  frame.set(Array.from(data), 4);
  frame[frame.length - 1] = checksum(frame, frame.length - 1);
  return frame;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('').toUpperCase();

/** One checked frame's meaning. Tag data: FreqAnt | PC(2) | EPC(2 × PC>>11) | RSSI. */
function interpret(addr: number, cmd: number, data: Uint8Array, len: number): R2000Event | R2000Rejection {
  if (len === 0x04) {
    const code = data[0]!;
    return { type: 'error', addr, cmd, code, meaning: ERROR_CODES[code] ?? 'unknown' };
  }
  if (INVENTORY_COMMANDS.has(cmd) && len === 0x0a) {
    return {
      type: 'roundEnd', addr, cmd, antenna: (data[0]! & 0x03) + 1,
      readRate: (data[1]! << 8) | data[2]!, totalRead: ((data[3]! << 24) | (data[4]! << 16) | (data[5]! << 8) | data[6]!) >>> 0,
    };
  }
  if (INVENTORY_COMMANDS.has(cmd)) {
    if (data.length < 4) return { reason: 'bad_tag', detail: `tag data of ${data.length} bytes` };
    const pc = (data[1]! << 8) | data[2]!;
    const epcBytes = 2 * (pc >> 11);
    if (data.length !== 1 + 2 + epcBytes + 1 || epcBytes === 0) {
      return { reason: 'bad_tag', detail: `PC ${pc.toString(16)} says ${epcBytes} EPC bytes, the frame has ${data.length - 4}` };
    }
    return {
      type: 'tag', addr, cmd, antenna: (data[0]! & 0x03) + 1, pc,
      epc: hex(data.subarray(3, 3 + epcBytes)), rssiDbm: data[3 + epcBytes]! - 129,
    };
  }
  return { type: 'reply', addr, cmd, data: data.slice() };
}

/**
 * Splits a byte stream into checked frames. `push` takes each chunk as it comes; an incomplete
 * frame waits for the next chunk (`pending` says how many bytes wait; a link that goes silent may
 * `reset()` them away and count them).
 */
export class R2000Deframer {
  private buf = new Uint8Array(0);

  get pending(): number { return this.buf.length; }

  reset(): number {
    const n = this.buf.length;
    this.buf = new Uint8Array(0);
    return n;
  }

  push(chunk: Uint8Array): R2000Result {
    const joined = new Uint8Array(this.buf.length + chunk.length);
    joined.set(this.buf, 0);
    joined.set(chunk, this.buf.length);
    const out: R2000Result = { events: [], rejected: [] };
    let i = 0;
    let skipped = 0;
    const skip = () => {
      if (skipped) out.rejected.push({ reason: 'garbage', detail: `${skipped} bytes outside a frame`, bytes: skipped });
      skipped = 0;
    };
    while (i < joined.length) {
      if (joined[i] !== HEAD) { skipped++; i++; continue; }
      if (i + 1 >= joined.length) break; // Len not here yet
      const len = joined[i + 1]!;
      if (len < MIN_LEN) {
        skip();
        out.rejected.push({ reason: 'bad_length', detail: `Len ${len}` });
        i++;
        continue;
      }
      const end = i + 2 + len;
      if (end > joined.length) break; // the rest of the frame is still on the wire
      const frame = joined.subarray(i, end);
      if (checksum(frame, frame.length - 1) !== frame[frame.length - 1]) {
        // Perhaps an A0 inside garbage or a damaged frame: drop this byte only and look again.
        skip();
        out.rejected.push({ reason: 'bad_checksum', detail: hex(frame.subarray(0, Math.min(frame.length, 16))) });
        i++;
        continue;
      }
      skip();
      const r = interpret(frame[2]!, frame[3]!, frame.subarray(4, frame.length - 1), len);
      if ('reason' in r) out.rejected.push(r);
      else out.events.push(r);
      i = end;
    }
    skip();
    this.buf = joined.slice(i);
    return out;
  }
}
