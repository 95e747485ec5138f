// A gate's light and buzzer follow its critical alarms (DOMAIN.md: "the gate's light and buzzer go
// on"). While at least one critical alarm with that gate is open, they are on; when the last one is
// acknowledged or resolved (or drops below critical), they go off.
//
// The gateway drives them through the gate's readers: a Zebra reader takes
//   {"command":"set_gpo","command_id":"<uuid>","payload":{"port":<n>,"state":true|false}}
// on its commands topic (PROTOCOLS.md), one command per port, and answers on its responses topic
// with the same `command` and `command_id` and `"response":"success"` or an error. Whoever decodes
// the responses topic hands the answer to onResponse(); zebraCommandResponse() parses one.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { CustodyContext } from '../../edge/context.ts';
import { liveAlarms, type Alarm } from '../../edge/alarms/alarm.ts';
import { readerTopics, type Device, type Gate } from '../../edge/site/schema.ts';
import type { BrokerLink } from '../mqtt/link.ts';

export interface GateSignalsOptions {
  ctx: CustodyContext;
  link: Pick<BrokerLink, 'publish'>;
  logger: Logger;
  /** A command not answered within this is logged and forgotten. Default 30 s. */
  responseTimeoutMs?: number;
  /** On start, set every gate's outputs from the live alarms (on where one is open, off elsewhere). Default true. */
  syncOnStart?: boolean;
  newCommandId?: () => string;
  now?: () => number;
  /** How long after a reader signs in it is told its gate's state (it must have subscribed). Default 1 s. */
  onlineSettleMs?: number;
  /** Whether a reader is there to be told now; one that is not is told on arrival (readerOnline). Default: every reader. */
  isPresent?: (deviceId: string) => boolean;
}

export interface GpoCommand {
  commandId: string;
  deviceId: string;
  gateId: string;
  output: 'light' | 'buzzer';
  port: number;
  state: boolean;
  topic: string;
  sentAt: number;
  /** 1 for the first send; a command unanswered is sent again, up to MAX_ATTEMPTS in all. */
  attempt?: number;
}

/** A set_gpo no one answered is sent again this many times in all (a reader that had not yet subscribed loses it). */
const MAX_ATTEMPTS = 3;
/** A reader subscribes to its commands just after it signs in: it is told its gate's state once that has had time. */
const ONLINE_SETTLE_MS = 1000;

export interface CommandResponse {
  command: string;
  commandId: string;
  ok: boolean;
  /** The reader's words when not ok. */
  error?: string;
}

const MAX_PENDING = 10_000;

/** The set_gpo command as a Zebra reader takes it. */
export function setGpoCommand(commandId: string, port: number, state: boolean): string {
  return JSON.stringify({ command: 'set_gpo', command_id: commandId, payload: { port, state } });
}

