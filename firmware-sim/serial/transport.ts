/**
 * How a simulated device reaches the gateway: a real pseudo-terminal pair made by socat (the
 * gateway opens its end with serialport as it would /dev/ttyUSB0), or a TCP port on 127.0.0.1
 * standing for a serial device server (an RS-485-to-Ethernet converter), one client at a time.
 *
 * Faults are switched on per line: garbage on the wire, corrupted checks, replies dribbled one
 * byte per write, a device that stops answering, and a cable pulled and put back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { SerialPort } from 'serialport';
import type { LineHandler } from './line.ts';

export type Endpoint = { pty: string } | { tcp: { host: string; port: number } };

export interface LineEvents {
  /** A TCP client came, or the PTY opened (replug included). */
  up: [];
  /** Unplugged, a client gone, or socat died under us. */
  down: [why: string];
  error: [err: Error];
}

export abstract class SimLine extends EventEmitter<LineEvents> {
  /** Replies get their last byte (the check, in every framing here that has one) flipped. */
  badChecksum = false;
  /** Replies go out one byte per write, a turn of the event loop apart. */
  splitBytes = false;
  /** The device hears but answers nothing. */
  silence = false;
  plugged = false;
  private out: Uint8Array[] = [];
  private pumping = false;

  constructor(readonly handler: LineHandler) {
    super();
  }

  abstract start(): Promise<Endpoint>;
  abstract stop(): Promise<void>;
  /** Pull the cable: the gateway sees its connection or device go. */
  abstract unplug(): Promise<void>;
  /** Put it back where it was: the same port, the same PTY path. */
  abstract replug(): Promise<Endpoint>;
  abstract endpoint(): Endpoint;
  /** Writes to whoever is on the other end now; bytes with nobody there are lost, as on a wire. */
  protected abstract write(bytes: Uint8Array): void;

  /** n random bytes onto the wire toward the gateway, between whole replies. */
  garbage(n: number): void {
    this.enqueue(Uint8Array.from(randomBytes(n)));
  }

  protected fromGateway(chunk: Uint8Array): void {
    this.handler.receive(chunk, (frame) => this.reply(frame));
  }

  protected dropped(): void {
    this.out = [];
    this.handler.reset();
  }

  private reply(frame: Uint8Array): void {
    if (this.silence || !this.plugged) return;
    let f = frame;
    if (this.badChecksum && f.length > 0) {
      f = Uint8Array.from(f);
      f[f.length - 1] ^= 0xff;
    }
    this.enqueue(f);
  }

  private enqueue(bytes: Uint8Array): void {
    this.out.push(bytes);
    if (!this.pumping) void this.pump();
  }

  /** One queue for every write, so that a dribbled reply is never overtaken by the next one. */
  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.out.length) {
        const next = this.out.shift()!;
        if (!this.splitBytes) {
          this.write(next);
          continue;
        }
        for (let i = 0; i < next.length; i++) {
          this.write(next.subarray(i, i + 1));
          await new Promise<void>((r) => setImmediate(r));
        }
      }
    } finally {
      this.pumping = false;
    }
  }
}

export interface TcpLineOptions {
  host?: string;
  /** 0 for an ephemeral port, kept across unplug and replug. Default 0. */
  port?: number;
  /**
   * A second client while one is connected: it takes the line and the first is dropped
   * (`replace`, default: the converters that let a rebooted host back in), or it is closed at once
   * (`refuse`).
   */
  secondClient?: 'replace' | 'refuse';
}

export class TcpLine extends SimLine {
  readonly host: string;
  port: number;
  clients = 0;
  private server: net.Server | undefined;
  private client: net.Socket | undefined;

  constructor(handler: LineHandler, private readonly options: TcpLineOptions = {}) {
    super(handler);
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? 0;
  }

  endpoint(): Endpoint {
    return { tcp: { host: this.host, port: this.port } };
  }

  async start(): Promise<Endpoint> {
    const server = net.createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (e) => this.emit('error', e));
    this.server = server;
    this.port = (server.address() as net.AddressInfo).port;
    this.plugged = true;
    return this.endpoint();
  }

  private accept(socket: net.Socket): void {
    if (this.client) {
      if (this.options.secondClient === 'refuse') {
        socket.destroy();
        return;
      }
      this.client.destroy();
    }
    this.client = socket;
    this.clients++;
    this.handler.reset();
    // Without it a split reply's bytes would be glued back together by Nagle's algorithm.
    socket.setNoDelay(true);
    socket.on('data', (c) => {
      if (this.client === socket) this.fromGateway(c);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.client !== socket) return;
      this.client = undefined;
      this.dropped();
      this.emit('down', 'the client went away');
    });
    this.emit('up');
  }

  protected write(bytes: Uint8Array): void {
    if (this.client && !this.client.destroyed) this.client.write(bytes);
  }

  async unplug(): Promise<void> {
    this.plugged = false;
    const server = this.server;
    this.server = undefined;
    const client = this.client;
    this.client = undefined;
    client?.destroy();
    this.dropped();
    if (server) await new Promise<void>((r) => server.close(() => r()));
    this.emit('down', 'unplugged');
  }

  async replug(): Promise<Endpoint> {
    if (this.server) return this.endpoint();
    return this.start();
  }

  async stop(): Promise<void> {
    if (this.server || this.client) await this.unplug();
  }
}

