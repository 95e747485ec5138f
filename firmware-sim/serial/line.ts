// What a transport (a PTY or a TCP device server) needs from the device that answers on it.

/** Writes one whole reply frame to the gateway; the transport decides how the bytes travel. */
export type Reply = (frame: Uint8Array) => void;

export interface LineHandler {
  /** The device's line speed: only meaningful for a PTY, where serialport wants one. */
  readonly baudRate: number;
  /** Bytes from the gateway in whatever chunks the OS delivered them. */
  receive(chunk: Uint8Array, reply: Reply): void;
  /** The line dropped (client gone, port closed): a half-received request is forgotten. */
  reset(): void;
}

/**
 * Request bytes waiting to make a whole frame. A real device's UART drops a partial frame after
 * a pause (Modbus says 3.5 characters; the RFID modules use a similar receive timeout), so a
 * request cut short by a gateway that gave up cannot glue itself to the next one.
 */
export class Pending {
  bytes: number[] = [];
  private lastAt = 0;
  /** Partial frames older than this many ms are dropped when new bytes come. */
  constructor(private readonly gapMs: number, private readonly now: () => number = Date.now) {}

  push(chunk: Uint8Array): void {
    const t = this.now();
    if (this.bytes.length && t - this.lastAt > this.gapMs) this.bytes = [];
    this.lastAt = t;
    for (const b of chunk) this.bytes.push(b);
  }

  drop(n: number): void {
    this.bytes.splice(0, n);
  }

  clear(): void {
    this.bytes = [];
  }
}

/**
 * The first offset after 0 where a whole, valid frame lies, or -1. On a wire each request from the
 * gateway follows a silence that resets the device's receiver; chunks in the simulator can come
 * closer than the gap, so after noise the device looks ahead for the next good frame instead.
 * `lengthAt` gives the frame length at an offset (0 or undefined when it cannot tell).
 */
export function nextGoodFrame(buf: number[], lengthAt: (i: number) => number | undefined, ok: (frame: number[]) => boolean): number {
  for (let i = 1; i < buf.length; i++) {
    const n = lengthAt(i);
    if (!n || i + n > buf.length) continue;
    if (ok(buf.slice(i, i + n))) return i;
  }
  return -1;
}
