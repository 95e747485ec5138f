// The simulated devices over their transports: a TCP port standing for a serial device server,
// and a real PTY pair from socat opened with serialport as the gateway will open it. Faults:
// the cable pulled and put back (same port, same path), replies dribbled byte by byte, garbage,
// corrupted checks, silence.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SerialPort } from 'serialport';
import { ModbusBus } from '../../../firmware-sim/serial/modbus-slave.ts';
import { R2000Reader } from '../../../firmware-sim/serial/r2000.ts';
import { PtyLine, TcpLine, type SimLine } from '../../../firmware-sim/serial/transport.ts';
import { UhfReader18 } from '../../../firmware-sim/serial/uhfreader18.ts';
import { requireProgram } from '../../helpers/programs.ts';
import { hex, r2000, show } from './bytes.ts';

const EPC = '3034257BF7194E4000001A85';
const lines: SimLine[] = [];
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  await Promise.all(lines.splice(0).map((l) => l.stop()));
});

/** Bytes as the gateway receives them, with how many reads they took. */
class Received {
  bytes: number[] = [];
  chunks = 0;
  push(c: Buffer): void {
    this.chunks++;
    this.bytes.push(...c);
  }
  async atLeast(n: number, ms = 2_000): Promise<number[]> {
    const t0 = Date.now();
    while (this.bytes.length < n) {
      if (Date.now() - t0 > ms) throw new Error(`only ${this.bytes.length} of ${n} bytes within ${ms} ms: ${show(this.bytes)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return this.bytes;
  }
  take(): number[] {
    const b = this.bytes;
    this.bytes = [];
    return b;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function tcpClient(port: number): Promise<{ socket: net.Socket; rx: Received; closed: Promise<void> }> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const rx = new Received();
  socket.on('data', (c) => rx.push(c));
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  closers.push(() => { socket.destroy(); });
  return { socket, rx, closed };
}

function shelf(): R2000Reader {
  const reader = new R2000Reader();
  reader.place(EPC, 1, -55);
  return reader;
}
const INVENTORY = hex('A0 04 01 89 01 D1');
/** One tag frame (21 bytes: 12 of EPC) and the end of the round (12). */
const INVENTORY_REPLY_BYTES = 33;

describe('over TCP (a serial device server)', () => {
  it('answers on an ephemeral port, and again on the same port after the cable is pulled and put back', async () => {
    const line = new TcpLine(shelf());
    lines.push(line);
    const ep = await line.start();
    expect(ep).toEqual({ tcp: { host: '127.0.0.1', port: expect.any(Number) } });
    const port = line.port;
    const a = await tcpClient(port);
    a.socket.write(Uint8Array.from(INVENTORY));
    const first = (await a.rx.atLeast(INVENTORY_REPLY_BYTES)).slice();
    expect(first.slice(0, 4)).toEqual(hex('A0 13 01 89'));
    expect(first.slice(21, 26)).toEqual(hex('A0 0A 01 89 00'));

    await line.unplug();
    await a.closed;
    await expect(tcpClient(port)).rejects.toThrow(/ECONNREFUSED/);
    expect(await line.replug()).toEqual(ep);
    const b = await tcpClient(port);
    b.socket.write(Uint8Array.from(INVENTORY));
    const again = await b.rx.atLeast(INVENTORY_REPLY_BYTES);
    // Same reply but the frequency hop (and so the tag frame's check).
    expect(again.slice(21)).toEqual(first.slice(21));
  });

  it('serves one client at a time: a second one takes the line (or is refused)', async () => {
    const line = new TcpLine(shelf());
    lines.push(line);
    await line.start();
    const a = await tcpClient(line.port);
    const b = await tcpClient(line.port);
    await a.closed;
    b.socket.write(Uint8Array.from(INVENTORY));
    await b.rx.atLeast(INVENTORY_REPLY_BYTES);

    const strict = new TcpLine(shelf(), { secondClient: 'refuse' });
    lines.push(strict);
    await strict.start();
    const c = await tcpClient(strict.port);
    const d = await tcpClient(strict.port);
    await d.closed;
    c.socket.write(Uint8Array.from(INVENTORY));
    await c.rx.atLeast(INVENTORY_REPLY_BYTES);
  });

  it('dribbles replies one byte per write, puts garbage on the wire, corrupts checks, goes silent', async () => {
    const line = new TcpLine(shelf());
    lines.push(line);
    await line.start();
    const { socket, rx } = await tcpClient(line.port);
    socket.write(Uint8Array.from(INVENTORY));
    const whole = (await rx.atLeast(INVENTORY_REPLY_BYTES)).slice(21);
    const wholeChunks = rx.chunks;
    rx.take();

    line.splitBytes = true;
    rx.chunks = 0;
    socket.write(Uint8Array.from(INVENTORY));
    expect((await rx.atLeast(INVENTORY_REPLY_BYTES)).slice(21)).toEqual(whole);
    expect(rx.chunks).toBeGreaterThan(Math.max(wholeChunks, 4));
    rx.take();
    line.splitBytes = false;

    line.garbage(20);
    expect(await rx.atLeast(20)).toHaveLength(20);
    rx.take();

    line.badChecksum = true;
    socket.write(Uint8Array.from(INVENTORY));
    const bad = await rx.atLeast(INVENTORY_REPLY_BYTES);
    expect(bad.slice(21, 32)).toEqual(whole.slice(0, 11));
    expect(bad[32]).toBe(whole[11]! ^ 0xff);
    rx.take();
    line.badChecksum = false;

    line.silence = true;
    socket.write(Uint8Array.from(INVENTORY));
    await sleep(150);
    expect(rx.bytes).toEqual([]);
    line.silence = false;
    socket.write(Uint8Array.from(INVENTORY));
    await rx.atLeast(INVENTORY_REPLY_BYTES);
  });

  it('carries Modbus as transparent RTU or as Modbus TCP, a request split over TCP segments', async () => {
    const bus = new ModbusBus([{ unit: 1, model: 'xy-md02', temperatureC: 30.5 }, { unit: 2, model: 'weight-int32-be', grams: 1234 }]);
    const rtu = new TcpLine(bus.rtu());
    const mbap = new TcpLine(bus.tcp());
    lines.push(rtu, mbap);
    await rtu.start();
    await mbap.start();
    const a = await tcpClient(rtu.port);
    const req = hex('01 04 00 01 00 01 60 0A');
    a.socket.write(Uint8Array.from(req.slice(0, 3)));
    await sleep(10);
    a.socket.write(Uint8Array.from(req.slice(3)));
    expect(show(await a.rx.atLeast(7))).toBe('01 04 02 01 31 79 74');
    const b = await tcpClient(mbap.port);
    b.socket.write(Uint8Array.from(hex('00 2A 00 00 00 06 02 03 00 00 00 02')));
    expect(show(await b.rx.atLeast(13))).toBe('00 2A 00 00 00 07 02 03 04 00 00 04 D2');
  });
});

const socat = requireProgram('socat', 'socat');

describe.skipIf(!socat)('over a real PTY (socat)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'serial-sim-pty-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function open(p: string, baudRate: number): Promise<{ port: SerialPort; rx: Received; gone: Promise<string> }> {
    const port = new SerialPort({ path: p, baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    const rx = new Received();
    port.on('data', (c: Buffer) => rx.push(c));
    // The adapter pulled out: serialport reports an error and/or closes; either will do.
    const gone = new Promise<string>((r) => {
      port.once('close', (e?: Error) => r(`close${e ? `: ${e.message}` : ''}`));
      port.once('error', (e) => r(`error: ${e.message}`));
    });
    closers.push(() => new Promise<void>((r) => (port.isOpen ? port.close(() => r()) : r())));
    return { port, rx, gone };
  }

  it('answers the desk reader example through the PTY, and again at the same path after an unplug', async () => {
    const line = new PtyLine(new UhfReader18(), { dir, name: 'desk' });
    lines.push(line);
    const ep = await line.start();
    expect(ep).toEqual({ pty: path.join(dir, 'gw-desk') });
    const gw = await open(path.join(dir, 'gw-desk'), 57600);
    gw.port.write(Buffer.from(hex('04 00 01 DB 4B')));
    expect(show(await gw.rx.atLeast(6))).toBe('05 00 01 FB F2 3D');

    await line.unplug();
    expect(await Promise.race([gw.gone, sleep(3_000).then(() => 'still there')])).not.toBe('still there');
    expect(fs.existsSync(path.join(dir, 'gw-desk'))).toBe(false);

    expect(await line.replug()).toEqual(ep);
    const again = await open(path.join(dir, 'gw-desk'), 57600);
    again.port.write(Buffer.from(hex('04 00 01 DB 4B')));
    expect(show(await again.rx.atLeast(6))).toBe('05 00 01 FB F2 3D');
  });

  it('carries a shelf reader and a Modbus bus, dribbled and with garbage, through PTYs', async () => {
    const reader = new PtyLine(shelf(), { dir, name: 'shelf' });
    const bus = new PtyLine(new ModbusBus([{ unit: 1, model: 'xy-md02', temperatureC: 30.5 }]).rtu(), { dir, name: 'bus' });
    lines.push(reader, bus);
    await reader.start();
    await bus.start();
    const shelfEnd = await open(reader.gatewayPath, 115200);
    reader.splitBytes = true;
    shelfEnd.port.write(Buffer.from(INVENTORY));
    const got = await shelfEnd.rx.atLeast(INVENTORY_REPLY_BYTES);
    expect(got.slice(21)).toEqual(r2000(1, 0x89, [0, 0, 20, 0, 0, 0, 1]));
    const busEnd = await open(bus.gatewayPath, 9600);
    bus.garbage(5);
    busEnd.port.write(Buffer.from(hex('01 04 00 01 00 01 60 0A')));
    const b = await busEnd.rx.atLeast(12);
    expect(show(b.slice(5))).toBe('01 04 02 01 31 79 74');
    // The gateway closing and opening its end again is no unplug: socat stays.
    await new Promise<void>((r) => busEnd.port.close(() => r()));
    const reopened = await open(bus.gatewayPath, 9600);
    reopened.port.write(Buffer.from(hex('01 04 00 01 00 01 60 0A')));
    expect(show(await reopened.rx.atLeast(7))).toBe('01 04 02 01 31 79 74');
  });
});
