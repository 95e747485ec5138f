// A plan's devices running on their lines, and the commands that change their world.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LineHandler } from './line.ts';
import { ModbusBus } from './modbus-slave.ts';
import { commandSchema, describeIssues, planSchema, type Command, type DevicePlan, type SerialPlan } from './plan.ts';
import { R2000Reader } from './r2000.ts';
import { PtyLine, TcpLine, type Endpoint, type SimLine } from './transport.ts';
import { UhfReader18 } from './uhfreader18.ts';

type Device =
  | { id: string; kind: 'r2000'; reader: R2000Reader; line: SimLine }
  | { id: string; kind: 'uhfreader18'; reader: UhfReader18; line: SimLine }
  | { id: string; kind: 'modbus'; bus: ModbusBus; framing: 'rtu' | 'mbap'; line: SimLine };

export type ReadyEntry = { id: string; kind: DevicePlan['kind']; baudRate: number; framing?: 'rtu' | 'mbap' } & Endpoint;

export class SerialSim {
  readonly plan: SerialPlan;
  readonly ptyDir: string;
  private readonly devices = new Map<string, Device>();
  private readonly ownsDir: boolean;

  /** Throws with every bad field of the plan named by its path. */
  constructor(rawPlan: unknown, private readonly onEvent: (e: Record<string, unknown>) => void = () => undefined) {
    const parsed = planSchema.safeParse(rawPlan);
    if (!parsed.success) throw new Error(`bad serial plan: ${describeIssues(parsed.error)}`);
    this.plan = parsed.data;
    this.ownsDir = !this.plan.ptyDir;
    this.ptyDir = this.plan.ptyDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'serial-sim-'));
    this.plan.devices.forEach((d, i) => this.devices.set(d.id, this.build(d, this.plan.seed + i)));
  }

  private build(d: DevicePlan, seed: number): Device {
    const lineFor = (handler: LineHandler): SimLine => {
      const t = d.transport;
      const line = t.type === 'tcp'
        ? new TcpLine(handler, { host: t.host, port: t.port, secondClient: t.secondClient })
        : new PtyLine(handler, { dir: this.ptyDir, name: t.name ?? d.id });
      line.on('up', () => this.onEvent({ event: 'up', device: d.id }));
      line.on('down', (why) => this.onEvent({ event: 'down', device: d.id, why }));
      line.on('error', (e) => this.onEvent({ event: 'error', device: d.id, error: e.message }));
      return line;
    };
    switch (d.kind) {
      case 'r2000': {
        const reader = new R2000Reader({
          address: d.address, ports: d.ports, noTag: d.noTag, roundMs: d.roundMs, rebootMs: d.rebootMs, rssiJitterDb: d.rssiJitterDb, seed,
          ...(d.connected ? { connected: d.connected } : {}),
        });
        for (const [antenna, tags] of Object.entries(d.antennas)) {
          for (const t of tags) typeof t === 'string' ? reader.place(t, Number(antenna)) : reader.place(t.epc, Number(antenna), t.rssi);
        }
        return { id: d.id, kind: 'r2000', reader, line: lineFor(reader) };
      }
      case 'uhfreader18': {
        const reader = new UhfReader18({ address: d.address });
        reader.present(d.present);
        return { id: d.id, kind: 'uhfreader18', reader, line: lineFor(reader) };
      }
      case 'modbus': {
        const bus = new ModbusBus(d.slaves.map((s) => ({ ...s, model: s.model as never, seed: seed * 1000 + s.unit })), { missingUnit: d.missingUnit });
        return { id: d.id, kind: 'modbus', bus, framing: d.framing, line: lineFor(d.framing === 'mbap' ? bus.tcp() : bus.rtu()) };
      }
    }
  }

  /** Every line up; what the parent needs to reach each device. */
  async start(): Promise<ReadyEntry[]> {
    const ready: ReadyEntry[] = [];
    try {
      for (const d of this.devices.values()) {
        const ep = await d.line.start();
        ready.push({ id: d.id, kind: d.kind, baudRate: d.line.handler.baudRate, ...(d.kind === 'modbus' ? { framing: d.framing } : {}), ...ep });
      }
    } catch (e) {
      await this.stop();
      throw e;
    }
    return ready;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.devices.values()].map((d) => d.line.stop().catch(() => undefined)));
    if (this.ownsDir) fs.rmSync(this.ptyDir, { recursive: true, force: true });
  }

  device(id: string): Device {
    const d = this.devices.get(id);
    if (!d) throw new Error(`no device "${id}" (there are: ${[...this.devices.keys()].join(', ')})`);
    return d;
  }

  /** One command from the parent; the result goes back on stdout. Throws with a reason to tell it. */
  async apply(raw: unknown): Promise<Record<string, unknown>> {
    const parsed = commandSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`bad command: ${describeIssues(parsed.error)}`);
    const c: Command = parsed.data;
    const d = this.device(c.device);
    const wrongKind = () => new Error(`"${c.cmd}" does not apply to ${d.kind} device "${d.id}"`);
    switch (c.cmd) {
      case 'place':
        if (d.kind === 'r2000') {
          if (c.antenna === undefined) throw new Error('place on a shelf reader needs "antenna"');
          d.reader.place(c.epc, c.antenna, c.rssi);
        } else if (d.kind === 'uhfreader18') d.reader.place(c.epc);
        else throw wrongKind();
        break;
      case 'remove':
        if (d.kind === 'r2000') return { found: d.reader.remove(c.epc, c.antenna) };
        if (d.kind === 'uhfreader18') return { found: d.reader.remove(c.epc) };
        throw wrongKind();
      case 'move':
        if (d.kind !== 'r2000') throw wrongKind();
        d.reader.move(c.epc, c.toAntenna, c.rssi);
        break;
      case 'present':
        if (d.kind === 'uhfreader18') d.reader.present(c.epcs);
        else if (d.kind === 'r2000') {
          if (c.antenna === undefined) throw new Error('present on a shelf reader needs "antenna" (the field it replaces)');
          for (const t of d.reader.tags()[c.antenna] ?? []) d.reader.remove(t.epc, c.antenna);
          for (const e of c.epcs) d.reader.place(e, c.antenna);
        } else throw wrongKind();
        break;
      case 'antenna':
        if (d.kind !== 'r2000') throw wrongKind();
        d.reader.setConnected(c.antenna, c.connected);
        break;
      case 'weight': {
        if (d.kind !== 'modbus') throw wrongKind();
        const s = d.bus.slave(c.unit);
        if (!s.model.startsWith('weight')) throw new Error(`unit ${c.unit} is a ${s.model}, not a weighing transmitter`);
        s.grams = c.grams;
        if (c.noiseGrams !== undefined) s.noiseGrams = c.noiseGrams;
        break;
      }
      case 'climate': {
        if (d.kind !== 'modbus') throw wrongKind();
        const s = d.bus.slave(c.unit);
        if (s.model !== 'xy-md02') throw new Error(`unit ${c.unit} is a ${s.model}, not a temperature/humidity sensor`);
        if (c.temperatureC !== undefined) s.temperatureC = c.temperatureC;
        if (c.humidityPct !== undefined) s.humidityPct = c.humidityPct;
        break;
      }
      case 'fault':
        if (c.fault === 'garbage') d.line.garbage(c.n);
        else if (c.fault === 'silence' && c.unit !== undefined) {
          if (d.kind !== 'modbus') throw new Error('"unit" silences one slave of a Modbus bus');
          d.bus.slave(c.unit).silent = c.on;
        } else d.line[c.fault] = c.on;
        break;
      case 'unplug':
        await d.line.unplug();
        break;
      case 'replug':
        return { ...(await d.line.replug()) };
      case 'state':
        return this.state(d);
    }
    return {};
  }

  private state(d: Device): Record<string, unknown> {
    const line = { plugged: d.line.plugged, badChecksum: d.line.badChecksum, splitBytes: d.line.splitBytes, silence: d.line.silence };
    if (d.kind === 'r2000') return { ...line, workAntenna: d.reader.workAntenna, requests: d.reader.requests, antennas: d.reader.tags() };
    if (d.kind === 'uhfreader18') return { ...line, requests: d.reader.requests, present: d.reader.tags() };
    return {
      ...line,
      requests: d.bus.requests,
      slaves: [...d.bus.slaves.values()].map((s) => ({
        unit: s.unit, model: s.model, silent: s.silent,
        ...(s.model === 'xy-md02' ? { temperatureC: s.temperatureC, humidityPct: s.humidityPct } : { grams: s.grams, noiseGrams: s.noiseGrams }),
      })),
    };
  }
}
