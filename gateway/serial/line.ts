// One serial line as the gateway holds it: a local port (serialport 13) or the same byte stream
// through a serial device server (`tcp://host:port`). It is opened at start and reopened by path,
// with a doubling backoff, whenever it fails. Failure is told by what the line does, not by what
// the operating system promises: a `close` event may never come or come twice, and
// `SerialPort.list()` never lists pseudo-terminals. So an open error, a read or write error (EIO
// when a USB adapter is pulled), or silence while the gateway is asking (the watchdog) takes the
// line down; a missing port at start is a line that is down, not a failed start.
import net from 'node:net';
import { SerialPort } from 'serialport';
import type { Logger } from '../log.ts';

export interface LineSettings {
  path: string;
  baudRate: number;
  dataBits: 7 | 8;
  parity: 'none' | 'even' | 'odd';
  stopBits: 1 | 2;
  /** No byte back for this long while the gateway writes: the line is taken as dead. */
  silenceMs: number;
  reopenMaxMs: number;
}

export interface LineEvents {
  data(chunk: Uint8Array, at: number): void;
  up(at: number): void;
  down(at: number, why: string): void;
}

interface Opened { write(b: Uint8Array): void; close(): void }

const FIRST_BACKOFF_MS = 500;
/** A port still missing this long after start is told as down (its devices offline): a device server or a PTY may come a moment after the gateway. */
const START_GRACE_MS = 5_000;

export class ByteLine {
  state: 'starting' | 'open' | 'down' | 'stopped' = 'stopped';
  since: number | null = null;
  reconnects = 0;
  lastError: string | null = null;
  bytesIn = 0;
  bytesOut = 0;
  /** Transport errors by kind (open_failed, read_error, write_error, silence, closed). */
  readonly errors: Record<string, number> = {};
  private opened: Opened | null = null;
  /** Each open gets a generation: events of an older one (a late close, a second error) are ignored. */
  private generation = 0;
  private backoffMs = FIRST_BACKOFF_MS;
  private reopenTimer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private lastIn = 0;
  /** The first write not yet answered by any byte: what the watchdog measures silence from. */
  private unansweredSince = 0;
  private everOpened = false;
  private startedAt = 0;
  private toldMissing = false;

  constructor(private readonly settings: LineSettings, private readonly events: LineEvents, private readonly logger: Logger,
    private readonly now: () => number = Date.now) {}

  get isTcp(): boolean { return this.settings.path.startsWith('tcp://'); }

  start(): void {
    this.set('starting');
    this.startedAt = this.now();
    this.open();
    this.watchdog = setInterval(() => this.watch(), Math.max(100, Math.min(1000, this.settings.silenceMs / 4)));
    this.watchdog.unref();
  }

  stop(): void {
    this.generation++;
    if (this.reopenTimer) clearTimeout(this.reopenTimer);
    if (this.watchdog) clearInterval(this.watchdog);
    this.reopenTimer = this.watchdog = null;
    this.closeOpened();
    this.set('stopped');
  }

  /** False when the line is down: the bytes are not sent, and the caller's request fails as such. */
  write(bytes: Uint8Array): boolean {
    if (this.state !== 'open' || !this.opened) return false;
    if (!this.unansweredSince) this.unansweredSince = this.now();
    this.bytesOut += bytes.length;
    try {
      this.opened.write(bytes);
      return true;
    } catch (e) {
      this.fail(this.generation, 'write_error', e);
      return false;
    }
  }

