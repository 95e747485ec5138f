// The serial simulator as the gateway will run it: a child process given a plan file, which
// prints where each device listens, takes JSON commands on stdin, and goes when its stdin closes.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SerialPort } from 'serialport';
import { requireProgram } from '../../helpers/programs.ts';
import { hex, r2000, show, withMcrfCrc } from './bytes.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'serial-sim-main-'));
const socat = requireProgram('socat', 'socat');
const EPC = '3034257BF7194E4000001A85';
const EPC2 = 'E2003412013AF90012345678';
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Sim {
  child: ChildProcessWithoutNullStreams;
  lines: Record<string, any>[];
  stderr: string[];
  next(pred: (l: Record<string, any>) => boolean, ms?: number): Promise<Record<string, any>>;
  send(cmd: Record<string, unknown>): Promise<Record<string, any>>;
  exited: Promise<number | null>;
}

let seq = 0;
function startSim(plan: unknown): Sim {
  const file = path.join(dir, `plan-${++seq}.json`);
  fs.writeFileSync(file, JSON.stringify(plan));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'firmware-sim/serial/main.ts'), file, '--exit-with-parent'], { cwd: ROOT });
  const lines: Record<string, any>[] = [];
  const stderr: string[] = [];
  let partial = '';
  child.stdout.on('data', (b: Buffer) => {
    const parts = (partial + b.toString()).split('\n');
    partial = parts.pop()!;
    for (const p of parts) if (p.trim()) lines.push(JSON.parse(p));
  });
  child.stderr.on('data', (b: Buffer) => stderr.push(b.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let seen = 0;
  const sim: Sim = {
    child, lines, stderr, exited,
    async next(pred, ms = 20_000) {
      const t0 = Date.now();
      for (;;) {
        const i = lines.findIndex((l, k) => k >= seen && pred(l));
        if (i >= 0) {
          seen = i + 1;
          return lines[i]!;
        }
        if (Date.now() - t0 > ms) throw new Error(`no such line within ${ms} ms; stdout ${JSON.stringify(lines)}; stderr ${stderr.join('')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async send(cmd) {
      const s = `c${++seq}`;
      child.stdin.write(`${JSON.stringify({ ...cmd, seq: s })}\n`);
      return sim.next((l) => l.seq === s);
    },
  };
  return sim;
}

/** One request, the bytes that come back within a while (at least n). */
async function ask(sock: net.Socket, req: number[], n: number, ms = 2_000): Promise<number[]> {
  const got: number[] = [];
  const onData = (c: Buffer) => got.push(...c);
  sock.on('data', onData);
  sock.write(Uint8Array.from(req));
  const t0 = Date.now();
  while (got.length < n && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 5));
  sock.off('data', onData);
  return got;
}

async function connect(port: number): Promise<net.Socket> {
  const s = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => s.once('connect', resolve).once('error', reject));
  return s;
}

describe('firmware-sim/serial/main.ts', () => {
  it('starts the plan\'s devices, reports where they listen, obeys commands, and goes with its parent', async () => {
    const devices: unknown[] = [
      { id: 'shelf-a', kind: 'r2000', address: 1, antennas: { 1: [{ epc: EPC, rssi: -50 }] }, transport: { type: 'tcp' } },
      { id: 'scales', kind: 'modbus', framing: 'mbap', slaves: [{ unit: 3, model: 'weight-int32-be', grams: 500 }, { unit: 7, model: 'xy-md02' }], transport: { type: 'tcp' } },
    ];
    if (socat) devices.push({ id: 'desk', kind: 'uhfreader18', transport: { type: 'pty' } });
    const sim = startSim({ ptyDir: path.join(dir, 'ptys'), devices });
    const { ready } = await sim.next((l) => 'ready' in l);
    expect(ready[0]).toEqual({ id: 'shelf-a', kind: 'r2000', baudRate: 115200, tcp: { host: '127.0.0.1', port: expect.any(Number) } });
    expect(ready[1]).toMatchObject({ id: 'scales', kind: 'modbus', framing: 'mbap', tcp: { host: '127.0.0.1' } });
    if (socat) expect(ready[2]).toEqual({ id: 'desk', kind: 'uhfreader18', baudRate: 57600, pty: path.join(dir, 'ptys', 'gw-desk') });

    // The shelf: a tag moves from antenna 1 to antenna 2.
    const shelf = await connect(ready[0].tcp.port);
    const first = await ask(shelf, hex('A0 04 01 89 01 D1'), 33);
    expect(first.slice(21, 33)).toEqual(r2000(1, 0x89, [0, 0, 20, 0, 0, 0, 1]));
    expect(await sim.send({ cmd: 'move', device: 'shelf-a', epc: EPC, toAntenna: 2 })).toMatchObject({ ok: true, cmd: 'move' });
    expect(await ask(shelf, hex('A0 04 01 89 01 D1'), 12)).toEqual(r2000(1, 0x89, [0, 0, 0, 0, 0, 0, 0]));
    expect(await ask(shelf, r2000(1, 0x74, [1]), 6)).toEqual(r2000(1, 0x74, [0x10]));
    const moved = await ask(shelf, hex('A0 04 01 89 01 D1'), 33);
    expect(moved.slice(5, 7)).toEqual([0x30, 0x00]);
    expect(moved[4]! & 3).toBe(1);
    expect(moved[19]).toBe(-50 + 129);

    // The scales: a new weight, read over Modbus TCP.
    expect(await sim.send({ cmd: 'weight', device: 'scales', unit: 3, grams: 1234 })).toMatchObject({ ok: true });
    const scales = await connect(ready[1].tcp.port);
    expect(show(await ask(scales, hex('00 01 00 00 00 06 03 03 00 00 00 02'), 13))).toBe('00 01 00 00 00 07 03 03 04 00 00 04 D2');

    // Faults: garbage, then the cable pulled and put back at the same port.
    const noise = ask(shelf, [], 20);
    expect(await sim.send({ cmd: 'fault', device: 'shelf-a', fault: 'garbage', n: 20 })).toMatchObject({ ok: true });
    expect(await noise).toHaveLength(20);
    const closed = new Promise<void>((r) => shelf.once('close', () => r()));
    expect(await sim.send({ cmd: 'unplug', device: 'shelf-a' })).toMatchObject({ ok: true });
    await closed;
    expect(sim.lines).toContainEqual({ event: 'down', device: 'shelf-a', why: 'unplugged' });
    expect(await sim.send({ cmd: 'replug', device: 'shelf-a' })).toMatchObject({ ok: true, tcp: ready[0].tcp });
    const back = await connect(ready[0].tcp.port);
    // A pulled network cable is no reboot: the work antenna is still the second (0-based 1).
    expect(await ask(back, r2000(1, 0x75, []), 6)).toEqual(r2000(1, 0x75, [1]));
    back.destroy();

    // The desk: two labels held near it at once.
    if (socat) {
      expect(await sim.send({ cmd: 'present', device: 'desk', epcs: [EPC, EPC2] })).toMatchObject({ ok: true });
      const port = new SerialPort({ path: ready[2].pty, baudRate: 57600, autoOpen: false });
      await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
      const got: number[] = [];
      port.on('data', (c: Buffer) => got.push(...c));
      port.write(Buffer.from(hex('04 00 01 DB 4B')));
      const tags = EPC.match(/../g)!.map((x) => parseInt(x, 16));
      const tags2 = EPC2.match(/../g)!.map((x) => parseInt(x, 16));
      const data = [2, 12, ...tags, 12, ...tags2];
      const want = withMcrfCrc([data.length + 5, 0, 1, 1, ...data]);
      const t0 = Date.now();
      while (got.length < want.length && Date.now() - t0 < 3_000) await new Promise((r) => setTimeout(r, 5));
      expect(show(got)).toBe(show(want));
      await new Promise<void>((r) => port.close(() => r()));
    }

    // Commands it cannot do are answered, not fatal.
    expect(await sim.send({ cmd: 'move', device: 'scales', epc: EPC, toAntenna: 1 })).toMatchObject({ ok: false, error: expect.stringMatching(/does not apply to modbus/) });
    expect(await sim.send({ cmd: 'weight', device: 'nope', unit: 1, grams: 1 })).toMatchObject({ ok: false, error: expect.stringMatching(/no device "nope"/) });
    expect(await sim.send({ cmd: 'state', device: 'shelf-a' })).toMatchObject({ ok: true, workAntenna: 2, antennas: { 2: [{ epc: EPC, rssiDbm: -50 }] } });

    // The parent goes (its end of our stdin closes): so do we, and our socat children with us.
    scales.destroy();
    sim.child.stdin.end();
    expect(await Promise.race([sim.exited, new Promise((r) => setTimeout(() => r('still running'), 10_000))])).toBe(0);
    if (socat) expect(fs.existsSync(ready[2].pty)).toBe(false);
    await expect(connect(ready[0].tcp.port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it.skipIf(!socat)('leaves no socat behind even when it is killed outright', async () => {
    const sim = startSim({ ptyDir: path.join(dir, 'killed'), devices: [{ id: 'desk', kind: 'uhfreader18', transport: { type: 'pty' } }] });
    const { ready } = await sim.next((l) => 'ready' in l);
    expect(fs.existsSync(ready[0].pty)).toBe(true);
    sim.child.kill('SIGKILL');
    await sim.exited;
    // socat removes its links when it ends: the gateway's path vanishing is the sign it went.
    const t0 = Date.now();
    while (fs.existsSync(ready[0].pty) && Date.now() - t0 < 5_000) await new Promise((r) => setTimeout(r, 20));
    expect(fs.existsSync(ready[0].pty)).toBe(false);
  });

  it('refuses a bad plan, naming the field', async () => {
    const sim = startSim({ devices: [{ id: 'x', kind: 'modbus', slaves: [{ unit: 300, model: 'weight-int32-be' }], transport: { type: 'tcp' } }] });
    expect(await sim.exited).toBe(1);
    expect(sim.stderr.join('')).toMatch(/devices\.0\.slaves\.0\.unit/);
  });
});
