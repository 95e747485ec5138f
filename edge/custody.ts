// The custody core as one object: opens the store, mirrors the site, builds the ledger, and runs
// the clock-driven rules. The gateway process and the tests both start it through here.
import type { Site } from './site/schema.ts';
import { openStore, type Db } from './store/db.ts';
import { syncSite } from './site/sync.ts';
import { Ledger } from './ledger/ledger.ts';
import { verifyLedger } from './ledger/verify.ts';
import { splitChainsIfPending } from './ledger/split.ts';
import { CustodyContext, systemClock, type Clock } from './context.ts';
import { checkOverdue } from './rules/overdue.ts';
import { refreshOrderStates } from './orders/order.ts';
import { checkExpiredManifests } from './rules/manifest.ts';
import { expirePendingOperations } from './lifecycle/dual-control.ts';

export interface CustodyOptions {
  site: Site;
  dataDir: string;
  siteKey: Buffer;
  clock?: Clock;
}

export class Custody {
  readonly db: Db;
  readonly ctx: CustodyContext;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: CustodyOptions) {
    this.db = openStore(opts.dataDir);
    try {
      syncSite(this.db, opts.site);
      const clock = opts.clock ?? systemClock;
      const ledger = new Ledger(this.db, opts.site.site.id, opts.siteKey, opts.dataDir, () => clock.now());
      splitChainsIfPending(this.db, ledger, new Date(clock.now()).toISOString());
      this.ctx = new CustodyContext(this.db, ledger, opts.site, clock);
    } catch (e) {
      this.db.close();
      throw e;
    }
  }

  verify() {
    return verifyLedger(this.db, this.opts.site.site.id, this.opts.siteKey, this.opts.dataDir);
  }

  get siteKey(): Buffer { return this.opts.siteKey; }
  get dataDir(): string { return this.opts.dataDir; }

  /** One pass of the rules the clock drives; also run by tests that move the clock. */
  tick(): void {
    checkExpiredManifests(this.ctx, refreshOrderStates(this.ctx));
    checkOverdue(this.ctx);
    expirePendingOperations(this.ctx);
  }

  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.opts.site.rules.checkIntervalSeconds * 1000);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.ctx.ledger.flushMirror();
    this.db.close();
  }
}
