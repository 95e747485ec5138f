/**
 * Drives simulated RFID portals: people with badges carrying items through gates.
 *
 * Takes a plain description of gates, readers, people and items (its own small types, not the
 * gateway's), connects one simulated reader per description entry, and makes "walks" happen:
 * - `Scenario.runWalk(plan)`: one exact crossing now (for tests);
 * - `startDemo` (demo.ts): random walks until `stop()`, with a
 *   reader that dies after a while (configurable) and comes back later.
 * Every finished walk is reported through `onWalk` with what the sim did and what a correct
 * gateway should conclude (`expected`).
 */
import { EventEmitter } from 'node:events';
import { SimReader, type DeathMode } from './reader.ts';
import { seededRandom, simulateWalk, type BeamEvent, type PortalSide, type WalkDirection } from './walk.ts';
import type { ScenarioDescription, ScenarioReader } from './description.ts';
import { pick, planRandomWalk, type PlanOptions, type WalkPlan } from './plan.ts';

export type { ScenarioDescription, ScenarioGate, ScenarioItem, ScenarioPerson, ScenarioReader } from './description.ts';
export { planRandomWalk, type PlanOptions, type WalkPlan } from './plan.ts';

export type WalkKind = 'carry' | 'dual-control' | 'badge-only' | 'turnaround' | 'no-badge';

export interface WalkTagRecord {
  epc: string;
  role: 'badge' | 'item' | 'stray';
  staffId?: string;
  /** Reads simulated for this tag, over all readers of the gate. */
  reads: number;
}

export interface WalkRecord {
  seq: number;
  gateId: string;
  direction: WalkDirection;
  kind: WalkKind;
  plan: WalkPlan;
  /** Epoch ms of the first and last simulated read or beam event. */
  start: number;
  end: number;
  timing: 'immediate' | 'realtime';
  tags: WalkTagRecord[];
  /** What a correct gateway should conclude: one crossing per walking tag for in/out, none for a turnaround; strays cross nothing. */
  expected: { epc: string; direction: 'in' | 'out' | null }[];
  /** MQTT messages sent, per reader device id (tag and GPI events). */
  published: Record<string, { reads: number; gpi: number }>;
}

export interface RunWalkOptions {
  /** `immediate` (default): every read is published now, with device time stamps of a walk that just ended. `realtime`: reads go out as the walk happens. */
  timing?: 'immediate' | 'realtime';
}

export interface ScenarioOptions {
  seed?: number;
  /** Heartbeat period of every reader, ms (default 10 000; 0 = none). */
  heartbeatMs?: number;
  /** Read opportunities per antenna per second (default 20). */
  readRateHz?: number;
  /** Reconnect period of the readers after a lost connection, ms. */
  reconnectPeriodMs?: number;
  now?: () => number;
}

export interface ScenarioEvents {
  walkStart: [record: WalkRecord];
  walk: [record: WalkRecord];
  readerDied: [deviceId: string, mode: DeathMode];
  readerRevived: [deviceId: string];
  error: [err: Error];
}

interface TimedAction {
  t: number;
  run: () => Promise<void>;
}

export class Scenario extends EventEmitter<ScenarioEvents> {
  readonly description: ScenarioDescription;
  private readonly url: string;
  private readonly opts: ScenarioOptions;
  private readonly rng: () => number;
  private readonly now: () => number;
  private readonly readerMap = new Map<string, SimReader>();
  private readonly gateBusyUntil = new Map<string, number>();
  readonly itemSides = new Map<string, { gateId: string; side: PortalSide }>();
  private seq = 0;
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Ends each walk being played in real time (its runWalk settles); see stop(). */
  private readonly plays = new Set<() => void>();

  constructor(url: string, description: ScenarioDescription, opts: ScenarioOptions = {}) {
    super();
    this.url = url;
    this.description = description;
    this.opts = opts;
    this.rng = seededRandom(opts.seed ?? 1);
    this.now = opts.now ?? Date.now;
    const ids = new Set<string>();
    for (const g of description.gates) {
      for (const r of g.readers) {
        if (ids.has(r.deviceId)) throw new Error(`reader ${r.deviceId} appears twice`);
        ids.add(r.deviceId);
      }
    }
  }

