/**
 * Drives simulated RFID portals: people with badges carrying items through gates.
 *
 * Takes a plain description of gates, readers, people and items (its own small types, not the
 * gateway's), connects one simulated reader per description entry, and makes "walks" happen:
 * - `Scenario.runWalk(plan)`: one exact crossing now (for tests);
 * - `startDemo(url, description, { intervalMs, seed })`: random walks until `stop()`, with a
 *   reader that dies after a while (configurable) and comes back later.
 * Every finished walk is reported through `onWalk` with what the sim did and what a correct
 * gateway should conclude (`expected`).
 */
import { EventEmitter } from 'node:events';
import { SimReader, type DeathMode, type ReaderFormat, type SimReaderTopics } from './reader.ts';
import type { ReportingMode } from './formats.ts';
import { gaussian, seededRandom, simulateWalk, type BeamEvent, type PortalSide, type WalkDirection } from './walk.ts';

// ---------------------------------------------------------------------------------------------
// The description

export interface ScenarioReader {
  deviceId: string;
  password: string;
  format: ReaderFormat;
  topics: SimReaderTopics;
  antennas: { inner: number[]; outer: number[] };
  /** GPI pins of the photo eyes at each end of the portal, if the reader has them. */
  photoEyes?: { inner: number; outer: number };
  /** Default per-read. */
  reporting?: ReportingMode;
  /** Overrides the scenario's heartbeat period for this reader. */
  heartbeatMs?: number;
  /** Zebra: FX (`peakRssi`) or ATR7000 (`rssi`). */
  zebraModel?: 'fx' | 'atr7000';
}

export interface ScenarioGate {
  id: string;
  readers: ScenarioReader[];
}

export interface ScenarioPerson {
  badgeEpc: string;
  staffId: string;
}

export interface ScenarioItem {
  epc: string;
  dualControl?: boolean;
}

export interface ScenarioDescription {
  gates: ScenarioGate[];
  people: ScenarioPerson[];
  items: ScenarioItem[];
}

// ---------------------------------------------------------------------------------------------
// Walks

export interface WalkPlan {
  gateId: string;
  direction: WalkDirection;
  /** Staff ids (or badge EPCs) of the people walking, in order; the first carries the items. Empty: items carried by someone without a badge. */
  staff: string[];
  /** EPCs of the items carried. */
  items: string[];
  /** Turnaround: the side entered and left by. Default: random. */
  turnaroundSide?: PortalSide;
  /** Each following person walks this far behind the one before, ms. Default 900. */
  followGapMs?: number;
  /** Walking speed, m/s. Default 1.2 (± a little per walk when random). */
  speedMps?: number;
  /** Weak stray reads of other tags (items not in the walk) during the walk. Default 0. */
  strayReads?: number;
  /** Per read opportunity probability of a reflection read of the walking tags. Default 0. */
  strayProbability?: number;
}

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

/** Picks an element with a [0,1) random number. */
function pick<T>(xs: readonly T[], rng: () => number): T {
  return xs[Math.floor(rng() * xs.length) % xs.length]!;
}

