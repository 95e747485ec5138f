// The custody core as one object: opens the store, mirrors the site, builds the ledger, runs the
// clock-driven rules, and is the edge's one way in: `observe(o)` takes every observation the
// gateway makes (gate crossings, gate and device reports, shelf rounds, intake desk polls, handheld
// reads for cycle counts; raw tags and environment as their rules land), checks it against its schema and hands it to its rule module. The gateway process and the
// tests both start it through here.
import type { Site } from './site/schema.ts';
import { openStore, type Db } from './store/db.ts';
import { syncSite } from './site/sync.ts';
import { Ledger } from './ledger/ledger.ts';
import { verifyLedger } from './ledger/verify.ts';
import { splitChainsIfPending } from './ledger/split.ts';
import { CustodyContext, systemClock, type Clock } from './context.ts';
import { checkOverdue } from './rules/overdue.ts';
import { checkDueSoon } from './rules/due-soon.ts';
import { checkRetention } from './rules/retention.ts';
import { refreshOrderStates } from './orders/order.ts';
import { checkExpiredManifests } from './rules/manifest.ts';
import { expirePendingOperations } from './lifecycle/dual-control.ts';
import { GateDecider } from './rules/crossings.ts';
import { DeviceRegistry } from './rules/devices.ts';
import { GateBoard } from './rules/gates.ts';
import { ShelfWatch } from './rules/shelves.ts';
import { Enrolments } from './rules/enrolment.ts';
import { Counts } from './rules/counts.ts';
import { EnvironmentWatch } from './rules/environment.ts';
import { EnvironmentHistory } from './history/environment.ts';
import { observation, type CrossingObservation, type Observation } from './observations.ts';
import { CustodyBus } from './bus.ts';
import { stderrLog, type EdgeLog } from './log.ts';
import { PlatformSync, type SyncSecrets } from './sync/sync.ts';
import { StorageWatch } from './store/capacity.ts';

export interface CustodyOptions {
  site: Site;
  dataDir: string;
  siteKey: Buffer;
  clock?: Clock;
  /** Where the edge logs what it refuses and a listener's failure; JSON lines on stderr without one. */
  log?: EdgeLog;
  /**
   * The platform link's secrets, read by the gateway from the environment variables the site file
   * names (never from the site file itself). Without a `platform` section in the site file, no sync.
   */
  platformSecrets?: SyncSecrets;
}

/** What became of an observation: taken by its rule, or refused with a reason (counted, logged). */
export type ObserveOutcome = { ok: true } | { ok: false; reason: ObserveRefusal; detail: string };
export type ObserveRefusal = 'invalid' | 'unknown_gate' | 'unknown_device' | 'unknown_location' | 'no_rule' | 'failed';

/** Kinds the gateway may already produce but no rule decides yet (raw tag reads, environment): refused as `no_rule`, counted. */
const NO_RULE_YET: readonly Observation['type'][] = ['tag'];
/** How often, and how many rows at most, the shelves' sightings are written between the periodic checks. */
const SHELF_FLUSH_MS = 5_000;
const SHELF_FLUSH_ROWS = 10_000;
/** While the disk is full, how often a small write tries whether space is back. */
const STORAGE_PROBE_MS = 3_000;

export class Custody {
  readonly db: Db;
  readonly ctx: CustodyContext;
  /** Gate crossings: decided at once, or after their escort window (ticked on the edge's clock). */
  readonly decider: GateDecider;
  readonly devices: DeviceRegistry;
  readonly gates: GateBoard;
  /** Shelf readers' rounds and load cells' weights: sightings in memory, putaway confirmations, removals, misplacements. */
  readonly shelves: ShelfWatch;
  /** The intake desk's enrolments (一物一码): a tag on the desk bound to the item a person named. */
  readonly enrolments: Enrolments;
  /** Cycle counts (盘点): what the shelves and handhelds read while one is open, against the ledger. */
  readonly counts: Counts;
  /** The zones' environment: current readings, limits, alarms; and its history in a file of its own. */
  readonly environment: EnvironmentWatch;
  readonly history: EnvironmentHistory;
  /** The city platform link (outbox, inbox, uploads), when the site file has a `platform` section. */
  readonly sync: PlatformSync | null = null;
  /** A full disk: refused writes, the alarm, and the probe that sees space come back. */
  readonly storage: StorageWatch;
  private storageTimer: NodeJS.Timeout | null = null;
  /** Observations refused since start, by kind and reason (`crossing:invalid`), for the metrics. */
  readonly refused = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private gateTimer: NodeJS.Timeout | null = null;
  private shelfTimer: NodeJS.Timeout | null = null;
  private historyTimer: NodeJS.Timeout | null = null;
  private readonly log: EdgeLog;