  private makeReader(spec: ScenarioReader): SimReader {
    const reader = new SimReader({
      url: this.url,
      deviceId: spec.deviceId,
      password: spec.password,
      format: spec.format,
      topics: spec.topics,
      reporting: spec.reporting ?? 'per-read',
      heartbeatMs: spec.heartbeatMs ?? this.opts.heartbeatMs ?? 10_000,
      ...(spec.zebraModel ? { zebraModel: spec.zebraModel } : {}),
      ...(spec.clockSkewMs ? { clockSkewMs: spec.clockSkewMs } : {}),
      ...(this.opts.reconnectPeriodMs !== undefined ? { reconnectPeriodMs: this.opts.reconnectPeriodMs } : {}),
      now: this.now,
    });
    reader.on('error', (e) => this.fail(e));
    return reader;
  }

  private fail(err: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  /** Connects every reader; if one cannot connect, the others are stopped again and the error is thrown. */
  async start(): Promise<void> {
    const specs = this.description.gates.flatMap((g) => g.readers);
    const results = await Promise.allSettled(
      specs.map(async (spec) => {
        const reader = this.makeReader(spec);
        this.readerMap.set(spec.deviceId, reader);
        await reader.start();
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await this.stop();
      throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
    }
  }

  reader(deviceId: string): SimReader {
    const r = this.readerMap.get(deviceId);
    if (!r) throw new Error(`no reader ${deviceId}`);
    return r;
  }

  readers(): SimReader[] {
    return [...this.readerMap.values()];
  }

  /** Calls `cb` after every walk; returns a function that removes it. */
  onWalk(cb: (record: WalkRecord) => void): () => void {
    this.on('walk', cb);
    return () => this.off('walk', cb);
  }

  /** A random plan (uses the scenario's seeded rng and where items were last left). */
  planWalk(opts: Omit<PlanOptions, 'itemSides'> = {}): WalkPlan {
    return planRandomWalk(this.description, this.rng, { ...opts, itemSides: this.itemSides });
  }

  /** Whether a walk is under way at this gate. */
  gateBusy(gateId: string): boolean {
    return (this.gateBusyUntil.get(gateId) ?? 0) > this.now();
  }

  /** Makes one walk happen; resolves once everything it sends has been published. */
  async runWalk(plan: WalkPlan, options: RunWalkOptions = {}): Promise<WalkRecord> {
    const timing = options.timing ?? 'immediate';
    const gate = this.description.gates.find((g) => g.id === plan.gateId);
    if (!gate) throw new Error(`no gate ${plan.gateId}`);
    const rng = this.rng;
    const people = plan.staff.map((s) => {
      const p = this.description.people.find((x) => x.staffId === s || x.badgeEpc === s);
      if (!p) throw new Error(`no person ${s}`);
      return p;
    });
    const speed = plan.speedMps ?? 1.2;
    const gap = plan.followGapMs ?? 900;
    const turnaroundSide: PortalSide = plan.turnaroundSide ?? (rng() < 0.5 ? 'outer' : 'inner');
    const turnaroundDepthM = 0.5 + rng() * 0.4;

    // Walkers: each person (or the badge-less carrier) with the tags they carry.
    interface Walker {
      offsetMs: number;
      lateral: number;
      tags: { epc: string; role: 'badge' | 'item'; staffId?: string }[];
    }
    const walkers: Walker[] = [];
    const carrierTags = plan.items.map((epc) => ({ epc, role: 'item' as const }));
    if (people.length === 0) {
      walkers.push({ offsetMs: 0, lateral: (rng() - 0.5) * 0.5, tags: carrierTags });
    } else {
      people.forEach((p, i) => {
        walkers.push({
          offsetMs: i * gap,
          lateral: (rng() - 0.5) * 0.5,
          tags: [{ epc: p.badgeEpc, role: 'badge', staffId: p.staffId }, ...(i === 0 ? carrierTags : [])],
        });
      });
    }

    // Simulate from t = 0; shifted to real time below.
    const actions: { t: number; deviceId: string; kind: 'read' | 'gpi'; epc?: string; antenna?: number; rssi?: number; pin?: number; state?: 'HIGH' | 'LOW' }[] = [];
    const tagRecords: WalkTagRecord[] = [];
    const beamsBySide: { side: PortalSide; ev: BeamEvent }[] = [];
    for (const w of walkers) {
      w.tags.forEach((tag, ti) => {
        let count = 0;
        // Tags on one body: nearly the same lateral position.
        const lateral = w.lateral + (rng() - 0.5) * 0.2;
        for (const spec of gate.readers) {
          const sim = simulateWalk(
            {
              direction: plan.direction,
              innerAntennas: spec.antennas.inner,
              outerAntennas: spec.antennas.outer,
              start: w.offsetMs,
              speedMps: speed,
              readRateHz: this.opts.readRateHz ?? 20,
              strayProbability: plan.strayProbability ?? 0,
              turnaroundSide,
              turnaroundDepthM,
              lateralOffsetM: lateral,
            },
            seededRandom(Math.floor(rng() * 2 ** 32)),
          );
          for (const r of sim.reads) actions.push({ t: r.t, deviceId: spec.deviceId, kind: 'read', epc: tag.epc, antenna: r.antenna, rssi: r.rssi });
          count += sim.reads.length;
          if (ti === 0 && spec === gate.readers[0]) for (const b of sim.beams) beamsBySide.push({ side: b.side, ev: b });
        }
        tagRecords.push({ ...tag, reads: count });
      });
    }

    // Photo eyes: a beam is broken while at least one walker is in it.
    beamsBySide.sort((a, b) => a.ev.t - b.ev.t || Number(a.ev.broken) - Number(b.ev.broken));
    const inBeam: Record<PortalSide, number> = { inner: 0, outer: 0 };
    for (const { side, ev } of beamsBySide) {
      const before = inBeam[side];
      inBeam[side] = Math.max(0, before + (ev.broken ? 1 : -1));
      const changed = (before === 0) !== (inBeam[side] === 0);
      if (!changed) continue;
      for (const spec of gate.readers) {
        if (!spec.photoEyes) continue;
        actions.push({ t: ev.t, deviceId: spec.deviceId, kind: 'gpi', pin: spec.photoEyes[side], state: ev.broken ? 'LOW' : 'HIGH' });
      }
    }

    // Stray reads of tags not in the walk.
    const walking = new Set(tagRecords.map((t) => t.epc));
    const others = this.description.items.filter((it) => !walking.has(it.epc));
    const lastT = actions.reduce((m, a) => Math.max(m, a.t), 0);
    for (let i = 0; i < (plan.strayReads ?? 0) && others.length > 0; i++) {
      const epc = pick(others, rng).epc;
      const spec = pick(gate.readers, rng);
      const ants = [...spec.antennas.inner, ...spec.antennas.outer];
      if (ants.length === 0) continue;
      actions.push({ t: Math.round(rng() * lastT), deviceId: spec.deviceId, kind: 'read', epc, antenna: pick(ants, rng), rssi: Math.round((-80 + rng() * 8) * 10) / 10 });
      tagRecords.push({ epc, role: 'stray', reads: 1 });
    }
    actions.sort((a, b) => a.t - b.t);

    const firstT = actions.length > 0 ? actions[0]!.t : 0;
    const endT = actions.length > 0 ? actions[actions.length - 1]!.t : 0;
    const now = this.now();
    // immediate: the walk has just ended; realtime: it begins now.
    const shift = timing === 'immediate' ? now - endT : now - firstT;

    const kind: WalkKind =
      plan.direction === 'turnaround'
        ? 'turnaround'
        : people.length === 0
          ? 'no-badge'
          : people.length > 1
            ? 'dual-control'
            : plan.items.length === 0
              ? 'badge-only'
              : 'carry';
    const published: WalkRecord['published'] = {};
    for (const spec of gate.readers) published[spec.deviceId] = { reads: 0, gpi: 0 };
    const record: WalkRecord = {
      seq: ++this.seq,
      gateId: gate.id,
      direction: plan.direction,
      kind,
      plan: { ...plan, ...(plan.direction === 'turnaround' ? { turnaroundSide } : {}) },
      start: firstT + shift,
      end: endT + shift,
      timing,
      tags: tagRecords,
      expected: tagRecords
        .filter((t) => t.role !== 'stray')
        .map((t) => ({ epc: t.epc, direction: plan.direction === 'turnaround' ? null : plan.direction })),
      published,
    };
    this.gateBusyUntil.set(gate.id, Math.max(this.gateBusyUntil.get(gate.id) ?? 0, record.end + 1000));
    this.emit('walkStart', record);

    const send = async (a: (typeof actions)[number]): Promise<void> => {
      const reader = this.readerMap.get(a.deviceId);
      if (!reader || reader.status !== 'running') return;
      if (a.kind === 'read') {
        await reader.read({ idHex: a.epc!, antenna: a.antenna!, rssi: a.rssi!, t: a.t + shift });
        published[a.deviceId]!.reads += 1;
      } else {
        await reader.gpiChange(a.pin!, a.state!);
        published[a.deviceId]!.gpi += 1;
      }
    };

    if (timing === 'immediate') {
      for (const a of actions) await send(a);
    } else {
      await this.playRealtime(actions.map((a) => ({ t: a.t + shift, run: () => send(a) })));
    }
    await Promise.all(gate.readers.map((spec) => this.readerMap.get(spec.deviceId)?.flush()));
    // Cut short by stop(): what was sent is in the record, but it is not a finished walk.
    if (this.stopped) return record;

    if (plan.direction !== 'turnaround') {
      const side: PortalSide = plan.direction === 'in' ? 'inner' : 'outer';
      for (const epc of plan.items) this.itemSides.set(epc, { gateId: gate.id, side });
    }
    this.emit('walk', record);
    return record;
  }

  /** Runs timed actions in order as the clock reaches them (a 25 ms tick); ends early on stop(). */
  private playRealtime(actions: TimedAction[]): Promise<void> {
    return new Promise<void>((resolve) => {
      let i = 0;
      let busy = false;
      const end = (): void => {
        clearInterval(timer);
        this.timers.delete(timer);
        this.plays.delete(stopPlay);
        resolve();
      };
      // An action under way finishes first (its count lands in the walk record), then the loop ends.
      const stopPlay = (): void => {
        if (!busy) end();
      };
      const timer = setInterval(() => {
        if (busy) return;
        if (this.stopped) return end();
        busy = true;
        void (async () => {
          const now = this.now();
          while (!this.stopped && i < actions.length && actions[i]!.t <= now) {
            await actions[i]!.run().catch((e: Error) => this.fail(e));
            i += 1;
          }
          busy = false;
          if (this.stopped || i >= actions.length) end();
        })();
      }, 25);
      this.timers.add(timer);
      this.plays.add(stopPlay);
    });
  }

  /** Kills a reader now (see SimReader.die). */
  async killReader(deviceId: string, mode: DeathMode = 'crash'): Promise<void> {
    await this.reader(deviceId).die(mode);
    this.emit('readerDied', deviceId, mode);
  }

  /** Replaces a dead reader with a fresh, connected one (same device id and credentials); nothing once stopped. */
  async reviveReader(deviceId: string): Promise<void> {
    const spec = this.description.gates.flatMap((g) => g.readers).find((r) => r.deviceId === deviceId);
    if (!spec) throw new Error(`no reader ${deviceId}`);
    if (this.stopped) return;
    const old = this.readerMap.get(deviceId);
    if (old && old.status === 'running') return;
    await old?.stop();
    // stop() may have run meanwhile; a reader made after it would never be stopped.
    if (this.stopped) return;
    const reader = this.makeReader(spec);
    this.readerMap.set(deviceId, reader);
    try {
      await reader.start();
    } catch (e) {
      if (this.stopped) return; // stop() stopped it while it connected
      throw e;
    }
    if (this.stopped) {
      await reader.stop();
      return;
    }
    this.emit('readerRevived', deviceId);
  }

  /**
   * Stops walks and disconnects every reader cleanly. Resolves once every reader is stopped: a
   * reader's stop sends its pending batch and waits for its connection to close, so whatever was
   * published before has left; a walk under way sends nothing more and its runWalk settles.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) {
      clearInterval(t);
      clearTimeout(t);
    }
    this.timers.clear();
    for (const end of [...this.plays]) end();
    await Promise.all(this.readers().map((r) => r.stop().catch(() => undefined)));
  }

  /** For the demo loop: a timer the scenario clears on stop. */
  schedule(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(t);
  }

  get isStopped(): boolean {
    return this.stopped;
  }
}

export function createScenario(url: string, description: ScenarioDescription, options: ScenarioOptions = {}): Scenario {
  return new Scenario(url, description, options);
}
