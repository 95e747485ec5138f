// Modbus devices on one bus (load cells, temperature/humidity transmitters), polled through the
// master (gateway/modbus/master.ts), which keeps one request at a time on the bus. Each device's
// profile says which registers to read and what they mean; an impossible value is a fault.
import { ModbusMaster } from '../../modbus/master.ts';
import { decodeReadings, recordRegisters, requestsFor, type Profile } from '../../modbus/profiles.ts';
import { PollingDriver, type DriverContext, type DriverDevice } from './driver.ts';

const DEFAULT_POLL_MS = 1_000;

export class ModbusDriver extends PollingDriver {
  private master: ModbusMaster | null = null;
  /** The master's rejections already told, so that each report carries only what is new. */
  private told: Record<string, number> = {};
  private toldReplies = 0;
  /** Polls wait for the line: a request on a line that is down would only time out. */
  private up = false;

  constructor(devices: readonly DriverDevice[], private readonly profiles: ReadonlyMap<string, Profile>,
    private readonly framing: 'rtu' | 'tcp', private readonly timeoutMs = 500) {
    super(devices, DEFAULT_POLL_MS);
  }

  override start(ctx: DriverContext): void {
    this.master = new ModbusMaster({ framing: this.framing, send: (b) => { ctx.send(b); }, timeoutMs: this.timeoutMs });
    super.start(ctx);
  }

  override stop(): void { super.stop(); this.master?.linkLost(); }
  lineDown(): void { this.up = false; this.master?.linkLost(); }
  override lineUp(): void { this.up = true; }
  data(chunk: Uint8Array): void { this.master?.push(chunk); }
  protected override ready(): boolean { return this.up; }
  protected override afterPass(): void { this.countMaster(); }

  protected async poll(d: DriverDevice): Promise<void> {
    const ctx = this.ctx!;
    const profile = this.profiles.get(d.profile ?? '');
    if (!profile || d.address === undefined) return;
    const regs = new Map<string, number>();
    for (const req of requestsFor(profile)) {
      const r = await this.master!.read(d.address, req.fn, req.address, req.count);
      if (!r.ok) {
        // A silent unit is told by its silence (device_offline after its heartbeat); an exception is its answer.
        if (r.reason === 'exception') ctx.report({ deviceId: d.id, receivedAt: ctx.now(), rejected: [{ reason: 'exception', detail: `${r.meaning ?? r.code} reading register ${req.address}` }] });
        else if (r.reason === 'timeout') ctx.report({ deviceId: d.id, receivedAt: ctx.now(), rejected: [{ reason: 'timeout', detail: `register ${req.address}` }] });
        return;
      }
      recordRegisters(regs, req, r.registers);
    }
    const decoded = decodeReadings(profile, regs);
    const readings = decoded.flatMap((x) => (x.ok ? [{ name: x.name, value: x.value, unit: x.unit }] : []));
    const faults = decoded.flatMap((x) => (x.ok ? [] : [{ name: x.name, detail: x.detail }]));
    ctx.report({ deviceId: d.id, receivedAt: ctx.now(), readings, ...(faults.length ? { faults } : {}) });
  }

  /** The bus's framing rejections (garbage, bad CRC, a reply from another unit) belong to the port, not one device. */
  private countMaster(): void {
    const s = this.master!.stats();
    const fresh: Record<string, number> = {};
    for (const [k, n] of Object.entries(s.rejected)) {
      const d = n - (this.told[k] ?? 0);
      if (d > 0) fresh[k] = d;
    }
    this.told = { ...s.rejected };
    this.ctx!.counted(s.replies - this.toldReplies, fresh);
    this.toldReplies = s.replies;
  }
}