export interface PtyLineOptions {
  /** Folder of the two links. */
  dir: string;
  /** Links are `<dir>/sim-<name>` (ours) and `<dir>/gw-<name>` (the gateway's). */
  name: string;
  /** Default 'socat' on PATH. */
  socat?: string;
  /** Default the device's own. */
  baudRate?: number;
}

export class PtyLine extends SimLine {
  readonly simPath: string;
  readonly gatewayPath: string;
  private socat: ChildProcess | undefined;
  private port: SerialPort | undefined;
  private stopping = false;

  constructor(handler: LineHandler, private readonly options: PtyLineOptions) {
    super(handler);
    if (!/^[A-Za-z0-9._-]+$/.test(options.name)) throw new Error(`PTY name "${options.name}" must be a plain file name`);
    this.simPath = path.join(options.dir, `sim-${options.name}`);
    this.gatewayPath = path.join(options.dir, `gw-${options.name}`);
  }

  endpoint(): Endpoint {
    return { pty: this.gatewayPath };
  }

  async start(): Promise<Endpoint> {
    fs.mkdirSync(this.options.dir, { recursive: true });
    // A socat killed with SIGKILL leaves its links behind, and socat will not replace them.
    for (const p of [this.simPath, this.gatewayPath]) fs.rmSync(p, { force: true });
    this.stopping = false;
    this.socat = await this.spawnSocat();
    const port = new SerialPort({ path: this.simPath, baudRate: this.options.baudRate ?? this.handler.baudRate, autoOpen: false });
    try {
      await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    } catch (e) {
      await this.unplug();
      throw e;
    }
    port.on('data', (c: Buffer) => this.fromGateway(c));
    port.on('error', (e) => this.emit('error', e));
    this.port = port;
    this.plugged = true;
    this.emit('up');
    return this.endpoint();
  }

  private spawnSocat(): Promise<ChildProcess> {
    const link = (p: string) => `pty,raw,echo=0,link=${p}`;
    // socat has no way to go with its parent, so a watcher shares its pid: the shell keeps a copy
    // of our pipe, forks a reader of it, then becomes socat; when the pipe closes (this process
    // ended, SIGKILL included) the reader's `kill $$` ends socat, which removes its links.
    const watcher = 'exec 3<&0; (read _ <&3; kill $$) & exec "$0" "$@"';
    const child = spawn('/bin/sh', ['-c', watcher, this.options.socat ?? 'socat', '-d', '-d', link(this.simPath), link(this.gatewayPath)], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    child.stdin!.on('error', () => undefined);
    // Whatever way this process ends (a throw, a stop that timed out), no socat is left holding the PTYs.
    const orphanGuard = () => child.kill('SIGTERM');
    process.once('exit', orphanGuard);
    child.once('exit', () => process.off('exit', orphanGuard));
    return new Promise((resolve, reject) => {
      let said = '';
      const timer = setTimeout(() => fail(new Error(`socat did not start within 5 s: ${said.trim()}`)), 5_000);
      const fail = (e: Error) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(e);
      };
      child.once('error', (e) => fail(new Error(`cannot run socat (apt-get install socat): ${e.message}`)));
      child.stderr!.on('data', (c: Buffer) => {
        if (said.length < 4_000) said += c.toString();
        // socat says this once both PTYs and their links exist.
        if (said.includes('starting data transfer loop')) {
          clearTimeout(timer);
          resolve(child);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        child.stdin!.destroy();
        if (this.socat === child) {
          this.socat = undefined;
          if (!this.stopping) {
            this.plugged = false;
            const port = this.port;
            this.port = undefined;
            if (port?.isOpen) port.close(() => undefined);
            this.dropped();
            this.emit('down', `socat exited (${signal ?? code})`);
          }
        }
        reject(new Error(code === 127
          ? `socat is not installed (apt-get install socat): ${said.trim()}`
          : `socat exited (${signal ?? code}) before starting: ${said.trim()}`));
      });
    });
  }

  protected write(bytes: Uint8Array): void {
    if (this.port?.isOpen) this.port.write(Buffer.from(bytes));
  }

  async unplug(): Promise<void> {
    if (!this.socat && !this.port) return;
    this.stopping = true;
    this.plugged = false;
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((r) => port.close(() => r()));
    const child = this.socat;
    this.socat = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      // The gateway's end goes with socat: its reads fail and the path vanishes, as a USB adapter pulled out.
      await new Promise<void>((r) => {
        child.once('exit', () => r());
        child.kill('SIGTERM');
      });
    }
    for (const p of [this.simPath, this.gatewayPath]) fs.rmSync(p, { force: true });
    this.dropped();
    this.emit('down', 'unplugged');
  }

  async replug(): Promise<Endpoint> {
    if (this.socat) return this.endpoint();
    return this.start();
  }

  async stop(): Promise<void> {
    await this.unplug();
  }
}