  constructor(private readonly opts: CustodyOptions) {
    this.db = openStore(opts.dataDir);
    this.history = new EnvironmentHistory(opts.dataDir, { maxMb: opts.site.rules.environmentHistoryMaxMb });
    try {
      syncSite(this.db, opts.site);
      const clock = opts.clock ?? systemClock;
      this.log = opts.log ?? stderrLog;
      const ledger = new Ledger(this.db, opts.site.site.id, opts.siteKey, opts.dataDir, () => clock.now(), new CustodyBus(this.log));
      splitChainsIfPending(this.db, ledger, new Date(clock.now()).toISOString());
      this.ctx = new CustodyContext(this.db, ledger, opts.site, clock);
      this.decider = new GateDecider(this.ctx);
      this.devices = new DeviceRegistry(this.ctx);
      this.gates = new GateBoard(this.ctx);
      this.shelves = new ShelfWatch(this.ctx, this.devices);
      this.enrolments = new Enrolments(this.ctx);
      this.counts = new Counts(this.ctx, this.shelves);
      this.environment = new EnvironmentWatch(this.ctx, this.history);
      ledger.annotate = (e) => this.environment.annotate(e);
      this.storage = new StorageWatch(this.ctx, this.log);
      this.ctx.onWriteFailure = (err) => this.storage.noteFailure(err);
      if (opts.site.platform) {
        this.sync = new PlatformSync({
          ctx: this.ctx, history: this.history, config: opts.site.platform, log: this.log,
          secrets: opts.platformSecrets ?? { platform: null, commission: null },
        });
      }
    } catch (e) {
      this.db.close();
      this.history.close();
      throw e;
    }
  }

  verify() {
    return verifyLedger(this.db, this.opts.site.site.id, this.opts.siteKey, this.opts.dataDir);
  }

  get siteKey(): Buffer { return this.opts.siteKey; }
  get dataDir(): string { return this.opts.dataDir; }

  /**
   * The edge's one way in. Never throws: what it cannot take is refused with a reason, counted and
   * logged; a crossing whose decision fails is itself recorded as `failed` by the decider. Given a
   * list (what one portal tick closed), the crossings decided now share one transaction.
   */
  observe(input: readonly unknown[]): ObserveOutcome[];
  observe(input: unknown): ObserveOutcome;
  observe(input: unknown): ObserveOutcome | ObserveOutcome[] {
    if (!Array.isArray(input)) return this.observeOne(input);
    const crossings: CrossingObservation[] = [];
    const outcomes = input.map((o) => this.observeOne(o, crossings));
    if (crossings.length) {
      try {
        this.decider.observeAll(crossings);
      } catch (err) {
        // The decider records a failing decision itself; this is what it could not even record.
        this.log.error({ err, crossings: crossings.length }, 'deciding crossings failed');
      }
    }
    return outcomes;
  }

  /** Checks one observation and hands it on; a crossing goes into `batch` when there is one. */
  private observeOne(input: unknown, batch?: CrossingObservation[]): ObserveOutcome {
    const parsed = observation.safeParse(input);
    if (!parsed.success) {
      const kind = typeof (input as { type?: unknown } | null)?.type === 'string' ? (input as { type: string }).type : 'unknown';
      const detail = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      return this.refuse(kind, 'invalid', detail, input);
    }
    const o = parsed.data;
    try {
      return this.dispatch(o, batch);
    } catch (err) {
      // A store that fails (a full disk) while recording a device's change: said, never thrown at the gateway.
      this.storage.noteFailure(err);
      return this.refuse(o.type, 'failed', err instanceof Error ? err.message : String(err), o);
    }
  }

  private dispatch(o: Observation, batch?: CrossingObservation[]): ObserveOutcome {
    switch (o.type) {
      case 'crossing':
        if (!this.ctx.gates.has(o.gateId)) return this.refuse(o.type, 'unknown_gate', `no gate ${o.gateId}`, o);
        if (batch) batch.push(o);
        else this.decider.observe(o);
        return { ok: true };
      case 'device':
        return this.devices.observe(o) ? { ok: true } : this.refuse(o.type, 'unknown_device', `no device ${o.deviceId}`, o);
      case 'gate':
        return this.gates.observe(o) ? { ok: true } : this.refuse(o.type, 'unknown_gate', `no gate ${o.gateId}`, o);
      case 'shelf': {
        const refused = this.shelves.observe(o);
        if (refused) return this.refuse(o.type, refused.reason, refused.detail, o);
        this.counts.shelfRound(o);
        return { ok: true };
      }
      case 'env': {
        const refused = this.environment.observe(o);
        return refused ? this.refuse(o.type, refused.reason, refused.detail, o) : { ok: true };
      }
      case 'handheld': {
        const refused = this.counts.handheld(o);
        return refused ? this.refuse(o.type, refused.reason, refused.detail, o) : { ok: true };
      }
      case 'desk': {
        const refused = this.enrolments.observe(o);
        return refused ? this.refuse(o.type, refused.reason, refused.detail, o) : { ok: true };
      }
      default:
        if (NO_RULE_YET.includes(o.type)) return this.refuse(o.type, 'no_rule', `no rule decides ${o.type} observations yet`, o);
        return this.refuse('unknown', 'invalid', 'not an observation kind', o);
    }
  }