function shuffled<T>(xs: readonly T[], rng: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

export interface PlanOptions {
  /** Only these gates (default all). */
  gateIds?: string[];
  /** Where each item was last left, to make items walk out of where they went in. */
  itemSides?: Map<string, { gateId: string; side: PortalSide }>;
}

/**
 * A random walk: usually one person with 0–3 items in or out; a second person whenever a
 * dual-control item is carried (but not always: a missing escort is part of the demo);
 * sometimes a turn-around; sometimes stray reads; rarely an item with no badge.
 */
export function planRandomWalk(d: ScenarioDescription, rng: () => number, opts: PlanOptions = {}): WalkPlan {
  const gates = d.gates.filter((g) => !opts.gateIds || opts.gateIds.includes(g.id));
  if (gates.length === 0) throw new Error('no gate to walk through');
  const gate = pick(gates, rng);
  const r = rng();
  const direction: WalkDirection = r < 0.45 ? 'in' : r < 0.9 ? 'out' : 'turnaround';
  const entry: PortalSide = direction === 'in' ? 'outer' : direction === 'out' ? 'inner' : rng() < 0.5 ? 'outer' : 'inner';

  // Items on the side the person enters by (or whose side is unknown at this gate).
  const available = d.items.filter((it) => {
    const s = opts.itemSides?.get(it.epc);
    return !s || s.gateId !== gate.id || s.side === entry;
  });
  const rc = rng();
  const want = rc < 0.2 ? 0 : rc < 0.6 ? 1 : rc < 0.85 ? 2 : 3;
  const items = shuffled(available, rng).slice(0, want);

  const noBadge = items.length > 0 && rng() < 0.03;
  const people = shuffled(d.people, rng);
  const staff: string[] = [];
  if (!noBadge && people.length > 0) {
    staff.push(people[0]!.staffId);
    const dual = items.some((it) => it.dualControl);
    const second = dual ? rng() < 0.9 : rng() < 0.1;
    if (second && people.length > 1) staff.push(people[1]!.staffId);
  }
  if (staff.length === 0 && items.length === 0) {
    // Nobody and nothing: make it one person walking through with no items.
    if (people.length > 0) staff.push(people[0]!.staffId);
  }
  const plan: WalkPlan = {
    gateId: gate.id,
    direction,
    staff,
    items: items.map((it) => it.epc),
    speedMps: Math.round((1.2 + gaussian(rng) * 0.15) * 100) / 100,
  };
  if (direction === 'turnaround') plan.turnaroundSide = entry;
  if (rng() < 0.15) plan.strayReads = 1 + Math.floor(rng() * 2);
  if (rng() < 0.2) plan.strayProbability = 0.01;
  return plan;
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

    if (plan.direction !== 'turnaround') {
      const side: PortalSide = plan.direction === 'in' ? 'inner' : 'outer';
      for (const epc of plan.items) this.itemSides.set(epc, { gateId: gate.id, side });
    }
    this.emit('walk', record);
    return record;
  }

  /** Runs timed actions in order as the clock reaches them (a 25 ms tick). */
  private playRealtime(actions: TimedAction[]): Promise<void> {
    return new Promise<void>((resolve) => {
      let i = 0;
      let busy = false;
      const timer = setInterval(() => {
        if (busy) return;
        if (this.stopped) {
          clearInterval(timer);
          this.timers.delete(timer);
          resolve();
          return;
        }
        busy = true;
        void (async () => {
          const now = this.now();
          while (i < actions.length && actions[i]!.t <= now) {
            await actions[i]!.run().catch((e: Error) => this.fail(e));
            i += 1;
          }
          busy = false;
          if (i >= actions.length) {
            clearInterval(timer);
            this.timers.delete(timer);
            resolve();
          }
        })();
      }, 25);
      this.timers.add(timer);
    });
  }

  /** Kills a reader now (see SimReader.die). */
  async killReader(deviceId: string, mode: DeathMode = 'crash'): Promise<void> {
    await this.reader(deviceId).die(mode);
    this.emit('readerDied', deviceId, mode);
  }

  /** Replaces a dead reader with a fresh, connected one (same device id and credentials). */
  async reviveReader(deviceId: string): Promise<void> {
    const spec = this.description.gates.flatMap((g) => g.readers).find((r) => r.deviceId === deviceId);
    if (!spec) throw new Error(`no reader ${deviceId}`);
    const old = this.readerMap.get(deviceId);
    if (old && old.status === 'running') return;
    await old?.stop();
    const reader = this.makeReader(spec);
    this.readerMap.set(deviceId, reader);
    await reader.start();
    this.emit('readerRevived', deviceId);
  }

  /** Stops walks and disconnects every reader cleanly. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) {
      clearInterval(t);
      clearTimeout(t);
    }
    this.timers.clear();
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

// ---------------------------------------------------------------------------------------------
// The continuous demo

export interface DemoOptions {
  /** Time between the starts of two walks, ms. Default 6000. */
  intervalMs?: number;
  seed?: number;
  /** Heartbeat period of every reader, ms. Default 10 000. */
  heartbeatMs?: number;
  /**
   * A reader that dies during the demo: `false` for none. Default: the last reader of the last
   * gate crashes (will fires) after 5 minutes and comes back 2 minutes later.
   */
  die?:
    | false
    | {
        deviceId?: string;
        afterMs?: number;
        mode?: DeathMode;
        /** Come back this long after dying; omit or 0 to stay dead. */
        reviveAfterMs?: number;
      };
  onWalk?: (record: WalkRecord) => void;
  onError?: (err: Error) => void;
}

export interface DemoHandle {
  scenario: Scenario;
  /** Resolves once every reader is connected (rejects if one cannot connect). */
  ready: Promise<void>;
  onWalk(cb: (record: WalkRecord) => void): () => void;
  /** Makes one exact walk happen now, in real time, between the random ones. */
  runWalk(plan: WalkPlan, options?: RunWalkOptions): Promise<WalkRecord>;
  stop(): Promise<void>;
}

/** Starts random walks through the description's gates until `stop()`. */
export function startDemo(url: string, description: ScenarioDescription, options: DemoOptions = {}): DemoHandle {
  const scenario = createScenario(url, description, {
    seed: options.seed ?? Date.now() & 0xffffffff,
    heartbeatMs: options.heartbeatMs ?? 10_000,
  });
  if (options.onError) scenario.on('error', options.onError);
  if (options.onWalk) scenario.onWalk(options.onWalk);
  const interval = options.intervalMs ?? 6000;

  const tick = (): void => {
    if (scenario.isStopped) return;
    const free = description.gates.filter((g) => !scenario.gateBusy(g.id)).map((g) => g.id);
    if (free.length > 0 && (description.people.length > 0 || description.items.length > 0)) {
      const plan = scenario.planWalk({ gateIds: free });
      void scenario.runWalk(plan, { timing: 'realtime' }).catch((e: Error) => options.onError?.(e));
    }
    scenario.schedule(interval, tick);
  };

  const ready = scenario.start().then(() => {
    if (scenario.isStopped) return;
    scenario.schedule(Math.min(interval, 1000), tick);
    const die = options.die === undefined ? {} : options.die;
    const all = description.gates.flatMap((g) => g.readers);
    if (die !== false && all.length > 0) {
      const deviceId = die.deviceId ?? all[all.length - 1]!.deviceId;
      const reviveAfter = options.die === undefined ? 120_000 : (die.reviveAfterMs ?? 0);
      scenario.schedule(die.afterMs ?? 300_000, () => {
        void scenario
          .killReader(deviceId, die.mode ?? 'crash')
          .then(() => {
            if (reviveAfter > 0) scenario.schedule(reviveAfter, () => void scenario.reviveReader(deviceId).catch((e: Error) => options.onError?.(e)));
          })
          .catch((e: Error) => options.onError?.(e));
      });
    }
  });
  ready.catch((e: Error) => options.onError?.(e));

  return {
    scenario,
    ready,
    onWalk: (cb) => scenario.onWalk(cb),
    runWalk: (plan, o) => scenario.runWalk(plan, { timing: 'realtime', ...o }),
    stop: () => scenario.stop(),
  };
}
