// What a serial port's protocol driver does: it asks its devices in turn (one request at a time on
// the line), deframes the answers with the protocol's pure codec, and reports what each device
// said. Every device on one port speaks the port's one protocol.
import type { Device } from '../../../edge/site/schema.ts';
import type { DeviceReport } from '../../links/link.ts';

export interface DriverContext {
  /** False when the line is down: nothing was sent. */
  send(bytes: Uint8Array): boolean;
  report(r: DeviceReport): void;
  /** Frames that decoded, and rejections not attributable to one device (garbage between frames). */
  counted(frames: number, rejected: Record<string, number>): void;
  now(): number;
}

export interface PortDriver {
  /** Starts polling; `ctx` stays valid until stop(). */
  start(ctx: DriverContext): void;
  stop(): void;
  data(chunk: Uint8Array, at: number): void;
  /** The line went down or came back: drop half-read frames, fail what waits. */
  lineDown(): void;
  lineUp(): void;
}

export type DriverDevice = Device;

/**
 * A driver that asks its devices one after the other, then waits out the rest of the shortest poll
 * interval among them: one request at a time on the line, whatever the protocol.
 */
export abstract class PollingDriver implements PortDriver {
  protected ctx: DriverContext | null = null;
  protected running = false;

  constructor(protected readonly devices: readonly DriverDevice[], private readonly defaultPollMs: number) {}

  start(ctx: DriverContext): void {
    this.ctx = ctx;
    this.running = true;
    void this.loop();
  }

  stop(): void { this.running = false; }
  abstract data(chunk: Uint8Array, at: number): void;
  abstract lineDown(): void;
  lineUp(): void {}

  /** One device's turn: its requests and answers. */
  protected abstract poll(d: DriverDevice): Promise<void>;
  /** False while the line cannot carry a request. */
  protected ready(): boolean { return true; }
  /** After each pass over the devices. */
  protected afterPass(): void {}

  private async loop(): Promise<void> {
    const pollMs = Math.min(...this.devices.map((d) => d.pollMs ?? this.defaultPollMs));
    while (this.running) {
      const started = Date.now();
      for (const d of this.devices) if (this.running && this.ready()) await this.poll(d);
      this.afterPass();
      await sleep(Math.max(50, pollMs - (Date.now() - started)));
    }
  }
}

/** Waits for one answer: resolved by the first event `match` takes, or null after `ms`. */
export class Awaiting<E> {
  private waiting: { match: (e: E) => boolean; resolve: (e: E | null) => void; timer: NodeJS.Timeout } | null = null;

  wait(match: (e: E) => boolean, ms: number): Promise<E | null> {
    this.cancel();
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.waiting = null; resolve(null); }, ms);
      timer.unref();
      this.waiting = { match, resolve, timer };
    });
  }

  /** True when the event answered what was waited for. */
  offer(e: E): boolean {
    const w = this.waiting;
    if (!w || !w.match(e)) return false;
    clearTimeout(w.timer);
    this.waiting = null;
    w.resolve(e);
    return true;
  }

  cancel(): void {
    const w = this.waiting;
    if (!w) return;
    clearTimeout(w.timer);
    this.waiting = null;
    w.resolve(null);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => { const t = setTimeout(r, ms); t.unref(); });

/** Counts rejections by reason: garbage is counted in bytes dropped, others one per frame. */
export function tally(rejected: readonly { reason: string; bytes?: number }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rejected) out[r.reason] = (out[r.reason] ?? 0) + 1;
  return out;
}