  private refuse(kind: string, reason: ObserveRefusal, detail: string, input: unknown): ObserveOutcome {
    const key = `${kind}:${reason}`;
    const n = (this.refused.get(key) ?? 0) + 1;
    this.refused.set(key, n);
    // The first of each kind and reason, then every hundredth: a gateway bug must not flood the log.
    if (n === 1 || n % 100 === 0) {
      const o = input as { gateId?: unknown; deviceId?: unknown; epc?: unknown; locationId?: unknown } | null;
      this.log.error({ kind, reason, detail, count: n, gateId: o?.gateId, deviceId: o?.deviceId, epc: o?.epc, locationId: o?.locationId }, 'observation refused');
    }
    return { ok: false, reason, detail };
  }

  /** One pass of the rules the clock drives; also run by tests that move the clock. */
  tick(): void {
    checkExpiredManifests(this.ctx, refreshOrderStates(this.ctx));
    checkOverdue(this.ctx);
    // After the overdue rule: a check-out already past its due time is overdue, never due soon.
    checkDueSoon(this.ctx);
    checkRetention(this.ctx);
    expirePendingOperations(this.ctx);
    this.enrolments.tick();
    this.shelves.tick();
    this.counts.tick();
    this.environment.tick();
    this.keepHistory();
  }

  /** One slice of the history's retention and size cap; a failure there is said, and never stops the rules. */
  private keepHistory(): void {
    try {
      this.history.maintain(this.ctx.clock.now());
    } catch (err) {
      this.log.error({ err }, 'the environment history\'s upkeep failed');
    }
  }

  private flushHistory(): void {
    try {
      this.history.flush();
    } catch (err) {
      this.log.error({ err }, 'writing environment readings to the history failed; they are lost, the rules were not affected');
    }
  }

  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.opts.site.rules.checkIntervalSeconds * 1000);
    this.timer.unref();
    // Escort windows end on time: the portal's tick is the floor of the latency from a crossing to its decision.
    this.gateTimer = setInterval(() => this.tickGates(), this.opts.site.portal.tickMs);
    this.gateTimer.unref();
    // Shelf sightings reach the items' rows in slices, a few seconds apart (each item at most once a minute).
    this.shelfTimer = setInterval(() => this.flushShelves(), SHELF_FLUSH_MS);
    this.shelfTimer.unref();
    // Readings reach the history once a second, in one transaction of their own file.
    this.historyTimer = setInterval(() => this.flushHistory(), 1_000);
    this.historyTimer.unref();
    this.sync?.start();
    // Space coming back is seen within seconds, not at the next rules tick.
    this.storageTimer = setInterval(() => this.storage.tick(), STORAGE_PROBE_MS);
    this.storageTimer.unref();
  }

  private flushShelves(): void {
    try {
      this.shelves.flush(this.ctx.clock.now(), false, SHELF_FLUSH_ROWS);
    } catch (err) {
      this.storage.noteFailure(err);
      this.log.error({ err }, 'writing shelf sightings failed; they stay in memory and are tried again');
    }
  }

  /** Decides the crossings whose escort window has closed; the decider records one that fails as `failed`. */
  tickGates(): void {
    try {
      this.decider.tick(this.ctx.clock.now());
    } catch (err) {
      this.log.error({ err }, 'deciding the crossings whose escort window closed failed');
    }
  }

  close(): void {
    this.sync?.stop();
    if (this.storageTimer) clearInterval(this.storageTimer);
    if (this.timer) clearInterval(this.timer);
    if (this.gateTimer) clearInterval(this.gateTimer);
    if (this.shelfTimer) clearInterval(this.shelfTimer);
    if (this.historyTimer) clearInterval(this.historyTimer);
    this.timer = this.gateTimer = this.shelfTimer = this.historyTimer = null;
    try {
      this.shelves.close();
    } catch (err) {
      // What is lost is the last minute of sightings, never custody: say so and close the store all the same.
      this.log.error({ err }, 'writing the last shelf sightings failed');
    }
    try {
      this.counts.tick();
    } catch (err) {
      this.log.error({ err }, 'writing the open counts\' last sightings failed');
    }
    this.ctx.ledger.flushMirror();
    this.db.close();
    try {
      this.history.close();
    } catch (err) {
      this.log.error({ err }, 'closing the environment history failed');
    }
  }
}