/** A Zebra command response (`command`, `command_id`, `response`: "success" or an error), or null when it is none. */
export function zebraCommandResponse(payload: Buffer | string): CommandResponse | null {
  let v: unknown;
  try {
    v = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch {
    return null;
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.command !== 'string' || typeof o.command_id !== 'string') return null;
  const ok = typeof o.response === 'string' && o.response.toLowerCase() === 'success';
  if (ok) return { command: o.command, commandId: o.command_id, ok };
  const why = o.response ?? o.error ?? o.message ?? 'no response field';
  return { command: o.command, commandId: o.command_id, ok, error: typeof why === 'string' ? why : JSON.stringify(why) };
}

/** Signals for this alarm: critical, open, at a gate. */
const signals = (a: Alarm) => a.severity === 'critical' && a.state === 'open' && !!a.gateId;

let instances = 0;

export class GateSignals {
  /** Its name on the bus; one per instance, so that stopping one never silences another. */
  private readonly owner = `gate-signals:${++instances}`;
  private started = false;
  private sweeper: NodeJS.Timeout | null = null;
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly timeoutMs: number;
  private readonly devices: Map<string, Device>;
  /** Live signalling alarms per gate, and the gate each one signals at. */
  private readonly liveByGate = new Map<string, Set<string>>();
  private readonly gateOf = new Map<string, string>();
  private readonly pendingById = new Map<string, GpoCommand>();
  /** Commands to one topic go out in the order they were decided. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly warnedFormat = new Set<string>();
  /** Readers just signed in, waiting to be told their gate's state. */
  private readonly settling = new Set<NodeJS.Timeout>();

  constructor(private readonly opts: GateSignalsOptions) {
    this.now = opts.now ?? Date.now;
    this.newId = opts.newCommandId ?? randomUUID;
    this.timeoutMs = opts.responseTimeoutMs ?? 30_000;
    this.devices = new Map(opts.ctx.site.devices.map((d) => [d.id, d]));
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.opts.ctx.bus.on('alarm', this.owner, (a) => this.onAlarm(a));
    this.sweeper = setInterval(() => this.sweep(), Math.max(50, Math.floor(this.timeoutMs / 2)));
    this.sweeper.unref();
    if (this.opts.syncOnStart ?? true) this.syncFromStore();
  }

  /** Whether a reader is there to hear a command: without one, a command is not sent (and not waited for). */

  /** Removes the bus listener and the timer. The outputs stay as they are. */
  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.opts.ctx.bus.off(this.owner);
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    for (const t of this.settling) clearTimeout(t);
    this.settling.clear();
  }

  /**
   * A reader came (back) online: whatever it was told while away is lost, so tell it again
   * what its gate's light and buzzer should show now.
   */
  readerOnline(deviceId: string): void {
    if (!this.started) return;
    // A command sent at the instant it connects arrives before its subscription and is lost.
    const t = setTimeout(() => {
      this.settling.delete(t);
      if (!this.started) return;
      for (const [gateId, gate] of this.opts.ctx.gates) {
        if ((gate as Gate).readers.some((r) => r.deviceId === deviceId)) this.drive(gateId, this.liveByGate.has(gateId), null);
      }
    }, this.opts.onlineSettleMs ?? ONLINE_SETTLE_MS);
    t.unref();
    this.settling.add(t);
  }


  /** Commands sent and not yet answered, by command id. */
  get pending(): ReadonlyMap<string, GpoCommand> { return this.pendingById; }

  /** Gates whose outputs are on now. */
  gatesOn(): string[] { return [...this.liveByGate.keys()]; }

  /** Resolves once every command decided so far has been handed to the link. */
  async idle(): Promise<void> {
    while (this.chains.size) await Promise.all([...this.chains.values()]);
  }

  /**
   * A reader answered a command. Returns true when it was one of ours from this device. Failures are
   * logged; the alarm stays as it is (the light is a signal, the alarm is the record).
   */
  onResponse(deviceId: string, r: CommandResponse): boolean {
    const cmd = this.pendingById.get(r.commandId);
    if (!cmd) {
      this.opts.logger.debug({ deviceId, commandId: r.commandId, command: r.command }, 'gate signal: response to no pending command');
      return false;
    }
    if (cmd.deviceId !== deviceId) {
      this.opts.logger.warn({ deviceId, commandId: r.commandId, sentTo: cmd.deviceId }, 'gate signal: response from another device than the one commanded, ignored');
      return false;
    }
    this.pendingById.delete(r.commandId);
    if (!r.ok) {
      this.opts.logger.warn({ deviceId, gateId: cmd.gateId, output: cmd.output, port: cmd.port, state: cmd.state, commandId: r.commandId, error: r.error },
        'gate signal: the reader refused set_gpo');
    }
    return true;
  }

  // ---- alarms ----

  private onAlarm(a: Alarm): void {
    const was = this.gateOf.get(a.id);
    const gate = a.gateId && this.opts.ctx.gates.has(a.gateId) ? a.gateId : null;
    const now = signals(a) && gate !== null;
    if (was !== undefined && (!now || was !== gate)) {
      this.gateOf.delete(a.id);
      const set = this.liveByGate.get(was)!;
      set.delete(a.id);
      if (set.size === 0) {
        this.liveByGate.delete(was);
        this.drive(was, false, a.id);
      }
    }
    if (now && was !== gate) {
      this.gateOf.set(a.id, gate);
      let set = this.liveByGate.get(gate);
      if (!set) this.liveByGate.set(gate, (set = new Set()));
      set.add(a.id);
      // Every new alarm at a gate says "on" again: cheap, and it repairs a command a reader missed.
      this.drive(gate, true, a.id);
    }
  }

  private syncFromStore(): void {
    for (const a of liveAlarms(this.opts.ctx)) {
      if (a.state !== 'open' || a.severity !== 'critical' || !a.gateId || !this.opts.ctx.gates.has(a.gateId)) continue;
      this.gateOf.set(a.id, a.gateId);
      let set = this.liveByGate.get(a.gateId);
      if (!set) this.liveByGate.set(a.gateId, (set = new Set()));
      set.add(a.id);
    }
    for (const g of this.opts.ctx.gates.keys()) this.drive(g, this.liveByGate.has(g), null);
  }

  // ---- commands ----

  private drive(gateId: string, state: boolean, alarmId: string | null): void {
    const gate = this.opts.ctx.gates.get(gateId) as Gate;
    for (const r of gate.readers) {
      if (!r.gpo) continue;
      const device = this.devices.get(r.deviceId);
      if (!device || !(this.opts.isPresent?.(device.id) ?? true)) continue;
      if (device.format !== 'zebra') {
        if (!this.warnedFormat.has(device.id)) {
          this.warnedFormat.add(device.id);
          this.opts.logger.warn({ deviceId: device.id, gateId, format: device.format }, 'gate signal: set_gpo is a Zebra command; this reader gets none');
        }
        continue;
      }
      const topic = readerTopics(device).commands;
      for (const output of ['light', 'buzzer'] as const) {
        const cmd: GpoCommand = { commandId: this.newId(), deviceId: device.id, gateId, output, port: r.gpo[output], state, topic, sentAt: this.now() };
        this.send(cmd, alarmId);
      }
    }
  }

  private send(cmd: GpoCommand, alarmId: string | null): void {
    if (this.pendingById.size >= MAX_PENDING) this.pendingById.delete(this.pendingById.keys().next().value as string);
    this.pendingById.set(cmd.commandId, cmd);
    const payload = setGpoCommand(cmd.commandId, cmd.port, cmd.state);
    const prev = this.chains.get(cmd.topic) ?? Promise.resolve();
    const next = prev.then(async () => {
      try {
        await this.opts.link.publish(cmd.topic, payload, { qos: 1, retain: false });
        this.opts.logger.debug({ gateId: cmd.gateId, deviceId: cmd.deviceId, output: cmd.output, port: cmd.port, state: cmd.state, commandId: cmd.commandId, alarmId, attempt: cmd.attempt ?? 1 },
          'gate signal: set_gpo sent');
      } catch (err) {
        this.pendingById.delete(cmd.commandId);
        this.opts.logger.warn({ gateId: cmd.gateId, deviceId: cmd.deviceId, output: cmd.output, state: cmd.state, err: (err as Error).message },
          'gate signal: set_gpo could not be published');
      }
    });
    this.chains.set(cmd.topic, next);
    void next.then(() => {
      if (this.chains.get(cmd.topic) === next) this.chains.delete(cmd.topic);
    });
  }

  private sweep(): void {
    const limit = this.now() - this.timeoutMs;
    for (const [id, cmd] of this.pendingById) {
      if (cmd.sentAt > limit) continue;
      this.pendingById.delete(id);
      const attempt = cmd.attempt ?? 1;
      const stillWanted = this.liveByGate.has(cmd.gateId) === cmd.state && (this.opts.isPresent?.(cmd.deviceId) ?? true);
      if (stillWanted && attempt < MAX_ATTEMPTS) {
        this.send({ ...cmd, commandId: this.newId(), sentAt: this.now(), attempt: attempt + 1 }, null);
        continue;
      }
      if (!stillWanted) continue; // the gate wants something else by now, and has been told it
      this.opts.logger.warn({ gateId: cmd.gateId, deviceId: cmd.deviceId, output: cmd.output, state: cmd.state, commandId: id, attempts: attempt },
        'gate signal: no response to set_gpo');
    }
  }
}
