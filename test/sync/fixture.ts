// The gateway's sync against the simulated city platform (firmware-sim/platform, a second
// implementation of the contract written apart): both real, on an ephemeral loopback port, each
// with its own SQLite file.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { openHarness, TestClock, tempDir, type Harness, type HarnessOptions } from '../helpers/custody-site.ts';
import { startPlatform, type Platform } from '../../firmware-sim/platform/server.ts';
import type { CustodyContext } from '../../edge/context.ts';
import type { PlatformConfig } from '../../edge/site/schema.ts';

export const SITE = 'test-center';
export const KEY_ID = 'gw-test';
export const SECRET = 'a-shared-secret-of-the-test-site-0123456789';

export async function startSim(dir: string, port = 0, now?: () => number): Promise<Platform> {
  return startPlatform({ port, dbFile: path.join(dir, 'platform.db'), seed: { sites: [{ id: SITE, keyId: KEY_ID, secret: SECRET }] }, ...(now ? { now } : {}) });
}

export type SyncTuning = Partial<Omit<PlatformConfig, 'url' | 'keyId'>>;

/** A test center pointed at `url`, its sync not started (the test starts it). Fast retries, no drain bound unless given. */
export async function openGateway(url: string, o: { dir?: string; secret?: string; tuning?: SyncTuning; harness?: HarnessOptions } = {}): Promise<Harness> {
  return openHarness({
    ...o.harness,
    dir: o.dir ?? tempDir('sync-gw-'),
    clock: o.harness?.clock ?? new TestClock(Date.now()),
    site: (input) => {
      o.harness?.site?.(input);
      input.platform = { url, keyId: KEY_ID, pollIntervalMs: 1000, timeoutMs: 2000, drainEventsPerSecond: 10_000_000, retryBaseMs: 50, retryMaxMs: 400, ...o.tuning };
    },
    platformSecrets: { platform: Buffer.from(o.secret ?? SECRET), commission: null },
  });
}

/** `n` events appended to the ledger in transactions of a few thousand (what a busy site writes in a day or two). */
export function appendEvents(ctx: CustodyContext, n: number, opts: { restrictedEvery?: number } = {}): void {
  for (let done = 0; done < n;) {
    const chunk = Math.min(5000, n - done);
    ctx.transaction((tx) => {
      for (let i = 0; i < chunk; i++) {
        const k = done + i;
        tx.append({ kind: 'crossed', itemId: null, orderId: null, actors: { by: 'gateway', role: 'gateway' }, from: null, to: null,
          details: { gateId: 'gate-main', n: k }, restricted: !!opts.restrictedEvery && k % opts.restrictedEvery === 0 });
      }
    });
    done += chunk;
  }
}

export async function admin<T = any>(p: Platform, method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: T }> {
  const init = { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) };
  // Once more on a socket error: a pooled connection to a platform that was restarted is closed.
  const res = await fetch(`${p.url}${urlPath}`, init).catch(() => fetch(`${p.url}${urlPath}`, init));
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

export interface ChainReport { head: { seq: number; hash: string }; source: string; events: number; verified: boolean; refusals: Record<string, number> }
export const chainReport = async (p: Platform, chain = 'main') => (await admin<ChainReport>(p, 'GET', `/admin/sites/${SITE}/chains/${chain}`)).body;

/**
 * What a suite opened (gateways, platforms, folders), closed after each test and removed after the
 * suite. Call once at the top of a test file.
 */
export function tracked() {
  const dirs: string[] = [];
  const open: { gw: Harness[]; sims: Platform[] } = { gw: [], sims: [] };
  afterEach(async () => {
    for (const g of open.gw.splice(0)) await g.close().catch(() => {});
    for (const s of open.sims.splice(0)) await s.close().catch(() => {});
  });
  afterAll(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });
  const dir = (prefix: string) => { const d = tempDir(prefix); dirs.push(d); return d; };
  return {
    open, dir,
    sim: async (d = dir('sync-sim-'), port = 0, now?: () => number) => { const p = await startSim(d, port, now); open.sims.push(p); return p; },
    gateway: async (url: string, o: Parameters<typeof openGateway>[1] = {}) => { const g = await openGateway(url, o); open.gw.push(g); return g; },
    /** A harness opened elsewhere, closed with the rest. */
    keep: <T extends Harness>(g: T) => { open.gw.push(g); return g; },
    /** Forget one that the test closed itself. */
    drop: (x: Harness | Platform) => {
      const list = 'custody' in x ? open.gw : open.sims;
      const i = (list as unknown[]).indexOf(x);
      if (i >= 0) list.splice(i, 1);
    },
  };
}
