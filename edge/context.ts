// What every custody operation needs: the store, the ledger, the site and a clock.
// Built once at start; the clock is injectable so that tests can move time.
import type { Db } from './store/db.ts';
import type { Ledger, LedgerTx } from './ledger/ledger.ts';
import type { Site, Zone, Gate } from './site/schema.ts';
import type { CustodyBus } from './bus.ts';

export interface Clock { now(): number }
export const systemClock: Clock = { now: () => Date.now() };

export class CustodyContext {
  readonly zones: Map<string, Zone>;
  readonly gates: Map<string, Gate>;
  readonly restrictedZones: Set<string>;
  readonly dualControl: Set<string>;
  /** The ledger's bus: committed events, alarms, decided crossings and device changes are heard here. */
  readonly bus: CustodyBus;

  constructor(readonly db: Db, readonly ledger: Ledger, readonly site: Site, readonly clock: Clock = systemClock) {
    this.zones = new Map(site.zones.map((z) => [z.id, z]));
    this.gates = new Map(site.gates.map((g) => [g.id, g]));
    this.restrictedZones = new Set(site.zones.filter((z) => z.kind === 'restricted').map((z) => z.id));
    this.dualControl = new Set(site.categories.filter((c) => c.dualControl).map((c) => c.id));
    this.bus = ledger.bus;
  }

  private hooks: (() => void)[] | null = null;
  /** Told of a custody transaction that failed (the store's capacity watch looks for a full disk). */
  onWriteFailure: ((err: unknown) => void) | null = null;

  /**
   * One custody transaction: state changes, ledger events and alarms commit together, and what
   * must be told to the outside (bus, MQTT, SSE) is told only after the commit. Nested calls join.
   */
  transaction<T>(fn: (tx: LedgerTx) => T): T {
    if (this.hooks) return this.ledger.transaction(fn);
    this.hooks = [];
    try {
      let result: T;
      try {
        result = this.ledger.transaction(fn);
      } catch (e) {
        this.onWriteFailure?.(e);
        throw e;
      }
      const hooks = this.hooks;
      this.hooks = null;
      for (const h of hooks) h();
      return result;
    } finally {
      this.hooks = null;
    }
  }

  /**
   * `fn` in a savepoint of the current custody transaction (its own when there is none): if it
   * throws, its state changes, events, alarms and what it asked to tell after the commit are undone,
   * and the transaction goes on with what came before.
   */
  savepoint<T>(fn: (tx: LedgerTx) => T): T {
    if (!this.hooks) return this.transaction(fn);
    const told = this.hooks.length;
    try {
      return this.ledger.savepoint(fn);
    } catch (e) {
      this.hooks.length = told;
      throw e;
    }
  }

  /** Runs `fn` once the current custody transaction commits (at once when there is none). */
  afterCommit(fn: () => void): void {
    if (this.hooks) this.hooks.push(fn);
    else fn();
  }

  nowIso(): string { return new Date(this.clock.now()).toISOString(); }
  isRestrictedZone(zoneId: string | null | undefined): boolean { return !!zoneId && this.restrictedZones.has(zoneId); }
}