  private open(): void {
    const gen = ++this.generation;
    const onData = (chunk: Buffer) => {
      if (gen !== this.generation) return;
      const at = this.now();
      this.bytesIn += chunk.length;
      this.lastIn = at;
      this.unansweredSince = 0;
      this.events.data(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length), at);
    };
    const onUp = () => {
      if (gen !== this.generation) return;
      if (this.everOpened) this.reconnects++;
      this.everOpened = true;
      this.backoffMs = FIRST_BACKOFF_MS;
      this.unansweredSince = 0;
      this.set('open');
      this.logger.info({ path: this.settings.path, reconnects: this.reconnects }, 'serial line open');
      this.events.up(this.now());
    };
    try {
      this.opened = this.isTcp ? this.openTcp(gen, onData, onUp) : this.openPort(gen, onData, onUp);
    } catch (e) {
      this.fail(gen, 'open_failed', e);
    }
  }

  private openPort(gen: number, onData: (b: Buffer) => void, onUp: () => void): Opened {
    const s = this.settings;
    const port = new SerialPort({ path: s.path, baudRate: s.baudRate, dataBits: s.dataBits, parity: s.parity, stopBits: s.stopBits, autoOpen: false });
    port.on('data', onData);
    port.on('error', (e) => this.fail(gen, 'read_error', e));
    port.on('close', () => this.fail(gen, 'closed', new Error('the port closed')));
    port.open((e) => (e ? this.fail(gen, 'open_failed', e) : onUp()));
    return {
      write: (b) => { port.write(Buffer.from(b), (e) => { if (e) this.fail(gen, 'write_error', e); }); },
      close: () => { port.removeAllListeners(); port.on('error', () => undefined); if (port.isOpen) port.close(() => undefined); },
    };
  }

  private openTcp(gen: number, onData: (b: Buffer) => void, onUp: () => void): Opened {
    const u = new URL(this.settings.path);
    const socket = net.connect({ host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 5_000);
    socket.on('connect', onUp);
    socket.on('data', onData);
    socket.on('error', (e) => this.fail(gen, this.state === 'open' ? 'read_error' : 'open_failed', e));
    socket.on('close', () => this.fail(gen, 'closed', new Error('the device server closed the connection')));
    return {
      write: (b) => { socket.write(b, (e) => { if (e) this.fail(gen, 'write_error', e); }); },
      close: () => { socket.removeAllListeners(); socket.on('error', () => undefined); socket.destroy(); },
    };
  }

  /** Asked and not answered for the silence span: a device server that lost its far side, a PTY whose other end is gone. */
  private watch(): void {
    if (this.state !== 'open' || !this.unansweredSince) return;
    if (this.now() - this.unansweredSince >= this.settings.silenceMs) {
      this.fail(this.generation, 'silence', new Error(`no byte for ${Math.round((this.now() - Math.max(this.lastIn, this.unansweredSince)) / 1000)} s while asking`));
    }
  }

  /** Once per open, whatever reported it first: the line goes down and a reopen is scheduled. */
  private fail(gen: number, kind: string, e: unknown): void {
    if (gen !== this.generation || this.state === 'stopped') return;
    this.generation++;
    this.errors[kind] = (this.errors[kind] ?? 0) + 1;
    const message = e instanceof Error ? e.message : String(e);
    const wasOpen = this.state === 'open';
    this.lastError = `${kind}: ${message}`;
    this.closeOpened();
    if (this.state !== 'down') this.set('down');
    // One line per outage, not per attempt: a port that stays missing retries quietly. One missing
    // at start is said once it has been missing for the start grace (a PTY or device server may
    // come a moment after the gateway), and its devices are then offline.
    const log = { path: this.settings.path, why: kind, error: message, retryInMs: this.backoffMs };
    if (wasOpen) {
      this.logger.warn(log, 'serial line lost; reopening');
      this.events.down(this.now(), kind);
    } else if (!this.everOpened && !this.toldMissing && this.now() - this.startedAt >= START_GRACE_MS) {
      this.toldMissing = true;
      this.logger.warn(log, 'serial line cannot be opened; retrying');
      this.events.down(this.now(), kind);
    }
    const wait = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.settings.reopenMaxMs);
    this.reopenTimer = setTimeout(() => { this.reopenTimer = null; if (this.state !== 'stopped') this.open(); }, wait);
    this.reopenTimer.unref();
  }

  private closeOpened(): void {
    try {
      this.opened?.close();
    } catch { /* already gone */ }
    this.opened = null;
    this.unansweredSince = 0;
  }

  private set(s: ByteLine['state']): void {
    this.state = s;
    this.since = this.now();
  }
}
