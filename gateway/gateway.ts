// The process: the custody core, the API and (as they land) the device links, started and
// stopped in order. Each part's constructor only stores what it is given; work starts in start().
import type { FastifyInstance } from 'fastify';
import { Custody } from '../edge/custody.ts';
import { buildApi } from '../edge/api/server.ts';
import type { Principal } from '../edge/auth/principal.ts';
import type { ResolvedSite } from './site.ts';
import type { Logger } from './log.ts';
import { DemoClock, populateDemo } from './demo/populate.ts';
import { serveDashboards } from './dashboards.ts';

export interface GatewayOptions {
  resolved: ResolvedSite;
  logger: Logger;
  /** Override the site's HTTP port (0 = ephemeral, for tests). */
  httpPort?: number;
  httpHost?: string;
}

export class Gateway {
  custody!: Custody;
  api!: FastifyInstance;

  constructor(private readonly opts: GatewayOptions) {}

  async start(): Promise<{ url: string }> {
    const { resolved, logger } = this.opts;
    const { site } = resolved;
    if (resolved.demo) this.seedDemoIfEmpty();
    else this.custody = new Custody({ site, dataDir: site.dataDir, siteKey: resolved.siteKey });
    this.custody.start();
    this.api = await buildApi(this.custody, { logger: logger.child({ part: 'api' }), serveDashboards });
    const address = await this.api.listen({ port: this.opts.httpPort ?? site.http.port, host: this.opts.httpHost ?? site.http.host });
    const url = address.replace('0.0.0.0', 'localhost').replace('[::]', 'localhost');
    logger.info({ url, site: site.site.id, demo: resolved.demo }, 'gateway started');
    return { url };
  }

  /** An empty demo store is filled through the lifecycle, then reopened on the real clock. */
  private seedDemoIfEmpty(): void {
    const { site, siteKey } = this.opts.resolved;
    const clock = new DemoClock(Date.now());
    let custody = new Custody({ site, dataDir: site.dataDir, siteKey, clock });
    const empty = custody.ctx.ledger.headNow.seq === 0;
    if (empty) {
      const users = Object.fromEntries(site.users.map((u) => [u.role, {
        userId: u.id, name: u.name, role: u.role, agencyId: u.agencyId ?? null, staffId: u.staffId ?? null,
      } satisfies Principal]));
      const started = Date.now();
      const r = populateDemo(custody, clock, users, Date.now());
      this.opts.logger.info({ ...r, ms: Date.now() - started }, 'demo site populated through the custody operations');
    }
    custody.close();
    this.custody = new Custody({ site, dataDir: site.dataDir, siteKey });
  }

  async stop(): Promise<void> {
    await this.api?.close();
    this.custody?.close();
  }
}
