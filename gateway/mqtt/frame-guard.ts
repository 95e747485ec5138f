// A transport-level limit on MQTT packet size for the embedded broker. aedes 1.x (mqtt-packet 9)
// has no maximum packet size: a client announcing a 200 MiB PUBLISH would be buffered whole before
// any hook sees it. This reads only the fixed headers (MQTT 3.1.1 §2.2: one type byte, then the
// remaining length as 1–4 bytes of 7 bits each) as the bytes stream past, and says stop as soon
// as a header announces more than the limit.
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

export type GuardVerdict = { ok: true } | { ok: false; announced: number };

export class MqttFrameGuard {
  private state: 'type' | 'length' | 'body' = 'type';
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private remaining = 0;
  private failed = false;

  constructor(readonly maxPacketBytes: number) {}

  feed(chunk: Buffer): GuardVerdict {
    if (this.failed) return { ok: false, announced: this.length };
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        const n = Math.min(this.remaining, chunk.length - i);
        this.remaining -= n;
        i += n;
        if (this.remaining === 0) this.state = 'type';
        continue;
      }
      const byte = chunk[i++];
      if (this.state === 'type') {
        this.state = 'length';
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        continue;
      }
      // remaining length, 7 bits a byte, least significant first
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes++;
      const total = 1 + this.lengthBytes + this.length;
      if (total > this.maxPacketBytes || (this.lengthBytes === 4 && (byte & 0x80))) {
        this.failed = true;
        return { ok: false, announced: this.length };
      }
      if (byte & 0x80) continue;
      this.remaining = this.length;
      this.state = this.remaining === 0 ? 'type' : 'body';
    }
    return { ok: true };
  }
}

/**
 * The socket as aedes sees it, with the guard in between. On a packet over the limit the
 * connection is cut before the packet is buffered; `onTooLarge` is told first.
 */
export class GuardedConnection extends Duplex {
  private readonly guard: MqttFrameGuard;
  private pendingWrite: ((err?: Error | null) => void) | undefined;

  constructor(readonly socket: Socket, maxPacketBytes: number, onTooLarge: (conn: GuardedConnection, announced: number) => void) {
    super({ allowHalfOpen: false });
    this.guard = new MqttFrameGuard(maxPacketBytes);
    socket.on('data', (chunk: Buffer) => {
      const v = this.guard.feed(chunk);
      if (!v.ok) {
        socket.pause();
        onTooLarge(this, v.announced);
        this.destroy();
        return;
      }
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('drain', () => this.release());
    socket.on('close', () => {
      this.release(new Error('connection closed'));
      this.destroy();
    });
  }

  private release(err?: Error): void {
    const cb = this.pendingWrite;
    this.pendingWrite = undefined;
    cb?.(err);
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.socket.destroyed) return cb(new Error('connection closed'));
    if (this.socket.write(chunk)) cb();
    else this.pendingWrite = cb;
  }

  /** aedes corks its writes: hand the socket the whole batch in one write, as a plain socket would get it. */
  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    this._write(chunks.length === 1 ? chunks[0].chunk : Buffer.concat(chunks.map((c) => c.chunk)), 'buffer' as BufferEncoding, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.socket.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.socket.destroy();
    cb(err);
  }
}
