// The server side of the portal benchmark, in its own process (its own core, and an RSS that is its
// own). BENCH_PORTAL_MODE=gateway: the demo Gateway (embedded aedes, decoders, portals, decider,
// SQLite, API) on ephemeral ports in a fresh data folder, simulation off. BENCH_PORTAL_MODE=raw: a
// bare aedes broker on an ephemeral port, no authentication, no hooks (the raw limit).
// Driven over IPC by portal.bench.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { Aedes } from 'aedes';
import { Gateway } from '../../gateway/gateway.ts';
import { resolveSite } from '../../gateway/site.ts';
import { createLogger } from '../../gateway/log.ts';
import { GuardedConnection } from '../../gateway/mqtt/frame-guard.ts';

export interface GatewayCounters {
  /** Reads the gate-main portal took into a track (accepted by the decoder, ingested). */
  portalReads: number;
  /** Reads the portal left out (late stragglers, unknown antenna). */
  portalIgnored: number;
  /** Messages the link passed on from rd-main, and refused as rate-limited. */
  linkAccepted: number;
  rateLimited: number;
  /** Payloads the decoder refused. */
  decodeRejected: number;
  tracksOpened: number;
  crossings: number;
  /** Crossings the decider committed (the bus's `crossing`). */
  decided: number;
  openTracks: number;
  pendingDecisions: number;
}

export type PortalServerMessage =
  | { type: 'ready'; port: number; httpUrl?: string; startMs: number; rss: number }
  | { type: 'stats'; t: number; rss: number; heapUsed: number; cpuMs: number; gw?: GatewayCounters }
  | { type: 'items'; epcs: string[] }
  | { type: 'ok'; ms?: number }
  | { type: 'error'; message: string };

export type PortalServerCommand =
  | { cmd: 'stats' }
  | { cmd: 'unlimit' }
  | { cmd: 'items'; n: number }
  | { cmd: 'refresh' }
  | { cmd: 'close' };

const send = (m: PortalServerMessage) => process.send!(m);
const now = () => performance.timeOrigin + performance.now();

async function main() {
  const mode = process.env.BENCH_PORTAL_MODE;
  const t = performance.now();
  if (mode === 'raw' || mode === 'raw-guarded') {
    // raw-guarded (a diagnostic): the same bare broker, each socket wrapped in the gateway's
    // GuardedConnection (gateway/mqtt/frame-guard.ts) as EmbeddedLink.accept() wraps it.
    const broker = await Aedes.createBroker();
    const server = net.createServer((s) => {
      s.setNoDelay(true);
      broker.handle(mode === 'raw' ? s : new GuardedConnection(s, 256 * 1024, () => {}) as unknown as net.Socket);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    send({ type: 'ready', port: (server.address() as net.AddressInfo).port, startMs: performance.now() - t, rss: process.memoryUsage().rss });
    process.on('message', (m: PortalServerCommand) => {
      if (m.cmd === 'stats') send(stats());
      else if (m.cmd === 'close') broker.close(() => server.close(() => process.exit(0)));
      else send({ type: 'ok' });
    });
    return;
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-bench-portal-'));
  const resolved = await resolveSite([], { ...process.env, GATEWAY_DATA_DIR: dir });
  resolved.site.rules.escortWindowSeconds = Number(process.env.BENCH_PORTAL_ESCORT_S ?? 1);
  const gw = new Gateway({ resolved, logger: createLogger('error'), httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, simulate: false });
  const started = await gw.start();
  let decided = 0;
  gw.custody.ctx.bus.on('crossing', 'bench', () => { decided++; });
  const pipelineLive = (gw.pipeline as unknown as { live: Map<string, { reads: number[]; rejected: Record<string, number> }> }).live;

  const counters = (): GatewayCounters => {
    const p = gw.pipeline.portals.stats().gates['gate-main'];
    const link = gw.link.stats().perDevice['rd-main'];
    const live = pipelineLive.get('rd-main')!;
    return {
      portalReads: p.reads, portalIgnored: p.ignored.late + p.ignored.unknown_antenna + p.ignored.unknown_device,
      linkAccepted: link.accepted, rateLimited: link.refused.rate_limited,
      decodeRejected: Object.values(live.rejected).reduce((s, n) => s + n, 0),
      tracksOpened: p.tracksOpened, crossings: p.crossings.in + p.crossings.out + p.crossings.unknown, decided,
      openTracks: p.openTracks, pendingDecisions: gw.custody.decider.pendingCount(),
    };
  };
  function stats(): PortalServerMessage {
    const cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    return { type: 'stats', t: now(), rss: mem.rss, heapUsed: mem.heapUsed, cpuMs: (cpu.user + cpu.system) / 1000, ...(mode === 'gateway' ? { gw: counters() } : {}) };
  }

  send({ type: 'ready', port: started.mqttPort, httpUrl: started.url, startMs: performance.now() - t, rss: process.memoryUsage().rss });
  process.on('message', async (m: PortalServerCommand) => {
    try {
      if (m.cmd === 'stats') send(stats());
      else if (m.cmd === 'unlimit') {
        // The per-device token bucket (DEFAULT_RATE_LIMIT 2,000 msg/s, burst 4,000; a site sets its
        // own in mqtt.rateLimit): lifted at run time on this instance, so that the same gateway is
        // measured both as shipped and for what the pipeline behind the limit can take.
        (gw.link as unknown as { dir: { allow: (id: string) => boolean } }).dir.allow = () => true;
        send({ type: 'ok' });
      } else if (m.cmd === 'refresh') {
        const t0 = performance.now();
        gw.pipeline.tick(Date.now());
        send({ type: 'ok', ms: performance.now() - t0 });
      } else if (m.cmd === 'items') {
        // Stored items that no order names: a crossing of one is an unauthorized_movement.
        const rows = gw.custody.db.prepare(`SELECT epc FROM items i WHERE state = 'stored' AND restricted = 0
          AND NOT EXISTS (SELECT 1 FROM order_items oi JOIN orders o ON o.id = oi.order_id
            WHERE oi.item_id = i.id AND o.state IN ('open', 'active')) ORDER BY id LIMIT ?`).all(m.n) as { epc: string }[];
        send({ type: 'items', epcs: rows.map((r) => r.epc) });
      } else if (m.cmd === 'close') {
        await gw.stop();
        fs.rmSync(dir, { recursive: true, force: true });
        process.exit(0);
      }
    } catch (e) {
      send({ type: 'error', message: (e as Error).stack ?? String(e) });
    }
  });
}

main().catch((e: Error) => {
  send({ type: 'error', message: e.stack ?? e.message });
  process.exit(1);
});
